"""A hand pose synthesized from a controller: its grip pose places the wrist, trigger and grip close
the fingers. Used when the headset has no hand tracking; the sample drives the same retargeting as a
tracked hand.

OpenXR's grip pose sits in the middle of the fist holding the controller: -Z runs along the handle
towards the thumb, +X points out of the back of a right hand (out of the palm of a left one), and +Y
back towards the wrist. The hand's landmarks come from the limb skeleton itself (forward kinematics
with the fingers curled by the closure), carried onto the grip pose. Pure numpy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from vrtherapy.frames import OPENXR_TO_WORLD
from vrtherapy.motion.calibration import relaxed_arm_degrees
from vrtherapy.motion.hand_shapes import set_fist
from vrtherapy.motion.kinematics import forward_kinematics
from vrtherapy.motion.skeleton import ArmDimensions, build_arm_skeleton
from vrtherapy.tracking.sample import ARM_POINTS, HAND_OFFSET, Side, TrackedSample
from vrtherapy.xr.body_estimate import behind_hand, elbow_between, shoulder_from_head
from vrtherapy.xr.reference_space import Pose

#: The wrist bone's axes (columns: +X, +Y along the hand, +Z palmar) expressed in grip axes.
WRIST_AXES_IN_GRIP: dict[str, np.ndarray] = {
    "right": np.array([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]]),
    "left": np.array([[0.0, 0.0, 1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]]),
}
#: The wrist joint from the grip origin, grip axes (metres): behind the fist, towards the back of the hand.
WRIST_IN_GRIP: dict[str, np.ndarray] = {"right": np.array([0.015, 0.075, 0.0]), "left": np.array([-0.015, 0.075, 0.0])}



def grip_axes_in_world(grip: Pose) -> np.ndarray:
    """The grip's own X, Y, Z axes as world columns (`grip` as `SpaceAnchor.pose_to_world` gives it)."""
    return grip.rotation @ OPENXR_TO_WORLD


def hand_angles(names: tuple[str, ...], closure: float) -> np.ndarray:
    """(J, 3) degrees: the relaxed hand at closure 0, the fist (`motion.hand_shapes`, the one every view
    draws) at closure 1."""
    return set_fist(relaxed_arm_degrees(names), names, closure)


@lru_cache(maxsize=4)
def _skeleton(side: Side, dims: ArmDimensions):
    return build_arm_skeleton(side, dims)


def hand_in_wrist_frame(side: Side, dims: ArmDimensions, closure: float) -> np.ndarray:
    """(21, 3) hand landmarks (MediaPipe order) in the wrist bone's frame."""
    sk = _skeleton(side, dims)
    frames, positions = forward_kinematics(sk, np.radians(hand_angles(sk.names, closure)))
    w = sk.index("wrist")
    local = (positions - positions[w]) @ frames[w]  # rows: R_w^T (p - p_w)
    out = np.zeros((len(ARM_POINTS) - HAND_OFFSET, 3))
    for j, landmark in enumerate(sk.landmark):
        if landmark >= HAND_OFFSET:
            out[landmark - HAND_OFFSET] = local[j]
    return out


def sample_from_grip(grip: Pose, closure: float, side: Side, head: Pose, t_capture: float,
                     dims: ArmDimensions | None = None) -> TrackedSample:  # fmt: skip
    """The arm sample of a hand holding a controller at `grip` (world pose) closed by `closure`."""
    dims = dims or ArmDimensions()
    axes = grip_axes_in_world(grip)
    wrist = grip.position + axes @ WRIST_IN_GRIP[side]
    wrist_axes = axes @ WRIST_AXES_IN_GRIP[side]
    hand = wrist + hand_in_wrist_frame(side, dims, closure) @ wrist_axes.T
    shoulder = shoulder_from_head(head.position, head.rotation, side)
    points = np.empty((len(ARM_POINTS), 3))
    knuckles = hand[[5, 9, 13, 17]].mean(axis=0)
    elbow = elbow_between(shoulder, wrist, dims, side, toward=behind_hand(wrist, knuckles, dims.forearm))
    points[0], points[1], points[2] = shoulder, elbow, wrist
    points[HAND_OFFSET:] = hand
    return TrackedSample("arm", side, t_capture, points, confidence=0.9, source="openxr-controller")
