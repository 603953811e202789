"""The calibrated finger flexion scale: 0 = anatomically straight, 1 = fully curled, 0.5 between.

Computed here, and only here, from the retargeted joint angles (the skeleton's anatomical conventions,
`motion/skeleton.py`; not from a landmark ratio): per digit, the flexion of its three joints summed
over the flexion those joints take in a full curl,

    flexion = clip( (f_base + f_middle + f_end) / (F_base + F_middle + F_end), 0, 1 )

with F the joints' anatomical flexion range from neutral to a closed fist (`FULL_CURL_DEG`):

  * fingers: knuckle (MCP) 80, middle joint (PIP) 95, end joint (DIP) 60 degrees: the joint positions
    of a closed fist in goniometry norms (active MCP 0-90, PIP 0-100/110, DIP 0-70/90; in a fist
    the joints stop short of their limits because the fingertips meet the palm). InterHand2.6M's
    motion-capture ground truth of a closed fist in `../shared/data` measures 63, 78 and 46 degrees
    on average, which reads 0.80;
  * thumb: carpometacarpal (the metacarpal's flexion across the palm) 35, MCP 55, IP 70 degrees, the
    thumb of a fist folded over the fingers.

Hyperextension (negative flexion) counts against the sum, so a finger bent back reads 0. The scale is
linear in the angles (up to the clip), so a repetition counter can weigh angles with it directly
(`curl_weights`), and 0.5 separates extended from curled: `finger_states` calls a digit extended at
or below `EXTENDED_AT_MOST`, curled at or above `CURLED_AT_LEAST`, and in between otherwise.

MediaPipe's under-reading of bent joints is corrected where its landmarks come in
(`tracking/mediapipe_bias.py`), not here: the scale is the same for every tracker.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from vrtherapy.motion.skeleton import FINGERS, Skeleton

DIGITS: tuple[str, ...] = ("thumb",) + FINGERS
#: Flexion of each digit's three joints in a full curl (degrees): thumb CMC, MCP, IP; fingers MCP, PIP, DIP.
FULL_CURL_DEG: dict[str, tuple[float, float, float]] = {"thumb": (35.0, 55.0, 70.0),
                                                        **dict.fromkeys(FINGERS, (75.0, 90.0, 60.0))}  # fmt: skip
#: A digit at or below this is extended, at or above CURLED_AT_LEAST curled (0.5 is the boundary).
EXTENDED_AT_MOST, CURLED_AT_LEAST = 0.4, 0.6
CURL_BOUNDARY = 0.5

HandShape = Literal["open", "fist", "pointing", "thumb_up", "other"]


def digit_joint_names(digit: str) -> tuple[str, str, str]:
    """The three joints whose flexion makes `digit`'s curl."""
    if digit == "thumb":
        return ("thumb_metacarpal", "thumb_proximal", "thumb_distal")
    return (f"{digit}_proximal", f"{digit}_intermediate", f"{digit}_distal")


def full_curl_sum_deg(digit: str) -> float:
    """Degrees of flexion summed over the digit's joints in a full curl (the scale's 1)."""
    return float(sum(FULL_CURL_DEG[digit]))


def _digit_joints(skeleton: Skeleton) -> np.ndarray:
    return np.array([[skeleton.index(n) for n in digit_joint_names(d)] for d in DIGITS])


_FULL_CURL_RAD = np.radians([full_curl_sum_deg(d) for d in DIGITS])


def finger_curl(skeleton: Skeleton, angles: np.ndarray) -> np.ndarray:
    """(5,) flexion on the calibrated scale per digit (thumb, index, middle, ring, little) for (J, 3)
    joint angles in radians; also (T, J, 3) -> (T, 5)."""
    flexion = np.asarray(angles)[..., _digit_joints(skeleton), 0]  # (..., 5, 3)
    return np.clip(flexion.sum(axis=-1) / _FULL_CURL_RAD, 0.0, 1.0)


def finger_states(curl: np.ndarray) -> str:
    """One letter per digit: E extended, C curled, ~ in between (thumb first)."""
    return "".join("E" if c <= EXTENDED_AT_MOST else "C" if c >= CURLED_AT_LEAST else "~" for c in curl)


def hand_shape(curl: np.ndarray) -> HandShape:
    """open (all fingers extended), fist, pointing (index only) or thumb_up; the thumb is not required
    for open, fist or pointing, where people hold it in different ways."""
    fingers = "".join("E" if c < CURL_BOUNDARY else "C" for c in curl[1:])
    thumb_extended = curl[0] <= EXTENDED_AT_MOST
    if fingers == "EEEE":
        return "open"
    if fingers == "ECCC":
        return "pointing"
    if fingers == "CCCC":
        return "thumb_up" if thumb_extended else "fist"
    return "other"


_CHAINS = np.array([[0, 1, 2, 3, 4], [0, 5, 6, 7, 8], [0, 9, 10, 11, 12], [0, 13, 14, 15, 16], [0, 17, 18, 19, 20]])
_FULL_CURL_DEG_ARRAY = np.array([full_curl_sum_deg(d) for d in DIGITS])


def planar_finger_curl(points_2d: np.ndarray) -> np.ndarray:
    """The same scale from 2D hand landmarks alone, (..., 21, 2) in MediaPipe's order -> (..., 5).

    Each digit's bend is measured in the image plane: the signed turn between consecutive segments
    (wrist to base joint, then the three phalanges), summed over the three joints; its magnitude (a
    hand seen from the palm turns the other way from one seen from the back) over the full-curl sum.
    A straight finger projects to a straight line from any view, so an open hand reads near 0; a
    curled one turns by about the same total in projection whenever its flexion plane faces the camera.
    A finger curling straight towards the camera foreshortens instead of turning and reads low: the 2D
    value is a cross-check and a measure for 2D-only data, not a replacement for the 3D one.
    """
    p = np.asarray(points_2d, float)
    segments = np.diff(p[..., _CHAINS, :], axis=-2)  # (..., 5, 4, 2)
    a, b = segments[..., :-1, :], segments[..., 1:, :]
    turn = np.arctan2(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], (a * b).sum(axis=-1))
    return np.clip(np.degrees(np.abs(turn.sum(axis=-1))) / _FULL_CURL_DEG_ARRAY, 0.0, 1.0)
