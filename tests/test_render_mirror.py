"""Offscreen rendering with real pixels: the virtual hand appears on the mirrored side and moves."""

import numpy as np
import pytest

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.render.capture import grab_rgb
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule

FIST_OPEN_T, FIST_CLOSED_T = 0.05, 1.3  # within one 2.6 s repetition of fist_open_close


@pytest.fixture
def make_scene(showbase):
    from vrtherapy.render.app import TherapyScene

    made = []

    def make(sides):
        scene = TherapyScene(showbase, load_scene(), {s: build_arm_skeleton(s) for s in sides}, Appearance(),
                             with_hud=False)
        made.append(scene)
        return scene

    yield make
    for scene in made:
        scene.destroy()


def limb_mask(scene, poses) -> np.ndarray:
    """Pixels where the limbs are: the frame with them minus the frame without."""
    from vrtherapy.motion.pipeline import FramePoses

    scene.show(FramePoses(None, None, None))
    empty = grab_rgb(scene.base).astype(int)
    scene.show(poses)
    drawn = grab_rgb(scene.base).astype(int)
    return np.abs(drawn - empty).sum(axis=2) > 30


def poses_at(intact_side, t, show_intact=False):
    motion = SyntheticArmMotion(intact_side, build_schedule([("fist_open_close", 5.0)]), noise_m=0.0)
    return PosePipeline(MirrorSettings(intact_side=intact_side, show_intact=show_intact)).process(motion.sample_at(t))


def iou(a, b):
    return (a & b).sum() / max(1, (a | b).sum())


@pytest.mark.parametrize("affected", ["left", "right"])
def test_virtual_hand_is_drawn_on_the_affected_side(make_scene, affected):
    intact = "right" if affected == "left" else "left"
    scene = make_scene([affected])
    mask = limb_mask(scene, poses_at(intact, FIST_OPEN_T))
    width = mask.shape[1]
    cols = np.nonzero(mask)[1]
    assert mask.sum() > 0.01 * mask.size  # a hand-and-forearm sized blob, not a speck
    if affected == "left":
        assert cols.mean() < width / 2 and np.mean(cols < width / 2) > 0.95
    else:
        assert cols.mean() > width / 2 and np.mean(cols > width / 2) > 0.95


def test_silhouette_changes_between_open_hand_and_fist(make_scene):
    scene = make_scene(["left"])
    scene.limbs["left"].clear_surface()  # the poses as tracked: a fist on the table lifts the wrist
    open_mask = limb_mask(scene, poses_at("right", FIST_OPEN_T))
    fist_mask = limb_mask(scene, poses_at("right", FIST_CLOSED_T))
    assert open_mask.sum() > fist_mask.sum() * 1.05  # curled fingers cover less of the table
    assert iou(open_mask, fist_mask) < 0.9
    assert (open_mask & ~fist_mask).sum() > 150  # the extended fingers' pixels


def test_bilateral_view_is_mirror_symmetric_in_the_image(make_scene):
    """The eye point sits on the mirror plane, so the two hands image as mirror images of each other."""
    scene = make_scene(["left", "right"])
    mask = limb_mask(scene, poses_at("right", FIST_CLOSED_T, show_intact=True))
    half = mask.shape[1] // 2
    left, right = mask[:, :half], mask[:, -half:][:, ::-1]
    assert left.sum() > 0 and right.sum() > 0
    assert iou(left, right) > 0.85


def test_skin_tone_is_visible_in_the_pixels(make_scene):
    scene = make_scene(["left"])
    poses = poses_at("right", FIST_OPEN_T)
    mask = limb_mask(scene, poses)
    scene.limbs["left"].set_appearance(Appearance.from_tone("deep"))
    dark = grab_rgb(scene.base)[mask].mean(axis=0)
    scene.limbs["left"].set_appearance(Appearance.from_tone("porcelain"))
    light = grab_rgb(scene.base)[mask].mean(axis=0)
    assert light.sum() > dark.sum() + 150


def test_contact_shadow_darkens_the_table_and_fades_as_the_hand_lifts(make_scene):
    from dataclasses import replace

    import cv2

    from vrtherapy.motion.pipeline import FramePoses

    scene = make_scene(["left"])
    resting = poses_at("right", FIST_OPEN_T).phantom

    def darkening(pose) -> float:
        # FXAA re-blends the limb's silhouette a little differently over a darker table: judge the
        # table away from it (3 pixels).
        edges = cv2.dilate(limb_mask(scene, FramePoses(pose, None, 0.0)).astype(np.uint8), np.ones((7, 7), np.uint8))
        away = edges == 0
        scene.show(FramePoses(pose, None, 0.0))
        with_shadow = grab_rgb(scene.base).astype(int)
        scene.shadows["left"].root.hide()
        without = grab_rgb(scene.base).astype(int)
        assert away.mean() > 0.8
        assert (with_shadow - without)[away].max() <= 1  # a shadow only ever darkens
        return float((without - with_shadow).clip(min=0).sum())

    on_table = darkening(resting)
    lifted = darkening(replace(resting, root_position=resting.root_position + [0.0, 0.0, 0.25]))
    assert on_table > 2000
    assert lifted < on_table * 0.05
