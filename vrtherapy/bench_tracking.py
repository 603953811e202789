"""`vrtherapy bench`, tracking part: MediaPipe's cost per frame, and the render frame rate with the
webcam tracker running beside the frame loop against the same frames without it, in one run.

The tracker runs MediaPipe on a video as fast as it can (every frame: the worst case for the frame
loop, which shares the CPU with it), on its own thread as in a session. Blocks with tracking on and
off alternate, so machine noise hits both alike; between "on" blocks the tracker is paused at a gate.

Two frame rates: the session's (frames paced to its 30 fps target, as `vrtherapy demo` runs; the
target applies to it) and the unpaced maximum, which shows how much headroom is left on this machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.therapy.pacing import SESSION_FPS, FramePacer
from vrtherapy.tracking.base import ThreadedTracker
from vrtherapy.tracking.frame_sources import VideoFileSource
from vrtherapy.tracking.mediapipe_source import MediaPipeSource
from vrtherapy.tracking.sample import Side

#: The real video the bench tracks when no other is given (`../shared/data`, beside the project).
DEFAULT_VIDEO = Path(__file__).resolve().parents[2] / "shared" / "data" / "motion" / "handpose3d" / "cam1.mp4"
TARGET_FPS_RATIO = 0.9


class _GatedLoopingSource:
    """A MediaPipe source on a video that loops, and waits at a gate while tracking is 'off'."""

    def __init__(self, video: Path) -> None:
        self.video, self.gate = video, threading.Event()
        self.name = "mediapipe-bench"
        self.side: Side = "right"
        self.inference_s: list[float] = []
        self._source = self._open()

    def _open(self) -> MediaPipeSource:
        return MediaPipeSource(VideoFileSource(self.video, realtime=False), "right", hand_to_arm=arm_points_from_hand)

    def next_sample(self):
        while not self.gate.wait(0.1):
            pass
        sample = self._source.next_sample()
        if sample is None:  # end of the video: start it again
            self.inference_s.extend(self._source.inference_s)
            self._source.close()
            self._source = self._open()
            sample = self._source.next_sample()
        return sample

    def all_inference_s(self) -> list[float]:
        return self.inference_s + list(self._source.inference_s)

    def close(self) -> None:
        self.gate.set()
        self._source.close()


def bench_tracking(frame: Callable[[int], None], video: Path | None, blocks: int = 3, seconds: float = 2.0) -> dict:
    """`frame(i)` renders one full frame; returns inference ms and frames per second on vs. off."""
    video = video or DEFAULT_VIDEO
    if not video.is_file():
        return {"skipped": f"no video to track ({video}); pass --tracking-video"}
    source = _GatedLoopingSource(video)
    tracker = ThreadedTracker(source)
    tracker.start()

    def fps_for(on: bool, paced: bool) -> float:
        source.gate.set() if on else source.gate.clear()
        time.sleep(0.2)  # let the tracker reach its gate (or get going)
        pacer = FramePacer(SESSION_FPS, time.perf_counter)
        n, start = 0, pacer.start()
        while time.perf_counter() - start < seconds:
            frame(n)
            n += 1
            if paced:  # as the session does (`therapy/pacing.py`)
                pacer.wait()
        return n / (time.perf_counter() - start)

    try:
        fps: dict[str, list[float]] = {"off": [], "on": [], "max_off": [], "max_on": []}
        for _ in range(blocks):
            for paced, prefix in ((True, ""), (False, "max_")):
                fps[prefix + "off"].append(fps_for(False, paced))
                fps[prefix + "on"].append(fps_for(True, paced))
        source.gate.set()
    finally:
        tracker.stop()
    inference = np.array(source.all_inference_s()) * 1000.0
    off, on, max_off, max_on = (float(np.median(fps[k])) for k in ("off", "on", "max_off", "max_on"))
    return {
        "video": str(video),
        "inference_ms_median": round(float(np.median(inference)), 2) if inference.size else None,
        "inference_ms_p95": round(float(np.percentile(inference, 95)), 2) if inference.size else None,
        "frames_tracked": int(inference.size),
        "session_fps_target": SESSION_FPS,
        "render_fps_tracking_off": round(off, 2),
        "render_fps_tracking_on": round(on, 2),
        "fps_ratio": round(on / off, 3),
        "max_fps_tracking_off": round(max_off, 2),
        "max_fps_tracking_on": round(max_on, 2),
        "max_fps_ratio": round(max_on / max_off, 3),
        "target_ratio": TARGET_FPS_RATIO,
        "meets_target": on / off >= TARGET_FPS_RATIO,
        "tracker_error": None if tracker.error is None else str(tracker.error),
    }
