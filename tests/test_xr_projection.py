"""Headset view math against hand-computed cases: FoV -> projection and Panda3D lens, OpenXR poses
(Y up, -Z forward, quaternions x,y,z,w) -> the project's frame and Panda3D's (w,x,y,z) quaternions,
reference-space anchoring and recentring, the body midline from the head."""

import math

import numpy as np
import pytest
from panda3d.core import PerspectiveLens, Point2, Point3, Quat
from scipy.spatial.transform import Rotation

from vrtherapy.xr.projection import FovAngles, apply_to_lens, lens_film, projection_matrix
from vrtherapy.xr.reference_space import (
    Pose,
    SpaceAnchor,
    midline_from_head,
    panda_quaternion,
    recentre,
    stage_anchor,  # fmt: skip
)

S45 = math.sin(math.pi / 4)


def test_symmetric_90_degree_fov_is_the_textbook_matrix():
    q = math.pi / 4
    m = projection_matrix(FovAngles(-q, q, q, -q), near=0.1, far=100.0)
    expected = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, -100.1 / 99.9, -20.0 / 99.9], [0, 0, -1, 0]])
    np.testing.assert_allclose(m, expected, atol=1e-12)


def test_asymmetric_fov_matrix_by_hand():
    # tan left = -1, tan right = 0.5, tan up = 0.5, tan down = -0.5: width 1.5, height 1
    fov = FovAngles(-math.atan(1.0), math.atan(0.5), math.atan(0.5), -math.atan(0.5))
    m = projection_matrix(fov, 0.5, 50.0)
    assert m[0, 0] == pytest.approx(2 / 1.5) and m[0, 2] == pytest.approx(-0.5 / 1.5)
    assert m[1, 1] == pytest.approx(2.0) and m[1, 2] == pytest.approx(0.0)
    # The frustum's edges land on the edges of clip space, the near and far planes on z = -1 and +1.
    # Straight ahead is off-centre: the frustum reaches further left, so x = 0 lands at ndc 1/3.
    for eye, ndc in [((0.5, 0, -1), (1, 0)), ((-1, 0, -1), (-1, 0)), ((0, 0.5, -1), (1 / 3, 1)), ((0, -0.5, -1), (1 / 3, -1))]:
        clip = m @ np.array([*eye, 1.0])
        assert clip[0] / clip[3] == pytest.approx(ndc[0]) and clip[1] / clip[3] == pytest.approx(ndc[1])
    for depth, z in ((0.5, -1.0), (50.0, 1.0)):
        clip = m @ np.array([0, 0, -depth, 1.0])
        assert clip[2] / clip[3] == pytest.approx(z)
    film = lens_film(fov)
    assert film.size == pytest.approx((1.5, 1.0)) and film.offset == pytest.approx((-0.25, 0.0))


@pytest.mark.parametrize("angles_deg", [(-45, 45, 45, -45), (-52, 41, 47, -53), (-41, 52, 47, -53), (-30, -5, 20, 10)])
def test_panda_lens_projects_like_the_openxr_matrix(angles_deg):
    fov = FovAngles(*np.radians(angles_deg))
    lens = PerspectiveLens()
    apply_to_lens(lens, fov, 0.05, 100.0)
    m = projection_matrix(fov, 0.05, 100.0)
    rng = np.random.default_rng(3)
    tl, tr, tu, td = fov.tangents
    for _ in range(20):
        depth = rng.uniform(0.3, 20.0)
        gl = np.array([rng.uniform(tl, tr) * depth, rng.uniform(td, tu) * depth, -depth])  # inside the frustum
        clip = m @ np.append(gl, 1.0)
        expected = clip[:2] / clip[3]
        projected = Point2()
        assert lens.project(Point3(gl[0], -gl[2], gl[1]), projected)  # Panda3D: x right, y forward, z up
        assert (projected.x, projected.y) == pytest.approx(tuple(expected), abs=1e-5)


def test_degenerate_fields_of_view_are_refused():
    with pytest.raises(ValueError):
        FovAngles(0.3, -0.3, 0.3, -0.3)  # left of right
    with pytest.raises(ValueError):
        FovAngles(-1.6, 0.5, 0.5, -0.5)  # beyond 90 degrees


