"""Generates the skinned arm + hand mesh of the virtual limb from the parametric skeleton.

Hand-written rather than shipped as an artist's model: the mesh has to follow each patient's
`ArmDimensions`, carry skin weights for exactly our joint set, and be free to redistribute.

The shape is a signed distance field (negative inside) of anatomical primitives placed on the rest
skeleton (`arm_body.py`).

Surfacing spends the vertices where the detail is: the upper arm and forearm are simple tubes and are
meshed directly as rings; the lower forearm and the hand are polygonised by marching cubes on a fine
grid that starts on a plane across the forearm, and the two parts are zipped together along that
plane. The mesh is open only at the cut across the top of the upper arm.

Each vertex also carries a `nail` weight (0..1): 1 on the fingernails and the thumbnail, on the dorsal
side of each distal phalanx near its tip, falling off over about a millimetre at the nail's edge so the
skin shader (`render/shaders/skin.frag.glsl`) can tint and gloss the nails without a texture.

The right arm is generated; the left is its reflection across x = 0 (the left skeleton is the
reflection of the right), so the two are exact mirror images.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.limbs.arm_body import (
    _ELBOW_BLEND,
    _NAIL_LENGTH,
    _NAIL_TIP_GAP,
    _NAIL_WIDTH,
    _REGION_BLEND,
    _RING_SPACING,
    _RING_VERTICES,
    _VOXEL_STRETCH_ALONG_ARM,
    _WRIST_BLEND,
    DEFAULT_VOXEL,
    DIGITS,
    FINGER_RADII,
    NAIL_EDGE,
    SHOULDER_CUT_Y,
    ArmBody,
    Chain,
)
from vrtherapy.limbs.hinges import hinge_tags
from vrtherapy.limbs.limb_mesh import LimbMesh, mirror_mesh
from vrtherapy.limbs.sdf import smoothstep
from vrtherapy.limbs.skin_detail import arm_skin_detail
from vrtherapy.limbs.surfacing import cylindrical_uvs, marching_surface, nail_weight, ring_tube, top4, zip_loops
from vrtherapy.motion.skeleton import FINGERS, Skeleton, build_arm_skeleton

__all__ = ["DEFAULT_VOXEL", "NAIL_EDGE", "SHOULDER_CUT_Y", "LimbMesh", "generate_arm_mesh", "mirror_mesh", "nail_weight"]


def generate_arm_mesh(skeleton: Skeleton, voxel: float = DEFAULT_VOXEL) -> LimbMesh:
    """The arm + hand mesh for `skeleton` (any side), `voxel` = grid spacing across the hand."""
    if skeleton.side == "left":
        return mirror_mesh(generate_arm_mesh(build_arm_skeleton("right", skeleton.dimensions), voxel))
    body = ArmBody(skeleton)
    vertices, triangles = _surface(body, voxel)
    normals = body.normals(vertices)
    indices, weights, nearest, digit_share = _skin_weights(body, vertices)
    skin, tint = arm_skin_detail(body, vertices, nearest, digit_share)
    return LimbMesh(
        vertices=vertices.astype(np.float32),
        normals=normals.astype(np.float32),
        uvs=cylindrical_uvs(vertices, SHOULDER_CUT_Y).astype(np.float32),
        triangles=triangles.astype(np.int32),
        joint_indices=indices.astype(np.int32),
        joint_weights=weights.astype(np.float32),
        nail=_nail_weights(body, vertices).astype(np.float32),
        skin=skin.astype(np.float32),
        tint=tint.astype(np.float32),
        hinge=hinge_tags(skeleton, vertices, indices, weights).astype(np.float32),
    )


def _surface(body: ArmBody, voxel: float) -> tuple[np.ndarray, np.ndarray]:
    hand_v, hand_t, loop = _hand_surface(body, voxel)
    tube_v, tube_t, last_ring = _tube_surface(body)
    offset = len(tube_v)
    zip_t = _zip_rings(last_ring, loop + offset, np.concatenate([tube_v, hand_v]), body)
    vertices = np.concatenate([tube_v, hand_v])
    triangles = np.concatenate([tube_t, zip_t, hand_t + offset])
    return vertices, triangles


def _hand_surface(body: ArmBody, voxel: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marching cubes above the zip plane: vertices, triangles, and the open loop's vertex ids."""
    lo, hi = body.hand_bounds
    spacing = np.array([voxel, voxel * _VOXEL_STRETCH_ALONG_ARM, voxel])
    return marching_surface(body.sdf_chunked, lo, hi, spacing)


def _tube_surface(body: ArmBody) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rings from the shoulder cut up to (not including) the zip plane, and the last ring's ids."""
    n_rings = int(np.ceil((body.zip_y - SHOULDER_CUT_Y) / _RING_SPACING))
    ys = np.linspace(SHOULDER_CUT_Y, body.zip_y, n_rings + 1)[:-1]
    ax, az, cz = body.tube_profile(ys)
    theta = 2.0 * np.pi * np.arange(_RING_VERTICES) / _RING_VERTICES
    x = ax[:, None] * np.cos(theta)
    z = cz[:, None] + az[:, None] * np.sin(theta)
    y = np.broadcast_to(ys[:, None], x.shape)
    return ring_tube(np.stack([x, y, z], axis=-1))


def _ring_angle(points: np.ndarray, body: ArmBody) -> np.ndarray:
    """Angle on the tube's ellipse (0 .. 2pi from +x towards +z) of points near the tube."""
    ax, az, cz = body.tube_profile(points[:, 1])
    return np.mod(np.arctan2((points[:, 2] - cz) / az, points[:, 0] / ax), 2.0 * np.pi)


