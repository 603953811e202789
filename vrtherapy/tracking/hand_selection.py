"""Which of the hands in view is the patient's intact hand, frame after frame.

The rule, in order:
  1. Duplicates go: two skeletons MediaPipe lays on one hand (their landmarks within `DUPLICATE_GAP`
     of the hand's size of each other) are one hand, the more confident one.
  2. Only hands on the patient's intact side count (the person's own side, `handedness.own_side`),
     with temporal consistency: the hand followed in the previous frame keeps its side while
     MediaPipe's label flips for fewer than `FLIP_FRAMES` frames in a row (its handedness flickers
     while a palm turns); a flip that lasts is believed.
  3. If a body pose that supports the hands is in view (`pose_supports`: both shoulders seen, a
     shoulder span of human size and wider than the hand; a "body" MediaPipe Pose finds inside a
     close-up of a hand is none of these), the patient's wrist for that side picks the hand whose wrist
     is nearest it; a hand farther than `MAX_WRIST_GAP` (or `WRIST_GAP_PER_HAND` of its own size) from
     the patient's wrist belongs to someone else (a therapist reaching in) and is ignored, even if it
     is the only one.
  4. Without a supporting pose, the hand nearest the one followed in the previous frame is kept (no
     swapping between two hands from frame to frame); with no previous hand, the largest one in the
     image (the nearest the camera, which is the patient sitting in front of it).
Distances are in normalised image units (a fraction of the image width/height).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from vrtherapy.tracking.mediapipe_detect import HandObservation, PoseObservation
from vrtherapy.tracking.sample import Side

#: Pose landmark index of each side's wrist (MediaPipe Pose, person's own sides on ordinary images).
POSE_WRIST = {"left": 15, "right": 16}
POSE_SHOULDERS = (11, 12)
#: Beyond this distance from the patient's wrist (fraction of the image), a hand is someone else's ...
MAX_WRIST_GAP = 0.12
#: ... or beyond this many times the hand's own image extent, if more: Pose's wrist estimate errs in
#: proportion to how large the hand is in the image (a fist raised close to a phone camera).
WRIST_GAP_PER_HAND = 0.75
#: Pose landmarks below this visibility are treated as not seen.
MIN_VISIBILITY = 0.5
#: A body's shoulder width (MediaPipe's metric world landmarks), metres: outside it the pose is not a body.
SHOULDER_WIDTH_M = (0.2, 0.6)
#: The shoulders of a body that holds the hand span at least this many times the hand's image extent.
MIN_SHOULDERS_PER_HAND = 1.0
#: Two skeletons whose landmarks lie this close (mean distance over the hand's image extent) are one hand.
DUPLICATE_GAP = 0.25
#: A side label that differs from the followed hand's for fewer frames than this is a flicker.
FLIP_FRAMES = 4
#: The followed hand, to keep its side through a flicker, must be within this much of its last wrist.
SAME_HAND_GAP = 0.1


def hand_extent(hand: HandObservation) -> float:
    """The hand's size in the image: the larger side of its landmarks' bounding box."""
    xy = hand.image_points[:, :2]
    return float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1])))


def _hand_area(hand: HandObservation) -> float:
    xy = hand.image_points[:, :2]
    return float(np.ptp(xy[:, 0]) * np.ptp(xy[:, 1]))


def pose_supports(pose: PoseObservation | None, hands: tuple[HandObservation, ...] | list[HandObservation]) -> bool:
    """True if `pose` is a body that can hold these hands: both shoulders seen, a human shoulder width,
    and shoulders wider in the image than the largest hand."""
    if pose is None or (pose.visibility[list(POSE_SHOULDERS)] < MIN_VISIBILITY).any():
        return False
    left, right = POSE_SHOULDERS
    width = float(np.linalg.norm(pose.world_points[left] - pose.world_points[right]))
    if not SHOULDER_WIDTH_M[0] <= width <= SHOULDER_WIDTH_M[1]:
        return False
    span = float(np.linalg.norm(pose.image_points[left, :2] - pose.image_points[right, :2]))
    largest = max((hand_extent(h) for h in hands), default=0.0)
    return span >= MIN_SHOULDERS_PER_HAND * largest


def wrist_gaps(hands: list[HandObservation] | tuple[HandObservation, ...], side: Side,
               pose: PoseObservation | None) -> np.ndarray | None:  # fmt: skip
    """Image distance from each hand's wrist to the patient's `side` wrist in the pose; None if the
    pose does not see that wrist or is not a body that supports these hands."""
    if pose is None or pose.visibility[POSE_WRIST[side]] < MIN_VISIBILITY or not pose_supports(pose, hands):
        return None
    wrists = np.array([h.image_points[0, :2] for h in hands]).reshape(-1, 2)
    return np.linalg.norm(wrists - pose.image_points[POSE_WRIST[side], :2], axis=1)


def without_duplicates(hands: tuple[HandObservation, ...]) -> tuple[HandObservation, ...]:
    """The hands with every second skeleton on one hand removed (the more confident one kept)."""
    if len(hands) < 2:
        return hands
    points = np.stack([h.image_points[:, :2] for h in hands])  # (H, 21, 2)
    gaps = np.linalg.norm(points[:, None] - points[None, :], axis=3).mean(axis=2)  # (H, H)
    sizes = np.array([max(hand_extent(h), 1e-6) for h in hands])
    same = gaps < DUPLICATE_GAP * np.minimum(sizes[:, None], sizes[None, :])
    scores = np.array([h.score for h in hands])
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    for i in order:  # at most MediaPipe's few hands
        if not any(same[i, k] for k in kept):
            kept.append(int(i))
    return tuple(hands[i] for i in sorted(kept))


def select_hand(hands: tuple[HandObservation, ...], side: Side, pose: PoseObservation | None,
                previous_wrist: np.ndarray | None = None) -> HandObservation | None:  # fmt: skip
    """The patient's `side` hand among `hands`, or None (rules 2 to 4 of the module, one frame)."""
    candidates = [h for h in hands if h.side == side]
    if not candidates:
        return None
    gaps = wrist_gaps(candidates, side, pose)
    if gaps is not None:
        best = int(np.argmin(gaps))
        return candidates[best] if gaps[best] <= allowed_gap(candidates[best]) else None
    if previous_wrist is not None:
        wrists = np.array([h.image_points[0, :2] for h in candidates])
        return candidates[int(np.argmin(np.linalg.norm(wrists - previous_wrist, axis=1)))]
    return max(candidates, key=_hand_area)


