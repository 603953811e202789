"""Vectorised rotation helpers for the per-frame path: joint Euler angles <-> matrices, frames from axes.

Every joint's local rotation is `E(f, d, t) = Ry(s*t) @ Rz(-s*d) @ Rx(f)` applied after the joint's rest
rotation: intrinsically, twist about the segment (Y), then deviation (Z), then flexion (X). `s` is +1
for right limbs and -1 for left ones, which makes the same anatomical angles describe mirror-image
motion on either side (see `frames.py` for the bone-frame convention).

Written here rather than with scipy's `Rotation` (tests check these against it) because the per-frame
budget is a fraction of a millisecond per limb: these use raw ufuncs and preallocated outputs, avoiding
numpy's Python-level wrappers (`np.cross`, `np.stack`, `np.clip`, `linalg.norm`) that cost several
microseconds each on small arrays.
"""

from __future__ import annotations

import math

import numpy as np

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


# --- Single 3x3 rotations with plain floats -----------------------------------------------------
# One joint at a time (upper arm, elbow, wrist), numpy's per-call overhead dwarfs the arithmetic;
# these scalar versions are several times faster and are checked against the array versions.


def frame3(y: np.ndarray, z_hint: np.ndarray) -> np.ndarray:
    """`frame_from_y_and_z_hint` for one frame."""
    yx, yy, yz = y.tolist()
    zx, zy, zz = z_hint.tolist()
    n = max(math.sqrt(yx * yx + yy * yy + yz * yz), 1e-12)
    yx, yy, yz = yx / n, yy / n, yz / n
    d = zx * yx + zy * yy + zz * yz
    zx, zy, zz = zx - d * yx, zy - d * yy, zz - d * yz
    n = max(math.sqrt(zx * zx + zy * zy + zz * zz), 1e-12)
    zx, zy, zz = zx / n, zy / n, zz / n
    return np.array([
        [yy * zz - yz * zy, yx, zx],
        [yz * zx - yx * zz, yy, zy],
        [yx * zy - yy * zx, yz, zz],
    ])  # fmt: skip


def euler3(angles: tuple[float, float, float], side_sign: float) -> np.ndarray:
    """`euler_to_matrix` for one joint."""
    c_, b, a = angles[0], -side_sign * angles[1], side_sign * angles[2]
    ca, sa, cb, sb, cc, sc = math.cos(a), math.sin(a), math.cos(b), math.sin(b), math.cos(c_), math.sin(c_)
    return np.array([
        [ca * cb, sa * sc - ca * sb * cc, ca * sb * sc + sa * cc],
        [sb, cb * cc, -cb * sc],
        [-sa * cb, sa * sb * cc + ca * sc, ca * cc - sa * sb * sc],
    ])  # fmt: skip


def matrix_to_euler3(m: np.ndarray, side_sign: float) -> tuple[float, float, float]:
    """`matrix_to_euler` for one matrix."""
    (m00, _, _), (m10, m11, m12), (m20, _, _) = m.tolist()
    b = math.asin(min(max(m10, -1.0), 1.0))
    return (math.atan2(-m12, m11), -side_sign * b, side_sign * math.atan2(-m20, m00))
