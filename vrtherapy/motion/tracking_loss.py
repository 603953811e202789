"""What the virtual limbs do when tracking is lost, and how they come back.

When the intact limb leaves the camera's view, its confidence drops, or the tracker stops handing over
samples, the limbs first hold their last pose (`hold_s`: a blink of lost tracking should not show),
then ease over `ease_s` into the relaxed rest pose, where they stay. When tracking returns they blend
from wherever they are to the tracked pose over `blend_s`, so the limb never jumps, and is never flung
to the origin. Interpolation is per joint angle with a smoothstep weight; the joints stay within their
limits because rest and tracked poses both are.

States: `waiting` (no sample yet), `tracking`, `holding`, `resting` (easing to or at rest),
`recovering` (blending back).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from vrtherapy.config import check_bounds
from vrtherapy.motion.pose import LimbPose

TrackingState = Literal["waiting", "tracking", "holding", "resting", "recovering"]


@dataclass(frozen=True)
class LossSettings:
    stale_s: float = field(default=0.3, metadata={"gt": 0.0, "max": 5.0})  #: no new sample this long = lost
    hold_s: float = field(default=1.0, metadata={"min": 0.0, "max": 30.0})  #: hold the last pose this long
    ease_s: float = field(default=1.5, metadata={"gt": 0.0, "max": 30.0})  #: then ease to rest over this long
    blend_s: float = field(default=0.35, metadata={"gt": 0.0, "max": 5.0})  #: blend back over this long

    def __post_init__(self) -> None:
        check_bounds(self)


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


def _lerp(a: LimbPose, b: LimbPose, w: float, t_capture: float) -> LimbPose:
    return replace(b, angles=a.angles + w * (b.angles - a.angles),
                   root_position=a.root_position + w * (b.root_position - a.root_position), t_capture=t_capture)  # fmt: skip


class LossEaser:
    """Turns the tracked poses of each frame (None when there is nothing new) into the poses shown."""

    def __init__(self, rest_angles: np.ndarray, settings: LossSettings = LossSettings()) -> None:
        self.rest_angles = np.asarray(rest_angles, dtype=float)
        self.settings = settings
        self.state: TrackingState = "waiting"
        self._last_good_t: float | None = None  #: `now` of the newest usable sample
        self._lost_at: float | None = None
        self._held: dict[str, LimbPose] = {}  #: the last tracked pose per role ("phantom", "intact")
        self._shown: dict[str, LimbPose] = {}
        self._blend_from: dict[str, LimbPose] = {}
        self._ease_from: dict[str, LimbPose] = {}  #: what was on screen when tracking was lost
        self._at_rest = False
        self._blend_start = 0.0

    def lost_for(self, now: float) -> float:
        """Seconds since tracking was lost (0 while tracking)."""
        return 0.0 if self._lost_at is None else max(0.0, now - self._lost_at)

    def update(self, tracked: dict[str, LimbPose] | None, now: float, unusable: bool = False) -> dict[str, LimbPose]:
        """`tracked`: this frame's new poses by role, or None; `unusable`: a new sample came but showed no
        limb (so tracking is lost from now, not only once samples go stale)."""
        s = self.settings
        if tracked:
            if self._lost_at is not None and self._shown:  # coming back: blend from what is on screen
                self._blend_from, self._blend_start, self.state = dict(self._shown), now, "recovering"
            elif self.state == "waiting":
                self.state = "tracking"
            self._held, self._last_good_t, self._lost_at = dict(tracked), now, None
        elif self._last_good_t is not None and self._lost_at is None:
            if unusable:
                self._lost_at = now
            elif now - self._last_good_t > s.stale_s:
                self._lost_at = self._last_good_t + s.stale_s
            if self._lost_at is not None:  # ease from what is on screen (it may have been mid-blend)
                self._ease_from, self._at_rest = dict(self._shown or self._held), False
        if not self._held:
            return {}
        if self._lost_at is not None:
            lost = now - self._lost_at
            self.state = "holding" if lost < s.hold_s else "resting"
            w = _smoothstep((lost - s.hold_s) / s.ease_s)
            if w <= 0.0:
                self._shown = dict(self._ease_from)
            elif w < 1.0 or not self._at_rest:
                self._shown = {role: _lerp(pose, replace(pose, angles=self.rest_angles), w, pose.t_capture)
                               for role, pose in self._ease_from.items()}  # fmt: skip
            self._at_rest = w >= 1.0
            return self._shown
        if self.state == "recovering":
            w = _smoothstep((now - self._blend_start) / s.blend_s)
            if w >= 1.0:
                self.state = "tracking"
            else:
                self._shown = {role: _lerp(self._blend_from.get(role, pose), pose, w, pose.t_capture)
                               for role, pose in self._held.items()}  # fmt: skip
                return self._shown
        if self._shown != self._held:
            self._shown = dict(self._held)
        return self._shown
