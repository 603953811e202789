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
Fists agree: on HaGRID's r2_c3 (knuckles to the camera, the proximal phalanges along its axis) those
phalanges are as long relative to the palm as in the open hand of r2_c5 (index 0.34 against 0.33), so
a curled finger is not foreshortened either. What a fist does get wrong is how a closing finger's bend
splits among its joints; that is placed after retargeting (`motion/finger_closing.py`).

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
from scipy.spatial.transform import Rotation

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
#: Thumb and index tips this close across the image (palm lengths: wrist to middle knuckle), and this
#: close in 3D, touch (`close_pinch`).
PINCH_IMAGE_GAP, PINCH_MAX_GAP = 0.3, 1.0
#: No corrected bend goes past this (a finger joint's bend never exceeds about 110 degrees).
MAX_BEND_DEG = 115.0


def _axis_angle_matrices(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(..., 3) unit axes and (...) angles -> (..., 3, 3) rotation matrices."""
    rotvecs = (np.asarray(axis, float) * np.asarray(angle, float)[..., None]).reshape(-1, 3)
    return Rotation.from_rotvec(rotvecs).as_matrix().reshape(np.shape(angle) + (3, 3))


def correct_hand(world: np.ndarray, gain: np.ndarray = BEND_GAIN, depth_gain: float = DEPTH_GAIN) -> np.ndarray:
    """(21, 3) MediaPipe world landmarks (camera axes, metres) -> the corrected (21, 3) landmarks."""
    return close_pinch(rebend(world, gain, depth_gain))


def close_pinch(world: np.ndarray) -> np.ndarray:
    """Thumb and index tips that meet in the image are taken to touch (a pinch, an "O").

    Along the camera's axis one image cannot tell a touching pair of fingertips from one a few
    centimetres behind the other, and MediaPipe's depth guess often puts the thumb tip there (the OK
    sign in `people/hagrid/hagrid_samples_r1_c1.jpg`: 1.5 cm apart across the image, 7 cm in depth).
    When the tips are within `PINCH_IMAGE_GAP` palm lengths across the image and `PINCH_MAX_GAP` in
    3D, the thumb (its three segments as one, about its base) is turned so its tip points at the index
    tip: the segment lengths stay, the fingers are untouched.
    """
    p = world
    palm = float(np.linalg.norm(p[9] - p[0]))
    across = float(np.linalg.norm(p[4, :2] - p[8, :2]))
    if palm <= 0 or across > PINCH_IMAGE_GAP * palm or np.linalg.norm(p[4] - p[8]) > PINCH_MAX_GAP * palm:
        return p
    a, b = p[4] - p[1], p[8] - p[1]
    axis = np.cross(a, b)
    sine = float(np.linalg.norm(axis))
    if sine < 1e-12:
        return p
    angle = np.arctan2(sine, float(a @ b))
    turn = _axis_angle_matrices(axis / sine, np.array(angle))
    out = p.copy()
    out[2:5] = p[1] + (p[2:5] - p[1]) @ turn.T
    return out


def rebend(world: np.ndarray, gain: np.ndarray = BEND_GAIN, depth_gain: float = DEPTH_GAIN) -> np.ndarray:
    """The bend gains (and depth gain) of the module's docstring."""
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
