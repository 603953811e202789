"""Closing a finger tracked from one camera image onto the palm: its bend, not its joints' split of it.

A hand tracked from one image (MediaPipe) gets a closing finger's total bend roughly right but splits it
badly among the joints. On the real fists in `../shared/data` (HaGRID r0_c1, r1_c2, r2_c1, r2_c3, r3_c0)
the knuckles (MCP) read 37-78 degrees where a fist holds them near 90, and the middle and end joints,
after the bias gains of `tracking/mediapipe_bias.py`, run past their limits (PIP 110, DIP 80): retargeted
as measured, the bend past a limit is dropped and the finger is a claw, its tip 5-10 mm off the palm
(29 mm on a side view). The segment lengths are not the cause: MediaPipe's proximal phalanx is as long,
relative to the palm, in a fist seen knuckles-on (its phalanges along the camera's axis) as in an open
hand seen palm-on (index 0.34 against 0.33 of the palm's length), so it is not foreshortened.

So, for such a hand only (`TrackedSample.fingers_from_image`; a headset's hand tracking, a recording of
one or the synthetic patient is retargeted as measured):

  * bend past the middle or end joint's limit flows up the finger into the knuckle (as far as its own
    limit): the end segment keeps its observed direction relative to the palm;
  * a finger whose observed total bend passes `CLOSING_FROM_DEG` is taken along the path of a closing
    fist: its three joints blend towards the fist's split of the same total (`hand_shapes`), fully at
    the fist's total, and its spread at the knuckle fades (collateral ligaments lock the flexed MCP);
    the total never passes the fist's, where the fingertip meets the palm;
  * the thumb: one image cannot tell the thumb's own joint angles in a fist (MediaPipe reads its base
    extended and turned into the palm), but it does show where its tip lies. A tip within
    `THUMB_ON_INDEX` palm lengths of the closing index finger is taken as the fist's thumb folded
    across it; what the landmarks cannot tell (a thumb tucked inside the fingers, or lying along the
    index's side rather than across it) is drawn the same way.

Open, pointing and pinching fingers (total bend under 180 degrees) are left as measured, apart from
bend lost at a limit. Vectorised over the four fingers.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.motion.hand_shapes import FIST_THUMB_DEG, fist_finger_radians
from vrtherapy.motion.skeleton import FINGERS, Skeleton
from vrtherapy.tracking.sample import HAND_OFFSET

#: A finger whose total bend (MCP + PIP + DIP) is past this starts along the closing fist's path.
CLOSING_FROM_DEG = 180.0
#: Thumb tip to the index finger's phalanges (palm lengths: wrist to middle knuckle): at or within the
#: first, the thumb is the fist's; beyond the second, as measured.
THUMB_ON_INDEX = (0.15, 0.30)


def _smoothstep(lo: np.ndarray | float, hi: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
    t = np.clip((np.asarray(x) - lo) / np.maximum(np.asarray(hi) - lo, 1e-9), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def widened(skeleton: Skeleton) -> np.ndarray:
    """The skeleton's limits with the fingers' middle and end joint flexion unbounded, so a solve
    measures every joint's bend in full (for `close_fingers` to place what a limit would drop)."""
    limits = skeleton.limits.copy()
    for finger in FINGERS:
        for joint in ("intermediate", "distal"):
            limits[skeleton.index(f"{finger}_{joint}"), 0] = (-np.pi, np.pi)
    return limits


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from point p to each segment a[i]-b[i] ((N, 3) ends)."""
    ab = b - a
    t = np.clip(((p - a) * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


class FingerClosing:
    """`close(angles, points)`: the module's rules on angles solved with `widened` limits."""

    def __init__(self, skeleton: Skeleton) -> None:
        s = skeleton
        self._joints = np.array([[s.index(f"{f}_{j}") for j in ("proximal", "intermediate", "distal")] for f in FINGERS])
        self._lo, self._hi = s.limits[self._joints, 0, 0], s.limits[self._joints, 0, 1]  # (4, 3)
        self._fist = fist_finger_radians()
        self._fist_total = self._fist.sum(axis=1)
        self._thumb = np.array([s.index(n) for n in ("thumb_metacarpal", "thumb_proximal", "thumb_distal")])
        b, d, m, e = np.radians(FIST_THUMB_DEG)
        self._fist_thumb = np.array([[b, d, 0.0], [m, 0.0, 0.0], [e, 0.0, 0.0]])
        self._limits = s.limits

    def close(self, angles: np.ndarray, points: np.ndarray) -> np.ndarray:
        """(J, 3) radians solved with widened limits and the (N, 3) arm landmarks -> (J, 3) within limits."""
        out = np.array(angles, dtype=float)
        bend = out[self._joints, 0]  # (4, 3): each joint's full bend
        lo, hi = self._lo, self._hi
        middle = np.clip(bend[:, 1], lo[:, 1], hi[:, 1])
        end_wanted = bend[:, 2] + (bend[:, 1] - middle)  # the end segment's bend beyond the clamped middle
        end = np.clip(end_wanted, lo[:, 2], hi[:, 2])
        knuckle = np.minimum(bend[:, 0] + np.maximum(end_wanted - end, 0.0), hi[:, 0])
        kept = np.stack([knuckle, middle, end], axis=1)
        total = bend.sum(axis=1)
        w = _smoothstep(np.radians(CLOSING_FROM_DEG), self._fist_total, total)  # (4,)
        on_path = self._fist * (np.minimum(total, self._fist_total) / self._fist_total)[:, None]
        closed = kept + w[:, None] * (on_path - kept)
        out[self._joints, 0] = np.clip(closed, lo, hi)
        out[self._joints[:, 0], 1] *= 1.0 - w
        hand = points[HAND_OFFSET:]
        palm = max(float(np.linalg.norm(hand[9] - hand[0])), 1e-9)
        near = float(_segment_distance(hand[4], hand[[5, 6, 7]], hand[[6, 7, 8]]).min()) / palm
        wt = float(w[0]) * (1.0 - float(_smoothstep(THUMB_ON_INDEX[0], THUMB_ON_INDEX[1], near)))
        out[self._thumb] += wt * (self._fist_thumb - out[self._thumb])
        return np.clip(out, self._limits[..., 0], self._limits[..., 1])