class HandSelector:
    """The module's whole rule over a stream of frames: call `select` once per frame."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self._previous_wrist: np.ndarray | None = None
        self._flipped_frames = 0

    def _relabelled(self, hands: tuple[HandObservation, ...]) -> tuple[HandObservation, ...]:
        """A hand of the other side at the followed hand's place, while the flip is short, is ours."""
        if self._previous_wrist is None or any(h.side == self.side for h in hands):
            self._flipped_frames = 0
            return hands
        gaps = [float(np.linalg.norm(h.image_points[0, :2] - self._previous_wrist)) for h in hands]
        near = [i for i, g in enumerate(gaps) if g <= SAME_HAND_GAP]
        if not near:
            self._flipped_frames = 0
            return hands
        self._flipped_frames += 1
        if self._flipped_frames >= FLIP_FRAMES:
            return hands  # MediaPipe keeps saying so: believe it
        i = min(near, key=lambda k: gaps[k])
        return tuple(replace(h, side=self.side) if k == i else h for k, h in enumerate(hands))

    @property
    def followed_wrist(self) -> np.ndarray | None:
        """The image position of the followed hand's wrist in the last frame (None if none was)."""
        return self._previous_wrist

    def select(self, hands: tuple[HandObservation, ...], pose: PoseObservation | None) -> HandObservation | None:
        hands = self._relabelled(without_duplicates(hands))
        hand = select_hand(hands, self.side, pose, self._previous_wrist)
        self._previous_wrist = None if hand is None else hand.image_points[0, :2]
        return hand


def pose_holding(hand: HandObservation, pose: PoseObservation | None) -> PoseObservation | None:
    """`pose` if it is a supporting body whose wrist on the hand's side is at this hand; else None."""
    gaps = wrist_gaps((hand,), hand.side, pose)
    return pose if gaps is not None and gaps[0] <= allowed_gap(hand) else None


def allowed_gap(hand: HandObservation) -> float:
    """How far the hand's wrist may be from the pose's wrist and still be the patient's."""
    return max(MAX_WRIST_GAP, WRIST_GAP_PER_HAND * hand_extent(hand))
