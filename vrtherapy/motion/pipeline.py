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
from dataclasses import dataclass

import numpy as np

from vrtherapy.frames import SAGITTAL_REFLECTION
from vrtherapy.motion.mirror import MirrorPlane, mirror_sample, reflect_pose
from vrtherapy.motion.one_euro import OneEuroFilter, OneEuroParams
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.skeleton import ArmDimensions, build_arm_skeleton
from vrtherapy.tracking.sample import ARM_SPEED_GROUPS, Side, TrackedSample, other_side


@dataclass(frozen=True)
class MirrorSettings:
    """How the phantom limb is derived from the intact one."""

    #: The patient's intact side; the virtual (phantom) limb is drawn on the other side.
    intact_side: Side = "right"
    #: Draw the intact limb's virtual twin as well (both hands visible, as in a mirror box).
    show_intact: bool = True
    plane_point: tuple[float, float, float] = (0.0, 0.0, 0.0)
    plane_normal: tuple[float, float, float] = (1.0, 0.0, 0.0)

    @property
    def phantom_side(self) -> Side:
        return other_side(self.intact_side)

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
    """Filter, mirror and retarget for one intact limb and its phantom twin."""

    def __init__(self, mirror: MirrorSettings, dims: ArmDimensions | None = None,
                 filter_params: OneEuroParams = OneEuroParams()) -> None:  # fmt: skip
        self.mirror = mirror
        self._plane = mirror.plane
        self.filter = OneEuroFilter(filter_params, speed_groups=np.array(ARM_SPEED_GROUPS))
        self.phantom_retargeter = Retargeter(build_arm_skeleton(mirror.phantom_side, dims))
        # The trunk frame (identity until calibration) as the phantom limb's skeleton sees it.
        self._phantom_root = self._plane.reflection @ SAGITTAL_REFLECTION
        self.rejected: Counter[str] = Counter()
        self._last = FramePoses(None, None, None)
        self._last_t: float | None = None

    def process(self, sample: TrackedSample | None) -> FramePoses:
        """Poses for this frame; the previous poses if there is no new, usable sample."""
        if sample is None or sample.t_capture == self._last_t:
            return self._last
        self._last_t = sample.t_capture  # each sample is judged once, however many frames show it
        problem = self._problem(sample)
        if problem:
            self.rejected[problem] += 1
            return self._last
        filtered = self.filter.filter_sample(sample)
        phantom = self.phantom_retargeter.solve(mirror_sample(filtered, self._plane), self._phantom_root)
        if not np.isfinite(phantom.angles).all():
            self.rejected["degenerate landmarks"] += 1
            return self._last
        intact = reflect_pose(phantom, self._plane) if self.mirror.show_intact else None
        self._last = FramePoses(phantom, intact, sample.t_capture)
        return self._last

    def _problem(self, sample: TrackedSample) -> str | None:
        if sample.side != self.mirror.intact_side:
            return "wrong side"
        if not sample.valid.all():
            return "missing landmarks"
        if not np.isfinite(sample.points).all():
            return "non-finite landmarks"
        return None
