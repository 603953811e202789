"""The numpy reference for the compiled contact kernel (`motion/kernels.rest_on_surface`): the
arithmetic of `render/contact.py` written with array calls, as it ran per frame before it was compiled.
Slow and plain on purpose: the tests hold the kernel to it."""

from __future__ import annotations

import numpy as np

SNAP_M = 0.03


def lowest_points(matrices: np.ndarray, vertices: np.ndarray, indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
    blended = np.einsum("nk,nkij->nij", weights, matrices.astype(float)[indices])
    return np.einsum("ni,nij->nj", vertices, blended)[:, :3]


def correction(points: np.ndarray, surface_z: float, over: np.ndarray) -> float:
    z = points[over, 2]
    if not len(z):
        return 0.0
    gap = float(z.min()) - surface_z
    return -gap if gap <= 0.0 else -gap * float(np.clip(2.0 - gap / SNAP_M, 0.0, 1.0))


def _axis_angle(axis: np.ndarray, angle: float) -> np.ndarray:
    k = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)


def _rotate_from(matrices: np.ndarray, first: int, pivot: np.ndarray, axis: np.ndarray, angle: float) -> None:
    rotation = _axis_angle(axis, angle)
    about = np.eye(4)
    about[:3, :3] = rotation
    about[:3, 3] = pivot - rotation @ pivot
    matrices[first:] = matrices[first:] @ about.T


def rest(matrices: np.ndarray, vertices, indices, weights, is_hand, rest_positions, wrist: int, height: float,
         area) -> tuple[float, float]:  # fmt: skip
    """(offset, tip), moving `matrices` (row-vector, float) in place, as the kernel does."""
    points = lowest_points(matrices, vertices, indices, weights)
    over = np.ones(len(points), bool)
    if area is not None:
        over = (points[:, 0] >= area[0]) & (points[:, 0] <= area[1]) & (points[:, 1] >= area[2]) & (points[:, 1] <= area[3])
    offset = correction(points, height, over & ~is_hand if area is not None else over)
    matrices[:, 3, 2] += offset
    if area is None or wrist < 0:
        return offset, 0.0
    points[:, 2] += offset
    hand, arm = over & is_hand, over & ~is_hand
    if not hand.any() or not arm.any():
        return offset, 0.0
    arm_gap, hand_gap = points[arm, 2].min() - height, points[hand, 2].min() - height
    elbow = rest_positions[wrist - 2] @ matrices[wrist - 2, :3, :3] + matrices[wrist - 2, 3, :3]
    wrist_at = rest_positions[wrist] @ matrices[wrist, :3, :3] + matrices[wrist, 3, :3]
    low = points[hand][np.argmin(points[hand, 2])]
    along = wrist_at - elbow
    along[2] = 0.0
    norm = float(np.linalg.norm(along))
    if hand_gap < 0.0:
        reach = float(np.hypot(*(low - elbow)[:2]))
        if norm < 1e-6 or reach < 0.05:
            return offset, 0.0
        angle = -float(np.arcsin(min(-hand_gap / reach, 0.6)))
        _rotate_from(matrices, wrist - 2, elbow, np.cross([0.0, 0.0, 1.0], along / norm), angle)
        return offset, angle
    if arm_gap > 0.002:
        return offset, 0.0
    reach = float(np.hypot(*(low - wrist_at)[:2]))
    if norm < 1e-6 or reach < 0.02:
        return offset, 0.0
    angle = float(np.arcsin(min(hand_gap / reach, 0.5))) * float(np.clip(2.0 - hand_gap / SNAP_M, 0.0, 1.0))
    _rotate_from(matrices, wrist, wrist_at, np.cross([0.0, 0.0, 1.0], along / norm), angle)
    return offset, angle
