"""Mirror modes: scope, degree, gain, delay, copy, live switching, and the mirror invariants in each."""

import numpy as np
import pytest

from vrtherapy.config import InvalidValue
from vrtherapy.motion.calibration import relaxed_arm_degrees
from vrtherapy.motion.kinematics import forward_kinematics, to_world
from vrtherapy.motion.mirror import reflect_points, reflect_pose
from vrtherapy.motion.mirror_modes import MirrorMode, scope_mask
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule

FIST_CLOSED = 1.3
MODES = [
    MirrorMode(),
    MirrorMode(scope="wrist"),
    MirrorMode(scope="fingers"),
    MirrorMode(scope="arm"),
    MirrorMode(degree=0.5),
    MirrorMode(gain=1.5),
    MirrorMode(gain=0.5, degree=0.7, scope="fingers"),
    MirrorMode(delay_ms=200),
    MirrorMode(copy=True),
]


def motion():
    return SyntheticArmMotion("right", build_schedule([("fist_open_close", 10.0), ("wrist_flexion_extension", 10.0)]),
                              noise_m=0.0)  # fmt: skip


def run(mode, times, show_intact=True):
    m = motion()
    pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=show_intact, mode=mode))
    return [pipeline.process(m.sample_at(t, t_capture=t)) for t in times], pipeline


def neutral():
    return np.radians(relaxed_arm_degrees(build_arm_skeleton("left").names))


def test_full_mirror_at_degree_one_and_gain_one_is_the_identity():
    (full,), _ = run(MirrorMode(), [FIST_CLOSED])
    (same,), _ = run(MirrorMode(degree=1.0, gain=1.0), [FIST_CLOSED])
    np.testing.assert_allclose(full.phantom.angles, same.phantom.angles)
    np.testing.assert_allclose(full.phantom.angles, full.intact.angles)  # the twin shows the real movement


def test_degree_zero_is_the_neutral_pose():
    (out,), _ = run(MirrorMode(degree=0.0), [FIST_CLOSED])
    np.testing.assert_allclose(out.phantom.angles, neutral(), atol=1e-12)


def test_degree_blends_linearly_and_gain_scales_around_neutral():
    (full,), _ = run(MirrorMode(), [FIST_CLOSED])
    (half,), _ = run(MirrorMode(degree=0.5), [FIST_CLOSED])
    np.testing.assert_allclose(half.phantom.angles, neutral() + 0.5 * (full.phantom.angles - neutral()), atol=1e-12)
    (damped,), _ = run(MirrorMode(gain=0.5), [FIST_CLOSED])
    np.testing.assert_allclose(damped.phantom.angles, half.phantom.angles, atol=1e-12)
    (amplified,), pipeline = run(MirrorMode(gain=1.8), [FIST_CLOSED])
    sk = pipeline.phantom_retargeter.skeleton
    expected = np.clip(neutral() + 1.8 * (full.phantom.angles - neutral()), sk.limits[..., 0], sk.limits[..., 1])
    np.testing.assert_allclose(amplified.phantom.angles, expected, atol=1e-12)
    assert (amplified.phantom.angles <= sk.limits[..., 1] + 1e-12).all()  # gain never breaks a joint limit


@pytest.mark.parametrize("scope, moving", [("wrist", {"wrist"}), ("arm", {"upper_arm", "forearm", "wrist"})])
def test_partial_mirror_holds_the_other_joints_neutral(scope, moving):
    (out,), pipeline = run(MirrorMode(scope=scope), [FIST_CLOSED])
    (full,), _ = run(MirrorMode(), [FIST_CLOSED])
    names = pipeline.phantom_retargeter.skeleton.names
    for j, name in enumerate(names):
        if name in moving:  # in scope: the full mirrored movement
            np.testing.assert_allclose(out.phantom.angles[j], full.phantom.angles[j], atol=1e-12, err_msg=name)
        elif name != "forearm_twist":
            np.testing.assert_allclose(out.phantom.angles[j], neutral()[j], atol=1e-12, err_msg=name)
    assert any(not np.allclose(full.phantom.angles[names.index(n)], neutral()[names.index(n)]) for n in moving)


