"""The skinned limb mesh as the generators make it and the GPU draws it, and its mirror image.

Shared by the arm and leg generators, the model files and the CPU skinning used by checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from vrtherapy.frames import SAGITTAL_REFLECTION


@dataclass(frozen=True, eq=False)
class LimbMesh:
    """A skinned limb mesh in its limb root frame and rest pose (column layout as the GPU wants it)."""

    vertices: np.ndarray  # (V, 3) float32
    normals: np.ndarray  # (V, 3) float32, unit, outward
    uvs: np.ndarray  # (V, 2) float32: u = angle around the arm / 2pi, v = metres along the arm
    triangles: np.ndarray  # (T, 3) int32, counter-clockwise seen from outside
    joint_indices: np.ndarray  # (V, 4) int32, by descending weight; unused slots 0
    joint_weights: np.ndarray  # (V, 4) float32, sum 1, descending; unused slots 0
    #: (V,) float32 in 0..1: how much of a (finger or toe) nail a vertex is on; left out: no nails anywhere
    #: (`__post_init__` fills in zeros, so it is always an array).
    nail: np.ndarray = field(default=cast(np.ndarray, None))
    #: (V, 4) float32 skin detail for the shader (`skin_detail.py`): crease distance (mm), crease kind,
    #: lunula distance (mm), palmar/plantar share; left out: none (distances far, no creases).
    skin: np.ndarray = field(default=cast(np.ndarray, None))
    #: (V,) float32 in 0..1: flush (redder skin over knuckles, fingertips, knees, heels); left out: none.
    tint: np.ndarray = field(default=cast(np.ndarray, None))
    #: (V,) float32: the hinge joint a vertex folds beside, (joint index + 1) * side (`hinges.py`); 0 = none.
    hinge: np.ndarray = field(default=cast(np.ndarray, None))

    def __post_init__(self) -> None:
        n = len(self.vertices)
        if self.nail is None:
            object.__setattr__(self, "nail", np.zeros(n, np.float32))
        if self.skin is None:
            object.__setattr__(self, "skin", np.tile(np.array([8.0, 0.0, 8.0, 0.0], np.float32), (n, 1)))
        if self.tint is None:
            object.__setattr__(self, "tint", np.zeros(n, np.float32))
        if self.hinge is None:
            object.__setattr__(self, "hinge", np.zeros(n, np.float32))

    @property
    def vertex_count(self) -> int:
        return len(self.vertices)

    @property
    def triangle_count(self) -> int:
        return len(self.triangles)


def mirror_mesh(mesh: LimbMesh) -> LimbMesh:
    """The mesh reflected across x = 0 (right <-> left), winding flipped to keep faces outward."""
    return LimbMesh(
        vertices=(mesh.vertices @ SAGITTAL_REFLECTION.T).astype(np.float32),
        normals=(mesh.normals @ SAGITTAL_REFLECTION.T).astype(np.float32),
        uvs=mesh.uvs.copy(),
        triangles=np.ascontiguousarray(mesh.triangles[:, ::-1]),
        joint_indices=mesh.joint_indices.copy(),
        joint_weights=mesh.joint_weights.copy(),
        nail=mesh.nail.copy(),
        skin=mesh.skin.copy(),
        tint=mesh.tint.copy(),
        hinge=mesh.hinge.copy(),
    )
