"""Which of the hands in view is the patient's intact hand.

The rule, in order:
  1. Only hands on the patient's intact side count (the person's own side, `handedness.own_side`).
  2. If the body pose is in view, the patient's wrist for that side (MediaPipe Pose follows the most
     prominent person, the patient in front of the camera) picks the hand whose wrist is nearest it;
     a hand farther than `MAX_WRIST_GAP` from the patient's wrist belongs to someone else (a therapist
     reaching in) and is ignored, even if it is the only one.
  3. Without the pose, the hand nearest the one followed in the previous frame is kept (no swapping
     between two hands from frame to frame); with no previous hand, the largest one in the image (the
     nearest the camera, which is the patient sitting in front of it).
Distances are in normalised image units (a fraction of the image width/height).
"""

from __future__ import annotations

import numpy as np

from vrtherapy.tracking.mediapipe_detect import HandObservation, PoseObservation
from vrtherapy.tracking.sample import Side

#: Pose landmark index of each side's wrist (MediaPipe Pose, person's own sides on ordinary images).
POSE_WRIST = {"left": 15, "right": 16}
#: Beyond this distance from the patient's wrist (fraction of the image), a hand is someone else's.
MAX_WRIST_GAP = 0.12
#: Pose landmarks below this visibility are treated as not seen.
MIN_VISIBILITY = 0.5


def _hand_size(hand: HandObservation) -> float:
    xy = hand.image_points[:, :2]
    return float(np.ptp(xy[:, 0]) * np.ptp(xy[:, 1]))


def wrist_gaps(hands: list[HandObservation] | tuple[HandObservation, ...], side: Side,
               pose: PoseObservation | None) -> np.ndarray | None:
    """Image distance from each hand's wrist to the patient's `side` wrist in the pose; None if the
    pose does not see that wrist."""
    if pose is None or pose.visibility[POSE_WRIST[side]] < MIN_VISIBILITY:
        return None
    wrists = np.array([h.image_points[0, :2] for h in hands]).reshape(-1, 2)
    return np.linalg.norm(wrists - pose.image_points[POSE_WRIST[side], :2], axis=1)


def select_hand(hands: tuple[HandObservation, ...], side: Side, pose: PoseObservation | None,
                previous_wrist: np.ndarray | None = None) -> HandObservation | None:  # fmt: skip
    """The patient's `side` hand among `hands`, or None (see the module's rule)."""
    candidates = [h for h in hands if h.side == side]
    if not candidates:
        return None
    gaps = wrist_gaps(candidates, side, pose)
    if gaps is not None:
        best = int(np.argmin(gaps))
        return candidates[best] if gaps[best] <= MAX_WRIST_GAP else None
    if previous_wrist is not None:
        wrists = np.array([h.image_points[0, :2] for h in candidates])
        return candidates[int(np.argmin(np.linalg.norm(wrists - previous_wrist, axis=1)))]
    return max(candidates, key=_hand_size)
