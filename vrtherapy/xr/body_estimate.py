"""The shoulder and elbow a headset does not track, estimated from the head and the tracked hand.

A headset tracks the head and the hands (or controllers) only; the tracker sample also needs the
shoulder and elbow. The shoulder hangs at a fixed offset below and beside a seated patient's head
(turned with the head's heading, not its pitch); the elbow solves the two-bone chain shoulder ->
wrist with the patient's segment lengths: of the elbows that fit, the one where the hand's own long
axis points (the forearm continues the hand), else one bending downwards and slightly outwards as a
relaxed arm does. Pure numpy, world frame (frames.py).
"""

from __future__ import annotations

import numpy as np

from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.tracking.sample import Side

#: Shoulder joint relative to the eyes of an upright adult, in the head's heading frame
#: (x to the patient's right, y forward, z up), metres.
SHOULDER_FROM_EYES = np.array([0.18, -0.07, -0.24])


def shoulder_from_head(head_position: np.ndarray, head_rotation: np.ndarray, side: Side) -> np.ndarray:
    forward = np.asarray(head_rotation, float)[:, 1].copy()
    forward[2] = 0.0
    if np.linalg.norm(forward) < 1e-6:  # looking straight down or up: fall back to the head's up axis
        forward = -np.asarray(head_rotation, float)[:, 2].copy()
        forward[2] = 0.0
    forward /= np.linalg.norm(forward) or 1.0
    right = np.array([forward[1], -forward[0], 0.0])
    offset = SHOULDER_FROM_EYES * np.array([1.0 if side == "right" else -1.0, 1.0, 1.0])
    return np.asarray(head_position, float) + offset[0] * right + offset[1] * forward + offset[2] * np.array([0, 0, 1.0])


def elbow_between(shoulder: np.ndarray, wrist: np.ndarray, dims: ArmDimensions, side: Side,
                  toward: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """The elbow of a shoulder -> wrist chain with the given upper arm and forearm lengths: of the
    circle of elbows that fit, the one nearest `toward` (e.g. behind the hand, along its long axis),
    else the one that hangs down and slightly out."""
    shoulder, wrist = np.asarray(shoulder, float), np.asarray(wrist, float)
    a, b = dims.upper_arm, dims.forearm
    axis = wrist - shoulder
    reach = float(np.linalg.norm(axis))
    if reach < 1e-6:
        return shoulder + np.array([0.0, 0.0, -a])
    axis /= reach
    d = min(max(reach, abs(a - b) + 1e-6), a + b - 1e-6)  # out of reach: straight arm
    along = (a * a - b * b + d * d) / (2 * d)
    radius = np.sqrt(max(a * a - along * along, 0.0))
    outward = np.array([1.0 if side == "right" else -1.0, 0.0, 0.0])
    bend = np.array([0.0, 0.0, -1.0]) + 0.4 * outward  # elbows hang down and a little out
    if toward is not None:
        wanted = np.asarray(toward, float) - (shoulder + along * axis)
        wanted -= (wanted @ axis) * axis
        if np.linalg.norm(wanted) > 1e-3:
            bend = wanted
    bend -= (bend @ axis) * axis
    if np.linalg.norm(bend) < 1e-6:
        bend = outward - (outward @ axis) * axis
    bend /= np.linalg.norm(bend)
    return shoulder + along * axis + radius * bend


def behind_hand(wrist: np.ndarray, knuckles: np.ndarray, forearm: float) -> np.ndarray:
    """Where the elbow would be if the forearm continued the hand's long axis straight back."""
    back = np.asarray(wrist, float) - np.asarray(knuckles, float)
    return np.asarray(wrist, float) + forearm * back / (np.linalg.norm(back) or 1.0)
