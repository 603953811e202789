"""Generates the skinned leg + foot mesh of the virtual limb from the parametric leg skeleton.

Hand-written for the same reasons as the arm (`mesh_generator.py`, whose surfacing it shares): the mesh
follows each patient's `LegDimensions`, carries skin weights for exactly our joints, and is free to
redistribute.

The thigh and shank are one tube whose cross-section is an ellipse (size and centre lofted along the
leg) plus anatomical bumps and hollows as angular Gaussians: kneecap, vastus medialis, the hollow at
the back of the knee, the two calf heads, the flat inner face of the shin, the Achilles tendon and the
hollows beside it. The tube is meshed directly as rings. The foot is a signed distance field (negative
inside): a rounded slab with a plan-view outline, a domed top and a sole that lifts into the arch on
the inner side, a rounded heel, five toes as tapered round cones, and the ankle bones' bumps; it is
smooth-unioned with the end of the tube and polygonised by marching cubes below a plane across the
lower shank, then zipped to the rings there. The mesh is open only at the cut across the top of the
thigh.

The shared surfacing works with the limb axis along +y; the leg hangs along -z, so surfacing runs in a
"design frame" (x, -z, y) and the result is rotated back.

Each vertex carries a `nail` weight as on the arm: a toenail on the top of each toe near its tip, the
big toe's much the largest.

The right leg is generated; the left is its reflection across x = 0.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.limbs.hinges import hinge_tags
from vrtherapy.limbs.leg_body import (
    _ANKLE_BLEND,
    _BALL_BLEND,
    _BALL_OBLIQUITY,
    _DESIGN,
    _KNEE_BLEND,
    _KNEE_RING_SPACING,
    _RING_SPACING,
    _RING_VERTICES,
    _TOE_THICKNESS,
    _TOENAIL_EDGE,
    _TOENAIL_LENGTH,
    _TOENAIL_TIP_GAP,
    _TOENAIL_WIDTH,
    _VOXEL_STRETCH_ALONG_FOOT,
    DEFAULT_VOXEL,
    HIP_CUT_DEPTH,
    LegBody,
)
from vrtherapy.limbs.limb_mesh import LimbMesh, mirror_mesh
from vrtherapy.limbs.sdf import smoothstep
from vrtherapy.limbs.skin_detail import leg_skin_detail
from vrtherapy.limbs.surfacing import (
    cylindrical_uvs,
    marching_surface,
    nail_weight,
    ring_tube,
    sdf_normals,
    top4,
    zip_loops,
)
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.skeleton import Skeleton

__all__ = ["DEFAULT_VOXEL", "HIP_CUT_DEPTH", "LegBody", "generate_leg_mesh"]


def generate_leg_mesh(skeleton: Skeleton, voxel: float = DEFAULT_VOXEL) -> LimbMesh:
    """The leg + foot mesh for `skeleton` (any side), `voxel` = grid spacing across the foot."""
    if skeleton.side == "left":
        return mirror_mesh(generate_leg_mesh(build_leg_skeleton("right", skeleton.dimensions), voxel))
    body = LegBody(skeleton)
    design, triangles = _surface(body, voxel)
    vertices = design @ _DESIGN
    indices, weights = _skin_weights(body, vertices)
    skin, tint = _leg_detail(body, vertices)
    return LimbMesh(
        vertices=vertices.astype(np.float32),
        normals=sdf_normals(body.sdf_chunked, vertices).astype(np.float32),
        uvs=cylindrical_uvs(design, body.cut_t).astype(np.float32),
        triangles=triangles.astype(np.int32),
        joint_indices=indices.astype(np.int32),
        joint_weights=weights.astype(np.float32),
        nail=_nail_weights(body, vertices).astype(np.float32),
        skin=skin.astype(np.float32),
        tint=tint.astype(np.float32),
        hinge=hinge_tags(skeleton, vertices, indices, weights).astype(np.float32),
    )


def _leg_detail(body: LegBody, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The skin detail's inputs from the leg's anatomy: which toe a vertex is on and how far along it."""
    f = body.to_foot(p)
    joint_d = np.full(len(p), np.nan)  # along the toe from its middle joint (design metres)
    tip_d = np.full(len(p), np.nan)  # ... and back from its tip
    best = np.full(len(p), np.inf)
    for toe in body.toes:
        base, end = toe.points[0], toe.points[2]
        axis = (end - base) / np.linalg.norm(end - base)
        s = (f - base) @ axis
        radial = np.linalg.norm(f - base - s[:, None] * axis, axis=1)
        on = (s > 0.004) & (radial < 1.4 * toe.radii[0]) & (radial < best)
        joint_d = np.where(on, s - float((toe.points[1] - base) @ axis), joint_d)
        tip_d = np.where(on, float((end - base) @ axis) + toe.radii[2] - s, tip_d)
        best = np.where(on, radial, best)
    return leg_skin_detail(p, f, joint_d, tip_d, body.knee)


