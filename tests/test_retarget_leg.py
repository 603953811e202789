"""Leg retargeting: round trips through the leg skeleton, limits, mirror symmetry, straight legs."""

import numpy as np
import pytest

from vrtherapy.motion.kinematics import landmarks_from_pose
from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
from vrtherapy.motion.mirror import MirrorPlane, reflect_points
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.retarget_leg import LegRetargeter
from vrtherapy.tracking.sample import LEG_POINTS, TrackedSample


def random_leg_angles(sk, rng, knee_min=0.3):
    lo, hi = sk.limits[..., 0], sk.limits[..., 1]
    angles = np.where(sk.free, rng.uniform(lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo)), 0.0)
    angles[sk.index("toes")] = 0.0  # not observable from the landmarks
    angles[sk.index("shank"), 0] = rng.uniform(knee_min, 2.3)
    return angles


def leg_points(sk, angles, root=(0.09, 0.0, 0.5)):
    return landmarks_from_pose(sk, LimbPose(sk.side, angles, np.array(root), np.eye(3), 0.0), len(LEG_POINTS))


@pytest.mark.parametrize("side", ["right", "left"])
def test_round_trip_through_the_leg_skeleton(side):
    rng = np.random.default_rng(2)
    sk = build_leg_skeleton(side)
    retarget = LegRetargeter(sk)
    for _ in range(100):
        angles = random_leg_angles(sk, rng)
        solved = retarget.solve(TrackedSample("leg", side, 0.0, leg_points(sk, angles))).angles
        np.testing.assert_allclose(solved, angles, atol=1e-9)


def test_seated_exercises_retarget_within_three_degrees_on_a_different_sized_leg():
    rng = np.random.default_rng(3)
    tall = build_leg_skeleton("right", LegDimensions(thigh=0.48, shank=0.47, foot_length=0.28))
    retarget = LegRetargeter(build_leg_skeleton("right"))
    errors = []
    for _ in range(60):
        angles = np.zeros((len(tall.names), 3))
        angles[tall.index("thigh")] = np.radians([90 + rng.uniform(-10, 10), rng.uniform(-10, 30), rng.uniform(-15, 15)])
        angles[tall.index("shank"), 0] = np.radians(rng.uniform(10, 100))  # knee extension exercise
        angles[tall.index("foot")] = np.radians([rng.uniform(-40, 20), rng.uniform(-15, 15), rng.uniform(-15, 30)])
        noisy = leg_points(tall, angles) + rng.normal(0, 0.002, (len(LEG_POINTS), 3))
        errors.append(np.degrees(np.abs(retarget.solve(TrackedSample("leg", "right", 0.0, noisy)).angles - angles))[tall.free])
    errors = np.concatenate(errors)
    assert np.median(errors) <= 3.0


def test_mirrored_leg_gives_the_same_anatomical_angles():
    rng = np.random.default_rng(4)
    right, left = (LegRetargeter(build_leg_skeleton(s)) for s in ("right", "left"))
    for _ in range(20):
        pts = leg_points(right.skeleton, random_leg_angles(right.skeleton, rng))
        a = right.solve(TrackedSample("leg", "right", 0.0, pts)).angles
        b = left.solve(TrackedSample("leg", "left", 0.0, reflect_points(pts, MirrorPlane()))).angles
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_straightening_the_knee_never_snaps_and_noise_never_breaks_a_limit():
    sk = build_leg_skeleton("right")
    retarget = LegRetargeter(sk)
    base = np.zeros((len(sk.names), 3))
    base[sk.index("thigh")] = np.radians([60, 10, 20])
    previous = None
    for knee in np.radians(np.linspace(30, 0.2, 100)):
        angles = base.copy()
        angles[sk.index("shank"), 0] = knee
        truth = leg_points(sk, angles)
        rebuilt = leg_points(sk, retarget.solve(TrackedSample("leg", "right", 0.0, truth)).angles)
        assert np.abs(rebuilt - truth).max() < 0.03
        if previous is not None:
            assert np.abs(rebuilt - previous).max() < 0.01
        previous = rebuilt
    rng = np.random.default_rng(5)
    lo, hi = sk.limits[..., 0], sk.limits[..., 1]
    for _ in range(200):
        pts = rng.normal(0, 0.3, (len(LEG_POINTS), 3))
        angles = retarget.solve(TrackedSample("leg", "right", 0.0, pts)).angles
        assert np.isfinite(angles).all() and (angles >= lo - 1e-12).all() and (angles <= hi + 1e-12).all()
