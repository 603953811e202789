"""The closed fist, defined once: the joint angles every part of vrtherapy draws or aims at for a fist.

Read by the screenshots (`render/screenshots.py`), the headset's controller hand (`xr/controller_hand.py`),
the synthetic patient's fist exercise (`therapy/synthetic_patient.py`) and the closing of a finger tracked
from a camera image (`motion/finger_closing.py`), so a fist looks the same whichever of them produced it.

The angles were fitted on the posed mesh (`limbs/`, tests in `tests/test_hand_shapes.py`): the knuckles
square to the palm so the proximal phalanges' backs make the fist's flat front, the fingertips on the
palm's skin (within 2 mm), and the thumb folded across the back of the index finger's middle phalanx with
its pad on it, not in it. They lie within the goniometry norms of a closed fist (MCP 85-90, PIP 95-105,
DIP 60-70 degrees).
"""

from __future__ import annotations

import numpy as np

from vrtherapy.motion.skeleton import FINGERS

#: Per finger (knuckle MCP, middle joint PIP, end joint DIP) flexion in degrees.
FIST_FINGERS_DEG: dict[str, tuple[float, float, float]] = {
    "index": (90.0, 100.0, 70.0), "middle": (90.0, 105.0, 65.0), "ring": (90.0, 100.0, 65.0), "little": (85.0, 95.0, 62.0),
}  # fmt: skip
#: The thumb (base flexion, base deviation, middle joint, end joint) in degrees.
FIST_THUMB_DEG: tuple[float, float, float, float] = (0.0, 4.0, 58.0, 80.0)


def fist_finger_radians() -> np.ndarray:
    """(4, 3) radians: the fist's (MCP, PIP, DIP) flexion per finger in FINGERS order."""
    return np.radians([FIST_FINGERS_DEG[f] for f in FINGERS])


def set_fist(deg: np.ndarray, names: tuple[str, ...], weight: float = 1.0) -> np.ndarray:
    """(J, 3) degrees with the fingers and thumb moved `weight` (0..1) of the way to the fist (finger
    spread and thumb twist closing with them); a new array."""
    out = np.array(deg, dtype=float)
    w = float(np.clip(weight, 0.0, 1.0))
    index = {n: i for i, n in enumerate(names)}
    for finger in FINGERS:
        for joint, fist in zip(("proximal", "intermediate", "distal"), FIST_FINGERS_DEG[finger], strict=True):
            j = index[f"{finger}_{joint}"]
            out[j] += w * (np.array([fist, 0.0, 0.0]) - out[j])
    base, middle, end = index["thumb_metacarpal"], index["thumb_proximal"], index["thumb_distal"]
    flexion, deviation, middle_flexion, end_flexion = FIST_THUMB_DEG
    out[base] += w * (np.array([flexion, deviation, 0.0]) - out[base])
    out[middle] += w * (np.array([middle_flexion, 0.0, 0.0]) - out[middle])
    out[end] += w * (np.array([end_flexion, 0.0, 0.0]) - out[end])
    return out
