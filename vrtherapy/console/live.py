"""The live session as the console sees it: frames, state and commands handed between the session's loop
(the main thread, which Panda3D keeps) and the web server's thread, without ever holding the loop up.

  * Frames: while someone watches, the loop asks Panda3D to copy every few frames' pixels to RAM (a
    triggered copy, so unwatched frames cost nothing) and drops the raw bytes in a latest-frame slot: a
    plain attribute swap, no lock. An encoder thread turns the newest one into a 640-pixel-wide JPEG
    (OpenCV releases the GIL while it works); web clients take whichever JPEG is newest. A slow viewer
    only ever skips frames.
  * State: after each frame the loop publishes an immutable `LiveState` (another attribute swap).
  * Commands: the web thread appends to a deque; after the frame it just showed, the loop hands them to the
    session's controller (`therapy.controller`, the same commands as the keys and the headset), which
    applies them before the next frame is posed, and logs what changed (who, what, old -> new, when).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from vrtherapy.motion.mirror_modes import MirrorMode, scope_problem
from vrtherapy.therapy import commands as cmd

if TYPE_CHECKING:
    from vrtherapy.therapy.driver import SessionDriver

STREAM_WIDTH = 640
STREAM_FPS = 15.0  #: frames a second grabbed for the live view while someone watches
VIEWER_TIMEOUT_S = 2.0  #: no viewer asked for a frame this long: stop grabbing
JPEG_QUALITY = 75
#: The console's threads (JPEG encoder, web server) run below the session's loop: on a machine whose cores
#: the software rasteriser keeps busy, the patient's frames come first and the live view takes what is left.
THREAD_NICENESS = 10

MIRROR_FIELDS = ("degree", "gain", "scope", "delay_ms")
SIMPLE_COMMANDS = ("pause", "resume", "skip", "stop")


@dataclass(frozen=True)
class ControlEvent:
    """One change made from the console, as logged in the session record."""

    at: datetime
    who: str
    what: str  #: pause, resume, skip, stop, mirror.degree, ..., phantom_only, pain_before, pain_after
    old: str
    new: str


@dataclass(frozen=True)
class LiveState:
    """Everything the console shows about the running session; replaced whole after every frame."""

    status: str  #: starting, running, ended, failed
    session_id: int | None = None
    patient_id: str = ""
    playlist: str = ""
    display: str = ""
    stage: str = "starting"  #: pain_before, exercises, pain_after, closing, end
    phase: str = ""  #: exercise, rest, reminder, done
    paused: bool = False
    exercise: str = ""
    exercise_index: int = 0
    exercise_count: int = 0
    seconds_left: float | None = None
    reps: int | None = None
    target_reps: int | None = None
    rom_deg: float | None = None
    tracking: str = "waiting"  #: waiting, seen, lost, wrong hand, stopped
    advice: str = ""
    delay_ms: float | None = None
    fps: float = 0.0
    mirror: dict[str, Any] | None = None
    phantom_only: bool = False
    pain_question: str = ""  #: before / after while the question is on screen
    pain_answer: str = ""
    frames: int = 0
    message: str = ""  #: how it ended, or why it failed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Command:
    """A session command (`therapy.commands`) and the therapist who gave it."""

    who: str
    command: cmd.Command


class FrameStream:
    """The latest-frame slot and the JPEG encoder thread."""

    def __init__(self, width: int = STREAM_WIDTH, fps: float = STREAM_FPS) -> None:
        self.width, self.period = width, 1.0 / fps
        self._raw: tuple[int, bytes, int, int, int] | None = None  # seq, pixels, width, height, channels
        self.jpeg: tuple[int, bytes] = (0, b"")  #: (sequence number, JPEG bytes) of the newest frame
        self._wake = threading.Event()
        self._closed = False
        self.watched_until = 0.0
        self.encoded = 0
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._thread = threading.Thread(target=self._encode_loop, name="console-jpeg", daemon=True)
        self._thread.start()

    def watch(self) -> None:
        """A viewer wants frames (called by the web thread for each frame it sends)."""
        self.watched_until = time.monotonic() + VIEWER_TIMEOUT_S

    @property
    def watched(self) -> bool:
        return time.monotonic() < self.watched_until

    async def newer_than(self, seq: int, timeout: float) -> tuple[int, bytes]:
        """The newest JPEG once it is newer than `seq` (or whatever there is after `timeout` seconds); the
        web server's event loop sleeps until the encoder says a new one is there."""
        loop, event = asyncio.get_running_loop(), asyncio.Event()
        entry = (loop, event)
        self._waiters.append(entry)
        try:
            if self.jpeg[0] == seq or not self.jpeg[1]:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout)
        finally:
            self._waiters.remove(entry)
        return self.jpeg

    def put(self, seq: int, pixels: bytes, width: int, height: int, channels: int) -> None:
        """Hand over a raw frame (Panda3D's RAM image: BGR(A), bottom row first). Never blocks."""
        self._raw = (seq, pixels, width, height, channels)
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        for loop, event in list(self._waiters):
            loop.call_soon_threadsafe(event.set)

    def _encode_loop(self) -> None:
        import cv2

        lower_this_thread()
        while not self._closed:
            self._wake.wait(1.0)
            self._wake.clear()
            raw, self._raw = self._raw, None
            if raw is None:
                continue
            seq, pixels, width, height, channels = raw
            image: Any = np.frombuffer(pixels, np.uint8).reshape(height, width, channels)[::-1, :, :3]
            if width != self.width:
                size = (self.width, max(2, round(height * self.width / width)))
                image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
            ok, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(image), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if ok:
                self.jpeg = (seq, jpeg.tobytes())
                self.encoded += 1
                for loop, event in list(self._waiters):
                    loop.call_soon_threadsafe(event.set)


