"""Headset input without a runtime: hand-joint locations (pyopenxr structures) -> tracker samples with
their validity flags, controller grip + closure -> a synthesized hand, buttons -> session commands,
the residual-limb device, the estimated shoulder and elbow, and the choices made from what a runtime
offers (formats, eye size, blend mode, extensions, interaction profiles)."""

import ctypes
import math

import numpy as np
import pytest
import xr

from vrtherapy.frames import OPENXR_TO_WORLD
from vrtherapy.motion.kinematics import forward_kinematics, to_world
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.skeleton import ArmDimensions, build_arm_skeleton
from vrtherapy.therapy.synthetic_patient import MOTIONS, SyntheticArmMotion, build_schedule
from vrtherapy.tracking.openxr_hand import XR_HAND_JOINTS
from vrtherapy.tracking.sample import HAND_LANDMARKS, HAND_OFFSET
from vrtherapy.xr.body_estimate import elbow_between, shoulder_from_head
from vrtherapy.xr.commands import HOLD_TO_STOP_S, ButtonCommands, Buttons
from vrtherapy.xr.controller_hand import grip_axes_in_world, hand_angles, sample_from_grip
from vrtherapy.xr.controllers import ACTIONS, SUGGESTED_BINDINGS
from vrtherapy.xr.hand_tracking import HandJoints, joints_from_locations, sample_from_joints
from vrtherapy.xr.instance import XrStartError, choose_blend_mode, wanted_extensions
from vrtherapy.xr.reference_space import Pose, SpaceAnchor, yaw_rotation
from vrtherapy.xr.residual_limb import residual_sample
from vrtherapy.xr.swapchains import (
    GL_RGBA8,
    GL_SRGB8_ALPHA8,
    SOFTWARE_GL_MAX_PIXELS,
    NoUsableFormat,
    choose_color_format,
    eye_size,  # fmt: skip
)

HEAD = Pose(np.array([0.0, -0.05, 1.2]), np.array([0.0, 0.0, 0.0, 1.0]))
FINGER_JOINTS = [n for n in build_arm_skeleton("right").names
                 if n.split("_")[0] in ("thumb", "index", "middle", "ring", "little")]  # fmt: skip


def locations(positions_xr, flags, active=True):
    """An XrHandJointLocationsEXT as the runtime fills it."""
    joints = (xr.HandJointLocationEXT * 26)()
    for j, (p, f) in enumerate(zip(positions_xr, flags, strict=False)):
        joints[j].location_flags = int(f)
        joints[j].pose = xr.Posef(orientation=xr.Quaternionf(0, 0, 0, 1), position=xr.Vector3f(*p))
        joints[j].radius = 0.01
    return xr.HandJointLocationsEXT(is_active=active, joint_count=26, joint_locations=joints)


def xr_space_points(world, anchor):
    """World points -> the reference space the anchor maps from (the inverse of points_to_world)."""
    return ((world - anchor.offset) @ yaw_rotation(anchor.yaw)) @ OPENXR_TO_WORLD


def quaternion_of(m):
    """(x, y, z, w) of a rotation matrix (no angle near 180 degrees here)."""
    w = math.sqrt(1 + np.trace(m)) / 2
    return np.array([(m[2, 1] - m[1, 2]) / (4 * w), (m[0, 2] - m[2, 0]) / (4 * w), (m[1, 0] - m[0, 1]) / (4 * w), w])


def held_upright(tilt):
    """The grip orientation (as `SpaceAnchor.pose_to_world` reports it) of a controller held upright."""
    axes = np.array([[1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0]]).T  # grip X, Y, Z as world columns
    c, s = math.cos(tilt), math.sin(tilt)
    axes = np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) @ axes
    return quaternion_of(axes @ OPENXR_TO_WORLD.T)


