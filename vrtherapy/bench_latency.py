"""`vrtherapy bench`, latency part: capture-to-screen delay of the webcam path, live, with the renderer.

A real video is played live (frames "captured" at its 30 fps on the monotonic clock, and dropped when
the tracker is busy, as a camera's would be) into the session's webcam tracker (`MediaPipeSource` on
its own thread: lite hand model, one hand, body pose at its own cadence), while the frame loop renders
the full session frame at the session's pace. Each frame shows the newest tracked sample; its delay is
the time the frame is finished (`gl-finish`) minus the moment the sample's camera frame was captured.
Reported: mean and 95th percentile of that delay over the frames that showed a tracked hand, the rate
of new tracked samples (Hz), and the share of frames that showed one.

Timings are reported, never asserted in tests: they depend on the machine and what else it is doing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.tracking.base import ThreadedTracker
from vrtherapy.tracking.frame_sources import VideoFileSource
from vrtherapy.tracking.mediapipe_source import MediaPipeSource
from vrtherapy.tracking.sample import TrackedSample

TARGET_MEAN_MS, TARGET_P95_MS, TARGET_TRACKED_HZ = 70.0, 100.0, 20.0
SESSION_FPS = 30.0


def bench_latency(show: Callable[[TrackedSample | None, float], None], video: Path, seconds: float = 10.0) -> dict:
    """`show(sample, now)` renders one full frame showing `sample`; returns the delay figures."""
    if not video.is_file():
        return {"skipped": f"no video to track ({video}); pass --tracking-video"}
    source = MediaPipeSource(VideoFileSource(video, realtime=True), "right", hand_to_arm=arm_points_from_hand)
    tracker = ThreadedTracker(source)
    delays: list[float] = []
    captures: set[float] = set()
    frames = 0
    tracker.start()
    try:
        while tracker.latest() is None and tracker.running:  # the models load before the clock starts
            time.sleep(0.01)
        start = next_frame = time.monotonic()
        while time.monotonic() - start < seconds and tracker.running:
            sample = tracker.latest()
            show(sample, time.monotonic())
            shown = time.monotonic()
            frames += 1
            if sample is not None and sample.confidence > 0:
                delays.append(shown - sample.t_capture)
                captures.add(sample.t_capture)
            next_frame += 1.0 / SESSION_FPS
            wait = next_frame - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif wait < -1.0 / SESSION_FPS:
                next_frame = time.monotonic()
        elapsed = time.monotonic() - start
    finally:
        tracker.stop()
    ms = np.array(delays) * 1000.0
    mean = float(ms.mean()) if ms.size else float("nan")
    p95 = float(np.percentile(ms, 95)) if ms.size else float("nan")
    rate = len(captures) / elapsed
    return {
        "video": str(video),
        "seconds": round(elapsed, 2),
        "render_fps": round(frames / elapsed, 2),
        "capture_to_screen_ms_mean": round(mean, 1),
        "capture_to_screen_ms_p95": round(p95, 1),
        "tracked_hz": round(rate, 2),
        "frames_showing_a_hand": round(len(delays) / max(frames, 1), 3),
        "targets": {"mean_ms": TARGET_MEAN_MS, "p95_ms": TARGET_P95_MS, "tracked_hz": TARGET_TRACKED_HZ},
        "meets_targets": bool(mean <= TARGET_MEAN_MS and p95 <= TARGET_P95_MS and rate >= TARGET_TRACKED_HZ),
        "tracker_error": None if tracker.error is None else str(tracker.error),
    }


def format_latency(latency: dict) -> list[str]:
    """Report lines for `vrtherapy bench`."""
    if "skipped" in latency:
        return [f"capture to screen: skipped, {latency['skipped']}"]
    ok = "ok" if latency["meets_targets"] else "OUTSIDE TARGET"
    t = latency["targets"]
    return [
        f"capture to screen (webcam path live from {Path(latency['video']).name}, rendering at {latency['render_fps']:.1f} fps):",
        f"  delay          {latency['capture_to_screen_ms_mean']:8.1f} ms mean, {latency['capture_to_screen_ms_p95']:.1f} ms p95",
        f"  tracked rate   {latency['tracked_hz']:8.2f} Hz  ({latency['frames_showing_a_hand']:.0%} of frames show a hand)",
        f"  targets        mean <= {t['mean_ms']:.0f} ms, p95 <= {t['p95_ms']:.0f} ms, >= {t['tracked_hz']:.0f} Hz: {ok}",
    ]
