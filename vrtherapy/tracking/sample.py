"""The plain data type every tracker hands over: one timestamped set of limb landmarks.

Landmark layout for an arm (`ARM_POINTS`, 24 points): the body-pose shoulder, elbow and wrist followed
by MediaPipe's 21 hand landmarks in MediaPipe's order. Positions are world-frame metres (`frames.py`);
trackers convert from their device frame before handing a sample over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Side = Literal["left", "right"]
LimbKind = Literal["arm", "leg"]

HAND_LANDMARKS: tuple[str, ...] = (
    "wrist",
    "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_mcp", "index_pip", "index_dip", "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)  # fmt: skip

ARM_POINTS: tuple[str, ...] = ("shoulder", "elbow", "pose_wrist") + tuple(f"hand_{n}" for n in HAND_LANDMARKS)
HAND_OFFSET = 3  #: index of MediaPipe hand landmark 0 within ARM_POINTS

#: Leg landmarks (MediaPipe Pose's per-side points), in this order.
LEG_POINTS: tuple[str, ...] = ("hip", "knee", "ankle", "heel", "foot_index")

#: Landmarks that move together, for the filter's speed estimate: shoulder, elbow, wrist, the palm
#: (hand wrist, thumb base, knuckles), then the thumb and each finger beyond its knuckle.
ARM_SPEED_GROUPS: tuple[int, ...] = (0, 1, 2, 3, 3, 4, 4, 4, 3, 5, 5, 5, 3, 6, 6, 6, 3, 7, 7, 7, 3, 8, 8, 8)
#: For a leg: hip, knee, and the foot (ankle, heel, toes) as one group.
LEG_SPEED_GROUPS: tuple[int, ...] = (0, 1, 2, 2, 2)


def other_side(side: Side) -> Side:
    return "left" if side == "right" else "right"


@dataclass(frozen=True)
class TrackedSample:
    """Landmarks of one limb at one instant.

    `t_capture` is the monotonic clock (`time.monotonic()`) at the moment the sensor captured the data,
    so the renderer can account for visuo-motor delay. `valid[i]` is False where the tracker did not
    see point i this frame (its position is then meaningless).
    """

    limb: LimbKind
    side: Side
    t_capture: float
    points: np.ndarray
    valid: np.ndarray = field(default=None)  # type: ignore[arg-type]
    confidence: float = 1.0
    source: str = ""
    #: The hand came from one camera image (MediaPipe): a closing finger's bend is measured, its split
    #: among the finger's joints is not (`motion/finger_closing.py`).
    fingers_from_image: bool = False

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=float)
        if points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points must be (N, 3), got {points.shape}")
        valid = np.ones(len(points), bool) if self.valid is None else np.asarray(self.valid, bool)
        if valid.shape != (len(points),):
            raise ValueError(f"valid must be ({len(points)},), got {valid.shape}")
        points.setflags(write=False)
        valid.setflags(write=False)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "valid", valid)

    def replace(self, **changes) -> TrackedSample:
        """A copy with some fields changed (per frame, so new arrays must already be (N, 3) float)."""
        out = object.__new__(TrackedSample)
        for name in _FIELDS:
            object.__setattr__(out, name, changes[name] if name in changes else getattr(self, name))
        if "points" in changes or "valid" in changes:
            out.points.setflags(write=False)
            out.valid.setflags(write=False)
            if out.points.shape != (len(out.valid), 3):
                raise ValueError(f"points {out.points.shape} do not match valid {out.valid.shape}")
        return out


_FIELDS = ("limb", "side", "t_capture", "points", "valid", "confidence", "source", "fingers_from_image")
