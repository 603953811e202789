"""The one coordinate convention of vrtherapy, and conversions from the devices' frames.

World frame (Panda3D's): right-handed, Z up, metres.
    +X  the patient's right        +Y  forward, away from the patient        +Z  up
    origin: on the floor, under the centre of the patient's seat; the body's sagittal (mirror) plane
    is x = 0 until calibration says otherwise.

Bone frames (every limb segment): +Y runs along the segment from its joint towards its child,
+Z is the segment's palmar/plantar (flexion) side, +X = Y x Z. Flexion is a positive rotation about +X.

Column vectors throughout numpy code: a point p maps to R @ p + t; (4, 4) matrices carry the
translation in the last column. Panda3D stores row vectors, so matrices handed to Panda3D or to our
shaders are transposed at that boundary (`to_panda_matrix_layout`).

Device frames are converted here and only here:
  * MediaPipe world landmarks and OpenCV cameras: x right in the image, y down, z away from the camera.
    A webcam's view of the patient (`CAMERA_VIEWS`): `front` faces the patient across the table (the
    patient's right is the image's left), `top` looks down on the table from above with the image's top
    edge away from the patient.
  * OpenXR: right-handed, Y up, -Z forward, metres; quaternions ordered (x, y, z, w).
"""

from __future__ import annotations

import numpy as np

#: Where a patient seated at the table has the right shoulder in the world, by default (the left: x flips).
SEATED_RIGHT_SHOULDER = np.array([0.19, -0.03, 1.045])
SEATED_RIGHT_SHOULDER.setflags(write=False)
#: ... and the right hip joint, on the chair.
SEATED_RIGHT_HIP = np.array([0.09, 0.0, 0.455])
SEATED_RIGHT_HIP.setflags(write=False)

#: Rotation taking OpenXR axes (X right, Y up, -Z forward) to world axes (X right, Y forward, Z up).
OPENXR_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])

#: Per camera view, the camera's axes (x image-right, y image-down, z away from the camera) as world columns.
CAMERA_VIEWS: dict[str, np.ndarray] = {
    "front": np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, -1.0, 0.0]]),
    "top": np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]),
}

#: Reflection across the body's default sagittal plane x = 0.
SAGITTAL_REFLECTION = np.diag([-1.0, 1.0, 1.0])

#: Sign flip applied to a reflected bone frame's X axis so that it is right-handed again.
BONE_HANDEDNESS_FIX = np.diag([-1.0, 1.0, 1.0])


def openxr_points_to_world(points: np.ndarray) -> np.ndarray:
    """(..., 3) OpenXR positions -> world positions."""
    return np.asarray(points, dtype=float) @ OPENXR_TO_WORLD.T


def openxr_rotation_to_world(rotation: np.ndarray) -> np.ndarray:
    """(..., 3, 3) OpenXR rotation matrices -> world rotation matrices (a change of basis)."""
    return OPENXR_TO_WORLD @ np.asarray(rotation, dtype=float) @ OPENXR_TO_WORLD.T


def openxr_quaternion_to_world(q_xyzw: np.ndarray) -> np.ndarray:
    """(..., 4) OpenXR quaternions (x, y, z, w) -> world quaternions (x, y, z, w).

    A proper change of basis rotates the vector part and keeps the scalar part.
    """
    q = np.asarray(q_xyzw, dtype=float)
    out = np.empty_like(q)
    out[..., :3] = q[..., :3] @ OPENXR_TO_WORLD.T
    out[..., 3] = q[..., 3]
    return out


def quaternion_xyzw_to_matrix(q_xyzw: np.ndarray) -> np.ndarray:
    """(..., 4) quaternions (x, y, z, w; normalised here) -> (..., 3, 3) rotation matrices."""
    from scipy.spatial.transform import Rotation  # 0.4 s to import: only the headset needs it, not start-up

    q = np.asarray(q_xyzw, dtype=float)
    return Rotation.from_quat(q.reshape(-1, 4)).as_matrix().reshape(q.shape[:-1] + (3, 3))


def camera_points_to_world(
    points_cv: np.ndarray, camera_rotation: np.ndarray, camera_position: np.ndarray
) -> np.ndarray:
    """(..., 3) points in an OpenCV/MediaPipe camera frame -> world.

    `camera_rotation` holds the camera's axes (x right, y down, z forward) as world-frame columns.
    """
    return np.asarray(points_cv, dtype=float) @ np.asarray(camera_rotation).T + camera_position


def camera_view_to_world(points_cv: np.ndarray, view: str) -> np.ndarray:
    """(..., 3) MediaPipe world landmarks (camera axes, metres) -> world axes for a camera `view`."""
    return camera_points_to_world(points_cv, CAMERA_VIEWS[view], np.zeros(3))


def look_at_camera_rotation(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """OpenCV-style camera axes (x right, y down, z forward) as world columns, level horizon."""
    forward = np.asarray(target, float) - np.asarray(position, float)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    if np.linalg.norm(right) < 1e-9:  # looking straight up or down: any level right vector will do
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward], axis=1)


def to_homogeneous(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    """(..., 3, 3) and (..., 3) -> (..., 4, 4) column-vector transforms."""
    shape = rotation.shape[:-2]
    out = np.zeros(shape + (4, 4))
    out[..., :3, :3] = rotation
    out[..., :3, 3] = translation
    out[..., 3, 3] = 1.0
    return out


def to_panda_matrix_layout(matrices: np.ndarray) -> np.ndarray:
    """(..., 4, 4) column-vector matrices -> the row-vector layout Panda3D and GLSL uniforms expect."""
    return np.swapaxes(matrices, -1, -2)
