"""Mirroring: reflect the intact limb across the body's sagittal plane onto the missing side.

A reflection turns a right hand into a left one. Points reflect directly; a rotation R (a bone frame,
columns X, Y, Z) becomes M @ R @ D, where M is the reflection and D flips the bone's X axis back so the
frame stays right-handed (det +1). Mirroring twice gives back the input exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vrtherapy.frames import BONE_HANDEDNESS_FIX, SAGITTAL_REFLECTION
from vrtherapy.motion.pose import LimbPose
from vrtherapy.tracking.sample import TrackedSample, other_side


@dataclass(frozen=True, eq=False)
class MirrorPlane:
    """The body's sagittal plane: a point on it and its unit normal (world frame)."""

    point: np.ndarray = field(default_factory=lambda: np.zeros(3))
    normal: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0, 0.0]))

    def __post_init__(self) -> None:
        n = np.asarray(self.normal, float)
        length = np.linalg.norm(n)
        if not np.isfinite(length) or length < 1e-9:
            raise ValueError("mirror plane normal must be a non-zero vector")
        object.__setattr__(self, "normal", n / length)
        object.__setattr__(self, "point", np.asarray(self.point, float))

    @property
    def reflection(self) -> np.ndarray:
        """The 3x3 reflection matrix M = I - 2 n n^T."""
        return np.eye(3) - 2.0 * np.outer(self.normal, self.normal)


def reflect_points(points: np.ndarray, plane: MirrorPlane) -> np.ndarray:
    """(..., 3) points reflected across the plane."""
    offset = (points - plane.point) @ plane.normal
    return points - 2.0 * offset[..., None] * plane.normal


def reflect_rotation(rotation: np.ndarray, plane: MirrorPlane) -> np.ndarray:
    """(..., 3, 3) bone frames reflected across the plane, kept proper (right-handed)."""
    return plane.reflection @ rotation @ BONE_HANDEDNESS_FIX


def mirror_sample(sample: TrackedSample, plane: MirrorPlane) -> TrackedSample:
    """The intact limb's sample as the opposite limb would produce it."""
    return sample.replace(side=other_side(sample.side), points=reflect_points(sample.points, plane))


def reflect_pose(pose: LimbPose, plane: MirrorPlane) -> LimbPose:
    """The mirror-image limb of `pose` on the other side.

    Left and right skeletons are mirror images with mirror-symmetric joint-angle conventions, so the
    reflected limb has the same joint angles; only its root moves: the root position reflects and the
    root frame becomes M @ R @ S, S being the reflection that relates the two skeletons' root frames.
    """
    return LimbPose(
        side=other_side(pose.side),
        angles=pose.angles,
        root_position=reflect_points(pose.root_position, plane),
        root_rotation=plane.reflection @ pose.root_rotation @ SAGITTAL_REFLECTION,
        t_capture=pose.t_capture,
    )
