"""The session loop: each frame take the newest tracked sample, pose the limbs, update the HUD, render.

The loop never waits for tracking (the tracker runs on its own thread) and paces itself to the target
frame rate. It measures what a clinician needs to trust the session: frames and frame rate, and the
visuo-motor delay the patient saw (capture of the movement to the frame showing it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from vrtherapy.motion.mirror_modes import MirrorMode
from vrtherapy.motion.pipeline import PosePipeline
from vrtherapy.render.app import TherapyScene
from vrtherapy.render.capture import capture_texture, read_rgb
from vrtherapy.render.hud import HudState
from vrtherapy.therapy.playlist import Playlist, PlaylistItem
from vrtherapy.tracking.base import Tracker

#: A sample older than this means the tracker has lost the limb (or stopped).
STALE_SAMPLE_S = 0.5
#: Visuo-motor delay beyond which people stop feeling a seen limb move as their own (about 190 ms).
EMBODIMENT_WINDOW_MS = 190.0

FrameSink = Callable[[int, float, np.ndarray], None]


@dataclass
class SessionStats:
    frames: int = 0
    elapsed_s: float = 0.0
    delays_s: list[float] = field(default_factory=list)
    stopped_by_user: bool = False
    tracker_error: str | None = None
    #: (seconds into the session, mirror mode) each time the mode changed, starting with the first
    modes: list[tuple[float, MirrorMode]] = field(default_factory=list)

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def delay_summary_ms(self) -> dict[str, float | bool | None]:
        """Capture-to-display delay of the movements the patient saw, against the embodiment window."""
        if not self.delays_s:
            return {"mean": None, "p95": None, "max": None, "embodiment_window": EMBODIMENT_WINDOW_MS,
                    "within_window": None}  # fmt: skip
        d = np.array(self.delays_s) * 1000.0
        p95 = float(np.percentile(d, 95))
        return {"mean": round(float(d.mean()), 2), "p95": round(p95, 2), "max": round(float(d.max()), 2),
                "embodiment_window": EMBODIMENT_WINDOW_MS, "within_window": p95 < EMBODIMENT_WINDOW_MS}  # fmt: skip


def item_at(playlist: Playlist, t: float) -> tuple[PlaylistItem | None, float]:
    """The exercise running at t seconds into the playlist and the seconds it has left."""
    start = 0.0
    for item in playlist.exercises:
        if t < start + item.duration_s:
            return item, start + item.duration_s - t
        start += item.duration_s
    return None, 0.0


def hud_for(playlist: Playlist, t: float, notice: str = "") -> HudState:
    item, left = item_at(playlist, t)
    if item is None:
        return HudState(title="Well done", instruction="The session is complete.", progress=1.0, notice=notice)
    return HudState(title=item.exercise.name, instruction=item.text, seconds_left=left,
                    progress=t / playlist.duration_s, notice=notice)  # fmt: skip


class SessionRunner:
    def __init__(self, scene: TherapyScene, tracker: Tracker, pipeline: PosePipeline, playlist: Playlist,
                 fps: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, residual_tracker: Tracker | None = None) -> None:  # fmt: skip
        """`residual_tracker` follows the residual limb when the pipeline anchors at the stump."""
        self.scene, self.tracker, self.pipeline, self.playlist = scene, tracker, pipeline, playlist
        self.residual_tracker = residual_tracker
        self.fps = fps
        self._clock, self._sleep = clock, sleep
        self._stop_requested = False
        base = scene.base
        for key in ("escape", "q"):
            base.accept(key, self.request_stop)
        base.accept("window-event", self._on_window_event)

    def request_stop(self) -> None:
        self._stop_requested = True

    def _on_window_event(self, win) -> None:
        if win is not None and win.getProperties().getOpen() is False:
            self._stop_requested = True

    def run(self, seconds: float, sink: FrameSink | None = None, sink_every: int = 1) -> SessionStats:
        """Run for `seconds`; every `sink_every`-th frame's pixels go to `sink(frame, t, rgb)`."""
        base, stats = self.scene.base, SessionStats()
        tex = capture_texture(base.win) if sink is not None else None
        period = 1.0 / self.fps
        t0 = self._clock()
        next_frame = t0
        last_shown_capture: float | None = None
        session_mode = self.pipeline.mirror.mode
        current_item: PlaylistItem | None = None
        while not self._stop_requested:
            now = self._clock()
            t = now - t0
            if t >= seconds:
                break
            item, _ = item_at(self.playlist, t)
            if item is not current_item:  # a new exercise brings its own mirror mode, if it has one
                current_item = item
                wanted = item.mirror if item is not None and item.mirror is not None else session_mode
                if wanted != self.pipeline.mirror.mode and wanted.copy == session_mode.copy:
                    self.pipeline.set_mode(wanted)
                if not stats.modes or stats.modes[-1][1] != self.pipeline.mirror.mode:
                    stats.modes.append((round(t, 3), self.pipeline.mirror.mode))
            sample = self.tracker.latest()
            residual = self.residual_tracker.latest() if self.residual_tracker is not None else None
            poses = self.pipeline.process(sample, residual)
            notice = self._notice(sample, now)
            self.scene.show(poses, hud_for(self.playlist, t, notice))
            grab = tex is not None and stats.frames % sink_every == 0
            if grab:
                base.win.triggerCopy()
            base.taskMgr.step()  # renders the frame and handles window/keyboard events
            shown = self._clock()
            shown_capture = poses.phantom.t_capture if poses.phantom is not None else None
            if shown_capture is not None and shown_capture != last_shown_capture:
                # The first frame showing a movement on the phantom limb is the delay the patient
                # experiences (including any delay a research protocol adds on purpose).
                stats.delays_s.append(shown - shown_capture)
                last_shown_capture = shown_capture
            if grab:
                sink(stats.frames, t, read_rgb(tex))
            stats.frames += 1
            next_frame += period
            delay = next_frame - self._clock()
            if delay > 0:
                self._sleep(delay)
            elif delay < -period:
                next_frame = self._clock()  # more than a frame late: start afresh, no burst of frames
        stats.elapsed_s = self._clock() - t0
        stats.stopped_by_user = self._stop_requested
        error = getattr(self.tracker, "error", None)
        stats.tracker_error = None if error is None else f"{type(error).__name__}: {error}"
        return stats

    def _notice(self, sample, now: float) -> str:
        if getattr(self.tracker, "error", None) is not None or not getattr(self.tracker, "running", True):
            return "Tracking has stopped. Please let your therapist know."
        if sample is None:
            return "Waiting for the tracker..."
        if now - sample.t_capture > STALE_SAMPLE_S:
            return "Tracking paused: move your hand back into view."
        return ""
