"""`vrtherapy bench`, latency part: capture-to-screen delay of the webcam path, live, with the renderer.

A real video is played live (frames "captured" at its 30 fps on the monotonic clock, and dropped when
the tracker is busy, as a camera's would be) into the session's webcam tracker (`MediaPipeSource` on
its own thread: lite hand model, one hand, body pose at its own cadence), while the frame loop renders
the full session frame at the session's pace. Each frame shows the newest tracked sample; its delay is
the time the frame is finished (`gl-finish`) minus the moment the sample's camera frame was captured.
Reported: mean and 95th percentile of that delay over the frames that showed a tracked hand, the rate
of new tracked samples (Hz), and the share of frames that showed one.

Beside it, in the same run and alternating blocks (so machine load hits both alike), the same figures
for the tracker as it was before the live profile: the full hand model for two hands and the body pose
on every frame (`previous`); their ratio says what the levers bought on this machine today.

Timings are reported, never asserted in tests: they depend on the machine and what else it is doing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.therapy.pacing import SESSION_FPS, FramePacer
from vrtherapy.tracking.base import ThreadedTracker
from vrtherapy.tracking.frame_sources import VideoFileSource
from vrtherapy.tracking.mediapipe_detect import MediaPipeDetector
from vrtherapy.tracking.mediapipe_source import MediaPipeSource
from vrtherapy.tracking.sample import TrackedSample

TARGET_MEAN_MS, TARGET_P95_MS, TARGET_TRACKED_HZ = 70.0, 100.0, 20.0


def bench_latency(show: Callable[[TrackedSample | None, float], None], video: Path, seconds: float = 5.0,
                  blocks: int = 2) -> dict:  # fmt: skip
    """`show(sample, now)` renders one full frame showing `sample`; returns the delay figures of the live
    profile and of the previous one, `blocks` alternating blocks of `seconds` each."""
    if not video.is_file():
        return {"skipped": f"no video to track ({video}); pass --tracking-video"}
    runs: dict[str, list[dict]] = {"live": [], "previous": []}
    for _ in range(blocks):
        for profile in runs:
            runs[profile].append(_one_block(show, video, seconds, profile == "previous"))
    live, previous = (_pooled(runs[k]) for k in ("live", "previous"))
    live["previous_profile"] = previous
    live["mean_ratio_to_previous"] = round(live["capture_to_screen_ms_mean"] / previous["capture_to_screen_ms_mean"], 3)
    live["tracked_hz_ratio_to_previous"] = round(live["tracked_hz"] / max(previous["tracked_hz"], 1e-9), 3)
    return live


def _pooled(blocks: list[dict]) -> dict:
    delays = np.concatenate([b["delays_ms"] for b in blocks])
    elapsed = sum(b["seconds"] for b in blocks)
    mean = float(delays.mean()) if delays.size else float("nan")
    p95 = float(np.percentile(delays, 95)) if delays.size else float("nan")
    rate = sum(b["tracked"] for b in blocks) / elapsed
    frames = sum(b["frames"] for b in blocks)
    return {
        "video": blocks[0]["video"],
        "seconds": round(elapsed, 2),
        "render_fps": round(frames / elapsed, 2),
        "capture_to_screen_ms_mean": round(mean, 1),
        "capture_to_screen_ms_p95": round(p95, 1),
        "tracked_hz": round(rate, 2),
        "frames_showing_a_hand": round(delays.size / max(frames, 1), 3),
        "targets": {"mean_ms": TARGET_MEAN_MS, "p95_ms": TARGET_P95_MS, "tracked_hz": TARGET_TRACKED_HZ},
        "meets_targets": bool(mean <= TARGET_MEAN_MS and p95 <= TARGET_P95_MS and rate >= TARGET_TRACKED_HZ),
        "tracker_error": next((b["error"] for b in blocks if b["error"]), None),
    }


def _one_block(show: Callable[[TrackedSample | None, float], None], video: Path, seconds: float,
               previous: bool) -> dict:  # fmt: skip
    detector = MediaPipeDetector(max_hands=2, hand_model=1) if previous else None  # every frame: hands x2 + pose
    source = MediaPipeSource(VideoFileSource(video, realtime=True), "right", hand_to_arm=arm_points_from_hand,
                             detector=detector)  # fmt: skip
    tracker = ThreadedTracker(source, say=lambda _line: None)
    delays: list[float] = []
    captures: set[float] = set()
    frames = 0
    tracker.start()
    try:
        # The models load before the clock starts; the first frame, read before they did, is not counted.
        while tracker.samples_received < 3 and tracker.running:
            time.sleep(0.01)
        pacer = FramePacer(SESSION_FPS)
        start = pacer.start()
        while time.monotonic() - start < seconds and tracker.running:
            sample = tracker.latest()
            show(sample, time.monotonic())
            shown = time.monotonic()
            frames += 1
            if sample is not None and sample.confidence > 0:
                delays.append(shown - sample.t_capture)
                captures.add(sample.t_capture)
            pacer.wait()
        elapsed = time.monotonic() - start
    finally:
        tracker.stop()
    return {"video": str(video), "seconds": elapsed, "frames": frames, "tracked": len(captures),
            "delays_ms": np.array(delays) * 1000.0, "error": None if tracker.error is None else str(tracker.error)}


def format_latency(latency: dict) -> list[str]:
    """Report lines for `vrtherapy bench`."""
    if "skipped" in latency:
        return [f"capture to screen: skipped, {latency['skipped']}"]
    ok = "ok" if latency["meets_targets"] else "OUTSIDE TARGET"
    p = latency["previous_profile"]
    t = latency["targets"]
    return [
        f"capture to screen (webcam path live from {Path(latency['video']).name}, rendering at {latency['render_fps']:.1f} fps):",
        f"  delay          {latency['capture_to_screen_ms_mean']:8.1f} ms mean, {latency['capture_to_screen_ms_p95']:.1f} ms p95",
        f"  tracked rate   {latency['tracked_hz']:8.2f} Hz  ({latency['frames_showing_a_hand']:.0%} of frames show a hand)",
        f"  targets        mean <= {t['mean_ms']:.0f} ms, p95 <= {t['p95_ms']:.0f} ms, >= {t['tracked_hz']:.0f} Hz: {ok}",
        f"  previous path  {p['capture_to_screen_ms_mean']:8.1f} ms mean, {p['capture_to_screen_ms_p95']:.1f} ms p95, "
        f"{p['tracked_hz']:.2f} Hz (full hand model x2 + pose every frame, same run):",
        f"  live/previous  delay x{latency['mean_ratio_to_previous']:.2f}, "
        f"tracked rate x{latency['tracked_hz_ratio_to_previous']:.2f}",
    ]
