"""How curled each finger is, from a retargeted hand pose: 0 = straight, 1 = fully curled.

A finger's curl is the sum of its three joints' flexion over the sum of their anatomical maxima (the
skeleton's joint limits), so 1 means every joint at its limit and hyperextension reads as 0. The thumb
uses its metacarpal, proximal and distal joints the same way.

`finger_states` turns curls into extended / curled / in-between with a dead band between the two
thresholds, and `hand_shape` names the shapes the exercises and the labelled photographs use.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from vrtherapy.motion.skeleton import FINGERS, Skeleton

DIGITS: tuple[str, ...] = ("thumb",) + FINGERS
#: Curl at or below which a digit counts as extended, and at or above which it counts as curled.
#: MediaPipe's world landmarks under-read flexion (a tight fist reads about 0.6, a loosely curled
#: finger 0.35-0.5 on the labelled photographs and video in ../shared/data), hence the low values.
EXTENDED_AT_MOST, CURLED_AT_LEAST = 0.25, 0.35

HandShape = Literal["open", "fist", "pointing", "thumb_up", "other"]


def _digit_joints(skeleton: Skeleton) -> np.ndarray:
    thumb = [skeleton.index(f"thumb_{s}") for s in ("metacarpal", "proximal", "distal")]
    fingers = [[skeleton.index(f"{f}_{s}") for s in ("proximal", "intermediate", "distal")] for f in FINGERS]
    return np.array([thumb, *fingers])


def finger_curl(skeleton: Skeleton, angles: np.ndarray) -> np.ndarray:
    """(5,) curl per digit (thumb, index, middle, ring, little) for (J, 3) joint angles in radians."""
    joints = _digit_joints(skeleton)
    flexion = np.asarray(angles)[joints, 0]  # (5, 3)
    maximum = skeleton.limits[joints, 0, 1]
    return np.clip(flexion.sum(axis=1) / maximum.sum(axis=1), 0.0, 1.0)


def finger_states(curl: np.ndarray) -> str:
    """One letter per digit: E extended, C curled, ~ in between (thumb first)."""
    return "".join("E" if c <= EXTENDED_AT_MOST else "C" if c >= CURLED_AT_LEAST else "~" for c in curl)


def hand_shape(curl: np.ndarray) -> HandShape:
    """open (all fingers extended), fist, pointing (index only) or thumb_up; the thumb is not required
    for open, fist or pointing, where people hold it in different ways."""
    fingers = finger_states(curl)[1:]
    thumb_extended = curl[0] <= EXTENDED_AT_MOST
    if fingers == "EEEE":
        return "open"
    if fingers == "ECCC":
        return "pointing"
    if fingers == "CCCC":
        return "thumb_up" if thumb_extended else "fist"
    return "other"
