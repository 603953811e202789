"""Skinning on the CPU, for tests, previews and geometric checks: linear blend and dual quaternions.

The same arithmetic as `render/shaders/skin.vert.glsl`, so what the checks see is what the GPU draws.
The shader blends dual quaternions (`dq_skin_*`): blending rotations as quaternions keeps the skin's
volume where linear blending of matrices collapses it (the "candy wrapper" of a twisted forearm, the
pinched, self-intersecting crease of a bent knuckle, elbow or knee). The linear-blend functions stay
as the reference the dual-quaternion result is measured against (`limbs/self_intersection.py`).

Quaternions are (x, y, z, w); a unit dual quaternion is (real, dual) with dual = 0.5 * (t, 0) * real.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.limbs.limb_mesh import LimbMesh


def blended_matrices(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 4, 4) per-vertex blend of the (J, 4, 4) column-vector skinning matrices."""
    return np.einsum("vk,vkij->vij", mesh.joint_weights.astype(float), skinning_matrices[mesh.joint_indices])


def skin_vertices(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 3) linear-blend posed vertex positions for (J, 4, 4) skinning matrices."""
    m = blended_matrices(mesh, skinning_matrices)
    return np.einsum("vij,vj->vi", m[:, :3, :3], mesh.vertices.astype(float)) + m[:, :3, 3]


def skin_normals(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 3) linear-blend posed unit normals (blended rotation, then renormalised)."""
    m = blended_matrices(mesh, skinning_matrices)
    n = np.einsum("vij,vj->vi", m[:, :3, :3], mesh.normals.astype(float))
    return n / np.linalg.norm(n, axis=1, keepdims=True)


def _qmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton products of (..., 4) quaternions (x, y, z, w)."""
    av, aw = a[..., :3], a[..., 3:]
    bv, bw = b[..., :3], b[..., 3:]
    return np.concatenate([aw * bv + bw * av + np.cross(av, bv), aw * bw - np.sum(av * bv, axis=-1, keepdims=True)],
                          axis=-1)  # fmt: skip


def _matrix_quaternions(r: np.ndarray) -> np.ndarray:
    """(J, 4) unit quaternions (x, y, z, w) of (J, 3, 3) rotation matrices: Shepperd's method, each from
    its largest component, vectorised (scipy's Rotation costs ten times more per frame here)."""
    trace = np.trace(r, axis1=1, axis2=2)
    diag = np.stack([r[:, 0, 0], r[:, 1, 1], r[:, 2, 2], trace], axis=1)
    pick = np.argmax(diag, axis=1)
    q = np.empty((len(r), 4))
    d = r[:, [2, 0, 1], [1, 2, 0]] - r[:, [1, 2, 0], [2, 0, 1]]  # (r21 - r12, r02 - r20, r10 - r01)
    s = r[:, [1, 2, 0], [0, 1, 2]] + r[:, [0, 1, 2], [1, 2, 0]]  # (r10 + r01, r21 + r12, r02 + r20)
    for k in range(3):  # the largest is x, y or z
        sel = pick == k
        a = np.sqrt(np.maximum(1.0 + 2.0 * diag[sel, k] - trace[sel], 1e-12)) * 2.0
        q[sel, k] = 0.25 * a
        q[sel, 3] = d[sel, k] / a
        q[sel, (k + 1) % 3] = s[sel, k] / a
        q[sel, (k + 2) % 3] = s[sel, (k + 2) % 3] / a
    sel = pick == 3  # the largest is w
    a = np.sqrt(np.maximum(1.0 + trace[sel], 1e-12)) * 2.0
    q[sel, 3] = 0.25 * a
    q[sel, :3] = d[sel] / a[:, None]
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def dual_quaternions(skinning_matrices: np.ndarray) -> np.ndarray:
    """(J, 2, 4) unit dual quaternions (real, dual) of (J, 4, 4) rigid column-vector matrices."""
    real = _matrix_quaternions(skinning_matrices[:, :3, :3])
    t = np.concatenate([skinning_matrices[:, :3, 3], np.zeros((len(real), 1))], axis=1)
    return np.stack([real, 0.5 * _qmul(t, real)], axis=1)


def _blend(mesh: LimbMesh, dq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-vertex normalised blend (antipodality fixed against the first influence): real, dual."""
    w = mesh.joint_weights.astype(float)
    parts = dq[mesh.joint_indices]  # (V, 4, 2, 4)
    sign = np.where(np.sum(parts[:, :, 0] * parts[:, :1, 0], axis=-1) < 0.0, -1.0, 1.0)
    blended = np.einsum("vk,vkij->vij", w * sign, parts)
    norm = np.linalg.norm(blended[:, 0], axis=1, keepdims=True)
    return blended[:, 0] / norm, blended[:, 1] / norm


def _rotate(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    q = r[:, :3]
    return v + 2.0 * np.cross(q, np.cross(q, v) + r[:, 3:] * v)


def dq_skin_vertices(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 3) dual-quaternion posed vertex positions (as the shader draws them)."""
    r, d = _blend(mesh, dual_quaternions(skinning_matrices))
    translation = 2.0 * (r[:, 3:] * d[:, :3] - d[:, 3:] * r[:, :3] + np.cross(r[:, :3], d[:, :3]))
    return _rotate(r, mesh.vertices.astype(float)) + translation


def pose_vertices(mesh: LimbMesh, skinning_matrices: np.ndarray, skeleton) -> np.ndarray:
    """(V, 3) posed vertices exactly as the shader draws them: dual quaternions, then hinge creases."""
    from vrtherapy.limbs.hinges import clamp_to_hinges

    return clamp_to_hinges(dq_skin_vertices(mesh, skinning_matrices), mesh.hinge, skinning_matrices, skeleton)


def dq_skin_normals(mesh: LimbMesh, skinning_matrices: np.ndarray) -> np.ndarray:
    """(V, 3) dual-quaternion posed unit normals."""
    r, _ = _blend(mesh, dual_quaternions(skinning_matrices))
    n = _rotate(r, mesh.normals.astype(float))
    return n / np.linalg.norm(n, axis=1, keepdims=True)