class LiveSession:
    """One session started from the console: its frames, state, commands and control log."""

    def __init__(self, patient_id: str, playlist: str, display: str, who: str,
                 log: Callable[[int, ControlEvent], None] | None = None,
                 pairing_code: Callable[[], str] | None = None) -> None:  # fmt: skip
        self.who = who
        self.state = LiveState(status="starting", patient_id=patient_id, playlist=playlist, display=display)
        self.stream = FrameStream()
        self.events: list[ControlEvent] = []
        self._unlogged: list[ControlEvent] = []
        self._log = log
        self._commands: deque[Command] = deque()
        self._texture: Any = None
        self._copy_pending = False
        self._last_grab = 0.0
        self._fps_window: deque[float] = deque(maxlen=31)
        self._wrong: tuple[int, float] = (0, -1e9)  # wrong-side samples so far, when the count last grew
        self.done = threading.Event()
        self._pairing_code = pairing_code
        self._badge: Any = None
        #: (first frame's time, latest frame's time, frames): the session's own frame rate, for the bench
        self.frame_span: tuple[float, float, int] = (0.0, 0.0, 0)

    # -- from the web thread ------------------------------------------------------------------------

    def submit(self, command: Command) -> None:
        self._commands.append(command)

    # -- from the session's loop (main thread) ------------------------------------------------------

    def started(self, runner: SessionDriver, session_id: int, display: str) -> None:
        if self._pairing_code is not None and display != "offscreen":  # a window is up: the code shows there too
            from vrtherapy.console.code_badge import CodeBadge

            self._badge = CodeBadge(runner.scene.base, self._pairing_code)
        self.state = replace(self.state, status="running", session_id=session_id, display=display,
                             exercise_count=len(runner.controller.playlist.exercises))  # fmt: skip
        if self._log is not None:
            for event in self._unlogged:
                self._log(session_id, event)
        self._unlogged.clear()

    def frame(self, runner: SessionDriver) -> None:
        """After each frame: read a grabbed frame, apply commands, publish the state."""
        now = time.monotonic()
        self._fps_window.append(now)
        self.frame_span = (self.frame_span[0] or now, now, self.frame_span[2] + 1)
        self._grab(runner, now)
        if self._badge is not None:
            self._badge.update()
        while self._commands:
            command = self._commands.popleft()
            try:
                self._apply(runner, command)
            except ValueError as exc:  # checked on arrival; a refusal here must not end the session
                self._record(command.who, f"refused {command.command.name}", "", str(exc))
        self.state = self._snapshot(runner, now)

    def finished(self, message: str, failed: bool = False) -> None:
        """The session is over (called on the loop's thread once `run_session` has returned)."""
        if self._badge is not None:
            self._badge.destroy()
            self._badge = None
        self.state = replace(self.state, status="failed" if failed else "ended", stage="end", message=message,
                             pain_question="", pain_answer="", seconds_left=None)  # fmt: skip
        self.stream.close()
        self.done.set()

    def _grab(self, runner: SessionDriver, now: float) -> None:
        win = runner.scene.base.win
        if self._copy_pending:  # the copy asked for after the previous frame is in RAM now
            self._copy_pending = False
            tex = self._texture
            data = tex.getRamImage()
            if data:
                self.stream.put(runner.frames, bytes(memoryview(data)), tex.getXSize(), tex.getYSize(),
                                tex.getNumComponents())  # fmt: skip
        if self.stream.watched and now - self._last_grab >= self.stream.period * 0.95:
            if self._texture is None:
                from vrtherapy.render.capture import capture_texture

                self._texture = capture_texture(win)
            win.triggerCopy()  # the next frame is copied to RAM as it is drawn
            self._copy_pending = True
            self._last_grab = now

    def _apply(self, runner: SessionDriver, given: Command) -> None:
        command, who = given.command, given.who
        state = runner.controller.state()
        if isinstance(command, cmd.Pause | cmd.Resume | cmd.Skip | cmd.Stop):
            runner.controller.submit(command, f"console:{who}")
            self._record(who, command.name, "", "")
        elif isinstance(command, cmd.ChangeMirror):
            old = state.mirror
            changes = {k: v for k in MIRROR_FIELDS if (v := getattr(command, k)) is not None}
            new = replace(old, **changes)  # checked here too: a refusal is logged, never reaches the session
            runner.controller.submit(command, f"console:{who}")
            for key in changes:
                if getattr(old, key) != getattr(new, key):
                    self._record(who, f"mirror.{key}", str(getattr(old, key)), str(getattr(new, key)))
            if command.phantom_only is not None:
                self._record(who, "phantom_only", str(state.phantom_only).lower(), str(command.phantom_only).lower())
        elif isinstance(command, cmd.PainAnswer) and state.pain is not None:
            runner.controller.submit(command, f"console:{who}")
            self._record(who, f"pain_{state.pain.when}", "", str(command.score))

    def _record(self, who: str, what: str, old: str, new: str) -> None:
        event = ControlEvent(datetime.now(UTC), who, what, old, new)
        self.events.append(event)
        session_id = self.state.session_id
        if self._log is not None and session_id is not None:
            self._log(session_id, event)
        elif session_id is None:  # the record is made when the exercises begin (e.g. the pain before answered)
            self._unlogged.append(event)

    def _snapshot(self, runner: SessionDriver, now: float) -> LiveState:
        state = runner.controller.state()
        phase = runner.controller.timeline.phase or ""
        exercise = state.exercise
        recent = runner.controller.recent_delays_s(30)
        window = self._fps_window
        fps = (len(window) - 1) / (window[-1] - window[0]) if len(window) > 1 and window[-1] > window[0] else 0.0
        wrong = runner.pipeline.rejected.get("wrong side", 0) + runner.pipeline.rejected.get("wrong limb", 0)
        if wrong != self._wrong[0]:
            self._wrong = (wrong, now)
        tracking, advice = _tracking(runner, wrong_hand=now - self._wrong[1] < 1.0)
        mode = state.mirror
        pain = state.pain
        in_exercise = exercise is not None and state.phase == "exercise"
        return replace(
            self.state, stage=STAGES[state.phase], phase=phase, paused=state.paused,
            exercise=exercise.name if in_exercise and exercise is not None else ("Rest" if state.phase == "rest" else ""),
            exercise_index=exercise.index if exercise is not None else runner.controller.timeline.index,
            seconds_left=state.seconds_left, reps=exercise.reps if in_exercise and exercise is not None else None,
            target_reps=exercise.target_reps if in_exercise and exercise is not None else None,
            rom_deg=exercise.rom_deg if in_exercise and exercise is not None else None, tracking=tracking, advice=advice,
            delay_ms=round(float(np.mean(recent)) * 1000.0, 1) if recent else None, fps=round(fps, 1),
            mirror={"scope": mode.scope, "degree": mode.degree, "gain": mode.gain, "delay_ms": mode.delay_ms},
            phantom_only=state.phantom_only, pain_question=pain.when if pain is not None else "",
            pain_answer=pain.display if pain is not None else "", frames=runner.frames,
        )  # fmt: skip


