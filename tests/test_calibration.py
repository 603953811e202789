"""Calibration: midline plane, intact-limb measurements from still frames, neutral pose, stored form."""

import numpy as np
import pytest

from vrtherapy.errors import ConfigError
from vrtherapy.motion.calibration import (
    Calibration,
    measure_arm,
    neutral_angles,
    sagittal_plane_from_head,
)
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule

SMALL = ArmDimensions(upper_arm=0.27, forearm=0.23, palm_length=0.085, palm_breadth=0.075,
                      thumb=(0.042, 0.029, 0.025), phalanges=((0.037, 0.022, 0.018), (0.041, 0.025, 0.019),
                                                               (0.038, 0.024, 0.019), (0.031, 0.017, 0.017)))


def still_samples(dims=SMALL, noise=0.0008, seconds=4.0):
    motion = SyntheticArmMotion("right", build_schedule([("rest", seconds + 1)]), dims=dims, noise_m=noise, seed=3)
    return [motion.sample_at(t, t_capture=t) for t in np.arange(0, seconds, 1 / 30)], motion


def test_segment_lengths_are_measured_from_a_still_hand():
    samples, _ = still_samples()
    got = measure_arm(samples)
    assert got.upper_arm == pytest.approx(SMALL.upper_arm, abs=0.005)
    assert got.forearm == pytest.approx(SMALL.forearm, abs=0.005)
    assert got.palm_length == pytest.approx(SMALL.palm_length, abs=0.004)
    assert got.palm_breadth == pytest.approx(SMALL.palm_breadth, abs=0.005)
    np.testing.assert_allclose(got.phalanges, SMALL.phalanges, atol=0.003)
    np.testing.assert_allclose(got.thumb, SMALL.thumb, atol=0.003)


def test_a_moving_hand_is_refused_with_a_clear_message():
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 6.0)]), noise_m=0.0)
    samples = [motion.sample_at(t, t_capture=t) for t in np.arange(0, 4, 1 / 30)]
    with pytest.raises(ConfigError, match="hold the hand still"):
        measure_arm(samples)


def test_neutral_pose_is_the_relaxed_hand():
    samples, motion = still_samples(noise=0.0)
    neutral = neutral_angles(samples, Retargeter(motion.skeleton))
    np.testing.assert_allclose(neutral, motion.angles_at(0.0), atol=np.radians(2.5))


def test_midline_from_a_head():
    yaw = np.radians(20)
    head = np.array([[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0], [0, 0, 1]])
    from_head = sagittal_plane_from_head([0.05, -0.1, 1.2], head @ np.array([[1, 0, 0], [0, 0.9, -0.44], [0, 0.44, 0.9]]))
    np.testing.assert_allclose(from_head.normal, [np.cos(yaw), np.sin(yaw), 0.0], atol=1e-9)  # head pitch ignored


def test_calibration_round_trips_through_its_stored_form():
    import json
    from dataclasses import asdict

    from vrtherapy.therapy.calibrate import calibration_from_record

    samples, motion = still_samples()
    neutral = neutral_angles(samples, Retargeter(motion.skeleton))  # an array, as calibration produces it
    cal = Calibration(intact_side="right", plane_point=(0.01, 0.0, 0.0), plane_normal=(1.0, 0.05, 0.0),
                      arm=measure_arm(samples), neutral_angles=neutral, flexion_range=[(0.1, 0.9)] * 5)
    assert calibration_from_record(json.loads(json.dumps(asdict(cal)))) == cal  # as the records keep it
    for data, field in [({"intact_side": "right", "version": 99}, "version"),
                        ({"intact_side": "rigth"}, "intact_side"),
                        ({"intact_side": "left", "plane_normal": [0, 0, 0]}, "plane_normal"),
                        ({"intact_side": "left", "neutral_angles": [[0, 0, 0]]}, "neutral_angles"),
                        ({"intact_side": "left", "flexion_range": [[0, 1]]}, "flexion_range")]:
        with pytest.raises(ConfigError) as err:
            calibration_from_record(data)
        assert field in str(err.value) and "\n" not in str(err.value)


def test_leg_segment_lengths_are_measured_from_a_still_leg():
    from vrtherapy.motion.calibration import measure_leg
    from vrtherapy.motion.kinematics import landmarks_from_pose
    from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
    from vrtherapy.motion.pose import LimbPose
    from vrtherapy.tracking.sample import LEG_POINTS, TrackedSample

    dims = LegDimensions(thigh=0.40, shank=0.38, foot_length=0.24)
    sk = build_leg_skeleton("right", dims)
    angles = np.zeros((len(sk.names), 3))
    angles[:2, 0] = np.radians(90)
    rng = np.random.default_rng(4)
    points = landmarks_from_pose(sk, LimbPose("right", angles, np.array([0.1, 0, 0.5]), np.eye(3), 0.0), len(LEG_POINTS))
    samples = [TrackedSample("leg", "right", t, points + rng.normal(0, 0.0008, points.shape)) for t in np.arange(0, 3, 1 / 30)]
    got = measure_leg(samples)
    assert got.thigh == pytest.approx(0.40, abs=0.005)
    assert got.shank == pytest.approx(0.38, abs=0.005)
    assert got.foot_length == pytest.approx(0.24, abs=0.006)


def test_occluded_points_are_not_measured():
    samples, _ = still_samples()
    hidden = [s.replace(valid=np.arange(len(s.valid)) != 3 + 8) if k % 2 else s for k, s in enumerate(samples)]
    hidden = [s.replace(points=np.where(s.valid[:, None], s.points, 0.0)) for s in hidden]  # reported at the origin
    got = measure_arm(hidden)
    assert got.phalanges[0][2] == pytest.approx(SMALL.phalanges[0][2], abs=0.003)
    never = [s.replace(valid=np.arange(len(s.valid)) != 3 + 8) for s in samples]
    with pytest.raises(ConfigError, match="index_dip to hand_index_tip|not seen often enough"):
        measure_arm(never)


def test_a_leg_calibration_drives_a_leg_pipeline():
    from vrtherapy.motion.leg_skeleton import LegDimensions
    from vrtherapy.motion.pipeline import PosePipeline

    loaded = Calibration(intact_side="left", limb="leg", leg=LegDimensions(thigh=0.41, shank=0.39))
    pipeline = PosePipeline.from_calibration(loaded)
    assert pipeline.limb == "leg" and pipeline.phantom_retargeter.skeleton.side == "right"
    assert pipeline.phantom_retargeter.skeleton.dimensions == LegDimensions(thigh=0.41, shank=0.39)
