"""Triangle meshes for the static room: boxes (bevelled or not), ellipsoids and lathed shapes, gathered
into one mesh per material.

Why: the room is flattened into one draw call per material, so every part of every piece of furniture
goes into a shared `RoomMesh`. Shapes are numpy arrays (vertices, normals, triangles) made in a piece's
own frame and placed by a 3x3 matrix and an offset; the mesh gives each vertex a texture coordinate by
projecting the world onto the plane its normal faces most (`repeat` metres per texture repeat, so a
texture keeps its scale across pieces), or, with `repeat=None`, stretches the texture once over each
face, upright (a window's view). Built once per room, so clarity matters more than speed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from panda3d.core import (
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    InternalName,
)

Color = tuple[float, float, float]


@dataclass(frozen=True)
class Shape:
    """Vertices (N, 3), unit normals (N, 3) and triangles (M, 3) of vertex indices, counter-clockwise outside."""

    points: np.ndarray
    normals: np.ndarray
    triangles: np.ndarray

    def moved(self, matrix: np.ndarray, offset: Sequence[float] | np.ndarray) -> Shape:
        """This shape transformed by `matrix` (any invertible linear map; a mirroring one keeps the outside
        out) and moved by `offset`."""
        normals = np.asarray(self.normals @ np.linalg.inv(matrix), float)  # the inverse transpose, for row vectors
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        triangles = self.triangles if np.linalg.det(matrix) > 0 else self.triangles[:, ::-1]
        return Shape(self.points @ matrix.T + np.asarray(offset, float), normals, triangles)


def _polygons(polys: list[tuple[np.ndarray, np.ndarray]]) -> Shape:
    """Flat convex polygons (corner points, outward direction) as one shape, each wound to face outward."""
    points: list[np.ndarray] = []
    normals: list[np.ndarray] = []
    triangles: list[tuple[int, int, int]] = []
    count = 0
    for corners, outward in polys:
        n = np.cross(corners[1] - corners[0], corners[2] - corners[0])
        if np.dot(n, outward) < 0:
            corners = corners[::-1]
            n = -n
        n = n / np.linalg.norm(n)
        k = len(corners)
        points.append(corners)
        normals.append(np.repeat(n[None], k, axis=0))
        triangles.extend((count, count + i, count + i + 1) for i in range(1, k - 1))
        count += k
    return Shape(np.concatenate(points), np.concatenate(normals), np.array(triangles, np.int64))


def box_shape(lo: Sequence[float], hi: Sequence[float], bevel: float = 0.0) -> Shape:
    """An axis-aligned box from `lo` to `hi`; `bevel` > 0 cuts its edges and corners at 45 degrees
    (the cut faces catch the light, so the edges read as real ones instead of a computer model's)."""
    lo_a, hi_a = np.asarray(lo, float), np.asarray(hi, float)
    half = (hi_a - lo_a) / 2
    bevel = float(min(bevel, 0.45 * half.min()))
    centre, inner = (lo_a + hi_a) / 2, half - bevel
    eye = np.eye(3)

    def corner(s: np.ndarray, axis: int) -> np.ndarray:  # inner corner s pushed out along one axis
        return centre + s * inner + bevel * s[axis] * eye[axis]

    polys: list[tuple[np.ndarray, np.ndarray]] = []
    signs = [np.array(s, float) for s in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    for a in range(3):
        b, c = (a + 1) % 3, (a + 2) % 3
        for side in (-1.0, 1.0):
            ring = []
            for sb, sc in signs:
                s = np.zeros(3)
                s[a], s[b], s[c] = side, sb, sc
                ring.append(corner(s, a))
            polys.append((np.array(ring), side * eye[a]))
    if bevel > 0:
        for a in range(3):  # edges along axis a
            b, c = (a + 1) % 3, (a + 2) % 3
            for sb in (-1.0, 1.0):
                for sc in (-1.0, 1.0):
                    ends = []
                    for sa in (-1.0, 1.0):
                        s = np.zeros(3)
                        s[a], s[b], s[c] = sa, sb, sc
                        ends.append(s)
                    quad = np.array([corner(ends[0], b), corner(ends[1], b), corner(ends[1], c), corner(ends[0], c)])
                    polys.append((quad, sb * eye[b] + sc * eye[c]))
        for sx in (-1.0, 1.0):
            for sy in (-1.0, 1.0):
                for sz in (-1.0, 1.0):
                    s = np.array([sx, sy, sz])
                    polys.append((np.array([corner(s, 0), corner(s, 1), corner(s, 2)]), s))
    return _polygons(polys)


def ellipsoid_shape(radii: Sequence[float], segments: int = 8, rings: int = 6) -> Shape:
    """An ellipsoid centred on the origin, smooth-shaded, `segments` around and `rings` pole to pole."""
    r = np.asarray(radii, float)
    theta = np.linspace(0.0, np.pi, rings + 1)[:, None]  # from the top pole
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)[None, :]
    unit = np.stack(np.broadcast_arrays(np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)), -1)
    unit = unit.reshape(-1, 3)
    normals = unit / r
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return Shape(unit * r, normals, _grid_triangles(rings, segments))


