"""Retargeting a leg: MediaPipe-style hip, knee, ankle, heel and foot_index landmarks -> joint angles.

  * thigh: its axis from hip to knee, its roll from the plane the knee bends in, passing smoothly to
    the direction the foot points as the knee straightens (a straight leg has no bending plane);
  * knee: hinge flexion = the angle between thigh and shank;
  * foot: the full orientation of the ankle-heel-toe triangle relative to the shank, split into
    dorsi/plantar flexion, abduction and inversion/eversion;
  * toes: no landmark resolves them from the foot, so they stay at rest;
  * angles are clamped to the joint limits, each segment measured from its parent's clamped frame.
Like the arm's retargeter, directions drive it, so any leg size drives the patient's virtual leg.
"""

from __future__ import annotations

import math

import numpy as np

from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.retarget import ROLL_FROM_ELBOW_ABOVE, ROLL_FROM_HAND_BELOW, roll_hint
from vrtherapy.motion.rotations import clamp, clamp_angles, euler3, frame3, matrix_to_euler3
from vrtherapy.motion.skeleton import Skeleton
from vrtherapy.tracking.sample import LEG_POINTS, TrackedSample

_HIP, _KNEE, _ANKLE, _HEEL, _TOE = (LEG_POINTS.index(n) for n in LEG_POINTS)
# The knee hands the thigh's roll over over the same range of bend as the elbow does the upper arm's.
_ROLL_FROM_FOOT_BELOW, _ROLL_FROM_KNEE_ABOVE = ROLL_FROM_HAND_BELOW, ROLL_FROM_ELBOW_ABOVE


def foot_frame(points: np.ndarray) -> np.ndarray:
    """A frame fixed to the foot: Y along the sole from heel to toe, Z towards the ankle."""
    return frame3(np.ascontiguousarray(points[_TOE] - points[_HEEL]), np.ascontiguousarray(points[_ANKLE] - points[_HEEL]))


class LegRetargeter:
    """Solves a leg skeleton's joint angles from leg landmarks; build once, call `solve` per frame."""

    def __init__(self, skeleton: Skeleton) -> None:
        if skeleton.limb != "leg":
            raise ValueError("LegRetargeter needs a leg skeleton")
        s = skeleton
        self.skeleton = s
        self._thigh, self._shank, self._foot = s.index("thigh"), s.index("shank"), s.index("foot")
        rest_frames, rest_positions = s.rest_globals
        rest_points = np.zeros((len(LEG_POINTS), 3))
        rest_points[s.landmark[s.landmark >= 0]] = rest_positions[s.landmark >= 0]
        self._triangle_to_foot = foot_frame(rest_points).T @ rest_frames[self._foot]
        self._r0 = np.ascontiguousarray(s.rest_rotations)
        self._limits = np.ascontiguousarray(s.limits)

    def solve(self, sample: TrackedSample, root_rotation: np.ndarray | None = None) -> LimbPose:
        s, sign = self.skeleton, self.skeleton.side_sign
        if root_rotation is None:
            root_rotation = np.eye(3)
        pts = (sample.points - sample.points[_HIP]) @ root_rotation
        angles = np.zeros((len(s.names), 3))
        thigh_v, shank_v = pts[_KNEE] - pts[_HIP], pts[_ANKLE] - pts[_KNEE]
        foot = foot_frame(pts) @ self._triangle_to_foot
        y = thigh_v / max(math.sqrt(thigh_v @ thigh_v), 1e-9)
        # The knee bends backwards, so the thigh's front faces away from the bent shank; on a nearly
        # straight leg it faces where the toes point.
        front, bend, along = roll_hint(y, shank_v, np.ascontiguousarray(foot[:, 1]), _ROLL_FROM_FOOT_BELOW,
                                       _ROLL_FROM_KNEE_ABOVE, -1.0)  # fmt: skip
        r0, limits = self._r0, self._limits
        thigh = clamp_angles(matrix_to_euler3(r0[self._thigh].T @ frame3(y, front), sign), limits[self._thigh])
        knee = np.array([clamp(math.atan2(bend, along), *limits[self._shank, 0]), 0.0, 0.0])
        shank_frame = r0[self._thigh] @ euler3(thigh, sign) @ r0[self._shank] @ euler3(knee, sign)
        ankle = clamp_angles(matrix_to_euler3(r0[self._foot].T @ shank_frame.T @ foot, sign), limits[self._foot])
        angles[[self._thigh, self._shank, self._foot]] = (thigh, knee, ankle)
        return LimbPose(side=s.side, angles=angles, root_position=sample.points[_HIP].copy(),
                        root_rotation=root_rotation, t_capture=sample.t_capture)  # fmt: skip
