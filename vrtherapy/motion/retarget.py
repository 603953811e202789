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
    from their parent's clamped frame, so a limit does not leak error down the hand.
"""

from __future__ import annotations

import math

import numpy as np

from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.rotations import euler3, frame3, matrix_to_euler3
from vrtherapy.motion.skeleton import FINGERS, Skeleton
from vrtherapy.tracking.sample import HAND_OFFSET, TrackedSample

_WRIST, _KNUCKLES = HAND_OFFSET, np.array([5, 9, 13, 17]) + HAND_OFFSET
#: Elbow bend (sine of the angle) over which the upper arm's roll passes from the thumb side of the
#: hand (a straight arm has no elbow plane) to the elbow plane; smooth, so reaching never snaps.
_ROLL_FROM_HAND_BELOW, _ROLL_FROM_ELBOW_ABOVE = 0.03, 0.20
_CHAINS: tuple[tuple[str, ...], ...] = (("thumb_metacarpal", "thumb_proximal", "thumb_distal", "thumb_tip"),) + tuple(
    (f"{f}_proximal", f"{f}_intermediate", f"{f}_distal", f"{f}_tip") for f in FINGERS
)


def palm_frame(points: np.ndarray) -> np.ndarray:
    """A frame fixed to the palm: Y from the wrist to the knuckles' centre, Z across the knuckles."""
    k = points[_KNUCKLES]
    return frame3((k[0] + k[1] + k[2] + k[3]) * 0.25 - points[_WRIST], k[0] - k[3])


