"""Hinge creases: which joint's fold each vertex lies beside, and keeping the skin out of the fold.

Blended skinning (linear or dual-quaternion) lets the inner skin of a strongly bent joint pass
through itself: in a fist the palmar skin of each finger sinks into the palm and into the phalanx
before it, and the elbow and knee do the same at full flexion. Real skin cannot: it folds into a
crease along the plane that bisects the bend. So every vertex near a hinge joint is tagged with that
joint and its side (`hinge_tags`), and after skinning a vertex that has crossed the bisecting plane to
the other side is put back onto it (`clamp_to_hinges`; the same arithmetic runs in
`render/shaders/skin.vert.glsl`). Far from the fold, or on the outer side of the bend, nothing moves.

The plane is the joint's rest fold plane turned by half of each bone's rotation: its normal is the
child bone's rotation of one rest direction plus the parent bone's rotation of another. Where the two
bones are in line at rest (elbow, knee, fingers) these are the bones' own long axes, and the rest plane
lies across the joint. The ankle is not in line at rest: the foot points forward from a vertical shank,
and the sum of the two axes would put a 45-degree plane through the ankle, on the wrong side of which lies
the front of the lower shin and the top of the foot even standing still (they were flattened onto it: a
hard line across the shin 5 cm above the ankle). So for the leg both terms use the direction across
which the skin weights split (`FOLD_AXIS`): at rest the plane is where shank skin meets foot skin, and no
vertex moves until the joint bends.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.limbs.leg_body import _BALL_OBLIQUITY
from vrtherapy.motion.skeleton import Skeleton

#: Joints that fold like hinges (the joint is the named bone's origin; its parent bone is the other side).
HINGE_JOINTS = {
    "arm": ("forearm", "wrist", "thumb_metacarpal", "thumb_proximal", "thumb_distal")
    + tuple(f"{f}_{s}" for f in ("index", "middle", "ring", "little") for s in ("proximal", "intermediate", "distal")),
    "leg": ("shank", "foot", "toes"),
}
#: Per leg hinge: whose rest long axis is the normal of the rest fold plane (the direction the skin
#: weights split along in `leg_mesh._skin_weights`): the knee and ankle split by depth down the leg, the
#: toes along the toes, on a joint line further back on the outer side (`_BALL_OBLIQUITY`). Joints not
#: named here (the arm's) use each bone's own axis.
FOLD_AXIS = {"leg": {"shank": "parent", "foot": "parent", "toes": "child"}}
REACH = 0.6  #: a vertex is tied to a hinge within this share of the shorter bone beside it
GAP = 0.0003  #: clamped skin stays this far (m) on its own side of the plane


def _skinned_ancestor(skeleton: Skeleton, bone: int, skinned: np.ndarray) -> int:
    while bone >= 0 and not skinned[bone]:
        bone = int(skeleton.parents[bone])
    return bone


def hinge_tags(skeleton: Skeleton, vertices: np.ndarray, joint_indices: np.ndarray, joint_weights: np.ndarray
               ) -> np.ndarray:  # fmt: skip
    """(V,) float per vertex: (hinge joint index + 1) times its side (+1: the bone beyond the joint,
    -1: the bone before it), or 0 for no hinge."""
    _, positions = skeleton.rest_globals
    dominant = joint_indices[:, 0]
    skinned = np.zeros(len(skeleton.names), bool)
    skinned[np.unique(dominant)] = True
    children = {j: [c for c in range(len(skeleton.names)) if skeleton.parents[c] == j] for j in range(len(skeleton.names))}
    best = np.full(len(vertices), np.inf)
    tags = np.zeros(len(vertices))
    for name in HINGE_JOINTS[skeleton.limb]:
        h = skeleton.index(name)
        parent = int(skeleton.parents[h])
        child_len = min((np.linalg.norm(positions[c] - positions[h]) for c in children[h]), default=0.05)
        reach = REACH * min(float(np.linalg.norm(positions[h] - positions[parent])), float(child_len))
        beyond = {h} | _descendants(children, h)
        before = _skinned_ancestor(skeleton, parent, skinned)
        distance = np.linalg.norm(vertices - positions[h], axis=1)
        on_child = np.isin(dominant, list(beyond)) & ~np.isin(dominant, [d for c in children[h] for d in
                                                                          _hinge_subtrees(skeleton, children, c)])
        on_parent = dominant == before
        for side, mine in ((1.0, on_child), (-1.0, on_parent)):
            take = mine & (distance < reach) & (distance < best)
            tags = np.where(take, side * (h + 1), tags)
            best = np.where(take, distance, best)
    return tags


def _descendants(children: dict[int, list[int]], j: int) -> set[int]:
    out: set[int] = set()
    for c in children[j]:
        out |= {c} | _descendants(children, c)
    return out


def _hinge_subtrees(skeleton: Skeleton, children: dict[int, list[int]], j: int) -> set[int]:
    """Bones at and below the next hinge joint down from j (they belong to that hinge, not this one)."""
    if skeleton.names[j] in HINGE_JOINTS[skeleton.limb]:
        return {j} | _descendants(children, j)
    out: set[int] = set()
    for c in children[j]:
        out |= _hinge_subtrees(skeleton, children, c)
    return out


def hinge_tables(skeleton: Skeleton) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per joint h, as the shader takes them: rest position (J, 3); the rest directions (J, 3) that the
    joint's own bone and its parent bone turn into the halves of the fold plane's normal; parent index (J,)."""
    frames, positions = skeleton.rest_globals
    parents = np.maximum(skeleton.parents, 0)
    axes = frames[:, :, 1]
    child_axis, parent_axis = axes.copy(), axes[parents].copy()
    for name, whose in FOLD_AXIS.get(skeleton.limb, {}).items():
        h = skeleton.index(name)
        child_axis[h] = parent_axis[h] = axes[parents[h]] if whose == "parent" else axes[h]
    if skeleton.limb == "leg":  # the ball's joint line is oblique (lateral is +x on the right leg, -x on the left)
        lateral = np.array([1.0 if skeleton.side == "right" else -1.0, 0.0, 0.0])
        toes = skeleton.index("toes")
        child_axis[toes] = parent_axis[toes] = child_axis[toes] + _BALL_OBLIQUITY * lateral
    return positions.copy(), child_axis, parent_axis, parents.astype(float)


def clamp_to_hinges(posed: np.ndarray, tags: np.ndarray, skinning_matrices: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Posed vertices with any that crossed their hinge's bisecting plane put back on it."""
    rest_pos, child_axis, parent_axis, parents = hinge_tables(skeleton)
    tagged = np.flatnonzero(tags != 0)
    h = np.abs(tags[tagged]).astype(int) - 1
    side = np.sign(tags[tagged])
    child = skinning_matrices[h]
    parent = skinning_matrices[parents.astype(int)[h]]
    centre = np.einsum("vij,vj->vi", child[:, :3, :3], rest_pos[h]) + child[:, :3, 3]
    normal = np.einsum("vij,vj->vi", child[:, :3, :3], child_axis[h]) + np.einsum(
        "vij,vj->vi", parent[:, :3, :3], parent_axis[h])
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    s = np.einsum("vi,vi->v", posed[tagged] - centre, normal) * side
    push = np.minimum(s - GAP, 0.0) * side
    out = posed.copy()
    out[tagged] -= push[:, None] * normal
    return out