def test_joint_locations_keep_positions_and_validity_flags():
    positions = np.arange(78, dtype=float).reshape(26, 3) / 100
    flags = np.full(26, 0x1 | 0x2 | 0x4 | 0x8)
    flags[XR_HAND_JOINTS.index("ring_tip")] = 0x1  # orientation only: the position is not valid
    joints = joints_from_locations(locations(positions, flags))
    np.testing.assert_allclose(joints.positions, positions, atol=1e-6)
    assert joints.active and joints.valid.sum() == 25 and not joints.valid[XR_HAND_JOINTS.index("ring_tip")]
    assert np.allclose(joints.radii, 0.01)
    assert not joints_from_locations(locations(positions, flags, active=False)).valid.any()


def test_invalid_joints_and_a_lost_wrist_reach_the_sample_flags():
    world = np.random.default_rng(0).normal(0, 0.05, (26, 3)) + [0.2, 0.3, 0.8]
    flags = np.full(26, 0x3)
    flags[XR_HAND_JOINTS.index("index_tip")] = 0
    sample = sample_from_joints(joints_from_locations(locations(world @ OPENXR_TO_WORLD, flags)), "right", 1.0,
                                SpaceAnchor(), HEAD, ArmDimensions())  # fmt: skip
    assert not sample.valid[HAND_OFFSET + HAND_LANDMARKS.index("index_tip")]
    assert sample.valid.sum() == 24 - 1 and sample.source == "openxr-hand"
    flags[XR_HAND_JOINTS.index("wrist")] = 0
    lost = sample_from_joints(joints_from_locations(locations(world @ OPENXR_TO_WORLD, flags)), "right", 1.0,
                              SpaceAnchor(), HEAD, ArmDimensions())  # fmt: skip
    assert not lost.valid[1] and not lost.valid[2] and not lost.valid[HAND_OFFSET]  # no wrist: no elbow either
    assert np.isfinite(lost.points).all()


@pytest.mark.parametrize("side", ["right", "left"])
def test_live_hand_joints_retarget_within_three_degrees(side):
    """The 26 joints as a runtime reports them (anchored LOCAL space, OpenXR axes) drive the skeleton."""
    motion = SyntheticArmMotion(side, build_schedule([(k, 6.0) for k in MOTIONS]), noise_m=0.0)
    sk = motion.skeleton
    retarget = Retargeter(sk)
    anchor = SpaceAnchor(yaw=0.4, offset=np.array([0.1, -0.2, 1.1]))
    fingers = [sk.index(n) for n in FINGER_JOINTS]
    errors = []
    for t in np.arange(0.0, motion.duration, 0.25):
        pose = motion.pose_at(t)
        _, world = to_world(*forward_kinematics(sk, pose.angles), pose.root_rotation, pose.root_position)
        joints_world = world[[sk.index(n) for n in XR_HAND_JOINTS]]
        joints = HandJoints(xr_space_points(joints_world, anchor), np.full(26, 0.01), np.ones(26, bool), True)
        sample = sample_from_joints(joints, side, t, anchor, HEAD, sk.dimensions)
        assert sample.valid.all()
        np.testing.assert_allclose(sample.points[HAND_OFFSET], world[sk.index("wrist")], atol=1e-9)
        assert np.linalg.norm(sample.points[1] - sample.points[0]) == pytest.approx(sk.dimensions.upper_arm)
        solved = retarget.solve(sample)
        errors.append(np.degrees(np.abs(solved.angles - pose.angles))[fingers][sk.free[fingers]])
    assert np.median(np.concatenate(errors)) <= 3.0


