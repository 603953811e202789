"""The coordinate convention and the device-frame conversions, against hand-computed cases."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vrtherapy import frames


def test_openxr_axes_map_to_world_axes():
    # OpenXR: X right, Y up, -Z forward.  World: X right, Y forward, Z up.
    np.testing.assert_allclose(frames.openxr_points_to_world([1.0, 0.0, 0.0]), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(frames.openxr_points_to_world([0.0, 1.0, 0.0]), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(frames.openxr_points_to_world([0.0, 0.0, -1.0]), [0.0, 1.0, 0.0])
    # a headset 1.2 m up, 0.3 m behind the origin
    np.testing.assert_allclose(frames.openxr_points_to_world([0.1, 1.2, 0.3]), [0.1, -0.3, 1.2])
    assert np.linalg.det(frames.OPENXR_TO_WORLD) == pytest.approx(1.0)


def test_openxr_rotation_about_up_becomes_rotation_about_world_z():
    yaw = Rotation.from_euler("y", 30, degrees=True)  # OpenXR: turn left about +Y (up)
    world = frames.openxr_rotation_to_world(yaw.as_matrix())
    np.testing.assert_allclose(world, Rotation.from_euler("z", 30, degrees=True).as_matrix(), atol=1e-12)
    q = frames.openxr_quaternion_to_world(yaw.as_quat())  # scipy quaternions are (x, y, z, w) too
    np.testing.assert_allclose(frames.quaternion_xyzw_to_matrix(q), world, atol=1e-12)


def test_quaternion_matrix_matches_scipy():
    q = Rotation.random(20, random_state=1).as_quat()
    np.testing.assert_allclose(frames.quaternion_xyzw_to_matrix(q), Rotation.from_quat(q).as_matrix(), atol=1e-12)


def test_camera_facing_the_patient_sees_their_right_on_the_image_left():
    cam_pos = np.array([0.0, 1.0, 1.1])
    rot = frames.look_at_camera_rotation(cam_pos, np.array([0.0, 0.0, 1.1]))
    assert np.linalg.det(rot) == pytest.approx(1.0)
    np.testing.assert_allclose(rot[:, 2], [0.0, -1.0, 0.0], atol=1e-12)  # looks back at the patient
    np.testing.assert_allclose(rot[:, 1], [0.0, 0.0, -1.0], atol=1e-12)  # image down = world down
    # the patient's right hand (+X) lies to the image's left (negative camera x)
    point_cv = rot.T @ (np.array([0.3, 0.0, 1.1]) - cam_pos)
    assert point_cv[0] < 0
    np.testing.assert_allclose(frames.camera_points_to_world(point_cv, rot, cam_pos), [0.3, 0.0, 1.1], atol=1e-12)


def test_panda_layout_is_the_transpose():
    m = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(frames.to_panda_matrix_layout(m), m.T)
