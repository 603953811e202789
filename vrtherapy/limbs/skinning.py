"""Linear-blend skinning on the CPU, for tests, previews and geometric checks.

The same arithmetic as `render/shaders/skin.vert.glsl` (four weighted joint matrices per vertex), so
what the checks see is what the GPU draws.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.limbs.mesh_generator import LimbMesh


def blended_matrices(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 4, 4) per-vertex blend of the (J, 4, 4) column-vector skinning matrices."""
    return np.einsum("vk,vkij->vij", mesh.joint_weights.astype(float), skinning_matrices[mesh.joint_indices])


def skin_vertices(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 3) posed vertex positions for (J, 4, 4) skinning matrices (see `kinematics.skinning_matrices`)."""
    m = blended_matrices(mesh, skinning_matrices)
    return np.einsum("vij,vj->vi", m[:, :3, :3], mesh.vertices.astype(float)) + m[:, :3, 3]


def skin_normals(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 3) posed unit normals (blended rotation, as the shader does, then renormalised)."""
    m = blended_matrices(mesh, skinning_matrices)
    n = np.einsum("vij,vj->vi", m[:, :3, :3], mesh.normals.astype(float))
    return n / np.linalg.norm(n, axis=1, keepdims=True)