@pytest.mark.parametrize("side", ["right", "left"])
def test_controller_hand_closes_with_the_trigger_and_sits_on_the_grip(side):
    dims = ArmDimensions()
    sk = build_arm_skeleton(side, dims)
    retarget = Retargeter(sk)
    # Held upright, the handle tilted 30 degrees forward: grip +X to the right, +Y back to the wrist, -Z up the handle.
    grip = Pose(np.array([0.22 if side == "right" else -0.22, 0.3, 0.85]), held_upright(math.radians(30)))
    axes = grip_axes_in_world(grip)
    fingers = [sk.index(n) for n in FINGER_JOINTS]
    curls = []
    for closure in (0.0, 0.5, 1.0):
        sample = sample_from_grip(grip, closure, side, HEAD, 2.0, dims)
        assert sample.valid.all() and sample.side == side
        wrist = sample.points[HAND_OFFSET]
        # The wrist sits behind the fist (grip +Y), the knuckles lie ahead of it (grip -Y).
        assert (wrist - grip.position) @ axes[:, 1] > 0.05
        knuckles = sample.points[HAND_OFFSET + HAND_LANDMARKS.index("middle_mcp")]
        assert (knuckles - wrist) @ axes[:, 1] < -0.05
        solved = retarget.solve(sample)
        expected = np.radians(hand_angles(sk.names, closure))
        err = np.degrees(np.abs(solved.angles - expected))[fingers][sk.free[fingers]]
        assert np.median(err) <= 3.0
        curls.append(np.degrees(solved.angles[fingers, 0]).sum())
    assert curls[1] - curls[0] > 100 and curls[2] - curls[1] > 100  # the fist closes progressively


def test_palm_faces_the_controller_handle():
    """The thumb lies along grip -Z (towards the top of the handle) for either hand."""
    grip = Pose(np.array([0.2, 0.3, 0.9]), np.array([0.0, 0.0, 0.0, 1.0]))
    axes = grip_axes_in_world(grip)
    for side in ("right", "left"):
        s = sample_from_grip(grip, 0.0, side, HEAD, 0.0)
        landmark = {name: s.points[HAND_OFFSET + i] for i, name in enumerate(HAND_LANDMARKS)}
        thumb = landmark["thumb_mcp"] - landmark["pinky_mcp"]
        assert thumb @ axes[:, 2] < -0.02


def test_estimated_shoulder_and_elbow():
    shoulder = shoulder_from_head(HEAD.position, np.eye(3), "right")
    np.testing.assert_allclose(shoulder, [0.18, -0.12, 0.96])
    left_turned = shoulder_from_head(HEAD.position, yaw_rotation(math.pi / 2), "left")
    np.testing.assert_allclose(left_turned, HEAD.position + [0.07, -0.18, -0.24], atol=1e-12)  # head turned left
    dims = ArmDimensions()
    wrist = shoulder + [0.05, 0.35, -0.15]
    elbow = elbow_between(shoulder, wrist, dims, "right")
    assert np.linalg.norm(elbow - shoulder) == pytest.approx(dims.upper_arm)
    assert np.linalg.norm(wrist - elbow) == pytest.approx(dims.forearm)
    assert elbow[2] < (shoulder[2] + wrist[2]) / 2  # hangs below the shoulder-wrist line
    far = elbow_between(shoulder, shoulder + [0, 2.0, 0], dims, "right")
    np.testing.assert_allclose(far, shoulder + [0, dims.upper_arm, 0], atol=1e-3)  # out of reach: straight


def test_menu_toggles_pause_and_a_long_hold_stops():
    commands = ButtonCommands()
    assert commands.update(Buttons(menu=True), 0.0) == []
    assert commands.update(Buttons(), 0.3) == ["pause"]
    assert commands.update(Buttons(menu=True), 1.0) + commands.update(Buttons(), 1.2) == ["resume"]
    assert commands.update(Buttons(menu=True), 5.0) == []
    assert commands.update(Buttons(menu=True), 5.0 + HOLD_TO_STOP_S) == ["stop"]
    assert commands.update(Buttons(menu=True), 9.0) == []  # once
    assert commands.update(Buttons(), 9.5) == []  # releasing after a stop does not also pause
    assert commands.update(Buttons(next=True), 10.0) == ["skip"]
    assert commands.update(Buttons(next=True), 10.1) == []
    assert commands.update(Buttons(recentre=True), 11.0) == ["recentre"]


