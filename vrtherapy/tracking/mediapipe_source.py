"""The webcam tracker: MediaPipe hands and body pose -> `TrackedSample`s of the patient's intact limb.

`MediaPipeSource` is a `SampleSource` (run it in a `ThreadedTracker`, so inference never holds up a
frame): each call reads the next frame, runs MediaPipe and hands over the intact arm (body-pose
shoulder, elbow and wrist + the 21 hand landmarks) or leg (hip, knee, ankle, heel, toes), stamped with
the frame's capture time.

Placing the body in the world: MediaPipe's world landmarks are metric but relative (the pose's origin
is between the hips, a hand's near its centre) and in the camera's axes. They are turned into world
axes for the camera's view (`frames.CAMERA_VIEWS`), then the body is turned about the vertical so the
shoulder line runs along +X and moved so the shoulders' midpoint sits where the seated patient's does
(`SHOULDER_MIDPOINT`); the mirror plane x = 0 is then the patient's own midline, whatever the camera's
angle. The hand's landmarks are attached at the pose's wrist. With no body in view (a camera over the
table, a close-up), the hand is attached to a resting arm by the `hand_to_arm` the opener hands in
(`motion.hand_only`, a layer above tracking).

A frame where the limb is not found still yields a sample, with every point invalid and confidence 0,
so the pipeline knows tracking is lost (and when) rather than seeing nothing new.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from vrtherapy.frames import CAMERA_VIEWS, SEATED_RIGHT_SHOULDER, camera_view_to_world
from vrtherapy.tracking.frame_sources import FrameSource
from vrtherapy.tracking.hand_selection import MIN_VISIBILITY, HandSelector, pose_holding
from vrtherapy.tracking.mediapipe_detect import Detection, MediaPipeDetector, PoseObservation
from vrtherapy.tracking.pose_cadence import PoseCadence, carried
from vrtherapy.tracking.sample import ARM_POINTS, HAND_OFFSET, LEG_POINTS, LimbKind, Side, TrackedSample
from vrtherapy.tracking.tracking_advice import FrameFinding, TrackingAdvisor

#: Where the seated patient's shoulders' midpoint is in the world.
SHOULDER_MIDPOINT = np.array([0.0, SEATED_RIGHT_SHOULDER[1], SEATED_RIGHT_SHOULDER[2]])

#: MediaPipe Pose landmark indices per side (person's own sides on an ordinary image).
POSE_INDEX: dict[str, dict[Side, int]] = {
    "shoulder": {"left": 11, "right": 12}, "elbow": {"left": 13, "right": 14}, "wrist": {"left": 15, "right": 16},
    "hip": {"left": 23, "right": 24}, "knee": {"left": 25, "right": 26}, "ankle": {"left": 27, "right": 28},
    "heel": {"left": 29, "right": 30}, "foot_index": {"left": 31, "right": 32},
}  # fmt: skip
ARM_POSE_POINTS = ("shoulder", "elbow", "wrist")

#: Completes a hand seen without its arm ((21, 3) world landmarks) into (24, 3) arm landmarks. The body
#: model that does it (`motion.hand_only`) sits above tracking, so whoever opens the tracker hands it in.
HandToArm = Callable[[np.ndarray, Side], np.ndarray]


@dataclass(frozen=True)
class CameraSettings:
    """How one camera sees the patient: its view (`frames.CAMERA_VIEWS`) and whether it mirrors."""

    view: Literal["front", "top"] = "front"
    mirrored: bool = False

    def __post_init__(self) -> None:
        if self.view not in CAMERA_VIEWS:
            raise ValueError(f"unknown camera view {self.view!r} (choose from {', '.join(CAMERA_VIEWS)})")


DEFAULT_CAMERA = CameraSettings()


def body_to_world(pose_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R, t) placing world-axis pose landmarks so the shoulders lie along +X, centred on SHOULDER_MIDPOINT.

    Only a turn about the vertical: the camera's idea of up is kept (webcams stand level).
    """
    left, right = pose_world[POSE_INDEX["shoulder"]["left"]], pose_world[POSE_INDEX["shoulder"]["right"]]
    across = right - left
    yaw = np.arctan2(across[1], across[0])
    c, s = np.cos(-yaw), np.sin(-yaw)
    rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return rotation, SHOULDER_MIDPOINT - rotation @ ((left + right) / 2)