def _grid_triangles(rows: int, cols: int) -> np.ndarray:
    """Triangles of a (rows + 1) x (cols + 1) vertex grid, row-major, wound for the ellipsoid's outside."""
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    a = (i * (cols + 1) + j).ravel()
    b, c, d = a + 1, a + cols + 1, a + cols + 2
    return np.concatenate([np.stack([a, c, d], 1), np.stack([a, d, b], 1)])


def lathe_shape(profile: Sequence[tuple[float, float]], segments: int = 16, caps: bool = True) -> Shape:
    """A solid of revolution about the Z axis: `profile` is (radius, z) from the bottom up; each profile
    segment is its own band (sharp rims between bands, smooth around); `caps` closes both ends."""
    prof = np.asarray(profile, float)
    phi = np.linspace(0.0, 2 * np.pi, segments + 1)
    cos, sin = np.cos(phi), np.sin(phi)
    points, normals, triangles = [], [], []
    count = 0

    def ring(r: float, z: float) -> np.ndarray:
        return np.stack([r * cos, r * sin, np.full_like(cos, z)], 1)

    for (r0, z0), (r1, z1) in zip(prof[:-1], prof[1:], strict=True):
        dr, dz = r1 - r0, z1 - z0
        length = float(np.hypot(dr, dz))
        if length < 1e-9:
            continue
        nr, nz = dz / length, -dr / length  # outward in the profile plane
        band = np.concatenate([ring(r0, z0), ring(r1, z1)])
        band_n = np.concatenate([np.stack([nr * cos, nr * sin, np.full_like(cos, nz)], 1)] * 2)
        k = segments + 1
        j = np.arange(segments)
        tris = np.concatenate([np.stack([j, j + 1, j + k + 1], 1), np.stack([j, j + k + 1, j + k], 1)]) + count
        points.append(band)
        normals.append(band_n)
        triangles.append(tris)
        count += 2 * k
    if caps:
        for (r, z), up in ((prof[0], -1.0), (prof[-1], 1.0)):
            if r <= 0:
                continue
            rim = ring(float(r), float(z))[:-1]
            disc = np.concatenate([[[0.0, 0.0, z]], rim])
            j = np.arange(segments)
            tris = np.stack([np.zeros(segments, int), 1 + j, 1 + (j + 1) % segments], 1)
            if up < 0:
                tris = tris[:, ::-1]
            points.append(disc)
            normals.append(np.tile([0.0, 0.0, up], (segments + 1, 1)))
            triangles.append(tris + count)
            count += segments + 1
    return Shape(np.concatenate(points), np.concatenate(normals), np.concatenate(triangles))