def test_a_device_on_the_forearm_stump_anchors_the_virtual_limb():
    dims = ArmDimensions()
    device = np.array([-0.2, 0.05, 0.85])
    residual = residual_sample(device, "forearm", "left", HEAD, 3.0, stump_length=0.1, dims=dims)
    assert residual.valid[:3].all() and not residual.valid[3:].any()
    assert np.linalg.norm(residual.points[2] - residual.points[1]) == pytest.approx(0.1)
    assert np.linalg.norm(residual.points[1] - residual.points[0]) == pytest.approx(dims.upper_arm)
    motion = SyntheticArmMotion("right", build_schedule([("rest", 5.0)]), dims, noise_m=0.0)
    pipeline = PosePipeline(MirrorSettings(intact_side="right", stump="forearm"), dims)
    for t in (0.0, 0.05, 0.1):
        poses = pipeline.process(motion.sample_at(t), residual.replace(t_capture=t))
    assert pipeline.rejected.get("residual limb not tracked", 0) == 0 and poses.phantom is not None
    upper = residual_sample(device, "upper_arm", "left", HEAD, 3.0, stump_length=0.1, dims=dims)
    assert upper.valid[:2].all() and not upper.valid[2:].any()
    with pytest.raises(ValueError):
        residual_sample(device, "shank", "left", HEAD, 3.0, stump_length=0.1)


def test_swapchain_format_and_eye_size_choices():
    assert choose_color_format([0x805B, GL_RGBA8, GL_SRGB8_ALPHA8]) == GL_SRGB8_ALPHA8  # bytes copied as sRGB
    assert choose_color_format([0x881A, GL_RGBA8]) == GL_RGBA8
    with pytest.raises(NoUsableFormat):
        choose_color_format([0x881A])
    assert eye_size((1832, 1920), (4096, 4096), software=False) == (1832, 1920)
    w, h = eye_size((1832, 1920), (4096, 4096), software=True)
    assert w * h <= SOFTWARE_GL_MAX_PIXELS and abs(w / h - 1832 / 1920) < 0.01
    assert eye_size((2000, 1000), (1000, 1000), software=False) == (1000, 500)


def test_blend_mode_and_extensions_from_what_the_runtime_offers():
    assert choose_blend_mode([3, 1]) == 1 and choose_blend_mode([2, 3]) == 3 and choose_blend_mode([2]) == 2
    offered = {"XR_MNDX_egl_enable", "XR_KHR_opengl_enable", "XR_EXT_hand_tracking", "XR_EXT_debug_utils",
               "XR_KHR_convert_timespec_time"}  # fmt: skip
    assert wanted_extensions(offered, "XR_MNDX_egl_enable", debug=False) == [
        "XR_EXT_hand_tracking", "XR_KHR_convert_timespec_time", "XR_KHR_opengl_enable", "XR_MNDX_egl_enable"]
    assert "XR_EXT_debug_utils" in wanted_extensions(offered, "XR_MNDX_egl_enable", debug=True)
    with pytest.raises(XrStartError, match="XR_MNDX_egl_enable"):
        wanted_extensions({"XR_KHR_opengl_enable"}, "XR_MNDX_egl_enable", debug=False)


#: Input components each profile defines (OpenXR 1.0 spec, 6.4 interaction profiles), per hand.
SPEC_COMPONENTS = {
    "khr/simple_controller": {"input/select/click", "input/menu/click", "input/grip/pose", "input/aim/pose"},
    "oculus/touch_controller": {"left": {"input/x/click", "input/y/click", "input/menu/click"},
                                "right": {"input/a/click", "input/b/click"},
                                "both": {"input/squeeze/value", "input/trigger/value", "input/thumbstick/click",
                                         "input/thumbstick", "input/grip/pose", "input/aim/pose"}},
    "valve/index_controller": {"input/a/click", "input/b/click", "input/squeeze/value", "input/trigger/value",
                               "input/thumbstick/click", "input/thumbstick", "input/grip/pose"},
    "htc/vive_controller": {"input/menu/click", "input/squeeze/click", "input/trigger/value", "input/trackpad/click",
                            "input/trackpad", "input/grip/pose"},
    "microsoft/motion_controller": {"input/menu/click", "input/squeeze/click", "input/trigger/value",
                                    "input/thumbstick/click", "input/thumbstick", "input/trackpad/click", "input/grip/pose"},
}  # fmt: skip


