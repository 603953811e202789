"""Rotation smoothing: stays on the unit sphere, calms a still joint, follows a turning one."""

import numpy as np
from scipy.spatial.transform import Rotation

from vrtherapy.motion.one_euro_rotation import OneEuroRotationFilter, angle_between, slerp


def test_slerp_matches_scipy_and_takes_the_short_way():
    from scipy.spatial.transform import Slerp

    a, b = Rotation.random(2, random_state=3)
    ours = slerp(np.repeat(a.as_quat()[None], 5, 0), np.repeat(-b.as_quat()[None], 5, 0), np.linspace(0, 1, 5))
    ref = Slerp([0, 1], Rotation.concatenate([a, b]))(np.linspace(0, 1, 5))
    np.testing.assert_allclose(angle_between(ours, ref.as_quat()), 0.0, atol=1e-6)


def test_still_joint_jitter_drops_and_quaternions_stay_unit():
    rng = np.random.default_rng(0)
    truth = Rotation.random(26, random_state=1)
    f = OneEuroRotationFilter()
    errors_raw, errors_out = [], []
    for k in range(300):
        noisy = Rotation.from_rotvec(rng.normal(0, np.radians(2.0), (26, 3))) * truth
        out = f.filter(noisy.as_quat(), 1.0 + k / 30)
        np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-9)
        if k > 60:
            errors_raw.append(angle_between(noisy.as_quat(), truth.as_quat()))
            errors_out.append(angle_between(out, truth.as_quat()))
    assert np.mean(errors_raw) / np.mean(errors_out) > 3.5


def test_untracked_joints_hold_their_last_rotation():
    f = OneEuroRotationFilter()
    q = Rotation.random(3, random_state=2).as_quat()
    f.filter(q, 1.0)
    moved = Rotation.random(3, random_state=5).as_quat()
    moved[1] = 0.0  # a joint the headset lost reports a zero quaternion
    out = f.filter(moved, 1.05, valid=np.array([True, True, False]))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[1:], q[1:])  # held
    later = f.filter(Rotation.random(3, random_state=6).as_quat(), 1.1)
    assert np.isfinite(later).all()


def test_turning_joint_is_followed_with_little_lag():
    f = OneEuroRotationFilter()
    axis = np.array([0.0, 0.0, 1.0])
    lags = []
    for k in range(90):
        t = k / 30
        angle = 0.8 * np.sin(2 * np.pi * 1.0 * t)  # +-46 degrees at 1 Hz, like a wrist
        q = Rotation.from_rotvec(angle * axis).as_quat()[None]
        out = f.filter(q, t)
        if k > 30:
            lags.append(np.degrees(angle_between(out, q))[0])
    assert np.mean(lags) < 12.0  # degrees behind, on a movement sweeping ~290 degrees a second at peak
