"""Vectorised rotation helpers for the per-frame path: joint Euler angles <-> matrices, frames from axes.

Every joint's local rotation is `E(f, d, t) = Ry(s*t) @ Rz(-s*d) @ Rx(f)` applied after the joint's rest
rotation: intrinsically, twist about the segment (Y), then deviation (Z), then flexion (X). `s` is +1
for right limbs and -1 for left ones, which makes the same anatomical angles describe mirror-image
motion on either side (see `frames.py` for the bone-frame convention).

Written here rather than with scipy's `Rotation` (tests check these against it) because the per-frame
budget is a fraction of a millisecond per limb: the array versions use raw ufuncs and preallocated
outputs, avoiding numpy's Python-level wrappers (`np.cross`, `np.stack`, `np.clip`, `linalg.norm`)
that cost several microseconds each on small arrays; the single-joint versions are compiled
(`kernels`, re-exported here) and checked against these.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.motion.kernels import clamp, clamp_angles, euler3, frame3, matrix_to_euler3, smoothstep

__all__ = ["clamp", "clamp_angles", "cross", "euler3", "euler_to_matrix", "frame3", "frame_from_y_and_z_hint",
           "matrix_to_euler", "matrix_to_euler3", "norm", "normalize", "smoothstep"]

_SIGNS = {1.0: np.array([1.0, -1.0, 1.0]), -1.0: np.array([1.0, 1.0, -1.0])}


def euler_to_matrix(angles: np.ndarray, side_sign: float) -> np.ndarray:
    """(..., 3) angles (flexion, deviation, twist) in radians -> (..., 3, 3) rotation matrices."""
    signed = angles * _SIGNS[side_sign]
    cos, sin = np.cos(signed), np.sin(signed)
    cc, cb, ca = cos[..., 0], cos[..., 1], cos[..., 2]
    sc, sb, sa = sin[..., 0], sin[..., 1], sin[..., 2]
    sb_cc, sb_sc = sb * cc, sb * sc
    m = np.empty(angles.shape[:-1] + (3, 3))
    m[..., 0, 0] = ca * cb
    m[..., 0, 1] = sa * sc - ca * sb_cc
    m[..., 0, 2] = ca * sb_sc + sa * cc
    m[..., 1, 0] = sb
    m[..., 1, 1] = cb * cc
    m[..., 1, 2] = -cb * sc
    m[..., 2, 0] = -sa * cb
    m[..., 2, 1] = sa * sb_cc + ca * sc
    m[..., 2, 2] = ca * cc - sa * sb_sc
    return m


def matrix_to_euler(m: np.ndarray, side_sign: float) -> np.ndarray:
    """Inverse of `euler_to_matrix` for |deviation| < 90 degrees."""
    out = np.empty(m.shape[:-2] + (3,))
    out[..., 0] = np.arctan2(-m[..., 1, 2], m[..., 1, 1])
    out[..., 1] = np.arcsin(np.minimum(np.maximum(m[..., 1, 0], -1.0), 1.0))
    out[..., 2] = np.arctan2(-m[..., 2, 0], m[..., 0, 0])
    out *= _SIGNS[side_sign]
    return out


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis (np.cross without its Python-level overhead)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1]
    out[..., 1] = a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2]
    out[..., 2] = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    return out


def norm(v: np.ndarray) -> np.ndarray:
    """Euclidean length over the last axis, keeping it (for broadcasting)."""
    return np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=True))


def normalize(v: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    return v / np.maximum(norm(v), eps)


def frame_from_y_and_z_hint(y_axis: np.ndarray, z_hint: np.ndarray) -> np.ndarray:
    """Right-handed (..., 3, 3) frame (columns X, Y, Z) with Y along `y_axis`, Z as close to `z_hint`."""
    y = normalize(y_axis)
    z = normalize(z_hint - np.add.reduce(z_hint * y, axis=-1, keepdims=True) * y)
    out = np.empty(y.shape + (3,))
    out[..., 0] = cross(y, z)
    out[..., 1] = y
    out[..., 2] = z
    return out
