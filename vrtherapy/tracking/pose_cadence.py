"""Body pose at a lower rate than the hand, without holding the hand up.

MediaPipe Pose costs about twice the lite hand model per frame (measured on this class of machine:
pose 15-30 ms, hands lite with one hand 4-8 ms), and what it gives an arm session (shoulder, elbow:
where the arm is) changes slowly next to the fingers. So the hand is tracked on every frame and the
pose only every few:
  * live frames (a camera, a video played in real time): the pose runs on its own thread on the
    newest frame whenever it is free, at most `LIVE_POSE_HZ` times a second, so a frame never waits
    for it;
  * frames read as fast as possible (a file, for a recording or a test): synchronously on every
    `POSE_EVERY`-th frame, so results do not depend on timing.
A pose some frames old is carried to the current frame by `carried`: its wrist (and the hand points
Pose puts beside it) moved by how far the followed hand's wrist moved in the image since, converted
to metres by the shoulders' width, so the hand attached at the pose's wrist does not lag.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from vrtherapy.tracking.mediapipe_detect import PoseObservation
from vrtherapy.tracking.sample import Side

POSE_EVERY = 3
LIVE_POSE_HZ = 10.0
#: Pose landmarks of each side's wrist and the hand points beside it (pinky, index, thumb).
WRIST_GROUP: dict[Side, list[int]] = {"left": [15, 17, 19, 21], "right": [16, 18, 20, 22]}
_SHOULDERS = [11, 12]

PoseFn = Callable[[np.ndarray], PoseObservation | None]


class PoseCadence:
    """The newest body pose and the frame it was seen on; `submit` every frame, `latest` after."""

    def __init__(self, detect_pose: PoseFn, live: bool, clock: Callable[[], float]) -> None:
        self._detect, self._live, self._clock = detect_pose, live, clock
        self._lock = threading.Lock()
        self._latest: tuple[PoseObservation | None, int] = (None, -1)
        self._pending: tuple[np.ndarray, int] | None = None
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._last_start = -np.inf

    def submit(self, rgb: np.ndarray, index: int) -> None:
        if not self._live:
            if index % POSE_EVERY == 0 or self._latest[1] < 0:
                self._latest = (self._detect(rgb), index)
            return
        if self._thread is None:  # started from the tracker's thread: it shares its priority
            self._thread = threading.Thread(target=self._run, name="pose-cadence", daemon=True)
            self._thread.start()
        with self._lock:
            self._pending = (rgb, index)
        self._wake.set()

    def latest(self) -> tuple[PoseObservation | None, int]:
        with self._lock:
            return self._latest

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(0.5)
            wait = self._last_start + 1.0 / LIVE_POSE_HZ - self._clock()
            if wait > 0:
                threading.Event().wait(wait)
            with self._lock:
                job, self._pending = self._pending, None
                self._wake.clear()
            if job is None or self._stop:
                continue
            self._last_start = self._clock()
            pose = self._detect(job[0])
            with self._lock:
                self._latest = (pose, job[1])

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)


def carried(pose: PoseObservation, side: Side, moved_xy: np.ndarray, image_size: tuple[int, int]) -> PoseObservation:
    """`pose` with `side`'s wrist group moved by `moved_xy` (normalised image units) in the image and,
    scaled by the shoulders' metres per pixel, in its world landmarks."""
    w, h = image_size
    span_px = float(np.linalg.norm((pose.image_points[_SHOULDERS[0], :2] - pose.image_points[_SHOULDERS[1], :2]) * (w, h)))
    width_m = float(np.linalg.norm(pose.world_points[_SHOULDERS[0]] - pose.world_points[_SHOULDERS[1]]))
    if span_px < 1.0:
        return pose
    idx = WRIST_GROUP[side]
    image, world = pose.image_points.copy(), pose.world_points.copy()
    image[idx, :2] += moved_xy
    world[idx, :2] += np.asarray(moved_xy) * (w, h) * (width_m / span_px)  # MediaPipe's world axes follow the image's
    return replace(pose, image_points=image, world_points=world)
