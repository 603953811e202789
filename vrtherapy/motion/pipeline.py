"""The pose pipeline: tracked intact limb -> filter -> mirror -> retarget -> poses for the scene.

The mirrored landmarks are retargeted onto the phantom limb's skeleton. When the intact limb is drawn
too, its pose is the phantom's reflected back (same joint angles, reflected root: `reflect_pose`),
which is exact because the two skeletons are mirror images, and saves a second retargeting.

One call per rendered frame with the tracker's newest sample. A sample that cannot be used (NaN
landmarks, missing joints, the wrong limb) never reaches the skeleton: the limbs hold their last good
pose and the rejection is counted, so a glitch in tracking never flings the virtual limb.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from vrtherapy.frames import SAGITTAL_REFLECTION
from vrtherapy.motion.anchoring import LEVELS, AmputationLevel, anchor_at_stump
from vrtherapy.motion.calibration import Calibration, relaxed_arm_degrees, relaxed_leg_degrees
from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
from vrtherapy.motion.mirror import MirrorPlane, mirror_sample, reflect_pose
from vrtherapy.motion.mirror_modes import MirrorMode, MirrorModeApplier
from vrtherapy.motion.one_euro import OneEuroFilter, OneEuroParams
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.retarget_leg import LegRetargeter
from vrtherapy.motion.skeleton import ArmDimensions, Skeleton, build_arm_skeleton
from vrtherapy.motion.tracking_loss import LossEaser, LossSettings, TrackingState
from vrtherapy.tracking.sample import ARM_SPEED_GROUPS, LEG_SPEED_GROUPS, LimbKind, Side, TrackedSample, other_side

_SIDES: tuple[Side, Side] = ("left", "right")


@dataclass(frozen=True)
class _LimbParts:
    """What the pipeline builds a limb kind from."""

    build_skeleton: Callable[[Side, Any], Skeleton[Any]]  #: (side, its dimensions or None)
    retargeter: Callable[[Skeleton[Any]], Retargeter | LegRetargeter]
    speed_groups: Sequence[int]  #: the filter's group per landmark (`one_euro`)
    relaxed_degrees: Callable[[Sequence[str]], np.ndarray]  #: the default neutral pose, per joint name


_LIMBS: dict[LimbKind, _LimbParts] = {
    "arm": _LimbParts(build_arm_skeleton, Retargeter, ARM_SPEED_GROUPS, relaxed_arm_degrees),
    "leg": _LimbParts(build_leg_skeleton, LegRetargeter, LEG_SPEED_GROUPS, relaxed_leg_degrees),
}


@dataclass(frozen=True)
class MirrorSettings:
    """How the phantom limb is derived from the tracked one."""

    #: The side being tracked: the intact limb, or (in copy mode) the residual limb.
    intact_side: Side = "right"
    #: Draw the intact limb's virtual twin as well (both hands visible, as in a mirror box).
    show_intact: bool = True
    plane_point: tuple[float, float, float] = (0.0, 0.0, 0.0)
    plane_normal: tuple[float, float, float] = (1.0, 0.0, 0.0)
    mode: MirrorMode = field(default_factory=MirrorMode)
    #: Where the phantom attaches: None = the mirrored position of the intact limb; an amputation
    #: level = the tracked residual limb (`process(sample, residual=...)`).
    stump: AmputationLevel | None = None

    @property
    def phantom_side(self) -> Side:
        return self.intact_side if self.mode.copy else other_side(self.intact_side)

    @property
    def plane(self) -> MirrorPlane:
        return MirrorPlane(np.array(self.plane_point), np.array(self.plane_normal))


@dataclass(frozen=True)
class FramePoses:
    """What the scene draws this frame."""

    phantom: LimbPose | None
    intact: LimbPose | None
    t_capture: float | None


class PosePipeline:
    """Filter, mirror, retarget and mirror mode for one tracked limb and its phantom twin."""

    def __init__(self, mirror: MirrorSettings, dims: ArmDimensions | LegDimensions | None = None,
                 filter_params: OneEuroParams = OneEuroParams(), neutral_deg: np.ndarray | None = None,
                 limb: LimbKind = "arm", loss: LossSettings = LossSettings()) -> None:  # fmt: skip
        self.mirror = mirror
        self.limb = limb
        self._plane = mirror.plane
        parts = _LIMBS[limb]
        groups = np.array(parts.speed_groups)
        self.filter = OneEuroFilter(filter_params, speed_groups=groups)
        self._retargeters = {side: parts.retargeter(parts.build_skeleton(side, dims)) for side in _SIDES}
        # The trunk frame (identity until calibration) as each side's skeleton sees it.
        reflected_root = self._plane.reflection @ SAGITTAL_REFLECTION
        self._roots = {mirror.intact_side: np.eye(3), other_side(mirror.intact_side): reflected_root}
        skeleton = self._retargeters[mirror.phantom_side].skeleton
        neutral = parts.relaxed_degrees(skeleton.names) if neutral_deg is None else neutral_deg
        locked: tuple[int, ...] = ()
        if mirror.stump is not None:
            level = LEVELS[mirror.stump]
            if level.limb != limb:
                raise ValueError(f"a {mirror.stump} stump belongs to a {level.limb}, not a {limb}")
            locked = tuple(skeleton.index(n) for n in level.residual_joints)
            self.residual_filter = OneEuroFilter(filter_params, speed_groups=groups)
        self.modes = MirrorModeApplier(skeleton, np.radians(neutral), mirror.mode, locked)
        self.rejected: Counter[str] = Counter()
        self._last = FramePoses(None, None, None)
        self._last_t: float | None = None
        self._now = 0.0
        self._shown = self._last
        self.loss = LossEaser(self.modes.neutral, loss)
        #: The tracked limb's own movement as joint angles (the same angles on either side; before
        #: stump anchoring and mirror modes), for measuring exercises (`therapy/reps.py`).
        self.movement: LimbPose | None = None

    @property
    def phantom_retargeter(self) -> Retargeter | LegRetargeter:
        return self._retargeters[self.mirror.phantom_side]

    def set_mode(self, mode: MirrorMode) -> None:
        """Switch the mirror mode live (the next frame already shows it)."""
        if mode.copy != self.mirror.mode.copy:
            raise ValueError("switching between mirror and copy mode changes the limb's side: start a new session")
        self.modes.set_mode(mode)  # validates first
        self.mirror = replace(self.mirror, mode=mode)

    def process(self, sample: TrackedSample | None, residual: TrackedSample | None = None,
                now: float | None = None) -> FramePoses:  # fmt: skip
        """Poses for this frame at monotonic time `now` (default: the sample's capture time).

        A new, usable sample moves the limbs; without one they hold their last pose, then ease to rest
        if tracking stays lost (`tracking_loss`), and blend back when it returns. With stump anchoring,
        `residual` is the newest sample of the residual limb; while it is missing or unusable the
        phantom attaches at the mirrored position instead.
        """
        fresh, unusable = self._track(sample, residual)
        if now is None:
            now = sample.t_capture if sample is not None else self._now
        self._now = now
        if fresh is not None:
            self._last = fresh
        tracked = None if fresh is None else {role: pose for role, pose in (("phantom", fresh.phantom),
                                                                            ("intact", fresh.intact)) if pose is not None}
        shown = self.loss.update(tracked, now, unusable)
        phantom, intact = shown.get("phantom"), shown.get("intact")
        if phantom is not self._shown.phantom or intact is not self._shown.intact:
            self._shown = FramePoses(phantom, intact, self._last.t_capture)
        return self._shown

    @property
    def tracking_state(self) -> TrackingState:
        """waiting, tracking, holding, resting or recovering (see `tracking_loss`)."""
        return self.loss.state

    def _track(self, sample: TrackedSample | None, residual: TrackedSample | None) -> tuple[FramePoses | None, bool]:
        """This frame's tracked poses (None if nothing new) and whether a new sample showed no usable limb."""
        if sample is None or sample.t_capture == self._last_t:
            return None, False
        self._last_t = sample.t_capture  # each sample is judged once, however many frames show it
        problem = self._problem(sample)
        if problem:
            self.rejected[problem] += 1
            return None, True
        filtered = self.filter.filter_sample(sample)
        copy = self.mirror.mode.copy
        mirrored = filtered if copy else mirror_sample(filtered, self._plane)
        stump = None if copy else self.mirror.stump
        anchored = mirrored if stump is None else self._anchored(mirrored, residual, stump)
        root = self._roots[mirrored.side]
        tracked = self.phantom_retargeter.solve(anchored, root)
        if not np.isfinite(tracked.angles).all():
            self.rejected["degenerate landmarks"] += 1
            return None, True
        # The intact twin shows the real movement: the intact limb's pose (the mirrored one reflected
        # back, before any anchoring or mirror mode changes it).
        whole = tracked if anchored is mirrored else self.phantom_retargeter.solve(mirrored, root)
        intact = reflect_pose(whole, self._plane) if self.mirror.show_intact and not copy else None
        self.movement = whole
        return FramePoses(self.modes.apply(tracked), intact, sample.t_capture), False

    def _anchored(self, mirrored: TrackedSample, residual: TrackedSample | None, stump: AmputationLevel) -> TrackedSample:
        level = LEVELS[stump]
        needed = [level.parent, level.stump_end, *level.tracked]
        usable = (residual is not None and residual.side == mirrored.side and residual.limb == mirrored.limb
                  and residual.valid[needed].all() and np.isfinite(residual.points[needed]).all())  # fmt: skip
        if residual is None or not usable:
            self.rejected["residual limb not tracked"] += 1
            return mirrored
        length = getattr(self.phantom_retargeter.skeleton.dimensions, level.segment)
        return anchor_at_stump(mirrored, self.residual_filter.filter_sample(residual), stump, length)

    @staticmethod
    def from_calibration(calibration: Calibration, show_intact: bool = True, mode: MirrorMode = MirrorMode()) -> PosePipeline:
        """A pipeline for a calibrated patient: their midline, their limb's size, their neutral pose."""
        c = calibration
        mirror = MirrorSettings(intact_side=c.intact_side, show_intact=show_intact, plane_point=c.plane_point,
                                plane_normal=c.plane_normal, mode=mode)  # fmt: skip
        neutral = np.degrees(np.array(calibration.neutral_angles)) if calibration.neutral_angles else None
        return PosePipeline(mirror, calibration.dimensions, neutral_deg=neutral, limb=calibration.limb)

    def _problem(self, sample: TrackedSample) -> str | None:
        if sample.limb != self.limb:
            return "wrong limb"
        if sample.side != self.mirror.intact_side:
            return "wrong side"
        if not sample.valid.all():
            return "missing landmarks"
        if not np.isfinite(sample.points).all():
            return "non-finite landmarks"
        return None