def _zip_rings(ring: np.ndarray, loop: np.ndarray, verts: np.ndarray, body: ArmBody) -> np.ndarray:
    """Triangle strip between two closed, star-shaped loops: `ring` below, `loop` above (ids)."""
    return zip_loops(ring, loop, _ring_angle(verts[ring], body), _ring_angle(verts[loop], body))


def _chain_weights(chain: Chain, p: np.ndarray) -> np.ndarray:
    """(N, len(chain.joints)) partition of unity along a straight chain, smooth across each joint."""
    s = (p - chain.origin) @ chain.axis
    steps = np.stack(
        [smoothstep((s - st + h) / (2.0 * h)) for st, h in zip(chain.stations, chain.blends, strict=False)], axis=1
    )
    steps = np.minimum.accumulate(steps, axis=1)  # keep the partition monotone if blends overlap
    upper = np.concatenate([np.ones((len(p), 1)), steps], axis=1)
    lower = np.concatenate([steps, np.zeros((len(p), 1))], axis=1)
    return upper - lower


def _skin_weights(body: ArmBody, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Top-4 joint indices and normalised weights per vertex, and (for the skin detail) each vertex's
    nearest digit (index into DIGITS) and how much it belongs to that digit rather than the palm.

    The arm side blends upper_arm -> forearm across the elbow, and forearm -> forearm_twist linearly
    up to mid-forearm so pronation twists the skin progressively; across the wrist it hands over to the
    hand side. On the hand, each vertex belongs softly to the palm and to its nearest digit only (so a
    finger never follows its neighbour): digits use their own chain, the palm blends into the proximal
    phalanges near the knuckles with a lateral share between neighbouring knuckles.
    """
    idx = body.idx
    n_joints = len(body.skeleton.names)
    w = np.zeros((len(p), n_joints))
    y = p[:, 1]

    elbow = smoothstep((y - body.elbow_y + _ELBOW_BLEND * body.girth) / (2 * _ELBOW_BLEND * body.girth))
    twist = np.clip((y - body.elbow_y) / (body.twist_y - body.elbow_y), 0.0, 1.0)
    wrist = smoothstep((y - body.wrist_y + _WRIST_BLEND * body.sy) / (2 * _WRIST_BLEND * body.sy))
    arm_share = 1.0 - wrist
    w[:, idx["upper_arm"]] = arm_share * (1.0 - elbow)
    w[:, idx["forearm"]] = arm_share * elbow * (1.0 - twist)
    w[:, idx["forearm_twist"]] = arm_share * elbow * twist

    comps = body.components(p)
    digit_d = np.stack([comps[d] for d in DIGITS], axis=1)
    nearest = np.argmin(digit_d, axis=1)
    d_digit = digit_d[np.arange(len(p)), nearest]
    digit_share = smoothstep((comps["palm"] - d_digit + _REGION_BLEND) / (2.0 * _REGION_BLEND))
    palm_share = 1.0 - digit_share

    # Palm: the knuckle region follows the proximal phalanges, shared between neighbouring knuckles.
    q = body.to_hand(p)
    fingers = [body.chains[f] for f in FINGERS]
    knuckle_radial = np.array([body.to_hand(c.origin[None])[0, 0] for c in fingers])  # index .. little
    order = np.argsort(knuckle_radial)
    lateral = np.zeros((len(p), len(fingers)))
    for rank, f in enumerate(order):  # hat functions over the knuckles' radial positions
        one_hot = np.zeros(len(fingers))
        one_hot[rank] = 1.0
        lateral[:, f] = np.interp(q[:, 0], knuckle_radial[order], one_hot)
    palm_w = np.zeros((len(p), n_joints))
    taken = np.zeros(len(p))
    for f, chain in enumerate(fingers):
        share = lateral[:, f] * _chain_weights(chain, p)[:, 1:].sum(axis=1)
        palm_w[:, chain.joints[1]] = share
        taken += share
    palm_w[:, idx["wrist"]] = 1.0 - taken

    digit_w = np.zeros((len(p), n_joints))
    for k, digit in enumerate(DIGITS):
        mine = nearest == k
        if mine.any():
            chain = body.chains[digit]
            digit_w[np.ix_(mine, chain.joints)] = _chain_weights(chain, p[mine])

    hand = palm_share[:, None] * palm_w + digit_share[:, None] * digit_w
    w += wrist[:, None] * hand
    indices, weights = top4(w)
    return indices, weights, nearest, digit_share


def _nail_weights(body: ArmBody, p: np.ndarray) -> np.ndarray:
    """Per-vertex nail weight: a nail on the back of each distal phalanx, ending short of the tip."""
    nail = np.zeros(len(p))
    edge = NAIL_EDGE * body.sx
    for digit in DIGITS:
        distal, tip = body.idx[f"{digit}_distal"], body.idx[f"{digit}_tip"]
        frame = body.frames[distal]  # +Y along the phalanx, +Z palmar
        local = (p - body.positions[distal]) @ frame
        length = float((body.positions[tip] - body.positions[distal]) @ frame[:, 1])
        end = length - _NAIL_TIP_GAP * body.sx
        start = end - _NAIL_LENGTH * length
        # The digit's half-width under the nail, from the last cone's radii.
        _, _, r_dip, r_tip = np.array(FINGER_RADII[digit]) * body.sx
        along = np.clip(local[:, 1] / length, 0.0, 1.0)
        half_width = _NAIL_WIDTH * (r_dip + (r_tip - r_dip) * along)
        near = (np.abs(local[:, 0]) < 2.0 * r_dip) & (np.abs(local[:, 2]) < 2.0 * r_dip)
        nail = np.maximum(nail, np.where(near, nail_weight(local, start, end, half_width, edge), 0.0))
    return nail
