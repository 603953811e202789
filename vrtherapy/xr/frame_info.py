"""The plain data the headset session hands the display each frame (`FrameInfo`, `EyeView`) and the
options it starts with (`HeadsetOptions`). No pyopenxr import: the display and tests build them freely.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from vrtherapy.motion.anchoring import AmputationLevel
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.tracking.sample import Side
from vrtherapy.xr import lifecycle as lc
from vrtherapy.xr.commands import Buttons
from vrtherapy.xr.projection import FovAngles
from vrtherapy.xr.reference_space import Pose

ReferenceKind = Literal["local", "stage"]


@dataclass(frozen=True)
class EyeView:
    fov: FovAngles
    pose: Pose  #: world frame
    raw: Any  #: the XrView (pyopenxr declares no types), handed back in the projection layer


@dataclass
class FrameInfo:
    display_time: int
    period_ns: int
    should_render: bool
    views: list[EyeView] = field(default_factory=list)
    head: Pose | None = None
    buttons: Buttons = field(default_factory=Buttons)
    shown_at: float = 0.0  #: the predicted display time on the time.monotonic clock


@dataclass(frozen=True)
class HeadsetOptions:
    reference: ReferenceKind = "local"
    debug: bool = False
    intact_side: Side = "right"
    dims: ArmDimensions = field(default_factory=ArmDimensions)
    residual_level: AmputationLevel | None = None  #: a controller on the residual arm anchors the limb
    stump_length: float = 0.12
    eye_position: tuple[float, float, float] = (0.0, -0.35, 1.2)
    look_at: tuple[float, float, float] = (0.0, 0.3, 0.8)
    reconnect_window_s: float = lc.RECONNECT_WINDOW_S  #: how long a lost runtime is waited for


def next_refresh(predicted: float, period_s: float) -> float:
    """The predicted display time, or, for a frame finished after it (it missed that refresh), the next
    refresh after now: when the patient actually sees it."""
    now = time.monotonic()
    if predicted >= now or period_s <= 0:
        return predicted
    return predicted + math.ceil((now - predicted) / period_s) * period_s
