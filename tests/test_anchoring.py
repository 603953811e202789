"""Anchoring the virtual limb at the tracked residual limb."""

import numpy as np
import pytest

from vrtherapy.motion.kinematics import forward_kinematics, landmarks_from_pose, to_world
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.mirror_modes import MirrorMode
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.tracking.sample import ARM_POINTS, LEG_POINTS, TrackedSample


def residual_arm(level_points: dict[int, np.ndarray]) -> TrackedSample:
    points = np.zeros((len(ARM_POINTS), 3))
    valid = np.zeros(len(ARM_POINTS), bool)
    for i, p in level_points.items():
        points[i], valid[i] = p, True
    return TrackedSample("arm", "left", 1.0, points, valid)


def test_below_elbow_stump_carries_the_mirrored_hand():
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 5.0)]), noise_m=0.0)
    intact = motion.sample_at(1.0, t_capture=1.0)
    shoulder = np.array([-0.2, -0.02, 1.05])
    d = np.array([-0.05, 0.12, -0.23])
    elbow = shoulder + 0.30 * d / np.linalg.norm(d)  # the calibrated upper-arm length
    stump_end = elbow + np.array([0.05, 0.12, 0.06])  # a short residual forearm, raised and turned out
    residual = residual_arm({0: shoulder, 1: elbow, 2: stump_end})
    anchored = PosePipeline(MirrorSettings(intact_side="right", show_intact=False, stump="forearm"))
    mirrored = PosePipeline(MirrorSettings(intact_side="right", show_intact=False))
    a = anchored.process(intact, residual).phantom
    m = mirrored.process(intact).phantom
    sk = build_arm_skeleton("left")
    _, joints = to_world(*forward_kinematics(sk, a.angles), a.root_rotation, a.root_position)
    np.testing.assert_allclose(joints[sk.index("upper_arm")], shoulder, atol=1e-9)
    np.testing.assert_allclose(joints[sk.index("forearm")], elbow, atol=0.004)
    forearm_dir = joints[sk.index("wrist")] - joints[sk.index("forearm")]
    stump_dir = (stump_end - elbow) / np.linalg.norm(stump_end - elbow)
    assert np.degrees(np.arccos(min(1.0, forearm_dir @ stump_dir / np.linalg.norm(forearm_dir)))) < 1.0  # (rounding: just over 1)
    # the hand itself is the mirrored intact hand: same wrist flexion/deviation and finger angles
    hand = [sk.index(n) for n in sk.names if n.split("_")[0] in ("thumb", "index", "middle", "ring", "little")]
    np.testing.assert_allclose(a.angles[hand], m.angles[hand], atol=1e-6)
    np.testing.assert_allclose(a.angles[sk.index("wrist"), :2], m.angles[sk.index("wrist"), :2], atol=np.radians(1))


def test_lost_residual_limb_falls_back_to_the_mirrored_position_and_is_counted():
    motion = SyntheticArmMotion("right", build_schedule([("rest", 5.0)]), noise_m=0.0)
    pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=False, stump="forearm"))
    out = pipeline.process(motion.sample_at(1.0, t_capture=1.0), residual_arm({0: np.zeros(3)}))  # no elbow
    reference = PosePipeline(MirrorSettings(intact_side="right", show_intact=False)).process(motion.sample_at(1.0, t_capture=1.0))
    np.testing.assert_allclose(out.phantom.angles, reference.phantom.angles)
    assert pipeline.rejected == {"residual limb not tracked": 1}


def test_below_knee_stump_carries_the_mirrored_foot():
    sk_r = build_leg_skeleton("right")
    angles = np.zeros((len(sk_r.names), 3))
    angles[sk_r.index("thigh")] = np.radians([90, 0, 0])
    angles[sk_r.index("shank")] = np.radians([90, 0, 0])
    angles[sk_r.index("foot")] = np.radians([15, 0, 0])  # dorsiflexed
    intact = TrackedSample("leg", "right", 0.0, landmarks_from_pose(
        sk_r, LimbPose("right", angles, np.array([0.09, 0, 0.5]), np.eye(3), 0.0), len(LEG_POINTS)))
    hip = np.array([-0.09, 0.0, 0.5])
    knee = hip + 0.43 * np.array([-0.03, 0.42, 0.0]) / np.hypot(0.03, 0.42)  # the calibrated thigh length
    stump_end = knee + np.array([0.0, 0.08, -0.15])  # knee extending
    points = np.zeros((5, 3))
    points[0], points[1], points[2] = hip, knee, stump_end
    residual = TrackedSample("leg", "left", 0.0, points, np.array([True, True, True, False, False]))
    pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=False, stump="shank"), limb="leg")
    out = pipeline.process(intact, residual)
    sk = build_leg_skeleton("left")
    _, joints = to_world(*forward_kinematics(sk, out.phantom.angles), out.phantom.root_rotation, out.phantom.root_position)
    np.testing.assert_allclose(joints[sk.index("shank")], knee, atol=0.004)
    assert np.degrees(out.phantom.angles[sk.index("foot"), 0]) == pytest.approx(15.0, abs=1.0)  # the mirrored ankle
    ankle_dir = joints[sk.index("foot")] - knee
    stump_dir = stump_end - knee
    assert np.degrees(np.arccos(ankle_dir @ stump_dir / np.linalg.norm(ankle_dir) / np.linalg.norm(stump_dir))) < 1.0


def _stump_setup():
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 5.0)]), noise_m=0.0)
    shoulder = np.array([-0.2, -0.02, 1.05])
    d = np.array([-0.05, 0.12, -0.23])
    elbow = shoulder + 0.30 * d / np.linalg.norm(d)
    residual = residual_arm({0: shoulder, 1: elbow, 2: elbow + np.array([0.05, 0.12, 0.06])})
    return motion, residual, elbow


def test_intact_twin_still_overlays_the_intact_hand_when_anchored():
    motion, residual, _ = _stump_setup()
    sample = motion.sample_at(1.0, t_capture=1.0)
    anchored = PosePipeline(MirrorSettings(intact_side="right", show_intact=True, stump="forearm"))
    plain = PosePipeline(MirrorSettings(intact_side="right", show_intact=True))
    a, p = anchored.process(sample, residual), plain.process(sample)
    np.testing.assert_allclose(a.intact.angles, p.intact.angles, atol=1e-12)
    np.testing.assert_allclose(a.intact.root_position, p.intact.root_position, atol=1e-12)


@pytest.mark.parametrize("mode", [MirrorMode(scope="fingers"), MirrorMode(degree=0.3), MirrorMode(delay_ms=300)])
def test_mirror_modes_never_detach_the_limb_from_the_stump(mode):
    motion, residual, elbow = _stump_setup()
    pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=False, stump="forearm", mode=mode))
    for t in np.arange(0.0, 1.0, 1 / 30):
        out = pipeline.process(motion.sample_at(t, t_capture=t), residual.replace(t_capture=t))
    sk = build_arm_skeleton("left")
    _, joints = to_world(*forward_kinematics(sk, out.phantom.angles), out.phantom.root_rotation, out.phantom.root_position)
    np.testing.assert_allclose(joints[sk.index("forearm")], elbow, atol=0.004)


def test_a_stump_level_of_the_other_limb_is_refused_at_once():
    with pytest.raises(ValueError, match="shank stump belongs to a leg"):
        PosePipeline(MirrorSettings(stump="shank"))