# --- surfacing (design frame) ------------------------------------------------------------------------


def _surface(body: LegBody, voxel: float) -> tuple[np.ndarray, np.ndarray]:
    """Design-frame vertices and triangles: tube rings from the thigh cut, zipped to the marched foot."""
    lo_r, hi_r = body.foot_bounds()
    corners = np.stack([lo_r, hi_r]) @ _DESIGN.T
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    spacing = np.array([voxel, voxel, voxel * _VOXEL_STRETCH_ALONG_FOOT])
    foot_v, foot_t, loop = marching_surface(lambda q: body.sdf_chunked(q @ _DESIGN), lo, hi, spacing)

    tube_v, tube_t, last_ring = ring_tube(body.rings(_ring_depths(body), _RING_VERTICES) @ _DESIGN.T)

    offset = len(tube_v)
    vertices = np.concatenate([tube_v, foot_v])
    angles = body.ring_angle(vertices @ _DESIGN)
    zip_tris = zip_loops(last_ring, loop + offset, angles[last_ring], angles[loop + offset])
    triangles = np.concatenate([tube_t, zip_tris, foot_t + offset])
    return vertices, triangles


def _ring_depths(body: LegBody) -> np.ndarray:
    """Depths of the rings from the thigh cut down to (not including) the zip plane, closer over the knee."""
    fine = np.linspace(body.cut_t, body.zip_t, 4000)
    near_knee = np.exp(-0.5 * ((fine - body.knee_t) / (0.06 * body.girth)) ** 2)
    density = 1.0 / (_RING_SPACING + (_KNEE_RING_SPACING - _RING_SPACING) * near_knee)
    rings_so_far = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(fine))])
    n = int(np.ceil(rings_so_far[-1]))
    return np.interp(np.linspace(0.0, rings_so_far[-1], n + 1)[:-1], rings_so_far, fine)


# --- skin weights ------------------------------------------------------------------------------------


def _nail_weights(body: LegBody, p: np.ndarray) -> np.ndarray:
    """Per-vertex toenail weight: a nail on the top of each toe's last segment, short of its tip.

    The toes are one bone (`toes`), so each toe's nail is placed in a frame of its own last cone at rest:
    y along the cone towards the tip, z down (the toes' underside, as the `toes` bone frame has it), in
    foot-design coordinates so the nails scale with the foot.
    """
    f = body.to_foot(p)
    nail = np.zeros(len(p))
    for toe, length, width, gap in zip(body.toes, _TOENAIL_LENGTH, _TOENAIL_WIDTH, _TOENAIL_TIP_GAP, strict=False):
        mid, end = toe.points[1], toe.points[2]
        r_mid, r_end = toe.radii[1], toe.radii[2]
        axis = (end - mid) / np.linalg.norm(end - mid)
        down = np.array([0.0, 0.0, -1.0])
        down = down - axis * (down @ axis)
        down /= np.linalg.norm(down)
        frame = np.stack([np.cross(axis, down), axis, down], axis=1)
        local = (f - end) @ frame
        tip = r_end  # the toe's skin ends one radius past the end of its last cone
        local[:, 2] /= _TOE_THICKNESS  # the toe is flattened top to bottom: measure as on a round one
        near = (np.abs(local[:, 0]) < 2.0 * r_mid) & (np.abs(local[:, 2]) < 2.0 * r_mid)
        half_width = 0.5 * width * 2.0 * r_end
        weight = nail_weight(local, tip - gap - length, tip - gap, half_width, _TOENAIL_EDGE)
        nail = np.maximum(nail, np.where(near, weight, 0.0))
    return nail


def _skin_weights(body: LegBody, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Joint indices and weights (at most two influences; the heel and toes_tip get none).

    Thigh -> shank across the knee and shank -> foot across the ankle by depth along the leg; foot ->
    toes across the ball along the toes' axis, on a joint line that runs obliquely like the real one.
    """
    idx = body.idx
    w = np.zeros((len(p), len(body.skeleton.names)))
    t = -p[:, 2]
    knee_h = _KNEE_BLEND * body.girth
    ankle_h = _ANKLE_BLEND * body.foot_scale[2]
    ball_h = _BALL_BLEND * body.foot_scale[1]
    knee = smoothstep((t - body.knee_t + knee_h) / (2.0 * knee_h))
    ankle = smoothstep((t - body.ankle_t + ankle_h) / (2.0 * ankle_h))
    s = (p - body.ball) @ body.toe_axis + _BALL_OBLIQUITY * p[:, 0]
    toes = smoothstep((s + ball_h) / (2.0 * ball_h))
    w[:, idx["thigh"]] = 1.0 - knee
    w[:, idx["shank"]] = knee * (1.0 - ankle)
    w[:, idx["foot"]] = ankle * (1.0 - toes)
    w[:, idx["toes"]] = ankle * toes
    return top4(w)
