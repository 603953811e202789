"""A hand seen without its arm (a close-up, a camera over the table): complete it into arm landmarks.

The retargeter needs the shoulder, elbow and wrist to place the hand. When only a hand is tracked, the
forearm and upper arm are put in the relaxed rest pose for that side (resting on the table) and the hand
is attached at the rest wrist, either as observed (`align=False`: its orientation in the world, so wrist
movements show) or turned so the palm lines up with the forearm (`align=True`: for measuring the fingers
on a photograph, where how the camera sat relative to the arm is unknown and would otherwise read as
wrist angles, clamped at the wrist's limits).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from vrtherapy.frames import SEATED_RIGHT_SHOULDER
from vrtherapy.motion.calibration import relaxed_arm_degrees
from vrtherapy.motion.kinematics import landmarks_from_pose
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.retarget import palm_frame
from vrtherapy.motion.skeleton import ArmDimensions, build_arm_skeleton
from vrtherapy.tracking.sample import ARM_POINTS, HAND_OFFSET, Side

#: Where the shoulder sits in the world for a patient seated at the table (the right side; x flips).
REST_RIGHT_SHOULDER = SEATED_RIGHT_SHOULDER


@lru_cache(maxsize=8)
def rest_arm_points(side: Side, dims: ArmDimensions = ArmDimensions()) -> np.ndarray:
    """(24, 3) arm landmarks of the relaxed rest pose, forearm on the table (read-only)."""
    skeleton = build_arm_skeleton(side, dims)
    shoulder = REST_RIGHT_SHOULDER * (1.0 if side == "right" else np.array([-1.0, 1.0, 1.0]))
    pose = LimbPose(side, np.radians(relaxed_arm_degrees(skeleton.names)), shoulder, np.eye(3), 0.0)
    points = landmarks_from_pose(skeleton, pose, len(ARM_POINTS))
    points.setflags(write=False)
    return points


def arm_points_from_hand(hand: np.ndarray, side: Side, dims: ArmDimensions = ArmDimensions(),
                         align: bool = False) -> np.ndarray:  # fmt: skip
    """(21, 3) world-frame hand landmarks (any origin) -> (24, 3) arm landmarks with a resting arm."""
    rest = rest_arm_points(side, dims)
    out = rest.copy()
    hand = np.asarray(hand, dtype=float)
    hand = hand - hand[0]
    if align:
        observed = np.zeros_like(out)
        observed[HAND_OFFSET:] = hand
        # Rotate the observed palm frame onto the rest palm frame.
        hand = hand @ (palm_frame(rest) @ palm_frame(observed).T).T
    out[HAND_OFFSET:] = rest[HAND_OFFSET] + hand
    out[2] = out[HAND_OFFSET]  # the body-pose wrist is the hand's wrist
    return out
