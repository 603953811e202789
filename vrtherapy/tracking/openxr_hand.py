"""OpenXR hand tracking (XR_EXT_hand_tracking) joints -> the tracker's arm landmark layout.

OpenXR reports 26 joints per hand in its own frame (Y up, -Z forward) in the order of
`XrHandJointEXT`. Twenty-one of them are the joints MediaPipe reports (OpenXR adds the palm centre and
the four finger metacarpal bases), so a hand seen by a headset drives the same retargeting as a hand
seen by a webcam. Pure numpy: the code that talks to the runtime lives in `vrtherapy/xr/`.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.frames import openxr_points_to_world
from vrtherapy.tracking.sample import ARM_POINTS, HAND_OFFSET

FINGER_NAMES = ("index", "middle", "ring", "little")  # OpenXR's finger names, as the skeleton uses

#: XrHandJointEXT order (XR_HAND_JOINT_PALM_EXT = 0 ... XR_HAND_JOINT_LITTLE_TIP_EXT = 25); the names
#: are the limb skeleton's joint names.
XR_HAND_JOINTS: tuple[str, ...] = (
    ("palm", "wrist", "thumb_metacarpal", "thumb_proximal", "thumb_distal", "thumb_tip")
    + tuple(f"{f}_{s}" for f in FINGER_NAMES for s in ("metacarpal", "proximal", "intermediate", "distal", "tip"))
)

#: For each MediaPipe hand landmark (0..20), the OpenXR joint at the same place.
MEDIAPIPE_FROM_XR: np.ndarray = np.array(
    [XR_HAND_JOINTS.index(n) for n in ("wrist", "thumb_metacarpal", "thumb_proximal", "thumb_distal", "thumb_tip")]
    + [XR_HAND_JOINTS.index(f"{f}_{s}") for f in FINGER_NAMES for s in ("proximal", "intermediate", "distal", "tip")]
)


def arm_points_from_openxr(joint_positions_xr: np.ndarray, joint_valid: np.ndarray, shoulder: np.ndarray,
                           elbow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(26, 3) OpenXR hand joint positions (metres, OpenXR frame) and validity flags, plus the
    shoulder and elbow (world frame: measured by a tracker or estimated from the head) ->
    (24, 3) world-frame arm landmarks and their (24,) validity."""
    hand = openxr_points_to_world(np.asarray(joint_positions_xr, float)[MEDIAPIPE_FROM_XR])
    points = np.empty((len(ARM_POINTS), 3))
    points[0], points[1] = shoulder, elbow
    points[2] = hand[0]  # the body-pose wrist is the hand's wrist
    points[HAND_OFFSET:] = hand
    valid = np.empty(len(ARM_POINTS), bool)
    valid[:2] = np.isfinite(shoulder).all(), np.isfinite(elbow).all()
    hand_valid = np.asarray(joint_valid, bool)[MEDIAPIPE_FROM_XR]
    valid[2] = hand_valid[0]
    valid[HAND_OFFSET:] = hand_valid
    return points, valid
