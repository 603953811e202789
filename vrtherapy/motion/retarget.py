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

The solve runs as one numba-compiled kernel (about 60 small steps, each several microseconds as a numpy
call on this class of machine, well under a microsecond compiled); `Retargeter` prepares its constants.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.rotations import clamp, clamp_angles, euler3, frame3, matrix_to_euler3, smoothstep
from vrtherapy.motion.skeleton import FINGERS, Skeleton
from vrtherapy.tracking.sample import HAND_OFFSET, TrackedSample

_WRIST, _KNUCKLES = HAND_OFFSET, np.array([5, 9, 13, 17]) + HAND_OFFSET
#: Elbow bend (sine of the angle) over which the upper arm's roll passes from the thumb side of the
#: hand (a straight arm has no elbow plane) to the elbow plane; smooth, so reaching never snaps.
ROLL_FROM_HAND_BELOW, ROLL_FROM_ELBOW_ABOVE = 0.03, 0.20
_CHAINS: tuple[tuple[str, ...], ...] = (("thumb_metacarpal", "thumb_proximal", "thumb_distal", "thumb_tip"),) + tuple(
    (f"{f}_proximal", f"{f}_intermediate", f"{f}_distal", f"{f}_tip") for f in FINGERS
)


@njit(cache=True)
def palm_frame(points: np.ndarray) -> np.ndarray:
    """A frame fixed to the palm: Y from the wrist to the knuckles' centre, Z across the knuckles."""
    w, i, m, r, l = points[_WRIST], points[_KNUCKLES[0]], points[_KNUCKLES[1]], points[_KNUCKLES[2]], points[_KNUCKLES[3]]
    return frame3((i + m + r + l) * 0.25 - w, i - l)


@njit(cache=True)
def roll_hint(y: np.ndarray, child: np.ndarray, fallback: np.ndarray, below: float, above: float,
              away: float) -> tuple[np.ndarray, float, float]:  # fmt: skip
    """The direction a hinge bends `child` away from axis `y` (times `away`: +1 towards, -1 away from
    the bend), blended into `fallback` as the hinge straightens; also the bend and along components."""
    along = child @ y
    perp = child - along * y
    bend = math.sqrt(perp @ perp)
    hint = away * perp / max(bend, 1e-9)
    w = smoothstep(below, above, bend / max(math.sqrt(child @ child), 1e-9))
    if w < 1.0:
        side = fallback - (fallback @ y) * y
        hint = w * hint + (1.0 - w) * side
    return hint, bend, along


@njit(cache=True)
def _solve_arm(pts, sign, r0, limits, palm_to_hand, ua, fa, wr, chain_joints, seg_start, seg_end, base_rest):
    angles = np.zeros((r0.shape[0], 3))
    upper = pts[1]
    fore = pts[HAND_OFFSET] - pts[1]
    hand_frame = palm_frame(pts) @ palm_to_hand
    y = upper / max(math.sqrt(upper @ upper), 1e-9)
    thumb_side = hand_frame[:, 0].copy()  # straight elbow: the arm's front follows the thumb side
    hint, bend, along = roll_hint(y, fore, thumb_side, ROLL_FROM_HAND_BELOW, ROLL_FROM_ELBOW_ABOVE, 1.0)
    ua_frame = frame3(y, hint)
    a_ua = clamp_angles(matrix_to_euler3(r0[ua].T @ ua_frame, sign), limits[ua])
    a_fa = np.zeros(3)
    a_fa[0] = clamp(math.atan2(bend, along), limits[fa, 0, 0], limits[fa, 0, 1])
    fa_frame = r0[ua] @ euler3(a_ua, sign) @ r0[fa] @ euler3(a_fa, sign)
    a_wr = clamp_angles(matrix_to_euler3(r0[wr].T @ fa_frame.T @ hand_frame, sign), limits[wr])
    hand_frame = fa_frame @ r0[wr] @ euler3(a_wr, sign)
    angles[ua], angles[fa], angles[wr] = a_ua, a_fa, a_wr

    for c in range(chain_joints.shape[0]):
        base = hand_frame @ base_rest[c]  # the rest frame of the chain's base joint
        seg = np.empty((3, 3))
        for k in range(3):
            d = pts[seg_end[c, k]] - pts[seg_start[c, k]]
            seg[k] = d / max(math.sqrt(d @ d), 1e-9)
        u = base.T @ seg[0]
        j = chain_joints[c, 0]
        flex = clamp(math.asin(clamp(u[2], -1.0, 1.0)), limits[j, 0, 0], limits[j, 0, 1])
        dev = clamp(sign * math.atan2(u[0], u[1]), limits[j, 1, 0], limits[j, 1, 1])
        angles[j, 0], angles[j, 1] = flex, dev
        # The base joint's frame after flexion and deviation: Y runs along the segment, Z is its
        # palmar side, X the hinge axis of the whole chain (hinges keep it), so each further
        # flexion is a rotation of (Y, Z) about that fixed axis.
        b = -sign * dev
        cb, sb, cf, sf = math.cos(b), math.sin(b), math.cos(flex), math.sin(flex)
        along_v = base[:, 0] * (-cf * sb) + base[:, 1] * (cf * cb) + base[:, 2] * sf
        front_v = base[:, 0] * (sb * sf) + base[:, 1] * (-cb * sf) + base[:, 2] * cf
        for k in range(1, 3):
            j = chain_joints[c, k]
            f = clamp(math.atan2(seg[k] @ front_v, seg[k] @ along_v), limits[j, 0, 0], limits[j, 0, 1])
            angles[j, 0] = f
            cf, sf = math.cos(f), math.sin(f)
            along_v, front_v = cf * along_v + sf * front_v, cf * front_v - sf * along_v
    return angles


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
        angles = _solve_arm(pts, self._sign, self._r0, self._limits, self._palm_to_hand, self._ua, self._fa,
                            self._wrist, self._chain_joints, self._seg_start, self._seg_end, self._base_rest)  # fmt: skip
        return LimbPose(
            side=self.skeleton.side,
            angles=angles,
            root_position=sample.points[0].copy(),
            root_rotation=root_rotation,
            t_capture=sample.t_capture,
        )
