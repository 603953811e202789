"""Where the headset's reference space sits in the therapy room, recentring, and the body midline.

A pose reported in an OpenXR reference space becomes a world pose (frames.py) in two steps: the
change of axes (`frames.OPENXR_TO_WORLD`) and the `SpaceAnchor`, a yaw and an offset placing the
reference space in the room.

  * STAGE: its origin is on the floor at the centre of the play area, where the patient's seat is,
    which is the room's origin too; its -Z is the room's forward. The anchor is the identity.
  * LOCAL (seated, the default): its origin is wherever the head was when the runtime last
    recentred. `recentre` anchors it so that the head, now, is at the scene's eye point looking
    along the scene's forward direction (levelled: the patient's pitch and roll stay their own).

The patient's sagittal plane for mirroring is taken from the head at calibration
(`motion.calibration.sagittal_plane_from_head`). No `xr` import: pure numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from vrtherapy.frames import openxr_points_to_world, openxr_quaternion_to_world, quaternion_xyzw_to_matrix
from vrtherapy.motion.calibration import sagittal_plane_from_head
from vrtherapy.motion.mirror import MirrorPlane


@dataclass(frozen=True)
class Pose:
    """A world-frame pose: position (metres) and orientation quaternion (x, y, z, w)."""

    position: np.ndarray
    orientation: np.ndarray

    @property
    def rotation(self) -> np.ndarray:
        return quaternion_xyzw_to_matrix(self.orientation)


def yaw_rotation(angle: float) -> np.ndarray:
    """Rotation about world +Z (up) by `angle` radians."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def heading(forward: np.ndarray) -> float:
    """Yaw (radians, about +Z from +Y towards -X) of a world direction, ignoring its pitch."""
    return float(np.arctan2(-forward[0], forward[1]))


@dataclass(frozen=True)
class SpaceAnchor:
    """world = yaw(yaw) @ OPENXR_TO_WORLD @ p_xr + offset."""

    yaw: float = 0.0
    offset: np.ndarray = field(default_factory=lambda: np.zeros(3))

    def pose_to_world(self, position_xr, orientation_xr_xyzw) -> Pose:
        """A pose in the reference space (OpenXR axes, quaternion x, y, z, w) -> world pose."""
        position = yaw_rotation(self.yaw) @ openxr_points_to_world(np.asarray(position_xr, float)) + self.offset
        seen = Rotation.from_quat(openxr_quaternion_to_world(orientation_xr_xyzw))
        turned = Rotation.from_rotvec([0.0, 0.0, self.yaw]) * seen
        return Pose(position, turned.as_quat())

    def points_to_world(self, points_xr: np.ndarray) -> np.ndarray:
        """(..., 3) reference-space positions -> world."""
        return openxr_points_to_world(points_xr) @ yaw_rotation(self.yaw).T + self.offset


def stage_anchor() -> SpaceAnchor:
    return SpaceAnchor()


def recentre(head_position_xr, head_orientation_xr_xyzw, eye_position, look_at) -> SpaceAnchor:
    """The anchor putting the head (as the runtime reports it now) at the scene's eye point, facing
    the scene's look-at point horizontally."""
    unanchored = SpaceAnchor().pose_to_world(head_position_xr, head_orientation_xr_xyzw)
    head_forward = unanchored.rotation[:, 1]  # a camera looks along its +Y
    scene_forward = np.asarray(look_at, float) - np.asarray(eye_position, float)
    yaw = heading(scene_forward) - heading(head_forward)
    offset = np.asarray(eye_position, float) - yaw_rotation(yaw) @ unanchored.position
    return SpaceAnchor(yaw, offset)


def panda_quaternion(orientation_xyzw: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, z, w) -> the (w, x, y, z) order of Panda3D's `Quat`."""
    x, y, z, w = (float(v) for v in orientation_xyzw)
    return w, x, y, z


def midline_from_head(head: Pose) -> MirrorPlane:
    """The sagittal plane under a seated patient's head (world frame), for calibration."""
    return sagittal_plane_from_head(head.position, head.rotation)