#: The controller's phase in the console's words.
STAGES = {"starting": "starting", "pain_before": "pain_before", "exercise": "exercises", "rest": "exercises",
          "reminder": "exercises", "pain_after": "pain_after", "closing": "closing", "ended": "end"}  # fmt: skip


def lower_this_thread() -> None:
    """Run the calling thread below the session's loop (Linux: per-thread niceness; elsewhere nothing)."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), THREAD_NICENESS)


def _tracking(runner: SessionDriver, wrong_hand: bool) -> tuple[str, str]:
    """The tracking state in the console's words, with one line of advice; `wrong_hand`: the tracker
    handed over the other limb within the last second."""
    tracker = runner.tracker
    part = "hand" if runner.pipeline.limb == "arm" else "foot"
    if getattr(tracker, "error", None) is not None or not getattr(tracker, "running", True):
        return "stopped", "Tracking has stopped: check the camera or tracker, then start a new session."
    state = runner.pipeline.tracking_state
    if state == "waiting":
        return "waiting", "Waiting for the first tracked movement."
    if state in ("holding", "resting"):
        if wrong_hand:
            side = runner.pipeline.mirror.intact_side
            return "wrong hand", f"The tracker sees the other {part}: ask the patient to use the {side} {part}."
        return "lost", f"The {part} is out of view: ask the patient to move it back in front of the camera."
    return "seen", ""


def console_command(name: object, value: object, limb: str) -> cmd.Command:
    """The session command a console request asks for, checked here (on the web thread) by the commands'
    own rules and, for a mirror scope, the session's limb ("upper"/"lower"); ValueError names the field."""
    if name in SIMPLE_COMMANDS:
        return cmd.command_from(str(name))
    if name == "mirror":
        if not isinstance(value, dict):
            raise ValueError("mirror: give the fields to change, e.g. {\"degree\": 0.5}")
        command = cmd.command_from("mirror", value)
        if command.scope is not None:  # type: ignore[union-attr]
            problem = scope_problem("arm" if limb == "upper" else "leg", command.scope)  # type: ignore[union-attr]
            if problem:
                raise ValueError(f"mirror.scope: {problem}")
        fields = {k: v for k in MIRROR_FIELDS if (v := getattr(command, k)) is not None}
        MirrorMode(**fields)  # the bounds every playlist file meets
        return command
    if name == "phantom_only":
        return cmd.ChangeMirror(phantom_only=value)  # type: ignore[arg-type]
    if name == "pain":
        return cmd.PainAnswer(value)  # type: ignore[arg-type]
    raise ValueError("name: one of pause, resume, skip, stop, mirror, phantom_only, pain")