def pose_points(pose: PoseObservation, names: tuple[str, ...], side: Side, view: str) -> tuple[np.ndarray, np.ndarray]:
    """World positions and seen-flags of the named pose landmarks of one side."""
    world = camera_view_to_world(pose.world_points, view)
    rotation, offset = body_to_world(world)
    idx = np.array([POSE_INDEX[n][side] for n in names])
    points = world[idx] @ rotation.T + offset
    return points, pose.visibility[idx] >= MIN_VISIBILITY


def arm_with_hand(hand_world: np.ndarray, pose: PoseObservation | None, side: Side, view: str) -> np.ndarray | None:
    """(24, 3) arm landmarks: the pose's shoulder, elbow and wrist with the hand attached at the wrist;
    None unless the pose sees all three."""
    if pose is None:
        return None
    arm, seen = pose_points(pose, ARM_POSE_POINTS, side, view)
    if not seen.all():
        return None
    points = np.empty((len(ARM_POINTS), 3))
    points[:HAND_OFFSET] = arm
    points[HAND_OFFSET:] = hand_world - hand_world[0] + arm[2]
    return points


class MediaPipeSource:
    """A SampleSource tracking one intact limb through MediaPipe on a FrameSource."""

    #: Run below the frame loop's priority (see `ThreadedTracker`).
    thread_niceness = 10

    def __init__(self, frames: FrameSource, side: Side, limb: LimbKind = "arm",
                 camera: CameraSettings = DEFAULT_CAMERA, hand_to_arm: HandToArm | None = None,
                 still_images: bool = False, detector: MediaPipeDetector | None = None) -> None:  # fmt: skip
        self.frames, self.side, self.limb, self.camera = frames, side, limb, camera
        self.hand_to_arm = hand_to_arm
        self.name = f"mediapipe:{frames.name}"
        # Built on first use, on the tracker's thread, so MediaPipe's worker threads share its priority.
        self._detector = detector
        self._still = still_images
        self._selector = HandSelector(side)
        self._cadence: PoseCadence | None = None
        self._pose_detector: MediaPipeDetector | None = None
        self._wrists: deque[tuple[int, np.ndarray | None]] = deque(maxlen=64)  #: (frame, followed wrist)
        self._two_hands: MediaPipeDetector | None = None  # while only the other side's hand is found
        self._look_for_two = False
        self.advisor = TrackingAdvisor(side, limb, camera.mirrored, camera.view)
        self.last_detection: Detection | None = None
        self.last_frame_name = ""
        self.inference_s: deque[float] = deque(maxlen=10_000)  #: MediaPipe's time per frame, newest last

    @property
    def metadata(self) -> dict:
        """What a recording notes about where its samples came from."""
        return {"tracker": "mediapipe", "source": self.frames.name, "view": self.camera.view,
                "mirrored": self.camera.mirrored, "fps": self.frames.fps}  # fmt: skip

    def next_sample(self) -> TrackedSample | None:
        frame = self.frames.read()
        if frame is None:
            return None
        if self._detector is None:
            self._build_detectors()
        assert self._detector is not None
        started = time.perf_counter()
        if self._cadence is None:
            detection = self._detector.detect(frame.image, search=self._still)
        else:
            self._cadence.submit(frame.image, frame.index)
            hands = self._hand_detector().detect(frame.image).hands
            size = (frame.image.shape[1], frame.image.shape[0])
            detection = Detection(hands, self._current_pose(size), size)
        self.inference_s.append(time.perf_counter() - started)
        self.last_detection, self.last_frame_name = detection, frame.name
        sample = self.sample_from(detection, frame.t_capture)
        if self._cadence is not None:
            self._wrists.append((frame.index, self._selector.followed_wrist))
            # One hand is looked for while the intact one is found; when only the other hand shows, two
            # (a stroke patient's affected hand may be the one MediaPipe sees first).
            self._look_for_two = sample.confidence == 0 and bool(detection.hands)
        sides = frozenset(h.side for h in detection.hands)
        self.advisor.update(FrameFinding(frame.t_capture, sample.confidence > 0, sides))
        return sample

    @property
    def advice(self) -> str:
        """One line saying what to change while the intact limb is not tracked ("" when it is)."""
        return self.advisor.advice

    def _hand_detector(self) -> MediaPipeDetector:
        assert self._detector is not None
        if not self._look_for_two:
            return self._detector
        if self._two_hands is None:
            self._two_hands = MediaPipeDetector(pose=False, max_hands=2, hand_model=0)
        return self._two_hands

    def _build_detectors(self) -> None:
        """Still images and legs: hands (two, full model) and pose on every frame. An arm followed live
        or from a video: the lite hand model, one hand (the patient has one intact hand; the lite model
        reads the handpose3d pointing hand as well as the full one, at half the cost), and the pose at
        its own cadence (`pose_cadence`)."""
        if self._still or self.limb == "leg":
            self._detector = MediaPipeDetector(hands=self.limb == "arm", still_images=self._still)
            return
        self._detector = MediaPipeDetector(pose=False, max_hands=1, hand_model=0)
        self._pose_detector = MediaPipeDetector(hands=False)
        self._cadence = PoseCadence(self._pose_detector.detect_pose, getattr(self.frames, "live", False), time.monotonic)

    def _current_pose(self, size: tuple[int, int]) -> PoseObservation | None:
        """The newest pose, carried to this frame by the followed hand's motion since it was seen."""
        assert self._cadence is not None
        pose, seen_at = self._cadence.latest()
        now = self._selector.followed_wrist
        then = next((w for i, w in reversed(self._wrists) if i == seen_at), None)
        if pose is None or now is None or then is None:
            return pose
        return carried(pose, self.side, now - then, size)

    def sample_from(self, detection: Detection, t_capture: float) -> TrackedSample:
        if self.limb == "leg":
            return self._leg(detection, t_capture)
        return self._arm(detection, t_capture)

    def _lost(self, t_capture: float, n: int) -> TrackedSample:
        return TrackedSample(self.limb, self.side, t_capture, np.full((n, 3), np.nan), np.zeros(n, bool), 0.0,
                             self.name)  # fmt: skip

    def _arm(self, detection: Detection, t_capture: float) -> TrackedSample:
        hand = self._selector.select(detection.hands, detection.pose)
        if hand is None:
            return self._lost(t_capture, len(ARM_POINTS))
        hand_world = camera_view_to_world(hand.world_points, self.camera.view)
        pose = pose_holding(hand, detection.pose)
        points = arm_with_hand(hand_world, pose, self.side, self.camera.view)
        if points is not None and pose is not None:
            idx = [POSE_INDEX[n][self.side] for n in ARM_POSE_POINTS]
            confidence = hand.score * float(pose.visibility[idx].min())
        elif self.hand_to_arm is not None:  # the hand alone: attached to a resting arm
            points = self.hand_to_arm(hand_world, self.side)
            confidence = hand.score
        else:
            return self._lost(t_capture, len(ARM_POINTS))
        return TrackedSample("arm", self.side, t_capture, points, confidence=confidence, source=self.name,
                             fingers_from_image=True)  # fmt: skip

    def _leg(self, detection: Detection, t_capture: float) -> TrackedSample:
        if detection.pose is None:
            return self._lost(t_capture, len(LEG_POINTS))
        points, seen = pose_points(detection.pose, LEG_POINTS, self.side, self.camera.view)
        if not seen.all():
            return self._lost(t_capture, len(LEG_POINTS))
        idx = [POSE_INDEX[n][self.side] for n in LEG_POINTS]
        return TrackedSample("leg", self.side, t_capture, points, confidence=float(detection.pose.visibility[idx].min()),
                             source=self.name)  # fmt: skip

    def close(self) -> None:
        self.frames.close()
        if self._cadence is not None:
            self._cadence.close()
        for detector in (self._detector, self._pose_detector, self._two_hands):
            if detector is not None:
                detector.close()
