"""Mirror modes: how much of the intact limb's movement the phantom limb shows, and how.

Applied to the phantom's joint angles after retargeting (the intact limb's own twin always shows the
real movement):

  * scope: `full`, or a partial mirror where joints outside the scope hold the neutral pose: `wrist`,
    `fingers`, `arm` for an arm, `ankle`, `leg` for a leg;
  * degree (0-1): blend between the neutral pose (0) and the full mirrored movement (1);
  * gain: range of motion scaled around the neutral pose (>1 amplifies, <1 damps);
  * delay (0-1000 ms): the phantom shows the movement this much later, for research protocols;
  * copy: no reflection, the virtual limb follows the tracked limb on the same side (tracking a
    residual limb), chosen in the pipeline.

angles' = neutral + degree * gain * scope_mask * (angles - neutral), clamped to the joint limits.
With degree 1, gain 1 and full scope it is the identity; with degree 0 it is the neutral pose.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from vrtherapy.config import InvalidValue, check_bounds
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import Skeleton

Scope = Literal["full", "wrist", "fingers", "arm", "ankle", "leg"]
#: The joints each partial scope moves, by limb.
SCOPE_JOINTS: dict[str, dict[str, tuple[str, ...]]] = {
    "arm": {
        "wrist": ("wrist",),
        "fingers": ("thumb_", "index_", "middle_", "ring_", "little_"),
        "arm": ("upper_arm", "forearm", "forearm_twist", "wrist"),
    },
    # No "toes" scope: the leg's landmarks cannot resolve the toes, which stay at rest.
    "leg": {"ankle": ("foot",), "leg": ("thigh", "shank", "foot")},
}
SCOPES: tuple[str, ...] = ("full",) + tuple(s for limb in SCOPE_JOINTS.values() for s in limb)


@dataclass(frozen=True)
class MirrorMode:
    scope: Scope = "full"
    degree: float = field(default=1.0, metadata={"min": 0.0, "max": 1.0})
    gain: float = field(default=1.0, metadata={"min": 0.0, "max": 3.0})
    delay_ms: float = field(default=0.0, metadata={"min": 0.0, "max": 1000.0})
    copy: bool = False

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise InvalidValue("scope", f"must be one of {', '.join(SCOPES)}, got {self.scope!r}")
        check_bounds(self)

    @property
    def is_identity(self) -> bool:
        return self.scope == "full" and self.degree == 1.0 and self.gain == 1.0


def scope_problem(limb: str, scope: str) -> str | None:
    """Why `scope` cannot be used on a `limb`, or None."""
    if scope == "full" or scope in SCOPE_JOINTS[limb]:
        return None
    article = "an" if limb[0] in "aeiou" else "a"
    return f"mirror scope {scope!r} is not for {article} {limb} (use one of full, {', '.join(SCOPE_JOINTS[limb])})"


def scope_mask(skeleton: Skeleton, scope: Scope) -> np.ndarray:
    """(J, 1) 1.0 for the joints that follow the movement in `scope`, 0.0 for those held neutral."""
    names = skeleton.names
    problem = scope_problem(skeleton.limb, scope)
    if problem:
        raise ValueError(problem)
    if scope == "full":
        return np.ones((len(names), 1))
    prefixes = SCOPE_JOINTS[skeleton.limb][scope]
    # joint names that end in "_" are prefixes (a whole digit); others name one joint exactly
    keep = [any(n.startswith(p) if p.endswith("_") else n == p for p in prefixes) for n in names]
    return np.array(keep, float)[:, None]


class MirrorModeApplier:
    """Applies a MirrorMode to a stream of phantom poses; the mode can change live.

    `locked` joints (those of a tracked residual limb) always show the live pose, never blended,
    scaled or delayed: they are the patient's own limb.
    """

    def __init__(self, skeleton: Skeleton, neutral: np.ndarray, mode: MirrorMode = MirrorMode(),
                 locked: tuple[int, ...] = ()) -> None:  # fmt: skip
        self.skeleton = skeleton
        self.neutral = np.asarray(neutral, float)
        if self.neutral.shape != (len(skeleton.names), 3):
            raise ValueError(f"neutral pose has shape {self.neutral.shape}, the {skeleton.limb} needs ({len(skeleton.names)}, 3)")
        self._lo, self._hi = skeleton.limits[..., 0], skeleton.limits[..., 1]
        self._locked = np.array(locked, int)
        self._history: deque[LimbPose] = deque()
        self.set_mode(mode)

    def set_mode(self, mode: MirrorMode) -> None:
        mask = scope_mask(self.skeleton, mode.scope)  # raises before anything changes
        scale = mode.degree * mode.gain * mask
        scale[self._locked] = 1.0
        self.mode, self._mask, self._scale = mode, mask, scale

    def apply(self, pose: LimbPose) -> LimbPose:
        """The pose the phantom shows for the newest retargeted `pose`."""
        live = pose
        pose = self._delayed(pose)
        if self.mode.is_identity and (pose is live or not len(self._locked)):
            return pose
        angles = self.neutral + self._scale * (pose.angles - self.neutral)
        if len(self._locked):
            angles[self._locked] = live.angles[self._locked]
            pose = replace(pose, root_position=live.root_position, root_rotation=live.root_rotation)
        return replace(pose, angles=np.minimum(np.maximum(angles, self._lo), self._hi))

    def _delayed(self, pose: LimbPose) -> LimbPose:
        """The newest pose captured at least `delay_ms` before this one (keeps one second of history)."""
        history = self._history
        history.append(pose)
        delay = self.mode.delay_ms / 1000.0
        while len(history) > 1 and history[1].t_capture <= pose.t_capture - delay:
            history.popleft()
        while history and history[0].t_capture < pose.t_capture - 1.0:
            history.popleft()
        return history[0] if delay > 0 else pose
