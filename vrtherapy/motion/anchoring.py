"""Anchoring the virtual limb at the residual limb (stump) instead of at the mirrored position.

When the residual limb is tracked (a webcam sees the affected shoulder and elbow, or a tracker is
strapped to the stump), the virtual limb should grow out of it: the part above the amputation follows
the residual limb, and the missing part is the mirrored intact limb, turned rigidly about the joint
where it attaches so that it continues the residual segment. The attaching joint sits a whole segment
length (the patient's, from calibration) along the residual segment, as the missing joint would.

Levels: `forearm` (below the elbow: the hand is missing), `upper_arm` (above the elbow), `shank`
(below the knee: the foot is missing), `thigh` (above the knee).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from vrtherapy.motion.rotations import normalize
from vrtherapy.tracking.sample import TrackedSample

AmputationLevel = Literal["forearm", "upper_arm", "shank", "thigh"]


@dataclass(frozen=True)
class _Level:
    limb: str
    tracked: tuple[int, ...]  #: points taken from the residual limb
    parent: int  #: the residual segment runs from this point ...
    stump_end: int  #: ... to the end of the stump (tracked at this point's index)
    segment: str  #: the dimension giving the segment's full length
    residual_joints: tuple[str, ...]  #: skeleton joints that belong to the residual limb


LEVELS: dict[str, _Level] = {
    "forearm": _Level("arm", (0, 1), 1, 2, "forearm", ("upper_arm", "forearm")),
    "upper_arm": _Level("arm", (0,), 0, 1, "upper_arm", ("upper_arm",)),
    "shank": _Level("leg", (0, 1), 1, 2, "shank", ("thigh", "shank")),
    "thigh": _Level("leg", (0,), 0, 1, "thigh", ("thigh",)),
}


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction a to direction b (Rodrigues).

    Written out rather than scipy's `Rotation.align_vectors` (tens of microseconds a call): it runs every
    frame of an anchored limb, inside the pose pipeline's 0.2 ms budget."""
    a, b = normalize(a), normalize(b)
    v = np.cross(a, b)
    c = float(a @ b)
    if c < -1.0 + 1e-9:  # opposite: half a turn about any axis perpendicular to a
        axis = normalize(np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0]))
        return 2.0 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


def anchor_at_stump(mirrored: TrackedSample, residual: TrackedSample, level: AmputationLevel,
                    segment_length: float) -> TrackedSample:  # fmt: skip
    """`mirrored` (the intact limb reflected onto the affected side) attached to the tracked
    `residual` limb, for an amputation at `level`; `segment_length` is the full length of the
    segment the stump belongs to."""
    spec = LEVELS[level]
    if mirrored.limb != spec.limb or residual.side != mirrored.side:
        raise ValueError(f"a {level} stump anchors a {spec.limb} on the same side")
    parent_res = residual.points[spec.parent]
    direction = residual.points[spec.stump_end] - parent_res
    joint = parent_res + segment_length * normalize(direction)
    turn = rotation_between(mirrored.points[spec.stump_end] - mirrored.points[spec.parent], direction)
    points = (mirrored.points - mirrored.points[spec.stump_end]) @ turn.T + joint
    tracked = list(spec.tracked)
    points[tracked] = residual.points[tracked]
    return mirrored.replace(points=points)
