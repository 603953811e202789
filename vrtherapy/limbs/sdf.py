"""Signed distance primitives (negative inside), vectorised over (N, 3) or (N, 2) point arrays.

Written here rather than taken from a library: the limb generators need a handful of exact or nearly
exact distances (round cones, ellipsoids, polygons) evaluated in bulk in numpy, which no well-kept
Python package offers without a GPU or a compiled dependency.
"""

from __future__ import annotations

import numpy as np


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def smin(a: np.ndarray, b: np.ndarray, k: float | np.ndarray) -> np.ndarray:
    """Polynomial smooth minimum: a union whose crease is filleted over about `k` metres."""
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


def rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


def round_cone(p: np.ndarray, a: np.ndarray, b: np.ndarray, r1: float, r2: float) -> np.ndarray:
    """Exact distance to a sphere-swept cone from `a` (radius r1) to `b` (radius r2)."""
    ba = b - a
    l2 = float(ba @ ba)
    rr = r1 - r2
    a2 = l2 - rr * rr
    pa = p - a
    y = pa @ ba
    z = y - l2
    xv = pa * l2 - y[:, None] * ba
    x2 = rowdot(xv, xv)
    y2, z2 = y * y * l2, z * z * l2
    k = np.sign(rr) * rr * rr * x2
    d_end = np.sqrt(x2 + z2) / l2 - r2
    d_start = np.sqrt(x2 + y2) / l2 - r1
    d_side = (np.sqrt(np.maximum(x2 * a2 / l2, 0.0)) + y * rr) / l2 - r1
    return np.where(np.sign(z) * a2 * z2 > k, d_end, np.where(np.sign(y) * a2 * y2 < k, d_start, d_side))


def ellipsoid(q: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Approximate distance to an axis-aligned ellipsoid (q in its own frame)."""
    k0 = np.linalg.norm(q / radii, axis=1)
    k1 = np.linalg.norm(q / (radii * radii), axis=1)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


def polygon_sdf(pts: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Signed distance from (N, 2) points to a closed simple polygon (negative inside)."""
    d = np.sum((pts - poly[0]) ** 2, axis=1)
    sign = np.ones(len(pts))
    for i in range(len(poly)):  # loops over the outline's edges, each step vectorised over the points
        vi, vj = poly[i], poly[i - 1]
        e = vj - vi
        w = pts - vi
        t = np.clip((w @ e) / (e @ e), 0.0, 1.0)
        b = w - t[:, None] * e
        d = np.minimum(d, np.sum(b * b, axis=1))
        c1 = pts[:, 1] >= vi[1]
        c2 = pts[:, 1] < vj[1]
        c3 = e[0] * w[:, 1] > e[1] * w[:, 0]
        sign = np.where((c1 & c2 & c3) | (~c1 & ~c2 & ~c3), -sign, sign)
    return sign * np.sqrt(d)