def _vertex_format() -> GeomVertexFormat:
    array = GeomVertexArrayFormat()
    array.addColumn(InternalName.getVertex(), 3, Geom.NT_float32, Geom.C_point)
    array.addColumn(InternalName.getNormal(), 3, Geom.NT_float32, Geom.C_normal)
    array.addColumn(InternalName.getColor(), 4, Geom.NT_float32, Geom.C_color)
    array.addColumn(InternalName.getTexcoord(), 2, Geom.NT_float32, Geom.C_texcoord)
    return GeomVertexFormat.registerFormat(GeomVertexFormat(array))


class RoomMesh:
    """Triangles with per-vertex normal, colour and texture coordinates, collected into one Geom."""

    def __init__(self, name: str, repeat: float | None = 1.0, gain: float = 1.0) -> None:
        self.name = name
        self.repeat = repeat
        self.gain = gain  #: colours are multiplied by this (up to 1.0) to make up for a texture's darkening
        self._rows: list[np.ndarray] = []  # (N, 12): position, normal, colour, texcoord
        self._triangles: list[np.ndarray] = []
        self.count = 0  #: vertices so far

    @property
    def triangle_count(self) -> int:
        return sum(len(t) for t in self._triangles)

    def add(self, shape: Shape, color: Color | np.ndarray) -> None:
        """Add `shape` (world coordinates) in `color`, one (r, g, b) or one per vertex."""
        n = len(shape.points)
        rgb = np.minimum(1.0, np.broadcast_to(np.asarray(color, float), (n, 3)) * self.gain)
        rows = np.concatenate([shape.points, shape.normals, rgb, np.ones((n, 1)), self._uvs(shape)], axis=1)
        self._rows.append(rows)
        self._triangles.append(shape.triangles + self.count)
        self.count += n

    def _uvs(self, shape: Shape) -> np.ndarray:
        p, nrm = shape.points, shape.normals
        axis = np.argmax(np.abs(nrm), axis=1)
        # horizontal and vertical directions in the face's plane (world z is up on walls)
        a = np.where(axis == 2, 0, np.where(axis == 0, 1, 0))
        b = np.where(axis == 2, 1, 2)
        rows = np.arange(len(p))
        u, v = p[rows, a], p[rows, b]
        if self.repeat is not None:
            return np.stack([u / self.repeat, v / self.repeat], 1)
        uv = np.zeros((len(p), 2))
        for k in range(3):  # stretched once over the faces along each axis
            on = axis == k
            if not on.any():
                continue
            lo_u, hi_u, lo_v, hi_v = u[on].min(), u[on].max(), v[on].min(), v[on].max()
            side = nrm[on, k]
            flip = side > 0 if k == 0 else side < 0
            su = (u[on] - lo_u) / max(hi_u - lo_u, 1e-9)
            uv[on, 0] = np.where(flip, 1.0 - su, su)
            uv[on, 1] = (v[on] - lo_v) / max(hi_v - lo_v, 1e-9)
        return uv

    def box(self, lo: Sequence[float], hi: Sequence[float], color: Color) -> None:
        """An axis-aligned box from corner `lo` to corner `hi`."""
        self.add(box_shape(lo, hi), color)

    def node(self) -> GeomNode:
        rows = np.concatenate(self._rows).astype(np.float32) if self._rows else np.zeros((0, 12), np.float32)
        vdata = GeomVertexData(self.name, _vertex_format(), Geom.UHStatic)
        vdata.uncleanSetNumRows(len(rows))
        memoryview(vdata.modifyArray(0)).cast("B")[:] = rows.tobytes()
        prim = GeomTriangles(Geom.UHStatic)
        prim.setIndexType(Geom.NT_uint32)
        indices = np.concatenate(self._triangles).astype(np.uint32) if self._triangles else np.zeros(0, np.uint32)
        handle = prim.modifyVertices()
        handle.uncleanSetNumRows(indices.size)
        memoryview(handle).cast("B")[:] = indices.tobytes()
        geom = Geom(vdata)
        geom.addPrimitive(prim)
        node = GeomNode(self.name)
        node.addGeom(geom)
        return node
