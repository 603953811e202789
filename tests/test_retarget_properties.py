"""Property-based: whatever landmarks arrive, retargeting never bends a joint past its limits."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.therapy.synthetic_patient import MOTIONS, SyntheticArmMotion, build_schedule
from vrtherapy.tracking.sample import ARM_POINTS, TrackedSample

RETARGETERS = {side: Retargeter(build_arm_skeleton(side)) for side in ("left", "right")}
MOTION = SyntheticArmMotion("right", build_schedule([(k, 5.0) for k in MOTIONS]), noise_m=0.0)
finite = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)


def within_limits(side, points) -> None:
    retargeter = RETARGETERS[side]
    angles = retargeter.solve(TrackedSample("arm", side, 0.0, points)).angles
    lo, hi = retargeter.skeleton.limits[..., 0], retargeter.skeleton.limits[..., 1]
    assert np.isfinite(angles).all()
    assert (angles >= lo - 1e-12).all() and (angles <= hi + 1e-12).all()


@settings(max_examples=150, deadline=None)
@given(t=st.floats(0.0, MOTION.duration - 0.01), noise=st.floats(0.0, 0.05), seed=st.integers(0, 2**31 - 1),
       side=st.sampled_from(["left", "right"]))  # fmt: skip
def test_noisy_exercise_landmarks_stay_within_joint_limits(t, noise, seed, side):
    points = MOTION.sample_at(t).points
    if side == "left":
        points = points * [-1.0, 1.0, 1.0]
    points = points + np.random.default_rng(seed).normal(0.0, noise, points.shape)
    within_limits(side, points)


@settings(max_examples=150, deadline=None)
@given(points=arrays(float, (len(ARM_POINTS), 3), elements=finite), side=st.sampled_from(["left", "right"]))
def test_arbitrary_landmarks_stay_within_joint_limits(points, side):
    within_limits(side, points)