def test_suggested_bindings_use_real_components_and_cover_every_command():
    assert {p.removeprefix("/interaction_profiles/") for p in SUGGESTED_BINDINGS} == set(SPEC_COMPONENTS)
    for profile, table in SUGGESTED_BINDINGS.items():
        spec = SPEC_COMPONENTS[profile.removeprefix("/interaction_profiles/")]
        for action, path, sides in table:
            assert action in ACTIONS
            for side in sides:
                allowed = spec if isinstance(spec, set) else spec[side] | spec["both"]
                assert path in allowed, (profile, side, path)
        bound = {(action, side) for action, _, sides in table for side in sides}
        for side in ("left", "right"):
            assert {("grip_pose", side), ("trigger", side), ("menu", side)} <= bound, (profile, side)


def test_debug_messages_from_the_runtime_are_printed_as_one_line():
    from vrtherapy.xr.instance import _messenger_info

    lines, keep = [], []
    info = _messenger_info(lines.append, keep)
    data = xr.DebugUtilsMessengerCallbackDataEXT(message="xrEndFrame: layer has no views")
    info._user_callback(int(xr.DebugUtilsMessageSeverityFlagsEXT.ERROR_BIT), 1, ctypes.pointer(data), None)
    assert lines == ["vrtherapy: OpenXR runtime error: xrEndFrame: layer has no views"]
    assert keep == [info]  # kept alive as long as the instance



def test_the_controller_answers_the_pain_question_with_one_hand():
    commands = ButtonCommands()
    pushes = ((0.0, 0.0), (0.1, 0.9), (0.2, 0.5), (0.3, 0.1), (0.4, -0.8), (0.5, 0.0))
    asking = [commands.update(Buttons(stick_y=y), t, asking_pain=True) for t, y in pushes]
    assert asking == [[], ["pain_up"], [], [], ["pain_down"], []]  # a push steps once; releasing past 0.3 re-arms
    held = [commands.update(Buttons(stick_y=1.0), 1.0 + 0.1 * i, asking_pain=True) for i in range(12)]
    assert sum(held, []) == ["pain_up"] * 3  # held: the first step, then after 0.6 s, then every 0.3 s
    assert commands.update(Buttons(trigger=0.9), 3.0, asking_pain=True) == ["pain_confirm"]
    assert commands.update(Buttons(trigger=0.6), 3.1, asking_pain=True) == []  # still held (hysteresis)
    assert commands.update(Buttons(trigger=0.2), 3.2, asking_pain=True) == []
    assert commands.update(Buttons(next=True), 3.3, asking_pain=True) == ["pain_skip"]
    assert commands.update(Buttons(menu=True), 4.0, asking_pain=True) + commands.update(Buttons(), 4.2, True) == []
    held_menu = commands.update(Buttons(menu=True), 5.0, True) + commands.update(Buttons(menu=True), 5.0 + HOLD_TO_STOP_S, True)
    assert held_menu == ["stop"]


def test_outside_the_pain_question_the_stick_and_trigger_command_nothing():
    commands = ButtonCommands()
    inputs = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]
    out = [commands.update(Buttons(stick_y=y, trigger=t), i * 0.1) for i, (y, t) in enumerate(inputs)]
    assert out == [[], [], []]  # the trigger closes the virtual hand, nothing more
