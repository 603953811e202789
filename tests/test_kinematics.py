"""Rotation conventions, skeleton symmetry and retargeting round trips."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vrtherapy.motion.kinematics import forward_kinematics, landmarks_from_pose
from vrtherapy.motion.mirror import MirrorPlane, reflect_points, reflect_rotation
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.rotations import euler_to_matrix, matrix_to_euler
from vrtherapy.motion.skeleton import ARM_JOINTS, build_arm_skeleton
from vrtherapy.tracking.sample import ARM_POINTS, TrackedSample
from vrtherapy.tracking.synthetic import MOTIONS, SyntheticArmMotion, build_schedule


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_euler_matches_scipy_intrinsic_yzx(sign):
    rng = np.random.default_rng(0)
    angles = rng.uniform(-1.2, 1.2, size=(100, 3))
    ours = euler_to_matrix(angles, sign)
    # intrinsic Y (twist), then Z (deviation), then X (flexion)
    ref = Rotation.from_euler("YZX", np.stack([sign * angles[:, 2], -sign * angles[:, 1], angles[:, 0]], 1)).as_matrix()
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    np.testing.assert_allclose(matrix_to_euler(ours, sign), angles, atol=1e-9)


def test_skeleton_has_every_joint_and_left_mirrors_right():
    right, left = build_arm_skeleton("right"), build_arm_skeleton("left")
    assert right.names == left.names == ARM_JOINTS
    assert len([n for n in ARM_JOINTS if n not in ("upper_arm", "forearm", "forearm_twist")]) == 26  # OpenXR hand
    plane = MirrorPlane()
    fr, pr = right.rest_globals
    fl, pl = left.rest_globals
    np.testing.assert_allclose(pl, reflect_points(pr, plane), atol=1e-12)
    np.testing.assert_allclose(fl, reflect_rotation(fr, plane), atol=1e-12)
    assert np.allclose(np.linalg.det(fl), 1.0)


def test_same_angles_give_mirror_image_poses():
    rng = np.random.default_rng(4)
    right, left = build_arm_skeleton("right"), build_arm_skeleton("left")
    lo, hi = right.limits[..., 0], right.limits[..., 1]
    angles = np.where(right.free, rng.uniform(lo, hi), 0.0)
    fr, pr = forward_kinematics(right, angles)
    fl, pl = forward_kinematics(left, angles)
    np.testing.assert_allclose(pl, reflect_points(pr, MirrorPlane()), atol=1e-12)
    np.testing.assert_allclose(fl, reflect_rotation(fr, MirrorPlane()), atol=1e-12)


def _exercise_motion(side, noise):
    return SyntheticArmMotion(side, build_schedule([(k, 7.0) for k in MOTIONS]), noise_m=noise, seed=5)


@pytest.mark.parametrize("side", ["right", "left"])
def test_round_trip_over_synthetic_exercises(side):
    """joint angles -> landmarks -> retarget -> joint angles."""
    motion = _exercise_motion(side, noise=0.0)
    retarget = Retargeter(motion.skeleton)
    errors = []
    for t in np.arange(0.0, motion.duration, 1 / 15):
        truth = motion.angles_at(t)
        solved = retarget.solve(motion.sample_at(t)).angles
        errors.append(np.degrees(np.abs(solved - truth))[motion.skeleton.free])
    errors = np.concatenate(errors)
    assert np.median(errors) <= 3.0
    assert errors.max() <= 10.0


def test_round_trip_with_tracker_noise_stays_within_three_degrees_median():
    motion = _exercise_motion("right", noise=0.0012)
    retarget = Retargeter(motion.skeleton)
    errors = []
    for t in np.arange(0.0, motion.duration, 1 / 15):
        truth = motion.angles_at(t)
        errors.append(np.degrees(np.abs(retarget.solve(motion.sample_at(t)).angles - truth))[motion.skeleton.free])
    assert np.median(np.concatenate(errors)) <= 3.0


def test_retargeting_a_mirrored_hand_gives_the_same_anatomical_angles():
    motion = _exercise_motion("right", noise=0.0)
    right, left = Retargeter(build_arm_skeleton("right")), Retargeter(build_arm_skeleton("left"))
    for t in (1.0, 9.5, 17.0, 24.0, 31.0, 38.0):
        sample = motion.sample_at(t)
        mirrored = TrackedSample("arm", "left", t, reflect_points(sample.points, MirrorPlane()))
        np.testing.assert_allclose(left.solve(mirrored).angles, right.solve(sample).angles, atol=1e-9)


def test_hand_size_does_not_change_the_angles():
    """A small tracked hand drives a large virtual one: directions, not lengths, are retargeted."""
    from vrtherapy.motion.skeleton import ArmDimensions

    small = ArmDimensions(upper_arm=0.26, forearm=0.21, palm_length=0.080, palm_breadth=0.070,
                          thumb=(0.04, 0.027, 0.024), phalanges=((0.035, 0.02, 0.017),) * 4)
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 5.0)]), dims=small, noise_m=0.0)
    retarget = Retargeter(build_arm_skeleton("right"))  # default-size skeleton
    errors = [np.degrees(np.abs(retarget.solve(motion.sample_at(t)).angles - motion.angles_at(t)))[motion.skeleton.free]
              for t in np.arange(0, 5, 0.25)]
    assert np.median(np.concatenate(errors)) <= 3.0


def test_random_poses_round_trip_and_respect_limits():
    rng = np.random.default_rng(7)
    sk = build_arm_skeleton("right")
    retarget = Retargeter(sk)
    lo, hi = sk.limits[..., 0], sk.limits[..., 1]
    for _ in range(100):
        angles = np.where(sk.free, rng.uniform(lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo)), 0.0)
        angles[sk.index("forearm"), 0] = rng.uniform(0.3, 2.4)
        pose = LimbPose("right", angles, np.array([0.2, 0.0, 1.0]), np.eye(3), 0.0)
        pts = landmarks_from_pose(sk, pose, len(ARM_POINTS))
        noisy = pts + rng.normal(0, 0.01, pts.shape)
        solved = retarget.solve(TrackedSample("arm", "right", 0.0, pts)).angles
        np.testing.assert_allclose(solved[sk.free], angles[sk.free], atol=1e-6)
        rough = retarget.solve(TrackedSample("arm", "right", 0.0, noisy)).angles
        assert (rough >= lo - 1e-12).all() and (rough <= hi + 1e-12).all()


def test_world_skinning_matrices_follow_the_root_and_the_joints():
    from vrtherapy.motion.kinematics import chain_transforms, inverse_bind_matrices, to_world, world_skinning_matrices

    rng = np.random.default_rng(11)
    sk = build_arm_skeleton("left")
    angles = np.where(sk.free, rng.uniform(sk.limits[..., 0], sk.limits[..., 1]), 0.0)
    root = Rotation.from_euler("xyz", [10, -20, 35], degrees=True).as_matrix()
    pose = LimbPose("left", angles, np.array([-0.2, 0.05, 1.1]), root, 0.0)
    frames, positions = to_world(*forward_kinematics(sk, angles), root, pose.root_position)
    home = np.eye(4)
    home[:3, :3], home[:3, 3] = root, pose.root_position
    chained = chain_transforms(sk, angles, home)
    np.testing.assert_allclose(chained[:, :3, :3], frames, atol=1e-12)
    np.testing.assert_allclose(chained[:, :3, 3], positions, atol=1e-12)
    # A rest-pose point glued to a bone ends up where that bone has carried it.
    skin = world_skinning_matrices(sk, pose, inverse_bind_matrices(sk))
    rest_frames, rest_positions = sk.rest_globals
    j = sk.index("index_distal")
    rest_point = rest_positions[j] + rest_frames[j] @ [0.0, 0.01, 0.004]
    expected = positions[j] + frames[j] @ [0.0, 0.01, 0.004]
    np.testing.assert_allclose((skin[j] @ np.append(rest_point, 1.0))[:3], expected, atol=1e-12)
