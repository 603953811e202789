"""Offline analysis (`vrtherapy track SOURCE --json`): hands, sides, landmarks and joint angles per frame.

For clinicians measuring range of motion from a recorded video or photographs. Every frame gives one
JSON-ready dict: each hand found, the person's own side (not MediaPipe's selfie label), its 21 landmarks
(image-normalised and world metres), the retargeted joint angles in degrees and one flexion value per
finger (0 = straight, 1 = fully curled, `motion.finger_curl`).

Where the body pose shows the arm the hand belongs to, the whole arm is retargeted and the wrist, elbow
and shoulder angles are reported too; a hand seen alone is measured with its palm aligned to a resting
forearm, so only its finger and thumb angles mean anything and the arm's angles are reported as null.
Still images get MediaPipe's slower, more thorough still-image search.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from vrtherapy.frames import camera_view_to_world
from vrtherapy.motion.finger_curl import DIGITS, finger_curl, finger_states, hand_shape, planar_finger_curl
from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.tracking.frame_sources import ImageFolderSource, open_frame_source
from vrtherapy.tracking.hand_selection import pose_holding
from vrtherapy.tracking.mediapipe_detect import Detection, HandObservation, MediaPipeDetector
from vrtherapy.tracking.mediapipe_source import DEFAULT_CAMERA, CameraSettings, arm_with_hand
from vrtherapy.tracking.sample import TrackedSample

ARM_JOINTS = ("upper_arm", "forearm", "wrist")


def _round(a: np.ndarray, digits: int) -> list:
    return np.round(np.asarray(a, dtype=float), digits).tolist()


class HandAnalyser:
    """Retargets the hands of one detection; build once, reuse for every frame."""

    def __init__(self, camera: CameraSettings = DEFAULT_CAMERA) -> None:
        self.camera = camera
        self._retargeters = {side: Retargeter(build_arm_skeleton(side)) for side in ("left", "right")}

    def _arm_from_pose(self, hand: HandObservation, detection: Detection, hand_world: np.ndarray) -> np.ndarray | None:
        # None: no body that holds this hand in view (no arm, another person's, a "body" inside a close-up)
        return arm_with_hand(hand_world, pose_holding(hand, detection.pose), hand.side, self.camera.view)

    def hand(self, hand: HandObservation, detection: Detection) -> dict:
        retargeter = self._retargeters[hand.side]
        skeleton = retargeter.skeleton
        hand_world = camera_view_to_world(hand.world_points, self.camera.view)
        arm = self._arm_from_pose(hand, detection, hand_world)
        points = arm if arm is not None else arm_points_from_hand(hand_world, hand.side, align=True)
        pose = retargeter.solve(TrackedSample("arm", hand.side, 0.0, points, fingers_from_image=True))
        degrees = np.degrees(pose.angles)
        curl = finger_curl(skeleton, pose.angles)
        w, h = detection.image_size if detection.image_size != (0, 0) else (1, 1)
        planar = planar_finger_curl(hand.image_points[:, :2] * (w, h))  # pixels: both axes on one scale
        angles: dict[str, list | None] = {name: _round(degrees[j], 1) for j, name in enumerate(skeleton.names)
                                          if name not in ARM_JOINTS or arm is not None}  # fmt: skip
        angles.update({name: None for name in ARM_JOINTS if arm is None})
        return {
            "side": hand.side,
            "mediapipe_label": hand.label,
            "score": round(hand.score, 3),
            "arm_in_view": arm is not None,
            "landmarks_image": _round(hand.image_points, 4),
            "landmarks_world_m": _round(hand_world - hand_world[0], 4),
            "joint_angles_deg": angles,
            "finger_flexion": {d: round(float(c), 3) for d, c in zip(DIGITS, curl, strict=False)},
            # The same scale from the image plane alone (a cross-check; it reads a finger curling
            # straight at the camera low): `finger_curl.planar_finger_curl`.
            "finger_flexion_image": {d: round(float(c), 3) for d, c in zip(DIGITS, planar, strict=True)},
            "finger_states": finger_states(curl),
            "hand_shape": hand_shape(curl),
        }


def track_frames(spec: str, camera: CameraSettings = DEFAULT_CAMERA, pose: bool = True) -> Iterator[dict]:
    """One dict per frame of `spec` (an image, a folder of images or a video file)."""
    frames = open_frame_source(spec, camera.mirrored, realtime=False)
    still = isinstance(frames, ImageFolderSource)
    detector = MediaPipeDetector(pose=pose, still_images=still)
    analyser = HandAnalyser(camera)
    try:
        while (frame := frames.read()) is not None:
            detection = detector.detect(frame.image, search=still)
            yield {
                "frame": frame.index,
                "name": frame.name,
                "time_s": round(frame.index / frames.fps, 4),
                "body_in_view": detection.pose is not None,
                "hands": [analyser.hand(h, detection) for h in detection.hands],
            }
    finally:
        frames.close()
        detector.close()


def format_frame(frame: dict) -> str:
    """One readable line per frame, for a person at a terminal (the JSON has everything)."""
    if not frame["hands"]:
        return f"{frame['name']}: no hand found"
    hands = "; ".join(
        f"{h['side']} hand, {h['hand_shape'].replace('_', ' ')}, fingers {h['finger_states']} (thumb first), "
        f"flexion " + " ".join(f"{v:.2f}" for v in h["finger_flexion"].values())
        for h in frame["hands"]
    )
    return f"{frame['name']}: {hands}"
