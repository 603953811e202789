"""Correcting MediaPipe's systematic hand-landmark biases, once, where its landmarks enter vrtherapy.

MediaPipe's 3D hand ("world") landmarks are regressed from one image and pulled towards an average,
half-open hand: bent fingers come out straighter than they are, most at the middle and end joints.
Measured on `../shared/data/motion/handpose3d` (two calibrated cameras; MediaPipe's 2D landmarks of both
triangulated into a reference hand, 360 frames of a pointing and relaxing right hand): the bend of the
middle (PIP) and end (DIP) finger joints is under-read by a factor of about 1.3 and 1.5 (least-squares
slope through the origin, either camera), the knuckles' (MCP) and the thumb's roughly right. On
InterHand2.6M's motion-capture ground truth (`hands/interhand/image2017.jpg`, a closed fist) the same
pattern shows at the PIP and DIP. With these gains the mean error of the fingers' total bend against the
triangulated reference falls from 40 to 28 degrees (the camera seeing the palm side).

Depth compression (MediaPipe flattening the hand along the camera's axis) was looked for on the same
triangulated frames and did not show: the ratio of depth spread to image-plane spread, reference over
MediaPipe, has a median of 0.87 (and 0.63 on the InterHand ground truth of `image29590.jpg`). Where depth
reads flat, it is the bent joints that read straight, which the bend gains restore. `DEPTH_GAIN` (a
stretch of camera z about the wrist) is therefore 1; the hook stays for a camera where it is measured.

The correction re-bends each digit's chain: segment lengths are kept, every bend keeps its axis, and its
angle is multiplied by the joint's gain (never past `MAX_BEND_DEG`). Straight fingers stay straight
(a zero bend times any gain is zero), so an open hand stays open. All 5 digits are corrected at once
(vectorised over digits; the three joints of a chain compose by two matrix products).

Corrected here, at the tracker edge, so the filter, the mirror, the retargeter and every consumer
(`track --json`, rep counting, the drawn hand) see one consistent hand, and other trackers (a headset's
hand tracking, which does not have this bias) are not touched.
"""

from __future__ import annotations

import numpy as np

#: Digit chains in MediaPipe's 21-landmark order: wrist, then base, middle, end joint and tip.
CHAINS = np.array([[0, 1, 2, 3, 4], [0, 5, 6, 7, 8], [0, 9, 10, 11, 12], [0, 13, 14, 15, 16], [0, 17, 18, 19, 20]])
#: Gain on the bend at (base joint, middle joint, end joint) per digit (thumb first).
#: Thumb: CMC, MCP, IP; fingers: MCP, PIP, DIP.
BEND_GAIN = np.array([[1.0, 1.0, 1.15]] + [[1.0, 1.4, 1.6]] * 4)
#: Depth (camera z) spread of MediaPipe's world landmarks relative to the true hand's.
DEPTH_GAIN = 1.0
#: Bends up to this read right (a straight finger's landmark noise, a relaxed finger's slight bend);
#: beyond it, the gain applies to the excess.
UNBIASED_BELOW_DEG = 15.0
#: No corrected bend goes past this (a finger joint's bend never exceeds about 110 degrees).
MAX_BEND_DEG = 115.0


def _axis_angle_matrices(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(..., 3) unit axes and (...) angles -> (..., 3, 3) rotation matrices (Rodrigues)."""
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    c, s = np.cos(angle), np.sin(angle)
    t = 1.0 - c
    m = np.empty(angle.shape + (3, 3))
    m[..., 0, 0], m[..., 0, 1], m[..., 0, 2] = c + x * x * t, x * y * t - z * s, x * z * t + y * s
    m[..., 1, 0], m[..., 1, 1], m[..., 1, 2] = y * x * t + z * s, c + y * y * t, y * z * t - x * s
    m[..., 2, 0], m[..., 2, 1], m[..., 2, 2] = z * x * t - y * s, z * y * t + x * s, c + z * z * t
    return m


def correct_hand(world: np.ndarray, gain: np.ndarray = BEND_GAIN, depth_gain: float = DEPTH_GAIN) -> np.ndarray:
    """(21, 3) MediaPipe world landmarks (camera axes, metres) -> the corrected (21, 3) landmarks."""
    points = np.array(world, dtype=float)
    if depth_gain != 1.0:
        points[:, 2] = points[0, 2] + (points[:, 2] - points[0, 2]) * depth_gain
    chain = points[CHAINS]  # (5, 5, 3)
    segments = chain[:, 1:] - chain[:, :-1]  # (5, 4, 3): metacarpal, then the three moving segments
    lengths = np.sqrt((segments * segments).sum(axis=2, keepdims=True))
    directions = segments / np.maximum(lengths, 1e-9)
    before, after = directions[:, :-1], directions[:, 1:]  # (5, 3, 3): the bend at each joint
    axis = np.cross(before, after)
    sine = np.sqrt((axis * axis).sum(axis=2))
    bend = np.arctan2(sine, (before * after).sum(axis=2))  # (5, 3)
    axis = axis / np.maximum(sine, 1e-12)[..., None]
    extra = np.minimum((gain - 1.0) * np.maximum(bend - np.radians(UNBIASED_BELOW_DEG), 0.0),
                       np.radians(MAX_BEND_DEG) - bend)
    extra = np.where(sine > 1e-9, extra, 0.0)
    q = _axis_angle_matrices(axis, extra)  # (5, 3, 3, 3): the added bend per joint
    # A joint's added bend turns every segment beyond it: compose along the chain.
    turns = np.empty_like(q)
    turns[:, 0] = q[:, 0]
    turns[:, 1] = turns[:, 0] @ q[:, 1]
    turns[:, 2] = turns[:, 1] @ q[:, 2]
    turned = np.einsum("dkij,dkj->dki", turns, directions[:, 1:])
    new_segments = np.concatenate([segments[:, :1], turned * lengths[:, 1:]], axis=1)
    positions = chain[:, :1] + np.cumsum(new_segments, axis=1)  # (5, 4, 3): joints after the wrist
    points[CHAINS[:, 1:]] = positions
    return points
