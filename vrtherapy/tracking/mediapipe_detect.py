"""Running MediaPipe on one RGB frame: the hands and the body pose it finds, as plain arrays.

Uses the legacy `mp.solutions` Hands and Pose of mediapipe 0.10.21, whose models ship inside the wheel
(nothing is downloaded, which clinics without internet access need). Landmarks stay in MediaPipe's own
frames here; `frames.py` converts them to the world frame.

Still images (`search=True`, for offline analysis) get a second chance when the palm detector finds no
hand: a lightly blurred copy, then overlapping crops at two scales. MediaPipe's palm detector misses
some close-ups on busy backgrounds (a plaid shirt, a greyscale studio capture) that its landmark model
handles well once the hand fills more of its input; crops recover those (measured on `../shared/data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from vrtherapy.errors import TrackerError
from vrtherapy.tracking.handedness import own_side
from vrtherapy.tracking.mediapipe_bias import correct_hand
from vrtherapy.tracking.sample import Side

#: Crop scales (fraction of the image side) and grid steps tried on still images when nothing is found.
_SEARCH_CROPS: tuple[tuple[float, int], ...] = ((0.75, 3), (0.6, 3))


@dataclass(frozen=True)
class HandObservation:
    side: Side  #: the person's own side (not MediaPipe's selfie label)
    label: str  #: MediaPipe's label, kept for the record
    score: float  #: handedness score 0..1
    image_points: np.ndarray  #: (21, 3) x, y normalised to the image (0..1), z relative depth
    #: (21, 3) metres, MediaPipe camera axes, origin near the hand's centre; corrected for MediaPipe's
    #: under-read finger bends (`mediapipe_bias`)
    world_points: np.ndarray


@dataclass(frozen=True)
class PoseObservation:
    image_points: np.ndarray  #: (33, 3) normalised image coordinates
    world_points: np.ndarray  #: (33, 3) metres, MediaPipe camera axes, origin between the hips
    visibility: np.ndarray  #: (33,) 0..1


@dataclass(frozen=True)
class Detection:
    hands: tuple[HandObservation, ...]
    pose: PoseObservation | None
    image_size: tuple[int, int] = (0, 0)  #: (width, height) in pixels


def _import_mediapipe():
    try:
        import mediapipe as mp
    except ImportError as exc:  # e.g. a numpy 2 environment: mediapipe 0.10.21 needs numpy < 2
        raise TrackerError(f"MediaPipe cannot be loaded here ({exc})") from None
    return mp


def _array(landmarks, with_visibility: bool = False) -> np.ndarray:
    cols = 4 if with_visibility else 3
    out = np.empty((len(landmarks.landmark), cols))
    for i, lm in enumerate(landmarks.landmark):  # a protobuf list: there is no vectorised view of it
        out[i, :3] = lm.x, lm.y, lm.z
        if with_visibility:
            out[i, 3] = lm.visibility
    return out


class MediaPipeDetector:
    """MediaPipe Hands (+ Pose) on successive frames of one video, or on unrelated still images."""

    def __init__(self, *, hands: bool = True, pose: bool = True, still_images: bool = False, max_hands: int = 2,
                 hand_model: int = 1, min_detection: float = 0.5, min_tracking: float = 0.5) -> None:  # fmt: skip
        mp = _import_mediapipe()
        self.still_images = still_images
        self._hands: Any = mp.solutions.hands.Hands(
            static_image_mode=still_images, max_num_hands=max_hands, model_complexity=hand_model,
            min_detection_confidence=min_detection, min_tracking_confidence=min_tracking,
        ) if hands else None  # fmt: skip
        self._pose: Any = mp.solutions.pose.Pose(
            static_image_mode=still_images, model_complexity=1, enable_segmentation=False,
            min_detection_confidence=min_detection, min_tracking_confidence=min_tracking,
        ) if pose else None  # fmt: skip

    def detect(self, rgb: np.ndarray, search: bool = False) -> Detection:
        """Hands and pose in one RGB uint8 frame (an ordinary, un-mirrored image)."""
        rgb = np.ascontiguousarray(rgb)
        pose = self.detect_pose(rgb) if self._pose is not None else None
        hands: tuple[HandObservation, ...] = ()
        if self._hands is not None:
            hands = self._detect_hands(rgb)
            if not hands and search:
                hands = self._search_hands(rgb)
        return Detection(hands, pose, (rgb.shape[1], rgb.shape[0]))

    def detect_pose(self, rgb: np.ndarray) -> PoseObservation | None:
        """The body pose alone (None if this detector has no pose model or sees no body)."""
        if self._pose is None:
            return None
        result = self._pose.process(np.ascontiguousarray(rgb))
        if result.pose_landmarks is None or result.pose_world_landmarks is None:
            return None
        image = _array(result.pose_landmarks, with_visibility=True)
        return PoseObservation(image[:, :3], _array(result.pose_world_landmarks), image[:, 3])

    def _detect_hands(self, rgb: np.ndarray, crop: tuple[int, ...] | None = None) -> tuple[HandObservation, ...]:
        if self._hands is None:
            return ()
        result = self._hands.process(rgb)
        if not result.multi_hand_landmarks:
            return ()
        out = []
        for image_lm, world_lm, handed in zip(result.multi_hand_landmarks, result.multi_hand_world_landmarks,
                                              result.multi_handedness, strict=False):  # fmt: skip
            best = handed.classification[0]
            image_points = _array(image_lm)
            if crop is not None:  # back to the whole image's normalised coordinates
                x0, y0, cw, ch, w, h = crop
                image_points[:, 0] = (x0 + image_points[:, 0] * cw) / w
                image_points[:, 1] = (y0 + image_points[:, 1] * ch) / h
            out.append(HandObservation(own_side(best.label), best.label, float(best.score), image_points,
                                       correct_hand(_array(world_lm))))  # fmt: skip
        return tuple(out)

    def _search_hands(self, rgb: np.ndarray) -> tuple[HandObservation, ...]:
        found = self._detect_hands(cv2.GaussianBlur(rgb, (5, 5), 0))
        if found:
            return found
        h, w = rgb.shape[:2]
        for scale, steps in _SEARCH_CROPS:
            cw, ch = int(w * scale), int(h * scale)
            for y0 in np.linspace(0, h - ch, steps).astype(int):
                for x0 in np.linspace(0, w - cw, steps).astype(int):
                    crop = np.ascontiguousarray(cv2.resize(rgb[y0:y0 + ch, x0:x0 + cw], (w, h)))
                    found = self._detect_hands(crop, (x0, y0, cw, ch, w, h))
                    if found:
                        return found
        return ()

    def close(self) -> None:
        for model in (self._hands, self._pose):
            if model is not None:
                model.close()