class Retargeter:
    """Solves joint angles for one skeleton; build once per limb, call `solve` per frame."""

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
        self._lo, self._hi = s.limits[:, :, 0], s.limits[:, :, 1]
        self._limits = s.limits.tolist()
        self._r0_ua, self._r0_fa, self._r0_wrist = s.rest_rotations[[self._ua, self._fa, self._wrist]]

        chains = np.array([[s.index(n) for n in chain] for chain in _CHAINS])  # (5, 4)
        self._chain_joints = chains[:, :3]  # the three moving joints of each chain
        landmarks = s.landmark[chains]  # (5, 4): landmark at each joint and at the tip
        self._seg_start, self._seg_end = landmarks[:, :3], landmarks[:, 1:]
        to_wrist = np.stack([self._rotation_below_wrist(p) for p in s.parents[chains[:, 0]]])
        self._base_rest = to_wrist @ s.rest_rotations[chains[:, 0]]  # base joints' rest frames in the hand frame
        self._chain_lo = self._lo[self._chain_joints]  # (5, 3 joints, 3 angles)
        self._chain_hi = self._hi[self._chain_joints]

    def _rotation_below_wrist(self, joint: int) -> np.ndarray:
        s, r = self.skeleton, np.eye(3)
        while joint != self._wrist:
            r = s.rest_rotations[joint] @ r
            joint = s.parents[joint]
        return r

    def solve(self, sample: TrackedSample, root_rotation: np.ndarray | None = None) -> LimbPose:
        """Joint angles that lay the skeleton's segments along the sample's landmarks."""
        s, sign = self.skeleton, self._sign
        if root_rotation is None:
            root_rotation = np.eye(3)
        pts = (sample.points - sample.points[0]) @ root_rotation  # in the limb root frame
        angles = np.zeros((len(s.names), 3))

        upper, fore = pts[1], pts[HAND_OFFSET] - pts[1]
        hand_frame = palm_frame(pts) @ self._palm_to_hand
        y = upper / max(math.sqrt(upper @ upper), 1e-9)
        along = fore @ y
        fore_perp = fore - along * y
        bend = math.sqrt(fore_perp @ fore_perp)
        w = _smoothstep(_ROLL_FROM_HAND_BELOW, _ROLL_FROM_ELBOW_ABOVE, bend / max(math.sqrt(fore @ fore), 1e-9))
        if w < 1.0:  # nearly straight: the arm's front follows the thumb side of the hand
            thumb = hand_frame[:, 0] - (hand_frame[:, 0] @ y) * y
            fore_perp = w * fore_perp / max(bend, 1e-9) + (1.0 - w) * thumb
        ua_frame = frame3(y, fore_perp)
        ua = _clip3(matrix_to_euler3(self._r0_ua.T @ ua_frame, sign), self._limits[self._ua])
        elbow = _clip3((math.atan2(bend, along), 0.0, 0.0), self._limits[self._fa])
        fa_frame = self._r0_ua @ euler3(ua, sign) @ self._r0_fa @ euler3(elbow, sign)
        wrist = _clip3(matrix_to_euler3(self._r0_wrist.T @ fa_frame.T @ hand_frame, sign), self._limits[self._wrist])
        hand_frame = fa_frame @ self._r0_wrist @ euler3(wrist, sign)
        angles[[self._ua, self._fa, self._wrist]] = (ua, elbow, wrist)

        self._solve_chains(pts, hand_frame, angles)
        return LimbPose(
            side=s.side,
            angles=angles,
            root_position=sample.points[0].copy(),
            root_rotation=root_rotation,
            t_capture=sample.t_capture,
        )

    def _solve_chains(self, pts: np.ndarray, hand_frame: np.ndarray, angles: np.ndarray) -> None:
        sign, lo, hi = self._sign, self._chain_lo, self._chain_hi
        seg = pts[self._seg_end] - pts[self._seg_start]  # (5 chains, 3 segments, xyz)
        seg /= np.maximum(np.sqrt(np.add.reduce(seg * seg, axis=-1, keepdims=True)), 1e-9)
        base = hand_frame @ self._base_rest  # (5, 3, 3) rest frame of each chain's base joint
        u = (seg[:, 0, None, :] @ base)[:, 0]  # first segment in its base joint's rest frame
        flex = np.minimum(np.maximum(np.arcsin(np.minimum(np.maximum(u[:, 2], -1.0), 1.0)), lo[:, 0, 0]), hi[:, 0, 0])
        dev = np.minimum(np.maximum(sign * np.arctan2(u[:, 0], u[:, 1]), lo[:, 0, 1]), hi[:, 0, 1])
        chain_angles = np.zeros((len(seg), 3, 3))
        chain_angles[:, 0, 0] = flex
        chain_angles[:, 0, 1] = dev
        # The base joint's frame after flexion and deviation: Y runs along the segment, Z is its
        # palmar side, and X is the hinge axis of the whole chain (hinges keep it), so each further
        # flexion is a rotation of (Y, Z) about that fixed axis.
        b = -sign * dev
        cos_b, sin_b, cos_f, sin_f = np.cos(b), np.sin(b), np.cos(flex), np.sin(flex)
        coeffs = np.empty((len(seg), 3, 2))
        coeffs[:, 0, 0], coeffs[:, 1, 0], coeffs[:, 2, 0] = -cos_f * sin_b, cos_f * cos_b, sin_f
        coeffs[:, 0, 1], coeffs[:, 1, 1], coeffs[:, 2, 1] = sin_b * sin_f, -cos_b * sin_f, cos_f
        along_front = base @ coeffs  # (5, 3, 2): columns "along" and "front"
        along, front = along_front[:, :, 0], along_front[:, :, 1]
        for k in (1, 2):
            f = np.arctan2(np.add.reduce(seg[:, k] * front, -1), np.add.reduce(seg[:, k] * along, -1))
            f = np.minimum(np.maximum(f, lo[:, k, 0]), hi[:, k, 0])
            chain_angles[:, k, 0] = f
            c, s_ = np.cos(f)[:, None], np.sin(f)[:, None]
            along, front = c * along + s_ * front, c * front - s_ * along
        angles[self._chain_joints] = chain_angles


def _smoothstep(lo: float, hi: float, x: float) -> float:
    t = min(max((x - lo) / (hi - lo), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def _clip3(values: tuple[float, float, float], limits: list[list[float]]) -> tuple[float, float, float]:
    return tuple(min(max(v, lo), hi) for v, (lo, hi) in zip(values, limits))  # type: ignore[return-value]
