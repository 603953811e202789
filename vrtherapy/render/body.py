"""The patient's own body in the first-person view: shoulders, upper torso and lap (or hips for the legs).

Arms that rise from the bottom edge of the view with nothing above them belong to nobody; a torso
in the patient's clothes, with shoulders the arms grow out of and a lap under the table, makes them
the patient's. The body is not tracked: it sits in the seated posture the limbs are placed in
(`frames.SEATED_RIGHT_SHOULDER`, the synthetic patient's hips), which is where a seated
patient's body is.

Built like the limbs (a signed distance field of ellipsoids and round cones, smooth-unioned, surfaced
by marching cubes) but coarser, once per scene (a fraction of a second), and drawn with the room's
fixed-function lights and vertex colours: shirt above the waist, trousers below, no neck or head (the eye is there).
The chest leans a little towards the table, with pectorals and deltoids, so the shirt shows across the
bottom of the upper-limb view and the shoulders in its corners, where the arms come from. Only what the
eye can see is surfaced, finely only near it (`_PARTS`): 9,332 triangles for the upper-limb view and
6,014 for the lower (the whole body, one grid: 18,132 and 11,468).
The shoulder caps cover the open cut at the top of each arm model (within SHOULDER_CAP_RADIUS of the
shoulder joint whatever the arm's pose); the hip caps cover the leg models' cut the same way.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from panda3d.core import Geom, GeomNode, GeomTriangles, GeomVertexData, GeomVertexFormat, NodePath

from vrtherapy import frames
from vrtherapy.frames import SEATED_RIGHT_HIP, SEATED_RIGHT_SHOULDER
from vrtherapy.limbs import sdf as limb_sdf
from vrtherapy.limbs import surfacing as limb_surfacing
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.limbs.sdf import ellipsoid, round_cone, smin, smoothstep
from vrtherapy.limbs.surfacing import marching_surface, sdf_normals
from vrtherapy.resources import version_cache_dir

SHOULDER_CAP_RADIUS = 0.07  #: covers the arm model's cut 4 cm below the shoulder joint (tube radius 5 cm)
HIP_CAP_RADIUS = 0.105  #: covers the leg model's cut 5 cm down the thigh (thigh radius 8 cm)
_VOXEL = 0.014
_WAIST_Z = 0.60  #: shirt above, trousers below
BodyKind = Literal["arm", "leg"]


def _body_sdf(p: np.ndarray, kind: BodyKind) -> np.ndarray:
    shoulder_r = SEATED_RIGHT_SHOULDER
    mirror = np.array([-1.0, 1.0, 1.0])
    hip_r = SEATED_RIGHT_HIP
    sx = float(shoulder_r[0])
    # Trunk: pelvis, belly, chest and the slope of the shoulders up to the neck; the chest a little
    # forward, as a patient sits leaning towards the table.
    d = ellipsoid(p - (0.0, -0.01, 0.50), np.array([0.175, 0.125, 0.13]))
    d = smin(d, ellipsoid(p - (0.0, 0.01, 0.68), np.array([0.150, 0.115, 0.17])), 0.08)
    d = smin(d, ellipsoid(p - (0.0, -0.01, 0.87), np.array([0.160, 0.108, 0.17])), 0.08)
    d = smin(d, ellipsoid(p - (0.0, -0.05, 0.99), np.array([0.75 * sx, 0.075, 0.08])), 0.06)
    for side in (np.ones(3), mirror):
        cap = shoulder_r * side
        d = smin(d, np.linalg.norm(p - cap, axis=1) - SHOULDER_CAP_RADIUS, 0.05)
        # Deltoid: the round of the shoulder over the top of the arm, a little forward and out.
        d = smin(d, ellipsoid(p - (cap + (0.010 * side[0], 0.022, 0.010)), np.array([0.062, 0.070, 0.068])), 0.03)
        # Pectoral: the chest's front below the collarbone, towards the shoulder.
        d = smin(d, ellipsoid(p - np.array([0.095 * side[0], 0.020, 0.950]), np.array([0.080, 0.055, 0.065])), 0.05)
        # Trapezius: from the shoulder up and in to the neck.
        d = smin(d, round_cone(p, cap + (0.0, -0.01, 0.0), np.array([0.0, -0.06, 1.03]), 0.05, 0.06), 0.04)
        hip = hip_r * side
        d = smin(d, np.linalg.norm(p - (hip + (0.0, -0.02, 0.0)), axis=1) - HIP_CAP_RADIUS, 0.05)
        if kind == "arm":  # the lap: thighs forward on the seat, shanks down to the floor
            knee = hip + (0.03 * side[0], 0.43, 0.02)
            d = smin(d, round_cone(p, hip, knee, 0.08, 0.055), 0.04)
            d = np.minimum(d, round_cone(p, knee, knee + (0.0, 0.02, -0.40), 0.052, 0.038))
    return d


@lru_cache(maxsize=2)
def body_mesh(kind: BodyKind) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices, unit normals and counter-clockwise triangles of the seated body (world metres).

    Surfacing the body takes about a second, too long for every session's start: the mesh is kept in
    this version's per-user cache (`vrtherapy prepare` makes it), named after the code that shapes it."""
    path = _cache_file(kind)
    try:
        with np.load(path) as cached:
            return cached["verts"], cached["normals"], cached["tris"]
    except (OSError, ValueError, KeyError):  # not made yet, or unreadable: make it again
        pass
    verts, normals, tris = _surface_body(kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial.npz")
        np.savez(partial, verts=verts, normals=normals, tris=tris)
        partial.replace(path)  # whole or not at all: another session may be reading it
    except OSError:  # a read-only or full cache only costs the next start the same second
        pass
    return verts, normals, tris


def _cache_file(kind: BodyKind) -> Path:
    sources = [Path(__file__), Path(limb_sdf.__file__), Path(limb_surfacing.__file__), Path(frames.__file__)]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    return version_cache_dir() / "body" / f"{kind}-{digest}.npz"


#: The parts surfaced separately, each in its own box and grid: (lowest corner, highest corner, voxel
#: metres) per kind. Only what the seated patient's eye can see is surfaced, and finely only where
#: it is near: the back (behind the eye, never in view) is left open; the shoulders and chest, a
#: hand's breadth from the eye, are fine; the lap, under the table or below the hips, is coarse. Boxes
#: overlap by a voxel so the parts meet without a gap (their skins lie on the same distance field).
_PARTS: dict[BodyKind, tuple[tuple[tuple[float, float, float], tuple[float, float, float], float], ...]] = {
    "arm": (((-0.34, -0.11, 0.66), (0.34, 0.20, 1.24), _VOXEL),
            ((-0.34, -0.11, 0.02), (0.34, 0.55, 0.68), 2.0 * _VOXEL)),
    "leg": (((-0.34, -0.11, 0.66), (0.34, 0.20, 1.24), 2.0 * _VOXEL),
            ((-0.34, -0.11, 0.30), (0.34, 0.20, 0.68), _VOXEL)),
}  # fmt: skip


def _surface_body(kind: BodyKind) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    def sdf(q: np.ndarray) -> np.ndarray:
        return _body_sdf(q, kind)

    verts_parts, tris_parts, count = [], [], 0
    for lo, hi, voxel in _PARTS[kind]:
        verts, tris, _ = marching_surface(sdf, np.array(lo), np.array(hi), np.full(3, voxel))
        verts_parts.append(verts)
        tris_parts.append(tris + count)
        count += len(verts)
    verts = np.concatenate(verts_parts)
    return verts, sdf_normals(sdf, verts), np.concatenate(tris_parts)


def _colors(verts: np.ndarray, appearance: Appearance) -> np.ndarray:
    z = verts[:, 2]
    shirt = np.array(appearance.sleeve_color)
    trousers = np.array(appearance.trouser_color)
    below_waist = smoothstep((_WAIST_Z + 0.01 - z) / 0.02)[:, None]
    color = shirt * (1.0 - below_waist) + trousers * below_waist
    # Cloth is not flat paint: a slow, faint variation (weave, folds catching the light).
    ripple = 1.0 + 0.04 * np.sin(verts[:, 0] * 61.0 + 2.0 * np.sin(verts[:, 2] * 37.0)) * np.sin(verts[:, 2] * 53.0)
    return np.clip(color * ripple[:, None], 0.0, 1.0)


def build_body(parent: NodePath, appearance: Appearance, kind: BodyKind) -> NodePath:
    """The seated body under `parent` (lit by whatever lights `parent` has), clothed as `appearance`."""
    verts, normals, tris = body_mesh(kind)
    colors = np.concatenate([_colors(verts, appearance), np.ones((len(verts), 1))], axis=1)
    vdata = GeomVertexData("body", GeomVertexFormat.getV3n3c4(), Geom.UH_static)
    vdata.uncleanSetNumRows(len(verts))
    array = vdata.modifyArray(0)
    stride = vdata.getFormat().getArray(0).getStride()
    packed = np.zeros((len(verts), stride), np.uint8)
    packed[:, 0:12] = np.ascontiguousarray(verts, np.float32).view(np.uint8).reshape(-1, 12)
    packed[:, 12:24] = np.ascontiguousarray(normals, np.float32).view(np.uint8).reshape(-1, 12)
    rgba = (colors * 255.0 + 0.5).astype(np.uint8)
    packed[:, 24:28] = rgba
    memoryview(array).cast("B")[:] = packed.tobytes()
    prim = GeomTriangles(Geom.UH_static)
    prim.setIndexType(Geom.NT_uint32)
    handle = prim.modifyVertices()
    handle.uncleanSetNumRows(len(tris) * 3)
    memoryview(handle).cast("B")[:] = np.ascontiguousarray(tris, dtype=np.uint32).tobytes()
    geom = Geom(vdata)
    geom.addPrimitive(prim)
    node = GeomNode("patient-body")
    node.addGeom(geom)
    return parent.attachNewNode(node)
