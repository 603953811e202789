"""Rotation helpers for the per-frame path: the joint-angle convention, frames from axes.

Every joint's local rotation is `E(f, d, t) = Ry(s*t) @ Rz(-s*d) @ Rx(f)` applied after the joint's rest
rotation: intrinsically, twist about the segment (Y), then deviation (Z), then flexion (X). `s` is +1
for right limbs and -1 for left ones, which makes the same anatomical angles describe mirror-image
motion on either side (see `frames.py` for the bone-frame convention).

Written here rather than with scipy's `Rotation` (the tests hold these to it) because the per-frame
budget is a fraction of a millisecond per limb: the array versions use raw ufuncs and preallocated
outputs, avoiding numpy's Python-level wrappers (`np.cross`, `np.stack`, `np.clip`, `linalg.norm`)
that cost several microseconds each on small arrays; the single-joint Euler conversions are compiled
(`kernels.euler3`, `kernels.matrix_to_euler3`, re-exported here).
"""

from __future__ import annotations

import numpy as np

from vrtherapy.motion.kernels import clamp, clamp_angles, euler3, frame3, matrix_to_euler3, smoothstep

__all__ = ["clamp", "clamp_angles", "cross", "euler3", "frame3", "frame_from_y_and_z_hint", "matrix_to_euler3", "norm",
           "normalize", "smoothstep"]

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