def test_openxr_head_pose_to_world_and_panda_quaternion_order():
    anchor = SpaceAnchor()
    # Standing 1.6 m up in OpenXR (Y up), looking down -Z: world (Z up), looking along +Y.
    level = anchor.pose_to_world((0.0, 1.6, -0.5), (0.0, 0.0, 0.0, 1.0))
    np.testing.assert_allclose(level.position, [0.0, 0.5, 1.6])
    np.testing.assert_allclose(level.rotation[:, 1], [0, 1, 0], atol=1e-12)
    # Turned 90 degrees to the left about OpenXR's +Y: quaternion (x, y, z, w) = (0, sin45, 0, cos45).
    turned = anchor.pose_to_world((0, 0, 0), (0.0, S45, 0.0, S45))
    np.testing.assert_allclose(turned.orientation, [0, 0, S45, S45], atol=1e-12)  # about world +Z
    w, x, y, z = panda_quaternion(turned.orientation)
    assert (w, x, y, z) == pytest.approx((S45, 0, 0, S45))
    forward = Quat(w, x, y, z).getForward()
    assert (forward.x, forward.y, forward.z) == pytest.approx((-1, 0, 0), abs=1e-6)  # looking left
    # Looking 30 degrees up: a positive turn about OpenXR's +X lifts -Z towards +Y.
    up = anchor.pose_to_world((0, 0, 0), (math.sin(math.radians(15)), 0, 0, math.cos(math.radians(15))))
    forward = Quat(*panda_quaternion(up.orientation)).getForward()
    assert (forward.x, forward.y, forward.z) == pytest.approx((0, math.cos(math.radians(30)), 0.5), abs=1e-6)
    # The left eye sits to the patient's left: OpenXR -X is world -X.
    assert anchor.pose_to_world((-0.032, 1.6, 0), (0, 0, 0, 1)).position[0] == pytest.approx(-0.032)


def test_stage_origin_is_the_room_origin():
    anchor = stage_anchor()
    np.testing.assert_allclose(anchor.points_to_world(np.array([[0, 0, -1.0], [1.0, 0, 0], [0, 1.0, 0]])),
                               [[0, 1, 0], [1, 0, 0], [0, 0, 1]], atol=1e-12)  # fmt: skip


def test_recentre_puts_the_head_at_the_eye_point_facing_the_scene_but_keeps_its_pitch():
    yaw, pitch = math.radians(35), math.radians(-20)  # turned left, looking down
    q_yaw = np.array([0, math.sin(yaw / 2), 0, math.cos(yaw / 2)])
    q_pitch = np.array([math.sin(pitch / 2), 0, 0, math.cos(pitch / 2)])
    head_q = (Rotation.from_quat(q_yaw) * Rotation.from_quat(q_pitch)).as_quat()
    head_p = (0.3, 1.25, -0.4)
    eye, look = (0.0, -0.05, 1.2), (0.0, 0.55, 0.78)
    anchor = recentre(head_p, head_q, eye, look)
    head = anchor.pose_to_world(head_p, head_q)
    np.testing.assert_allclose(head.position, eye, atol=1e-12)
    forward = head.rotation[:, 1]
    assert math.atan2(forward[0], forward[1]) == pytest.approx(0.0, abs=1e-9)  # facing the scene's +Y
    assert math.asin(forward[2]) == pytest.approx(pitch)  # still looking down by its own 20 degrees
    # A point 1 m ahead of the head in OpenXR stays 1 m ahead after anchoring.
    ahead = anchor.points_to_world(np.array(head_p) + np.array([-math.sin(yaw), 0, -math.cos(yaw)]))
    assert np.linalg.norm(ahead - np.array(eye)) == pytest.approx(1.0)


def test_midline_from_the_head_at_calibration():
    turned = math.radians(10)
    rotation = np.array([[math.cos(turned), -math.sin(turned), 0], [math.sin(turned), math.cos(turned), 0], [0, 0, 1]])
    q = np.array([0, 0, math.sin(turned / 2), math.cos(turned / 2)])
    plane = midline_from_head(Pose(np.array([0.04, -0.05, 1.2]), q))
    np.testing.assert_allclose(plane.normal, rotation[:, 0], atol=1e-12)  # the head's right, levelled
    np.testing.assert_allclose(plane.point, [0.04, -0.05, 1.2])
