"""Where camera frames come from: a camera, a video file, a folder of images or one image.

Each source hands over `CapturedFrame`s: an RGB image stamped with the monotonic clock at capture, so
latency is measured from the moment the light was captured. A video file or image folder has no capture
clock of its own; its frames are stamped `t0 + index / fps` (and, played in real time, delivered then).

`camera.mirrored` says whether the camera delivers a mirror image (most webcam apps' selfie view, some
drivers): such frames are flipped back here, once, so everything downstream sees the world as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from vrtherapy.errors import TrackerError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


@dataclass(frozen=True)
class CapturedFrame:
    image: np.ndarray  #: (H, W, 3) uint8 RGB, as the world looks (never mirrored)
    t_capture: float  #: time.monotonic() at capture
    index: int
    name: str  #: file name for images, "frame N" otherwise


class FrameSource(Protocol):
    name: str
    fps: float
    live: bool  #: frames arrive in real time (a camera, a video played live) rather than as fast as read

    def read(self) -> CapturedFrame | None:
        """The next frame (blocking until it is captured or due); None at the end."""

    def close(self) -> None: ...


def _rgb(bgr: np.ndarray, mirrored: bool) -> np.ndarray:
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return cv2.flip(rgb, 1) if mirrored else rgb


class CameraSource:
    """A live camera (OpenCV index); frames stamped as they are grabbed."""

    def __init__(self, index: int, mirrored: bool = False, size: tuple[int, int] = (640, 480)) -> None:
        self.name = f"camera {index}"
        self.live = True
        self._mirrored = mirrored
        # OpenCV logs its own lines about a missing camera; the one line below says it for the user.
        level = cv2.getLogLevel()
        cv2.setLogLevel(0)  # silent
        try:
            self._capture = cv2.VideoCapture(index)
        finally:
            cv2.setLogLevel(level)
        if not self._capture.isOpened():
            self._capture.release()
            raise TrackerError(f"camera {index}: no camera there (is it connected and not in use by another program?)")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not one queued in the driver
        self.fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 30.0)
        self._index = 0

    def read(self) -> CapturedFrame | None:
        ok = self._capture.grab()
        t = time.monotonic()
        if not ok:
            raise TrackerError(f"{self.name}: the camera stopped delivering frames")
        ok, bgr = self._capture.retrieve()
        if not ok:
            raise TrackerError(f"{self.name}: the camera stopped delivering frames")
        self._index += 1
        return CapturedFrame(_rgb(bgr, self._mirrored), t, self._index - 1, f"frame {self._index - 1}")

    def close(self) -> None:
        self._capture.release()


class _PacedSource:
    """Stamps frame i at t0 + i / fps; in real time, also waits until then before handing it over."""

    def __init__(self, fps: float, realtime: bool, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.fps, self._realtime, self._clock, self._sleep = fps, realtime, clock, sleep
        self.live = realtime
        self._t0: float | None = None

    def _stamp(self, index: int) -> float:
        if self._t0 is None:
            self._t0 = self._clock()
        due = self._t0 + index / self.fps
        if self._realtime:
            wait = due - self._clock()
            if wait > 0:
                self._sleep(wait)
        return due


class VideoFileSource(_PacedSource):
    """A video file, frame by frame."""

    def __init__(self, path: Path, mirrored: bool = False, realtime: bool = True,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.path = Path(path)
        if not self.path.is_file():
            raise TrackerError(f"{self.path}: no such video file")
        self._capture = cv2.VideoCapture(str(self.path))
        ok, first = self._capture.read() if self._capture.isOpened() else (False, None)
        if not ok:
            self._capture.release()
            raise TrackerError(f"{self.path}: not a video this machine can read")
        super().__init__(float(self._capture.get(cv2.CAP_PROP_FPS) or 30.0), realtime, clock, sleep)
        self.name = self.path.name
        self.frame_count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self._mirrored = mirrored
        self._pending: np.ndarray | None = first
        self._index = 0

    def read(self) -> CapturedFrame | None:
        if self._realtime and self._t0 is not None:
            # Played live, a frame whose time has passed while the tracker was busy is dropped, as a
            # camera's would be: the tracker always gets the frame being "captured" now.
            due = int((self._clock() - self._t0) * self.fps)
            while self._index < due:
                if self._pending is not None:
                    self._pending = None
                elif not self._capture.grab():
                    return None
                self._index += 1
        if self._pending is not None:
            bgr, self._pending = self._pending, None
        else:
            ok, bgr = self._capture.read()
            if not ok:
                return None
        i = self._index
        self._index += 1
        return CapturedFrame(_rgb(bgr, self._mirrored), self._stamp(i), i, f"frame {i}")

    def close(self) -> None:
        self._capture.release()


class ImageFolderSource(_PacedSource):
    """Still images, in file-name order (a folder, or a single image), as if filmed at `fps`."""

    def __init__(self, path: Path, mirrored: bool = False, realtime: bool = False, fps: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        path = Path(path)
        if path.is_dir():
            self.files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self.files:
                raise TrackerError(f"{path}: no images in this folder ({', '.join(IMAGE_SUFFIXES)})")
        elif path.is_file():
            import cv2

            if not cv2.haveImageReader(str(path)):  # reads the file's signature only
                raise TrackerError(f"{path}: not an image this machine can read")
            self.files = [path]
        else:
            raise TrackerError(f"{path}: no such image or folder")
        super().__init__(fps, realtime, clock, sleep)
        self.name = path.name
        self._mirrored = mirrored
        self._index = 0

    def read(self) -> CapturedFrame | None:
        if self._index >= len(self.files):
            return None
        i, path = self._index, self.files[self._index]
        self._index += 1
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise TrackerError(f"{path}: not an image this machine can read")
        return CapturedFrame(_rgb(bgr, self._mirrored), self._stamp(i), i, path.name)

    def close(self) -> None:
        pass


def open_frame_source(spec: str, mirrored: bool = False, realtime: bool = True) -> FrameSource:
    """`0` (a camera index), a video file, an image file or a folder of images."""
    if spec.isdigit():
        return CameraSource(int(spec), mirrored)
    path = Path(spec)
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFolderSource(path, mirrored, realtime=False)
    return VideoFileSource(path, mirrored, realtime=realtime)
