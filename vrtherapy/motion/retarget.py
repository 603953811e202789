"""Retargeting: tracked landmarks (world metres) -> joint angles of a limb skeleton.

Segment directions, not lengths, drive the skeleton, so a tracked hand of any size drives a virtual hand
of the patient's own size. Per joint:
  * upper arm: its axis from shoulder to elbow, its roll from the plane of shoulder, elbow and wrist,
    passing smoothly to the thumb side of the hand as the elbow straightens (no elbow plane then);
  * elbow: hinge flexion = the angle between upper arm and forearm;
  * wrist: the palm's frame (wrist -> centre of the knuckles, and the knuckle line from little to index
    finger) relative to the forearm, split into forearm rotation (twist), deviation and flexion;
  * fingers and thumb: the base joint (knuckle, thumb base) takes flexion and deviation from its
    segment's direction; beyond it a finger is a chain of hinges sharing the base joint's flexion
    axis, so each further flexion is the angle between consecutive segments about that axis. All five
    chains are solved together, one vectorised step per segment;
  * angles are clamped to the skeleton's joint limits; the wrist and each finger segment are measured
    from their parent's clamped frame, so a limit does not leak error down the hand;
  * a hand tracked from one camera image (`TrackedSample.fingers_from_image`) is solved with the
    fingers' middle and end joints unbounded, and its closing fingers and thumb are then placed by
    `finger_closing` (bend a limit would drop goes to the knuckle; a closing finger follows the fist).

The solve runs as one numba-compiled kernel (`kernels.solve_arm`, about 60 small steps, each several microseconds as a numpy
call on this class of machine, well under a microsecond compiled); `Retargeter` prepares its constants.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.motion.finger_closing import FingerClosing, widened
from vrtherapy.motion.kernels import ROLL_FROM_ELBOW_ABOVE, ROLL_FROM_HAND_BELOW, palm_frame, roll_hint, solve_arm
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import FINGERS, Skeleton
from vrtherapy.tracking.sample import HAND_OFFSET, TrackedSample

__all__ = ["ROLL_FROM_ELBOW_ABOVE", "ROLL_FROM_HAND_BELOW", "Retargeter", "palm_frame", "roll_hint"]

_CHAINS: tuple[tuple[str, ...], ...] = (("thumb_metacarpal", "thumb_proximal", "thumb_distal", "thumb_tip"),) + tuple(
    (f"{f}_proximal", f"{f}_intermediate", f"{f}_distal", f"{f}_tip") for f in FINGERS
)


class Retargeter:
    """Solves joint angles for one arm skeleton; build once per limb, call `solve` per frame."""

    def __init__(self, skeleton: Skeleton) -> None:
        s = skeleton
        self.skeleton = s
        self._sign = s.side_sign
        self._ua, self._fa, self._wrist = s.index("upper_arm"), s.index("forearm"), s.index("wrist")
        rest_frames, rest_positions = s.rest_globals
        rest_points = np.zeros((HAND_OFFSET + 21, 3))
        rest_points[s.landmark[s.landmark >= 0]] = rest_positions[s.landmark >= 0]
        # Hand frame = palm frame @ this, whatever the tracked hand's proportions.
        self._palm_to_hand = palm_frame(rest_points).T @ rest_frames[self._wrist]
        self._limits = np.ascontiguousarray(s.limits)
        self._widened = np.ascontiguousarray(widened(s))
        self._closing = FingerClosing(s)
        self._r0 = np.ascontiguousarray(s.rest_rotations)
        chains = np.array([[s.index(n) for n in chain] for chain in _CHAINS])  # (5, 4)
        self._chain_joints = chains[:, :3].copy()  # the three moving joints of each chain
        landmarks = s.landmark[chains]  # (5, 4): landmark at each joint and at the tip
        self._seg_start, self._seg_end = landmarks[:, :3].copy(), landmarks[:, 1:].copy()
        to_wrist = np.stack([self._rotation_below_wrist(p) for p in s.parents[chains[:, 0]]])
        self._base_rest = to_wrist @ s.rest_rotations[chains[:, 0]]  # base joints' rest frames in the hand frame

    def _rotation_below_wrist(self, joint: int) -> np.ndarray:
        s, r = self.skeleton, np.eye(3)
        while joint != self._wrist:
            r = s.rest_rotations[joint] @ r
            joint = s.parents[joint]
        return r

    def solve(self, sample: TrackedSample, root_rotation: np.ndarray | None = None) -> LimbPose:
        """Joint angles that lay the skeleton's segments along the sample's landmarks."""
        if root_rotation is None:
            root_rotation = np.eye(3)
        pts = (sample.points - sample.points[0]) @ root_rotation  # in the limb root frame
        limits = self._widened if sample.fingers_from_image else self._limits
        angles = solve_arm(pts, self._sign, self._r0, limits, self._palm_to_hand, self._ua, self._fa,
                           self._wrist, self._chain_joints, self._seg_start, self._seg_end, self._base_rest)  # fmt: skip
        if sample.fingers_from_image:
            angles = self._closing.close(angles, pts)
        return LimbPose(
            side=self.skeleton.side,
            angles=angles,
            root_position=sample.points[0].copy(),
            root_rotation=root_rotation,
            t_capture=sample.t_capture,
        )
