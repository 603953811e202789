"""Turning a limb's shape into triangles, and the per-vertex helpers both limb generators share.

Marching cubes (scikit-image) over a signed distance field for the hand or foot, rings for the
arm or leg tube, a zip between the two; normals from the field's gradient; cylindrical texture
coordinates; the soft nail mask; skin weights cut to the four largest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from skimage.measure import marching_cubes

from vrtherapy.limbs.sdf import smoothstep

_SNAP_FRACTION = 0.15
_NAIL_SQUARENESS = 2.6  #: superellipse exponent of the outline (2 = ellipse; higher = squarer sides)


def marching_surface(
    sdf: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, spacing: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marching cubes of `sdf` over the box lo..hi (grid `spacing`), open where the box starts on y = lo[1].

    Returns vertices, counter-clockwise triangles, and the ids of the open loop's vertices on that plane.
    The shape must reach no other face of the box.
    """
    voxel = float(spacing[0])
    counts = np.ceil((hi - lo) / spacing).astype(int) + 1
    axes = [lo[i] + spacing[i] * np.arange(counts[i]) for i in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    volume = sdf(grid).reshape(counts)
    # Samples almost on the surface make sliver triangles around their grid node: push them off it
    # (moves the surface by at most a fraction of a voxel).
    snap = _SNAP_FRACTION * voxel
    volume = np.where(np.abs(volume) < snap, np.where(volume < 0.0, -snap, snap), volume)
    verts, faces, _, _ = marching_cubes(-volume, 0.0, spacing=tuple(spacing), allow_degenerate=False)
    faces = faces[:, ::-1]  # skimage winds them clockwise seen from the higher (here: inside) values
    verts = verts.astype(float) + lo
    verts[:, 1] = np.where(verts[:, 1] < lo[1] + 1e-9, lo[1], verts[:, 1])
    verts, faces = compact(verts, faces)
    loop = np.flatnonzero(verts[:, 1] == lo[1])
    return verts, faces, loop


def sdf_normals(sdf: Callable[[np.ndarray], np.ndarray], p: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Unit outward normals at `p`: the central-difference gradient of a signed distance function."""
    offsets = np.eye(3) * eps
    stacked = np.concatenate([p + o for o in offsets] + [p - o for o in offsets])
    d = sdf(stacked).reshape(6, len(p))
    g = (d[:3] - d[3:]).T
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def compact(verts: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop unreferenced vertices."""
    used = np.zeros(len(verts), bool)
    used[faces.ravel()] = True
    remap = np.cumsum(used) - 1
    return verts[used], remap[faces]


def ring_tube(rings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open tube through (R, K, 3) rings (each at one height y, increasing; its K points going round
    from +x towards +z): vertices, triangles, and the last ring's vertex ids."""
    n_rings, n_around = rings.shape[:2]
    verts = rings.reshape(-1, 3)
    r, k = np.meshgrid(np.arange(n_rings - 1), np.arange(n_around), indexing="ij")
    a = r * n_around + k
    b = (r + 1) * n_around + k
    c = r * n_around + (k + 1) % n_around
    d = (r + 1) * n_around + (k + 1) % n_around
    # Ring angle runs from +x towards +z, so (along the tube) x (around) points outwards.
    tris = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([b, d, c], -1).reshape(-1, 3)])
    last = (n_rings - 1) * n_around + np.arange(n_around)
    return verts, tris, last


def zip_loops(ring: np.ndarray, loop: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
    """Triangle strip between closed loops `ring` (lower y) and `loop` (higher y) of vertex ids, given
    each vertex's angle around the tube (from +x towards +z) on a common centre."""
    a = ring[np.argsort(ta, kind="stable")]
    b = loop[np.argsort(tb, kind="stable")]
    ta, tb = np.sort(ta), np.sort(tb)
    na, nb = len(a), len(b)
    order = np.argsort(np.concatenate([ta, tb]), kind="stable")
    from_a = order < na
    seen_a = np.cumsum(from_a)  # A vertices reached so far (inclusive)
    seen_b = np.cumsum(~from_a)
    # Advancing along A from a[k-1] to a[k] makes (a[k-1], b_last, a[k]); along B (a_last, b[m-1], b[m]).
    ka = seen_a[from_a] - 1
    apex_b = (seen_b[from_a] - 1) % nb
    tri_a = np.stack([a[ka - 1], b[apex_b], a[ka]], axis=1)
    kb = seen_b[~from_a] - 1
    apex_a = (seen_a[~from_a] - 1) % na
    tri_b = np.stack([a[apex_a], b[kb - 1], b[kb]], axis=1)
    return np.concatenate([tri_a, tri_b])


def cylindrical_uvs(p: np.ndarray, cut_y: float) -> np.ndarray:
    """u: angle around the limb's axis (y) / 2pi, seam on -x (the arm's palm side), v: metres from the cut."""
    u = np.arctan2(p[:, 2], p[:, 0]) / (2.0 * np.pi) + 0.5
    return np.stack([u, p[:, 1] - cut_y], axis=1)


def nail_weight(
    local: np.ndarray, start: float, end: float, half_width: np.ndarray | float, edge: float
) -> np.ndarray:
    """Soft nail mask of points given in a digit's frame (x across, y distal, z palmar; (N, 3)).

    The nail covers y in start..end and |x| up to `half_width` (per point or one value), in a
    superellipse outline, on the dorsal (-z) side only; it fades out over `edge` metres at its rim.
    """
    half_len = 0.5 * (end - start)
    u = (local[:, 1] - 0.5 * (start + end)) / half_len
    v = local[:, 0] / half_width
    rho = (np.abs(u) ** _NAIL_SQUARENESS + np.abs(v) ** _NAIL_SQUARENESS) ** (1.0 / _NAIL_SQUARENESS)
    dist = (rho - 1.0) * np.minimum(half_len, half_width)  # approximately metres outside the outline
    dorsal = smoothstep((-local[:, 2] - 0.5 * np.abs(local[:, 0])) / edge)  # dorsal, not the sides
    return smoothstep(0.5 - dist / edge) * dorsal


def top4(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = np.where(w < 1e-4, 0.0, w)
    order = np.argsort(-w, axis=1, kind="stable")[:, :4]
    top = np.take_along_axis(w, order, axis=1)
    top /= top.sum(axis=1, keepdims=True)
    order = np.where(top > 0.0, order, 0)
    return order, top