def test_fingers_scope_mirrors_the_fist_but_not_the_wrist():
    (full,), pipeline = run(MirrorMode(), [FIST_CLOSED])
    (fingers,), _ = run(MirrorMode(scope="fingers"), [FIST_CLOSED])
    sk = pipeline.phantom_retargeter.skeleton
    j = sk.index("middle_intermediate")
    np.testing.assert_allclose(fingers.phantom.angles[j], full.phantom.angles[j])
    np.testing.assert_allclose(fingers.phantom.angles[sk.index("wrist")], neutral()[sk.index("wrist")])


def test_delay_shows_the_movement_later():
    times = np.arange(0.0, 3.0, 1 / 30)
    delayed, _ = run(MirrorMode(delay_ms=300), times)
    live, _ = run(MirrorMode(), times)
    k = 60  # t = 2.0 s
    lag = int(round(0.3 * 30))
    np.testing.assert_allclose(delayed[k].phantom.angles, live[k - lag].phantom.angles, atol=1e-12)
    np.testing.assert_allclose(delayed[k].intact.angles, live[k].intact.angles)  # the intact twin is never delayed


def test_copy_mode_follows_the_tracked_limb_on_its_own_side():
    m = motion()
    sample = m.sample_at(FIST_CLOSED, t_capture=FIST_CLOSED)
    (out,), _ = run(MirrorMode(copy=True), [FIST_CLOSED])
    assert out.phantom.side == "right" and out.intact is None
    np.testing.assert_allclose(out.phantom.root_position, sample.points[0])
    np.testing.assert_allclose(out.phantom.angles, m.angles_at(FIST_CLOSED), atol=1e-9)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: repr(m))
def test_mirror_invariants_hold_in_every_mode(mode):
    times = np.arange(0.0, 1.0, 1 / 30)
    outs, pipeline = run(mode, times)
    out = outs[-1]
    phantom = out.phantom
    # the shown angles are exactly what the mode says, from the full mirror at the shown time
    full_outs, _ = run(MirrorMode(copy=mode.copy), times)
    lag = int(round(mode.delay_ms / 1000 * 30))
    full = full_outs[-1 - lag].phantom.angles
    sk0 = pipeline.phantom_retargeter.skeleton
    mask = np.ones((len(sk0.names), 1)) if mode.scope == "full" else scope_mask(sk0, mode.scope)
    expected = np.clip(neutral() + mode.degree * mode.gain * mask * (full - neutral()), sk0.limits[..., 0], sk0.limits[..., 1])
    if mode.copy:
        expected = np.clip(np.radians(relaxed_arm_degrees(sk0.names)) + mode.degree * mode.gain * mask
                           * (full - np.radians(relaxed_arm_degrees(sk0.names))), sk0.limits[..., 0], sk0.limits[..., 1])
    np.testing.assert_allclose(phantom.angles, expected, atol=1e-9)
    assert phantom.side == ("right" if mode.copy else "left")
    assert np.linalg.det(phantom.root_rotation) == pytest.approx(1.0)
    sk = pipeline.phantom_retargeter.skeleton
    frames, _ = forward_kinematics(sk, phantom.angles)
    np.testing.assert_allclose(np.linalg.det(frames), 1.0, atol=1e-9)  # every bone frame proper
    # involution: reflecting the shown pose twice gives it back exactly
    plane = pipeline.mirror.plane
    twice = reflect_pose(reflect_pose(phantom, plane), plane)
    np.testing.assert_allclose(twice.root_position, phantom.root_position, atol=1e-12)
    np.testing.assert_allclose(twice.root_rotation, phantom.root_rotation, atol=1e-12)
    # left/right swap: the reflected pose's joints are the mirror image of the phantom's
    once = reflect_pose(phantom, plane)
    other = build_arm_skeleton("right" if phantom.side == "left" else "left")
    _, a = to_world(*forward_kinematics(sk, phantom.angles), phantom.root_rotation, phantom.root_position)
    _, b = to_world(*forward_kinematics(other, once.angles), once.root_rotation, once.root_position)
    np.testing.assert_allclose(b, reflect_points(a, plane), atol=1e-12)


