"""Realism in the rendered frame: a resting limb touches its surface and never shows through it, the
patient's body is in the first-person view, the lower-limb room is furnished, edges are anti-aliased."""

import numpy as np
import pytest
from panda3d.core import Point2, Point3

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.pipeline import FramePoses, MirrorSettings, PosePipeline
from vrtherapy.render.capture import grab_rgb
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, SyntheticLegMotion, build_schedule


def limb_pixels(scene, poses) -> np.ndarray:
    """Mask of the limbs' pixels with everything else hidden (room, body, shadows)."""
    scene.room.hide()
    scene.body.hide()
    for shadow in scene.shadows.values():
        shadow.root.hide()
    scene.show(FramePoses(None, None, None))
    empty = grab_rgb(scene.base).astype(int)
    scene.show(poses)
    for shadow in scene.shadows.values():
        shadow.root.hide()
    drawn = grab_rgb(scene.base).astype(int)
    scene.room.show()
    scene.body.show()
    mask = np.abs(drawn - empty).sum(axis=2) > 24
    mask[:2], mask[-2:], mask[:, :2], mask[:, -2:] = False, False, False, False  # FXAA's clamped border
    return mask


def side_view_at(base, height: float, y: float) -> int:
    """Look along -x at eye level `height` from the side; returns the image row of the plane z = height."""
    base.camLens.setMinFov(40)
    base.camera.setPos(1.6, y, height)
    base.camera.lookAt(Point3(0.0, y, height))
    projected = Point2()
    assert base.camLens.project(base.cam.getRelativePoint(base.render, Point3(0.3, y, height)), projected)
    rows = base.win.getYSize()
    return int(round((1.0 - (projected.y + 1.0) / 2.0) * rows))


def column_of(base, y: float, height: float) -> int:
    """The image column of world y (in the side view), at x = 0.2."""
    projected = Point2()
    assert base.camLens.project(base.cam.getRelativePoint(base.render, Point3(0.2, y, height)), projected)
    return int(round((projected.x + 1.0) / 2.0 * base.win.getXSize()))


ARM_TIMES = {"fist_open_close": (0.05, 0.7, 1.3, 2.0), "finger_tapping": (0.0, 0.3, 0.6, 0.9, 1.2),
             "finger_lifts": (0.0, 0.5, 1.0, 1.5, 2.5)}  # fmt: skip


@pytest.mark.parametrize("exercise", sorted(ARM_TIMES))
def test_no_skin_below_the_table_top_and_the_resting_hand_touches_it(scenes, exercise):
    scene = scenes("arm", ("right",))
    height = scene.spec.table.height
    motion = SyntheticArmMotion("left", build_schedule([(exercise, 5.0)]), noise_m=0.0)
    pipeline = PosePipeline(MirrorSettings(intact_side="left"))
    horizon = side_view_at(scene.base, height, 0.45)
    table = scene.spec.table
    # over the table only: the elbow may hang past its near edge, below the top, as a real one does
    near = column_of(scene.base, table.near_edge_y + 0.01, height)
    for t in ARM_TIMES[exercise]:
        mask = limb_pixels(scene, pipeline.process(motion.sample_at(t)))
        assert mask[:, near:].sum() > 500  # the hand and forearm are over the table
        rows = np.flatnonzero(mask[:, near:].any(axis=1))
        assert mask.sum() > 200, t
        assert rows.max() <= horizon + 1, (t, rows.max(), horizon)  # nothing on the wrong side of the top
        if exercise != "fist_open_close" or t < 0.1:  # at rest: touching, not hovering
            assert rows.max() >= horizon - 1, (t, rows.max(), horizon)


def test_feet_rest_on_the_floor_and_never_sink_into_it(scenes):
    scene = scenes("leg", ("right",))
    motion = SyntheticLegMotion("left", build_schedule([("ankle_dorsi_plantar", 5.0)]), noise_m=0.0)
    pipeline = PosePipeline(MirrorSettings(intact_side="left"), limb="leg")
    horizon = side_view_at(scene.base, 0.0, 0.65)
    for t in (0.0, 0.6, 1.2, 1.8):
        mask = limb_pixels(scene, pipeline.process(motion.sample_at(t)))
        rows = np.flatnonzero(mask.any(axis=1))
        assert rows.max() <= horizon + 1, (t, rows.max(), horizon)
    rest = limb_pixels(scene, pipeline.process(motion.sample_at(0.0)))
    assert np.flatnonzero(rest.any(axis=1)).max() >= horizon - 1


def body_mask(scene, poses) -> np.ndarray:
    scene.show(poses)
    scene.place_eye()
    with_body = grab_rgb(scene.base).astype(int)
    scene.body.hide()
    without = grab_rgb(scene.base).astype(int)
    scene.body.show()
    mask = np.abs(with_body - without).sum(axis=2) > 24
    mask[:2], mask[:, :2], mask[:, -2:] = False, False, False  # FXAA's clamped border
    return mask


