"""The 26 OpenXR hand joints drive the same skeleton, with the same round-trip accuracy as a webcam."""

import numpy as np
import pytest

from vrtherapy.frames import OPENXR_TO_WORLD
from vrtherapy.motion.kinematics import forward_kinematics, to_world
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.skeleton import ARM_JOINTS
from vrtherapy.therapy.synthetic_patient import MOTIONS, SyntheticArmMotion, build_schedule
from vrtherapy.tracking.openxr_hand import MEDIAPIPE_FROM_XR, XR_HAND_JOINTS, arm_points_from_openxr
from vrtherapy.tracking.sample import HAND_LANDMARKS, TrackedSample

SPEC_ORDER = (  # XrHandJointEXT, XR_EXT_hand_tracking: 0 = PALM ... 25 = LITTLE_TIP
    "palm", "wrist", "thumb_metacarpal", "thumb_proximal", "thumb_distal", "thumb_tip",
    "index_metacarpal", "index_proximal", "index_intermediate", "index_distal", "index_tip",
    "middle_metacarpal", "middle_proximal", "middle_intermediate", "middle_distal", "middle_tip",
    "ring_metacarpal", "ring_proximal", "ring_intermediate", "ring_distal", "ring_tip",
    "little_metacarpal", "little_proximal", "little_intermediate", "little_distal", "little_tip",
)  # fmt: skip


def test_every_openxr_joint_is_a_skeleton_joint_and_the_order_matches_the_spec():
    assert XR_HAND_JOINTS == SPEC_ORDER
    assert set(XR_HAND_JOINTS) <= set(ARM_JOINTS)
    assert XR_HAND_JOINTS[0] == "palm" and XR_HAND_JOINTS[1] == "wrist" and XR_HAND_JOINTS[25] == "little_tip"
    assert XR_HAND_JOINTS[7] == "index_proximal" and XR_HAND_JOINTS[21] == "little_metacarpal"
    assert len(MEDIAPIPE_FROM_XR) == len(HAND_LANDMARKS) == 21
    assert XR_HAND_JOINTS[MEDIAPIPE_FROM_XR[8]] == "index_tip"  # MediaPipe 8 = INDEX_FINGER_TIP


@pytest.mark.parametrize("side", ["right", "left"])
def test_openxr_joints_round_trip_within_three_degrees(side):
    motion = SyntheticArmMotion(side, build_schedule([(k, 6.0) for k in MOTIONS]), noise_m=0.0)
    sk = motion.skeleton
    retarget = Retargeter(sk)
    rng = np.random.default_rng(1)
    errors = []
    for t in np.arange(0.0, motion.duration, 0.2):
        pose = motion.pose_at(t)
        _, world = to_world(*forward_kinematics(sk, pose.angles), pose.root_rotation, pose.root_position)
        joints_world = world[[sk.index(n) for n in XR_HAND_JOINTS]] + rng.normal(0, 0.001, (26, 3))
        joints_xr = joints_world @ OPENXR_TO_WORLD  # world -> OpenXR (the inverse rotation)
        points, valid = arm_points_from_openxr(joints_xr, np.ones(26, bool), world[0], world[1])
        assert valid.all()
        solved = retarget.solve(TrackedSample("arm", side, t, points, valid))
        errors.append(np.degrees(np.abs(solved.angles - pose.angles))[sk.free])
    errors = np.concatenate(errors)
    assert np.median(errors) <= 3.0


def test_invalid_joints_and_unknown_elbow_are_flagged():
    joints = np.zeros((26, 3))
    valid = np.ones(26, bool)
    valid[XR_HAND_JOINTS.index("ring_tip")] = False
    points, flags = arm_points_from_openxr(joints, valid, np.zeros(3), np.full(3, np.nan))
    assert not flags[1]  # elbow
    assert not flags[3 + HAND_LANDMARKS.index("ring_tip")]
    assert flags.sum() == 24 - 2
