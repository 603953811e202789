"""The limb models through the app's own loader and renderer: joints visibly bend; left mirrors right."""

import numpy as np
import pytest
from panda3d.core import Point3

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.calibration import relaxed_arm_degrees, relaxed_leg_degrees
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.mirror import MirrorPlane, reflect_pose
from vrtherapy.motion.pipeline import FramePoses
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.render.capture import grab_rgb
from vrtherapy.render.scene_spec import load_scene

BUILD = {"arm": build_arm_skeleton, "leg": build_leg_skeleton}
RELAXED = {"arm": relaxed_arm_degrees, "leg": relaxed_leg_degrees}
ROOT = {"arm": np.array([0.19, -0.03, 1.045]), "leg": np.array([0.09, 0.0, 0.5])}


@pytest.fixture
def render_limb(showbase):
    """render(limb, side, angles_deg, camera_pos, look_at) -> boolean mask of the limb's pixels."""
    from vrtherapy.render.app import TherapyScene

    cam_state = (showbase.camera.getPos(), showbase.camera.getHpr())
    scenes = {}

    def render(limb, side, angles_deg, camera_pos, look_at, root=None):
        key = (limb, side)
        if key not in scenes:
            scenes[key] = TherapyScene(showbase, load_scene(), {side: BUILD[limb](side)}, Appearance(), with_hud=False)
            # The limb alone against the clear colour: textured, asymmetric rooms would blur its mask.
            scenes[key].room.find("static").hide()
            scenes[key].body.hide()
            for limb_node in scenes[key].limbs.values():
                limb_node.clear_surface()  # the pose exactly as given (no table here to rest on)
        scene = scenes[key]
        for other in scenes.values():
            other.root.hide()
        scene.root.show()
        showbase.camera.setPos(*camera_pos)
        showbase.camera.lookAt(Point3(*look_at))
        if root is None:
            root = ROOT[limb] * ([1, 1, 1] if side == "right" else [-1, 1, 1])
        pose = LimbPose(side, np.radians(angles_deg), root, np.eye(3), 0.0)
        scene.show(FramePoses(None, None, None))
        empty = grab_rgb(showbase).astype(int)
        scene.show(FramePoses(pose, None, 0.0))
        drawn = grab_rgb(showbase).astype(int)
        return np.abs(drawn - empty).sum(axis=2) > 30

    yield render
    for scene in scenes.values():
        scene.destroy()
    showbase.camera.setPos(cam_state[0])
    showbase.camera.setHpr(cam_state[1])


def iou(a, b):
    return (a & b).sum() / max(1, (a | b).sum())


def pose_deg(limb, **joints):
    sk = BUILD[limb]("right")
    angles = RELAXED[limb](sk.names).copy()
    for name, value in joints.items():
        angles[sk.index(name)] = value
    return angles


ARM_SIDE_VIEW = {"camera_pos": (0.75, 0.40, 0.95), "look_at": (0.20, 0.40, 0.80)}
LEG_SIDE_VIEW = {"camera_pos": (0.85, 0.55, 0.25), "look_at": (0.09, 0.50, 0.10)}


def test_wrist_flexed_and_extended_give_clearly_different_silhouettes(render_limb):
    flexed = render_limb("arm", "right", pose_deg("arm", wrist=(60, 0, -80)), **ARM_SIDE_VIEW)
    extended = render_limb("arm", "right", pose_deg("arm", wrist=(-55, 0, -80)), **ARM_SIDE_VIEW)
    assert flexed.sum() > 500 and extended.sum() > 500
    assert iou(flexed, extended) < 0.9  # the whole arm is in view; the hand alone differs far more
    # where the two differ (the hand), the extended hand sits higher in the image than the flexed one
    changed = np.any(flexed ^ extended, axis=0)
    assert np.nonzero(extended[:, changed])[0].mean() < np.nonzero(flexed[:, changed])[0].mean() - 5


def test_ankle_dorsi_and_plantar_flexion_give_clearly_different_silhouettes(render_limb):
    dorsi = render_limb("leg", "right", pose_deg("leg", foot=(20, 0, 0)), **LEG_SIDE_VIEW)
    plantar = render_limb("leg", "right", pose_deg("leg", foot=(-40, 0, 0)), **LEG_SIDE_VIEW)
    assert dorsi.sum() > 500 and plantar.sum() > 500
    assert iou(dorsi, plantar) < 0.9
    assert np.nonzero(plantar)[0].max() > np.nonzero(dorsi)[0].max()  # pointed toes reach lower


@pytest.mark.parametrize("limb", ["arm", "leg"])
def test_left_and_right_models_are_mirror_images(render_limb, limb):
    """With the eye on the mirror plane, the left limb in the mirrored pose renders as the flipped
    image of the right limb."""
    rng = np.random.default_rng(3)
    sk = BUILD[limb]("right")
    lo, hi = np.degrees(sk.limits[..., 0]), np.degrees(sk.limits[..., 1])
    angles = np.clip(RELAXED[limb](sk.names) + np.where(sk.free, rng.uniform(-15, 15, lo.shape), 0.0), lo, hi)
    view = {"camera_pos": (0.0, -0.05, 1.20), "look_at": (0.0, 0.55, 0.78)} if limb == "arm" else \
        {"camera_pos": (0.0, 1.4, 0.6), "look_at": (0.0, 0.45, 0.1)}  # fmt: skip
    right = render_limb(limb, "right", angles, **view)
    pose = LimbPose("right", np.radians(angles), ROOT[limb], np.eye(3), 0.0)
    mirrored = reflect_pose(pose, MirrorPlane())
    left = render_limb(limb, "left", np.degrees(mirrored.angles), root=mirrored.root_position, **view)
    assert right.sum() > 300
    assert iou(right, left[:, ::-1]) >= 0.95