def test_mode_switches_live():
    m = motion()
    pipeline = PosePipeline(MirrorSettings(intact_side="right"))
    first = pipeline.process(m.sample_at(1.0, t_capture=1.0))
    pipeline.set_mode(MirrorMode(degree=0.0))
    second = pipeline.process(m.sample_at(1.1, t_capture=1.1))
    assert not np.allclose(first.phantom.angles, neutral())
    np.testing.assert_allclose(second.phantom.angles, neutral())
    with pytest.raises(ValueError, match="copy mode"):
        pipeline.set_mode(MirrorMode(copy=True))


@pytest.mark.parametrize("kwargs, field", [({"degree": 1.5}, "degree"), ({"gain": -1}, "gain"),
                                           ({"delay_ms": 2000}, "delay_ms"), ({"scope": "elbow"}, "scope")])
def test_out_of_range_modes_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(InvalidValue) as err:
        MirrorMode(**kwargs)
    assert err.value.field == field


def test_leg_pipeline_mirrors_a_seated_leg_and_honours_leg_scopes():
    from vrtherapy.motion.kinematics import landmarks_from_pose
    from vrtherapy.motion.leg_skeleton import build_leg_skeleton
    from vrtherapy.motion.pose import LimbPose
    from vrtherapy.tracking.sample import LEG_POINTS, TrackedSample

    sk = build_leg_skeleton("right")
    angles = np.zeros((len(sk.names), 3))
    angles[sk.index("thigh")] = np.radians([88, 12, 5])
    angles[sk.index("shank")] = np.radians([70, 0, 0])  # knee extension exercise, partway
    angles[sk.index("foot")] = np.radians([-25, 5, 10])  # plantar flexion with some inversion
    pose = LimbPose("right", angles, np.array([0.09, 0.0, 0.5]), np.eye(3), 0.0)
    sample = TrackedSample("leg", "right", 0.0, landmarks_from_pose(sk, pose, len(LEG_POINTS)))

    full = PosePipeline(MirrorSettings(intact_side="right"), limb="leg").process(sample)
    assert full.phantom.side == "left" and full.phantom.root_position[0] == pytest.approx(-0.09)
    np.testing.assert_allclose(full.phantom.angles, angles, atol=1e-9)  # same anatomical angles, mirrored limb
    ankle_only = PosePipeline(MirrorSettings(intact_side="right", mode=MirrorMode(scope="ankle")), limb="leg")
    out = ankle_only.process(sample).phantom
    np.testing.assert_allclose(out.angles[sk.index("foot")], angles[sk.index("foot")], atol=1e-9)
    np.testing.assert_allclose(out.angles[sk.index("shank")], np.radians([90, 0, 0]))  # seated neutral knee
    with pytest.raises(ValueError, match="not for a leg"):
        PosePipeline(MirrorSettings(mode=MirrorMode(scope="fingers")), limb="leg")
    arm_pipeline = PosePipeline(MirrorSettings(intact_side="right"))
    arm_pipeline.process(sample)
    assert arm_pipeline.rejected == {"wrong limb": 1}


def test_pipeline_from_a_patients_calibration_uses_their_midline_and_neutral_pose():
    from vrtherapy.motion.calibration import Calibration

    left = build_arm_skeleton("left")
    neutral = np.radians(relaxed_arm_degrees(left.names)) + 0.05 * left.free  # a patient's own relaxed pose
    cal = Calibration(intact_side="right", plane_point=(0.03, 0.0, 0.0), plane_normal=(1.0, 0.0, 0.0),
                      neutral_angles=tuple(map(tuple, neutral)))
    pipeline = PosePipeline.from_calibration(cal, mode=MirrorMode(degree=0.0))
    out = pipeline.process(motion().sample_at(1.0, t_capture=1.0))
    np.testing.assert_allclose(out.phantom.angles, neutral, atol=1e-12)
    shoulder = motion().sample_at(1.0).points[0]
    assert out.phantom.root_position[0] == pytest.approx(0.06 - shoulder[0])  # reflected about x = 0.03
