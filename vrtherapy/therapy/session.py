"""The session loop: each frame take the newest tracked sample, pose the limbs, count repetitions, follow the
playlist, update the HUD, render.

The loop never waits for tracking (the tracker runs on its own thread) and paces itself to the target
frame rate. It measures what a clinician needs to trust the session: frames and frame rate, the
visuo-motor delay the patient saw (capture of the movement to the frame showing it), and per exercise
the repetitions, range of motion and movement time (`therapy/reps.py`).

The running order (exercises, rest breaks, pause, skip, stop, the session cap) is `SessionTimeline`'s;
this module feeds it the clock and the repetition count and acts on its events: a new exercise
brings its own mirror mode, a finished one becomes an `ExerciseOutcome` handed to `on_exercise` at
once (so a caller can store it before the next one begins).

Commands come from the keyboard (Space or P: pause / resume; N or right arrow: skip; Esc or Q: stop;
numbers, Enter, Backspace, up/down: the pain question) or from any other code (a headset controller)
through the same methods: `pause()`, `resume()`, `toggle_pause()`, `skip()`, `stop()`, `pain_key()`.
They are queued and applied at the start of the next frame, so they are safe from another thread.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from vrtherapy.motion.mirror_modes import MirrorMode
from vrtherapy.motion.pipeline import PosePipeline
from vrtherapy.render.app import TherapyScene
from vrtherapy.render.capture import capture_texture, read_rgb
from vrtherapy.render.hud import HudState
from vrtherapy.therapy.pain import PAIN_HINT, PAIN_QUESTION, PAIN_SCALE, PainRating, PainWhen
from vrtherapy.therapy.playlist import Playlist, PlaylistItem
from vrtherapy.therapy.reps import RepCounter
from vrtherapy.therapy.timeline import (
    REMINDER_S,
    EndReason,
    Event,
    ExerciseEnded,
    ExerciseStarted,
    SessionEnded,
    SessionTimeline,
)
from vrtherapy.tracking.base import Tracker

#: Visuo-motor delay beyond which people stop feeling a seen limb move as their own (about 190 ms).
EMBODIMENT_WINDOW_MS = 190.0

FrameSink = Callable[[int, float, np.ndarray], None]

REMINDER_TITLE = "Time to rest"
REMINDER_BANNER = "That is enough for today."
REMINDER_DETAIL = "You have reached today's session length.\nLet your limbs rest and breathe slowly. Well done."
PAUSED_DETAIL = "Press Space to continue, N to skip this exercise, Esc to stop."

_KEYS = {"space": "toggle_pause", "p": "toggle_pause", "n": "skip", "arrow_right": "skip",
         "escape": "stop", "q": "stop"}  # fmt: skip
_PAIN_KEYS = tuple(str(d) for d in range(10)) + ("enter", "backspace", "arrow_up", "arrow_down")


@dataclass(frozen=True)
class ExerciseOutcome:
    """What one exercise of a session achieved."""

    index: int  #: position in the playlist
    exercise_id: str
    started_at: datetime
    duration_s: float  #: time it ran, pauses excluded
    completed: bool
    reason: EndReason  #: why it ended (timeline.EndReason)
    reps: int | None  #: counted repetitions (None: nothing to count, e.g. rest)
    target_reps: int | None
    rom_deg: float | None
    movement_time_s: float | None
    latency_ms_mean: float | None
    latency_ms_p95: float | None


@dataclass
class SessionStats:
    frames: int = 0
    elapsed_s: float = 0.0
    delays_s: list[float] = field(default_factory=list)
    stopped_by_user: bool = False
    tracker_error: str | None = None
    #: (seconds into the session, mirror mode) each time the mode changed, starting with the first
    modes: list[tuple[float, MirrorMode]] = field(default_factory=list)
    outcomes: list[ExerciseOutcome] = field(default_factory=list)
    pain: dict[str, int] = field(default_factory=dict)  #: answers given on the HUD, by "before"/"after"
    #: "completed", "capped" (the session's length was reached), "stopped" (by the user or the window
    #: closing), "seconds" (the run's own time limit), or None while running
    ended_by: str | None = None

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
    """On the playlist's fixed timeline (every exercise to its time limit, then its rest): the exercise
    running at t seconds and the seconds it has left; (None, seconds left) in a rest break or after."""
    start = 0.0
    for i, item in enumerate(playlist.exercises):
        if t < start + item.limit_s:
            return item, start + item.limit_s - t
        start += item.limit_s
        rest = playlist.rest_after(i)
        if t < start + rest:
            return None, start + rest - t
        start += rest
    return None, 0.0


def hud_for(playlist: Playlist, t: float, notice: str = "") -> HudState:
    """The HUD at t seconds on the playlist's fixed timeline (no repetitions counted)."""
    item, left = item_at(playlist, t)
    if item is None and t < playlist.duration_s:
        return HudState(title="Rest", instruction="Relax and breathe.", seconds_left=left,
                        progress=t / playlist.duration_s, notice=notice)  # fmt: skip
    if item is None:
        return HudState(title="Well done", instruction="The session is complete.", progress=1.0, notice=notice)
    return HudState(title=item.exercise.name, instruction=item.text, seconds_left=left,
                    progress=t / playlist.duration_s, notice=notice)  # fmt: skip


