"""Software GL's anti-aliasing of the still scene (`render/backdrop.py`): the room and the body drawn once
into an FXAA'd backdrop and laid behind every frame. The frame must look as the live one does, its edges
smoothed; limbs must meet the table exactly as when the room is drawn live; and the backdrop must be
drawn again whenever the view or the still scene changes, in that same frame."""

import numpy as np
import pytest

from vrtherapy.motion.pipeline import FramePoses
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.render.capture import grab_rgb


@pytest.fixture
def make_scene(scenes):
    return lambda antialias="silhouette": scenes("arm", ("left",), antialias)


def _frame(scene, poses: FramePoses | None = None) -> np.ndarray:
    scene.show(poses or FramePoses(None, None, None))
    return grab_rgb(scene.base).astype(float)


def _edges(image: np.ndarray) -> np.ndarray:
    """Pixels on a sharp step of brightness (a room edge, as drawn without anti-aliasing)."""
    luma = image.mean(axis=2)
    step = np.zeros_like(luma)
    step[1:-1, 1:-1] = np.maximum(np.abs(luma[2:, 1:-1] - luma[:-2, 1:-1]), np.abs(luma[1:-1, 2:] - luma[1:-1, :-2]))
    return step > 40


def _roughness(image: np.ndarray, where: np.ndarray) -> float:
    """Mean second difference of brightness at `where`: stair-stepped edges are rough, smoothed ones less."""
    luma = image.mean(axis=2)
    lap = np.zeros_like(luma)
    lap[1:-1, 1:-1] = np.abs(4 * luma[1:-1, 1:-1] - luma[2:, 1:-1] - luma[:-2, 1:-1] - luma[1:-1, 2:] - luma[1:-1, :-2])
    return float(lap[where].mean())


def _resting_forearm_below_table(scene) -> FramePoses:
    """The left arm reaching forward with its hand sunk 3 cm into the table top (contact turned off)."""
    from scipy.spatial.transform import Rotation

    skeleton = build_arm_skeleton("left")
    scene.limbs["left"].clear_surface()
    down = Rotation.from_euler("x", -30, degrees=True).as_matrix()  # the straight arm reaching forward and down
    pose = LimbPose("left", np.zeros((len(skeleton.names), 3)), np.array([-0.19, -0.03, 1.045]), down, 0.0)
    return FramePoses(pose, None, None)


def test_backdrop_frame_is_the_live_frame_with_smoothed_edges(make_scene):
    live_scene = make_scene("none")
    assert live_scene.backdrop is None
    live = _frame(live_scene)
    live_scene.destroy()
    scene = make_scene()
    assert scene.backdrop is not None
    cached = _frame(scene)
    assert scene.backdrop.redraws == 1
    edges = _edges(live)
    assert edges.sum() > 200  # the table's, cabinet's and walls' edges are in view
    away = ~np.isin(np.arange(edges.size), np.flatnonzero(edges)).reshape(edges.shape)
    near = np.zeros_like(edges)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near |= np.roll(np.roll(edges, dy, axis=0), dx, axis=1)
    # the same picture away from edges ...
    assert np.abs(cached - live)[~near & away].mean() < 1.0
    # ... and the stair steps along the edges softened
    assert _roughness(cached, edges) < 0.85 * _roughness(live, edges), (_roughness(cached, edges), _roughness(live, edges))


def test_limbs_meet_the_cached_table_as_they_meet_the_live_one(make_scene):
    masks = {}
    for mode in ("none", "silhouette"):
        scene = make_scene(mode)
        poses = _resting_forearm_below_table(scene)
        empty = _frame(scene)
        masks[mode] = np.abs(_frame(scene, poses) - empty).sum(axis=2) > 60
        if mode == "none":  # and what of the arm lies under the table top: drawn with the room hidden
            scene.room.hide()
            bare = _frame(scene)
            masks["under"] = (np.abs(_frame(scene, poses) - bare).sum(axis=2) > 60) & ~masks["none"]
        scene.destroy()
    assert masks["under"].sum() > 80  # the fingers are in the table
    assert (masks["silhouette"] & masks["under"]).sum() < 0.1 * masks["under"].sum()  # hidden by the cached table too
    overlap = (masks["none"] & masks["silhouette"]).sum() / (masks["none"] | masks["silhouette"]).sum()
    assert overlap > 0.95, overlap


def test_backdrop_is_drawn_again_in_the_frame_the_view_or_the_still_scene_changes(make_scene, showbase):
    scene = make_scene()
    first = _frame(scene)
    for _ in range(3):
        again = _frame(scene)
    assert scene.backdrop.redraws == 1 and np.array_equal(first, again)  # drawn once while the view holds
    showbase.camera.setH(showbase.camera.getH() + 20)
    turned = _frame(scene)
    assert scene.backdrop.redraws == 2
    scene.place_eye()
    assert np.array_equal(_frame(scene), first)  # back at the eye: the same picture again
    scene.room.hide()
    bare = _frame(scene)
    assert scene.backdrop.redraws == 4
    assert np.abs(bare - first).mean() > 5 and np.abs(turned - first).mean() > 5
    scene.room.show()
    assert np.array_equal(_frame(scene), first) and scene.backdrop.redraws == 5


def test_an_eye_that_keeps_moving_sees_the_room_drawn_live(make_scene, showbase):
    scene = make_scene()
    _frame(scene)
    for _ in range(45):
        showbase.camera.setH(showbase.camera.getH() + 0.5)
        frame = _frame(scene)
        assert frame.std() > 10  # the room is there in every frame, cached or live
    assert scene.backdrop.redraws <= 32  # not redrawn for every frame of a long move
    redraws = scene.backdrop.redraws
    _frame(scene)
    _frame(scene)
    assert scene.backdrop.redraws == redraws + 1  # held still: cached again


def test_a_resized_view_gets_a_backdrop_of_its_new_size(make_scene, showbase):
    try:
        showbase.win.setSize(400, 300)
        live_scene = make_scene("none")
        live = [_frame(live_scene) for _ in range(2)][-1]
        live_scene.destroy()
        showbase.win.setSize(320, 240)
        scene = make_scene()
        _frame(scene)  # cached at 320x240
        showbase.win.setSize(400, 300)
        cached = [_frame(scene) for _ in range(3)][-1]
    finally:
        showbase.win.setSize(320, 240)
    assert cached.shape == live.shape == (300, 400, 3)
    # all of the view is the room as drawn live (none of it left black past the old size), edges aside
    assert np.abs(cached - live).mean() < 2.0, np.abs(cached - live).mean()
