"""The leg + foot skeleton: hip, knee, ankle, heel, toes, with their limits (same conventions as the arm).

Designed for the right leg in its rest pose, standing straight: thigh and shank vertical, the foot
flat and pointing forward; the left leg is its reflection (`skeleton.assemble_skeleton`). Bone frames
follow `frames.py`: +Y along the segment, +Z on the side a positive flexion bends towards:

| joint  | flexion (+)              | deviation (+)            | twist (+)                 | limits (degrees: f / d / t) |
|--------|--------------------------|--------------------------|---------------------------|-----------------------------|
| thigh  | hip flexion (knee up)    | hip abduction            | hip internal rotation (R) | -20..120 / -30..45 / -45..45 |
| shank  | knee flexion             | fixed                    | fixed                     | 0..140                      |
| foot   | ankle dorsiflexion       | foot abduction (toes out)| inversion (sole inwards)  | -50..25 / -20..20 / -20..35 |
| toes   | toe flexion (curl)       | fixed                    | fixed                     | -60..40                     |
| heel, toes_tip | fixed end points (MediaPipe's heel and foot_index landmarks) |  |         |                             |

Seated, the hip and knee are both flexed about 90 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vrtherapy.motion.rotations import frame_from_y_and_z_hint
from vrtherapy.motion.skeleton import Skeleton, assemble_skeleton
from vrtherapy.tracking.sample import LEG_POINTS, Side

LEG_JOINTS: tuple[str, ...] = ("thigh", "shank", "foot", "heel", "toes", "toes_tip")

_LIMITS_DEG = {
    "thigh": ((-20, 120), (-30, 45), (-45, 45)),
    "shank": ((0, 140), (0, 0), (0, 0)),
    "foot": ((-50, 25), (-20, 20), (-20, 35)),
    "toes": ((-60, 40), (0, 0), (0, 0)),
}
_LANDMARK = {"thigh": "hip", "shank": "knee", "foot": "ankle", "heel": "heel", "toes_tip": "foot_index"}


@dataclass(frozen=True)
class LegDimensions:
    """Segment lengths of a leg in metres (defaults: an average adult)."""

    thigh: float = 0.43  #: hip joint to knee joint
    shank: float = 0.42  #: knee joint to ankle joint
    ankle_height: float = 0.075  #: ankle joint above the sole
    heel_back: float = 0.055  #: back of the heel behind the ankle joint
    foot_length: float = 0.26  #: back of the heel to the tip of the longest toe
    foot_breadth: float = 0.10  #: across the ball of the foot
    ball_fraction: float = 0.72  #: where the toes bend, as a fraction of the foot's length from the heel
    knee_width: float = 0.10  #: across the knee (inner to outer side) at the joint line; sizes the mesh's knee


def build_leg_skeleton(side: Side = "right", dims: LegDimensions | None = None) -> Skeleton[LegDimensions]:
    """The leg + foot skeleton for `side`, sized by `dims`; the root (hip joint) is at the origin."""
    dims = dims or LegDimensions()
    names = LEG_JOINTS
    idx = {n: i for i, n in enumerate(names)}
    pos = np.zeros((len(names), 3))
    frm = np.zeros((len(names), 3, 3))
    parents = [-1, idx["thigh"], idx["shank"], idx["foot"], idx["foot"], idx["toes"]]
    down, forward, up = np.array([0.0, 0.0, -1.0]), np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])

    pos[idx["thigh"]] = (0.0, 0.0, 0.0)
    frm[idx["thigh"]] = frame_from_y_and_z_hint(down, forward)  # front of the thigh: hip flexion
    pos[idx["shank"]] = (0.0, 0.0, -dims.thigh)
    frm[idx["shank"]] = frame_from_y_and_z_hint(down, -forward)  # back of the knee: knee flexion
    ankle = np.array([0.0, 0.0, -dims.thigh - dims.shank])
    heel = ankle + (0.0, -dims.heel_back, -dims.ankle_height)
    ball = heel + (0.0, dims.ball_fraction * dims.foot_length, 0.022)
    toe_tip = heel + (0.0, dims.foot_length, 0.012)
    pos[idx["foot"]] = ankle
    frm[idx["foot"]] = frame_from_y_and_z_hint(ball - ankle, up)  # top of the foot: dorsiflexion
    pos[idx["heel"]] = heel
    frm[idx["heel"]] = frm[idx["foot"]]
    pos[idx["toes"]] = ball
    frm[idx["toes"]] = frame_from_y_and_z_hint(toe_tip - ball, down)  # underside: toe curl
    pos[idx["toes_tip"]] = toe_tip
    frm[idx["toes_tip"]] = frm[idx["toes"]]
    landmarks = [LEG_POINTS.index(_LANDMARK[n]) if n in _LANDMARK else -1 for n in names]
    return assemble_skeleton("leg", side, names, parents, pos, frm, _LIMITS_DEG, landmarks, dims)