class SessionRunner:
    def __init__(self, scene: TherapyScene, tracker: Tracker, pipeline: PosePipeline, playlist: Playlist,
                 fps: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, residual_tracker: Tracker | None = None, *,
                 max_s: float | None = None, ask_pain: tuple[PainWhen, ...] = (),
                 on_exercise: Callable[[ExerciseOutcome], None] | None = None,
                 on_pain: Callable[[int, PainWhen], None] | None = None,
                 reminder_s: float = REMINDER_S, closing_s: float = 0.0,
                 on_frame: Callable[[SessionRunner], None] | None = None) -> None:  # fmt: skip
        """`residual_tracker` follows the residual limb when the pipeline anchors at the stump.

        `max_s` caps the session's length (besides the playlist's own `max_minutes`); `ask_pain`
        names the pain questions to ask on the HUD ("before", "after"); `on_exercise` and `on_pain`
        receive each result as soon as it is known. `closing_s`: how long "Well done" stays up at the end.
        `on_frame(runner)` is called on the loop's thread after each frame is shown (the console reads the
        frame and the state there; whatever it changes shows in the next frame).
        """
        self.scene, self.tracker, self.pipeline, self.playlist = scene, tracker, pipeline, playlist
        self.residual_tracker = residual_tracker
        self.fps = fps
        self.max_s, self.ask_pain, self.reminder_s, self.closing_s = max_s, ask_pain, reminder_s, closing_s
        self.on_exercise, self.on_pain, self.on_frame = on_exercise, on_pain, on_frame
        self._stats = SessionStats()
        self._session_mode = pipeline.mirror.mode
        self._counter: RepCounter | None = None
        self._stage = "starting"
        self._clock, self._sleep = clock, sleep
        self._commands: deque[tuple[str, str]] = deque()
        self._stop_requested = False
        self._hold = False  # a pause asked for before the exercises began (e.g. the headset is off)
        self.timeline = SessionTimeline(playlist, max_s, reminder_s)
        self.pain: PainRating | None = None  #: the question on the HUD, if one is
        base = scene.base
        for key, command in _KEYS.items():
            base.accept(key, self._commands.append, [(command, "")])
        for key in _PAIN_KEYS:
            base.accept(key, self._commands.append, [("pain", key)])
        base.accept("window-event", self._on_window_event)

    # -- commands (keyboard, controller, other threads) ----------------------------------------------

    def pause(self) -> None:
        self._commands.append(("pause", ""))

    def resume(self) -> None:
        self._commands.append(("resume", ""))

    def toggle_pause(self) -> None:
        self._commands.append(("toggle_pause", ""))

    def skip(self) -> None:
        """End the exercise or rest break under way and go on with the next."""
        self._commands.append(("skip", ""))

    def stop(self) -> None:
        """End the session."""
        self._commands.append(("stop", ""))

    def pain_key(self, key: str) -> None:
        """A key for the pain question: "0"-"9", "enter", "backspace", "arrow_up", "arrow_down"."""
        self._commands.append(("pain", key))

    def request_stop(self) -> None:
        self.stop()

    def set_mirror_mode(self, mode: MirrorMode) -> None:
        """Change the mirror mode now and for the rest of the session (exercises with a mode of their own
        in the playlist still bring it). Call on the loop's thread (e.g. from `on_frame`)."""
        self.pipeline.set_mode(mode)  # validates before anything changes
        self._session_mode = mode
        modes = self._stats.modes
        if not modes or modes[-1][1] != mode:
            modes.append((round(self.timeline.active_s, 3), mode))

    def set_show_intact(self, show: bool) -> None:
        """Draw the intact limb's twin or only the virtual limb (phantom-only). Call on the loop's thread."""
        self.pipeline.mirror = replace(self.pipeline.mirror, show_intact=show)

    @property
    def stats(self) -> SessionStats:
        """The running session's figures so far (frames, delays, outcomes, pain answers)."""
        return self._stats

    @property
    def stage(self) -> str:
        """pain_before, exercises, pain_after, closing or end."""
        return self._stage

    @property
    def counter(self) -> RepCounter | None:
        """The repetition counter of the exercise under way, if it counts repetitions."""
        return self._counter

    @property
    def program_time(self) -> float:
        """Seconds of exercise and rest so far, pauses excluded (the synthetic patient's clock)."""
        return self.timeline.active_s

    def _on_window_event(self, win) -> None:
        if win is not None and win.getProperties().getOpen() is False:
            self.stop()

    # -- the loop ----------------------------------------------------------------------------------

    def run(self, seconds: float | None = None, sink: FrameSink | None = None, sink_every: int = 1) -> SessionStats:
        """Run the session until it ends (or for at most `seconds`); every `sink_every`-th frame's pixels
        go to `sink(frame, t, rgb)`."""
        base, stats = self.scene.base, SessionStats()
        self._stats = stats
        tex = capture_texture(base.win) if sink is not None else None
        period = 1.0 / self.fps
        t0 = self._clock()
        next_frame = t0
        last_shown_capture: float | None = None
        last_measured: float | None = None
        self._session_mode = self.pipeline.mirror.mode
        self.timeline = SessionTimeline(self.playlist, self.max_s, self.reminder_s)
        self._counter = None
        self._started_at = datetime.now()
        self._exercise_delays: list[float] = []
        self._stop_requested = False
        self._stage = "pain_before" if "before" in self.ask_pain else "exercises"
        self.pain = PainRating("before") if self._stage == "pain_before" else None
        if self._stage == "exercises":
            self._begin_exercises(t0, 0.0)
        while True:
            now = self._clock()
            t = now - t0
            if seconds is not None and t >= seconds:
                self._handle(self.timeline.stop(now), t)
                stats.ended_by = "seconds"
                break
            self._run_commands(now, t)
            sample = self.tracker.latest()
            residual = self.residual_tracker.latest() if self.residual_tracker is not None else None
            poses = self.pipeline.process(sample, residual, now)
            movement = self.pipeline.movement
            if movement is not None and movement.t_capture != last_measured:
                last_measured = movement.t_capture
                if self._counter is not None and self.timeline.phase == "exercise" and not self.timeline.paused:
                    self._counter.update(movement.t_capture, movement.angles)
            self._advance(now, t)
            if self._stage == "end":
                break
            notice = self._notice(sample, now)
            self.scene.show(poses, self._hud(notice))
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
                if self.timeline.phase == "exercise":
                    self._exercise_delays.append(shown - shown_capture)
                last_shown_capture = shown_capture
            if grab:
                sink(stats.frames, t, read_rgb(tex))
            stats.frames += 1
            if self.on_frame is not None:
                self.on_frame(self)
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

    def _run_commands(self, now: float, t: float) -> None:
        timeline = self.timeline
        while self._commands:
            command, key = self._commands.popleft()
            if command == "stop":
                self._stop_requested = True
                self._handle(timeline.stop(now), t)
                self._stats.ended_by = "stopped"
                self._stage = "end"
            elif command == "pain" and self.pain is not None:
                self.pain.key(key)
            elif self._stage != "exercises":
                if command in ("pause", "resume", "toggle_pause"):
                    self._hold = command == "pause" or (command == "toggle_pause" and not self._hold)
            elif command == "skip":
                self._handle(timeline.skip(now), t)
            elif command == "pause" or (command == "toggle_pause" and not timeline.paused):
                timeline.pause(now)
            elif command in ("resume", "toggle_pause"):
                timeline.resume(now)

    def _advance(self, now: float, t: float) -> None:
        """Move the session on: the pain questions around the timeline, the timeline itself."""
        if self._stage == "pain_before" and self.pain is not None and self.pain.done:
            self._answered(self.pain)
            self._begin_exercises(now, t)
        elif self._stage == "exercises":
            reps = self._counter.reps if self._counter is not None else None
            self._handle(self.timeline.advance(now, reps), t)
        elif self._stage == "pain_after" and self.pain is not None and self.pain.done:
            self._answered(self.pain)
            self._close(now)
        if self._stage == "closing" and now >= self._closing_until:
            self._stage = "end"

    def _close(self, now: float) -> None:
        self._stage, self._closing_until = "closing", now + self.closing_s

    def _begin_exercises(self, now: float, t: float) -> None:
        self._stage = "exercises"
        self._handle(self.timeline.start(now), t)
        if self._hold:
            self.timeline.pause(now)

    def _answered(self, rating: PainRating) -> None:
        score = rating.confirmed
        assert score is not None
        self._stats.pain[rating.when] = score
        self.pain = None
        if self.on_pain is not None:
            self.on_pain(score, rating.when)

    def _handle(self, events: list[Event], t: float) -> None:
        for event in events:
            if isinstance(event, ExerciseStarted):
                self._start_exercise(self.playlist.exercises[event.index], t)
            elif isinstance(event, ExerciseEnded):
                self._finish_exercise(event)
            elif isinstance(event, SessionEnded):
                self._stats.ended_by = event.reason
                if self._stage != "exercises":
                    continue
                if event.reason == "stopped":
                    self._stage = "end"
                elif "after" in self.ask_pain:
                    self._stage, self.pain = "pain_after", PainRating("after")
                else:
                    self._close(self._clock())

    def _start_exercise(self, item: PlaylistItem, t: float) -> None:
        # A new exercise brings its own mirror mode, if it has one.
        wanted = item.mirror if item.mirror is not None else self._session_mode
        if wanted != self.pipeline.mirror.mode and wanted.copy == self._session_mode.copy:
            self.pipeline.set_mode(wanted)
        modes = self._stats.modes
        if not modes or modes[-1][1] != self.pipeline.mirror.mode:
            modes.append((round(t, 3), self.pipeline.mirror.mode))
        signal = item.exercise.reps
        names = self.pipeline.phantom_retargeter.skeleton.names
        self._counter = RepCounter(signal, names) if signal is not None else None
        self._started_at = datetime.now()
        self._exercise_delays = []

    def _finish_exercise(self, event: ExerciseEnded) -> None:
        item = self.playlist.exercises[event.index]
        summary = self._counter.summary() if self._counter is not None else None
        delays = np.array(self._exercise_delays) * 1000.0
        outcome = ExerciseOutcome(
            index=event.index, exercise_id=item.id, started_at=self._started_at,
            duration_s=round(event.active_s, 3), completed=event.completed, reason=event.reason,
            reps=None if summary is None else summary.reps, target_reps=item.reps,
            rom_deg=None if summary is None or summary.rom_deg is None else round(summary.rom_deg, 1),
            movement_time_s=None if summary is None or summary.movement_time_s is None else round(summary.movement_time_s, 3),
            latency_ms_mean=round(float(delays.mean()), 2) if delays.size else None,
            latency_ms_p95=round(float(np.percentile(delays, 95)), 2) if delays.size else None,
        )  # fmt: skip
        self._counter = None
        self._stats.outcomes.append(outcome)
        if self.on_exercise is not None:
            self.on_exercise(outcome)

    # -- what the patient sees -----------------------------------------------------------------------

    def _hud(self, notice: str) -> HudState:
        timeline = self.timeline
        if self.pain is not None:
            title = "Before we start" if self.pain.when == "before" else "Before you finish"
            return HudState(title=title, progress=timeline.progress(), notice=notice, banner=PAIN_QUESTION,
                            banner_detail=f"{PAIN_SCALE}\n{PAIN_HINT}", answer=self.pain.display)  # fmt: skip
        reps = self._counter.reps if self._counter is not None else None
        progress = timeline.progress(reps)
        paused = {"banner": "Paused", "banner_detail": PAUSED_DETAIL} if timeline.paused else {}
        if timeline.phase == "exercise":
            item = timeline.playlist.exercises[timeline.index]
            if item.reps is not None:
                counter, label = f"{reps or 0} / {item.reps}", "repetitions"
                return HudState(title=item.exercise.name, instruction=item.text, counter=counter,
                                counter_label=label, progress=progress, notice=notice, **paused)  # fmt: skip
            label = "" if reps is None else f"{reps} done"
            return HudState(title=item.exercise.name, instruction=item.text, seconds_left=timeline.seconds_left,
                            counter_label=label, progress=progress, notice=notice, **paused)  # fmt: skip
        if timeline.phase == "rest":
            following = timeline.next_item
            nxt = f" Next: {following.exercise.name}." if following is not None else ""
            return HudState(title="Rest", instruction=f"Let the limb rest and breathe slowly.{nxt}",
                            seconds_left=timeline.seconds_left, counter_label="rest", progress=progress,
                            notice=notice, **paused)  # fmt: skip
        if timeline.phase == "reminder":
            return HudState(title=REMINDER_TITLE, progress=1.0, notice=notice, banner=REMINDER_BANNER,
                            banner_detail=REMINDER_DETAIL)  # fmt: skip
        if timeline.phase == "done":
            return HudState(title="Well done", instruction="The session is complete.", progress=1.0, notice=notice)
        return HudState(title=self.playlist.name, progress=0.0, notice=notice)

    def _notice(self, sample, now: float) -> str:
        if getattr(self.tracker, "error", None) is not None or not getattr(self.tracker, "running", True):
            return "Tracking has stopped. Please let your therapist know."
        if sample is None:
            return "Waiting for the tracker..."
        advice = getattr(self.tracker, "advice", "")  # what to change: wrong-side hand, nothing in view
        if advice:
            return str(advice)
        state = self.pipeline.tracking_state  # holding, then resting, while the limb is out of view
        if state in ("holding", "resting"):
            part = "hand" if self.pipeline.limb == "arm" else "foot"
            rest = f" The virtual {part} rests meanwhile." if state == "resting" else ""
            return f"Tracking paused: move your {part} back into view.{rest}"
        return ""