def test_the_patients_body_is_in_the_first_person_view(scenes):
    scene = scenes("arm")
    motion = SyntheticArmMotion("left", build_schedule([("fist_open_close", 5.0)]), noise_m=0.0)
    poses = PosePipeline(MirrorSettings(intact_side="left", show_intact=True)).process(motion.sample_at(0.05))
    mask = body_mask(scene, poses)
    height, width = mask.shape
    assert mask.mean() > 0.01  # shoulders and the lap at the bottom of the view
    rows, cols = np.nonzero(mask)
    assert rows.min() > height / 2  # below the hands, never across them
    assert abs(cols.mean() - width / 2) < width * 0.1 and np.ptp(cols) > width * 0.25  # the body, centred
    # dressed as the appearance says: the pixels are the shirt's or the trousers' colour, lit
    frame = grab_rgb(scene.base).astype(float)[mask] + 1.0
    chroma = frame / frame.sum(axis=1, keepdims=True)
    clothes = [np.array(c) / sum(c) for c in (Appearance().sleeve_color, Appearance().trouser_color)]
    near = np.min([np.abs(chroma - c).max(axis=1) for c in clothes], axis=0) < 0.05
    assert near.mean() > 0.8
    # the upper body, not only a lap: the shirt across the bottom of the view, the shoulders in both
    # bottom corners where the arms come from
    shirt = np.abs(chroma - clothes[0]).max(axis=1) < 0.05
    assert shirt.mean() > 0.9
    bottom = mask[int(height * 0.94):]
    assert bottom[:, width // 3 : -width // 3].mean() > 0.9  # the chest, across the middle
    assert bottom[:, : width // 6].mean() > 0.25 and bottom[:, -width // 6 :].mean() > 0.25  # beside the arms


def test_lower_limb_view_shows_hips_and_a_furnished_room(scenes):
    scene = scenes("leg")
    assert scene.spec.name == "Lower-limb room"
    assert any("chair" in item.name for item in scene.spec.furniture)
    assert any(item.material == "landscape" for item in scene.spec.furniture)  # a horizon through the door
    motion = SyntheticLegMotion("left", build_schedule([("ankle_dorsi_plantar", 5.0)]), noise_m=0.0)
    poses = PosePipeline(MirrorSettings(intact_side="left", show_intact=True), limb="leg").process(motion.sample_at(0.0))
    scene.show(poses)
    scene.place_eye()
    frame = grab_rgb(scene.base)
    assert len(np.unique(frame.reshape(-1, 3) // 16, axis=0)) > 40  # a room, not a flat floor
    # the thighs come into view clothed (the trousers' colour, lit) at the bottom of the view
    bottom = frame[int(frame.shape[0] * 0.75):].reshape(-1, 3).astype(float) + 1.0
    chroma = bottom / bottom.sum(axis=1, keepdims=True)
    trousers = np.array(Appearance().trouser_color) / sum(Appearance().trouser_color)
    assert (np.abs(chroma - trousers).max(axis=1) < 0.03).mean() > 0.03


def test_software_gl_anti_aliases_the_limbs_silhouettes(scenes, showbase):
    from vrtherapy.render.antialias import is_software_gl

    scene = scenes("arm", ("right",))
    if not is_software_gl(showbase.win):
        assert scene.antialiasing.method == "multisample"
        return
    assert scene.antialiasing.method == "silhouette"
    motion = SyntheticArmMotion("left", build_schedule([("fist_open_close", 5.0)]), noise_m=0.0)
    scene.room.hide()
    scene.body.hide()
    scene.place_eye()
    scene.show(PosePipeline(MirrorSettings(intact_side="left")).process(motion.sample_at(0.05)))
    for shadow in scene.shadows.values():
        shadow.root.hide()
    import cv2

    def blended_share() -> float:
        """Share of the outline's pixels that are part limb, part background."""
        frame = grab_rgb(scene.base).astype(float)
        away = np.abs(frame - np.array(scene.spec.background) * 255.0).sum(axis=2)
        limb = away > 60
        kernel = np.ones((3, 3), np.uint8)
        ring = cv2.dilate(limb.astype(np.uint8), kernel).astype(bool) & ~cv2.erode(limb.astype(np.uint8), kernel).astype(bool)
        return float((ring & (away > 8) & (away < 0.7 * np.median(away[limb]))).sum() / ring.sum())

    smooth = blended_share()
    scene.limbs["right"].set_edge_antialiasing(False)
    hard = blended_share()
    scene.limbs["right"].set_edge_antialiasing(True)
    assert smooth > 0.15 and smooth > 2.0 * hard, (smooth, hard)


@pytest.mark.parametrize("kind", ["arm", "leg"])
def test_the_body_is_surfaced_where_it_can_be_seen_and_is_cheap(kind):
    # Frame time under software GL goes with the triangles drawn: the body surfaces only what the seated
    # eye sees (nothing behind the shoulders), coarsely far from the eye, and stays under a budget
    # (the first body had 18,132 triangles for the upper-limb view, 11,468 for the lower).
    from vrtherapy.frames import SEATED_RIGHT_SHOULDER
    from vrtherapy.render.body import SHOULDER_CAP_RADIUS, body_mesh

    verts, normals, tris = body_mesh(kind)
    assert len(tris) < {"arm": 10_000, "leg": 6_500}[kind]
    assert verts[:, 1].min() > SEATED_RIGHT_SHOULDER[1] - 0.09  # the back is left open
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-6)
    # the shoulder caps that cover the arms' cut are whole: skin all round in front of each shoulder
    for side in (1.0, -1.0):
        shoulder = SEATED_RIGHT_SHOULDER * (side, 1.0, 1.0)
        near = np.linalg.norm(verts - shoulder, axis=1) < SHOULDER_CAP_RADIUS + 0.03
        assert near.sum() > 50
        ahead = verts[near & (verts[:, 1] > shoulder[1])]
        assert np.linalg.norm(ahead - shoulder, axis=1).min() > SHOULDER_CAP_RADIUS - 0.01


def test_lower_limb_view_shows_thighs_knees_shins_and_feet(scenes):
    # Seen from the seated eye the shins are not hidden behind the knees (feet on the floor in front
    # of them, the eye above the hips), and the knees are apart as a seated person's.
    from vrtherapy.motion.kinematics import forward_kinematics

    scene = scenes("leg")
    motion = SyntheticLegMotion("left", build_schedule([("ankle_dorsi_plantar", 5.0)]), noise_m=0.0)
    poses = PosePipeline(MirrorSettings(intact_side="left", show_intact=True), limb="leg").process(motion.sample_at(0.0))
    scene.place_eye()
    base = scene.base
    for pose in (poses.phantom, poses.intact):
        skeleton = build_leg_skeleton(pose.side)
        _, joints = forward_kinematics(skeleton, pose.angles)
        world = joints @ pose.root_rotation.T + pose.root_position
        rows = {}
        for name in ("shank", "foot", "toes_tip"):
            projected = Point2()
            p = world[skeleton.index(name)]
            assert base.camLens.project(base.cam.getRelativePoint(base.render, Point3(*p)), projected), name
            rows[name] = projected.y
        knee, ankle, toe = rows["shank"], rows["foot"], rows["toes_tip"]
        assert knee < ankle < toe  # up the picture from knee to toes
        assert ankle - knee > 0.45 * (toe - knee), rows  # the shin takes its share (0.35 with the feet under the knees)
        assert abs(world[skeleton.index("shank"), 0]) > 0.12  # knees about 30 cm apart


def _see_through(frame: np.ndarray, empty: np.ndarray) -> int:
    """Pixels inside the limb's outline where mostly what lies behind it shows (a finger's faded edge
    drawn before the skin behind it)."""
    from scipy import ndimage

    diff = np.abs(frame.astype(int) - empty.astype(int)).sum(axis=2)
    inside = ndimage.binary_erosion(ndimage.binary_fill_holes(ndimage.binary_closing(diff > 24, iterations=2)))
    return int((inside & (diff < 60)).sum())


def test_a_close_fist_shows_less_of_the_table_through_its_outlines_in_the_hands_draw_order(scenes, showbase):
    from vrtherapy.frames import SEATED_RIGHT_SHOULDER
    from vrtherapy.motion.pose import LimbPose
    from vrtherapy.render.screenshots import CLOSE_EYE, CLOSE_TARGET, _hand

    scene = scenes("arm", ("right",))
    scene.room.hide()
    scene.body.hide()
    showbase.camLens.setMinFov(14)  # the fist fills the view
    showbase.camera.setPos(*CLOSE_EYE)
    showbase.camera.lookAt(Point3(*CLOSE_TARGET))
    scene.show(FramePoses(None, None, None))
    empty = grab_rgb(showbase)
    limb = scene.limbs["right"]
    counts = []
    for eye in (None, np.array(showbase.cam.getPos(showbase.render))):  # the model's own order, then the hand's
        limb.update(LimbPose("right", _hand("fist"), SEATED_RIGHT_SHOULDER, np.eye(3), 0.0), eye)
        scene.shadows["right"].root.hide()
        counts.append(_see_through(grab_rgb(showbase), empty))
    assert counts[1] < 0.9 * counts[0], counts  # (measured: 58 -> 45 pixels)
