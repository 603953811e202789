"""The session's logic, free of Panda3D: ticks, tracked movement and commands in; actions and state out.

In the style of `xr/lifecycle.py`: the driver (a desktop window, the headset, a test script) calls
`tick(now, tracking)` once per frame and carries out the returned actions in order; `state()` is the
whole session as an immutable `SessionState`. Nothing here draws, sleeps, reads a tracker or writes a
record, so a scripted stream of ticks and commands tests every phase exactly.

The running order is the pain question before (if asked), the playlist's exercises and rest breaks
(`SessionTimeline`: pause, skip, stop, the session cap), the pain question after, a moment of "Well
done", the end. A new exercise brings its own mirror mode; a finished one becomes an
`ExerciseOutcome` at once, so the driver can store it before the next begins.

Commands (`therapy/commands.py`) come from any thread through `submit`: they are queued and applied,
in order, at the start of the next tick, and each lands in the change log (`changes()`), who asked for
what and when, with what came of it. Observers on other threads read `state()` or block in
`wait_for_change` (a console's long poll); both return a frozen snapshot.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from vrtherapy.motion.mirror_modes import MirrorMode, scope_problem
from vrtherapy.therapy import commands as cmd
from vrtherapy.therapy.measure import ExerciseMeter
from vrtherapy.therapy.pain import PAIN_QUESTION, PainRating, PainWhen
from vrtherapy.therapy.playlist import Playlist
from vrtherapy.therapy.session_state import (
    Action,
    AppliedCommand,
    ApplyMirror,
    BeginSession,
    EndedBy,
    ExerciseBegan,
    ExerciseFinished,
    ExerciseOutcome,
    ExerciseState,
    LogResult,
    PainAnswered,
    PainQuestion,
    PainUnanswered,
    Phase,
    SessionOver,
    SessionState,
    Unanswered,
)
from vrtherapy.therapy.timeline import REMINDER_S, Event, ExerciseEnded, ExerciseStarted, SessionEnded, SessionTimeline
from vrtherapy.therapy.tracking_input import TrackingInput, tracking_notice
from vrtherapy.tracking.sample import LimbKind

#: How long a pain question waits with no key pressed before the session goes on without the rating
#: (nobody there to answer: a headset put down, a window nobody watches).
PAIN_WAIT_S = 120.0
class SessionController:
    """One session through a playlist."""

    def __init__(self, playlist: Playlist, joint_names: Sequence[str], limb: LimbKind, mode: MirrorMode | None = None,
                 *, phantom_only: bool = False, max_s: float | None = None, limit_s: float | None = None,
                 ask_pain: tuple[PainWhen, ...] = (), pain_question: str = PAIN_QUESTION,
                 pain_wait_s: float | None = PAIN_WAIT_S, reminder_s: float = REMINDER_S, closing_s: float = 0.0,
                 wall: Callable[[], datetime] = datetime.now) -> None:  # fmt: skip
        """`max_s` caps the session's active length (besides the playlist's `max_minutes`), with the calm
        reminder; `limit_s` cuts a preview off after that many seconds of wall time; `ask_pain` names the
        questions to ask; `pain_wait_s` how long one waits untouched (None: for ever); `closing_s` how
        long "Well done" stays up; `wall` the clock for the record's times."""
        self.playlist, self.limb, self.joint_names = playlist, limb, tuple(joint_names)
        self.ask_pain, self.pain_question, self.pain_wait_s = ask_pain, pain_question, pain_wait_s
        self.limit_s, self.closing_s, self._wall = limit_s, closing_s, wall
        self.timeline = SessionTimeline(playlist, max_s, reminder_s)
        self._lock = threading.Condition()
        self._queue: deque[tuple[cmd.Command, str, datetime]] = deque()
        self._log: list[AppliedCommand] = []
        self._phase: Phase = "starting"
        self._t0: float | None = None
        self._t = self._now = 0.0
        self._hold = False  # a pause asked for before the exercises began (e.g. the headset is off)
        self._mode = self._session_mode = mode or MirrorMode()
        self._phantom_only = phantom_only
        self._modes: list[tuple[float, MirrorMode]] = []
        self._pain: PainRating | None = None
        self._pain_since = 0.0
        self._scores: dict[PainWhen, int] = {}
        self._ended_by: EndedBy | None = None
        self._closing_until = 0.0
        self._meter: ExerciseMeter | None = None
        self._last_movement: float | None = None
        self._delays: list[float] = []
        self._outcomes: list[ExerciseOutcome] = []
        self._tracking = TrackingInput()
        self._state = self._snapshot(0)

    # -- from any thread ---------------------------------------------------------------------------

    def submit(self, command: cmd.Command, source: str = "local") -> None:
        """Queue a command; it is applied at the next tick."""
        if type(command) not in cmd.COMMANDS.values():
            raise TypeError(f"not a session command: {command!r}")
        with self._lock:
            self._queue.append((command, source, self._wall()))

    def state(self) -> SessionState:
        """The session as of the latest tick."""
        with self._lock:
            return self._state

    def wait_for_change(self, version: int, timeout: float) -> SessionState:
        """The state once its version is past `version` (or the current one after `timeout` seconds)."""
        with self._lock:
            self._lock.wait_for(lambda: self._state.version > version or self._state.phase == "ended", timeout)
            return self._state

    def changes(self) -> tuple[AppliedCommand, ...]:
        """Every command applied so far, in order: who asked for what, when, and what came of it."""
        with self._lock:
            return tuple(self._log)

    @property
    def delays_s(self) -> tuple[float, ...]:
        """Capture-to-display delay of every movement shown on the phantom limb."""
        return tuple(self._delays)

    @property
    def modes_used(self) -> tuple[tuple[float, MirrorMode], ...]:
        """(seconds into the session, mirror mode) each time the mode changed, starting with the first."""
        return tuple(self._modes)

    # -- the driver's frame ------------------------------------------------------------------------

    def tick(self, now: float, tracking: TrackingInput | None = None) -> list[Action]:
        """Bring the session up to monotonic time `now`; returns the actions to carry out, in order."""
        actions: list[Action] = []
        if self._phase == "ended":
            return actions
        first, self._t0 = self._t0 is None, now if self._t0 is None else self._t0
        self._t, self._now = now - self._t0, now
        if first:
            self._begin(now, actions)
        self._run_commands(now, actions)
        self._tracking = tracking = tracking or TrackingInput()
        self._take_movement(tracking)
        if not self.over:
            self._advance(now, actions)
        self._publish()
        return actions

    def _publish(self) -> None:
        with self._lock:
            self._state = self._snapshot(self._state.version + 1)
            self._lock.notify_all()

    def apply_commands(self, now: float) -> list[Action]:
        """Apply the commands queued so far (also done by `tick`): a driver calls this before it poses the
        limbs, so a command given after one frame shows in the very next one."""
        actions: list[Action] = []
        if self._t0 is not None and not self.over and self._queue:
            self._t, self._now = now - self._t0, now
            self._run_commands(now, actions)
            self._publish()
        return actions

    def _run_commands(self, now: float, actions: list[Action]) -> None:
        with self._lock:
            pending = list(self._queue)
            self._queue.clear()
        for command, source, submitted in pending:
            result, detail = self._apply(command, now, actions)
            entry = AppliedCommand(command, source, submitted, self._wall(), round(self._t, 3), result, detail)
            with self._lock:
                self._log.append(entry)

    def recent_delays_s(self, n: int) -> tuple[float, ...]:
        """The capture-to-display delays of the last `n` movements shown."""
        return tuple(self._delays[-n:])

    def _begin(self, now: float, actions: list[Action]) -> None:
        if "before" in self.ask_pain:
            self._ask("before", now)
        else:
            self._begin_exercises(now, actions)

    @property
    def over(self) -> bool:
        return self._phase == "ended"

    def _apply(self, command: cmd.Command, now: float, actions: list[Action]) -> tuple[LogResult, str]:
        """Carry out one command; returns ("applied" | "ignored" | "refused", why or what)."""
        phase, timeline = self._phase, self.timeline
        if phase == "ended":
            return "ignored", "the session is over"
        if isinstance(command, cmd.ChangeMirror):
            return self._change_mirror(command, actions)
        if isinstance(command, cmd.Stop):
            return self._stop(command.immediately, now, actions)
        question = self._pain
        if question is not None:
            if isinstance(command, cmd.PainKey):
                question.key(command.key)
                self._pain_since = now
                return "applied", ""
            if isinstance(command, cmd.PainAnswer):
                question.set(command.score)
                question.confirm()
                return "applied", ""
            if isinstance(command, (cmd.SkipPainQuestion, cmd.Skip)):
                self._unanswered("skipped", now, actions)
                return "applied", f"pain {question.when} skipped"
        if isinstance(command, (cmd.Pause, cmd.Resume, cmd.TogglePause)):
            if phase in ("exercise", "rest"):
                pause = isinstance(command, cmd.Pause) or (isinstance(command, cmd.TogglePause) and not timeline.paused)
                timeline.pause(now) if pause else timeline.resume(now)
                return "applied", "paused" if pause else "resumed"
            if phase in ("starting", "pain_before"):  # held until the exercises begin
                self._hold = isinstance(command, cmd.Pause) or (isinstance(command, cmd.TogglePause) and not self._hold)
                return "applied", "the first exercise will wait" if self._hold else "the first exercise will not wait"
            return "ignored", f"nothing to pause in phase {phase}"
        if isinstance(command, cmd.Skip) and phase in ("exercise", "rest", "reminder"):
            self._handle(timeline.skip(now), now, actions)
            return "applied", ""
        return "ignored", f"not in phase {phase}"

    def _stop(self, immediately: bool, now: float, actions: list[Action]) -> tuple[LogResult, str]:
        phase = self._phase
        if phase == "pain_before" or phase == "starting":
            self._pain = None
            self._over("left", actions)
            return "applied", "left before the session began"
        if phase in ("pain_after", "closing"):
            if self._pain is not None:
                self._unanswered("stopped", now, actions)
            if not self.over:
                self._over(self._ended_by or "stopped", actions)
            return "applied", ""
        # a capped session at its reminder stays capped; otherwise the exercise under way is stopped
        events = self.timeline.skip(now) if phase == "reminder" else self.timeline.stop(now)
        self._handle(events, now, actions, immediately=immediately)
        return "applied", "ended at once" if immediately else ""

    def _change_mirror(self, command: cmd.ChangeMirror, actions: list[Action]) -> tuple[LogResult, str]:
        changes = {k: v for k in ("degree", "gain", "scope", "delay_ms") if (v := getattr(command, k)) is not None}
        try:
            mode = replace(self._mode, **changes)
        except ValueError as exc:
            return "refused", str(exc)
        problem = None if command.scope is None else scope_problem(self.limb, command.scope)
        if problem:
            return "refused", problem
        phantom_only = self._phantom_only if command.phantom_only is None else command.phantom_only
        self._session_mode = mode
        self._set_mirror(mode, phantom_only, actions)
        return "applied", ", ".join(f"{k}={v}" for k, v in {**changes, "phantom_only": phantom_only}.items())

    def _set_mirror(self, mode: MirrorMode, phantom_only: bool, actions: list[Action]) -> None:
        if mode != self._mode or phantom_only != self._phantom_only or not self._modes:
            self._mode, self._phantom_only = mode, phantom_only
            actions.append(ApplyMirror(mode, phantom_only))
        if not self._modes or self._modes[-1][1] != mode:
            self._modes.append((round(self._t, 3), mode))

    # -- movement ----------------------------------------------------------------------------------

    def _take_movement(self, tracking: TrackingInput) -> None:
        movement = tracking.movement
        if movement is not None and movement.t_capture != self._last_movement:
            self._last_movement = movement.t_capture
            if self._meter is not None and self._phase == "exercise" and not self.timeline.paused:
                self._meter.take(movement)
        if tracking.shown_delay_s is not None:
            # The first frame showing a movement on the phantom limb is the delay the patient
            # experiences (including any delay a research protocol adds on purpose).
            self._delays.append(tracking.shown_delay_s)
            if self._meter is not None and self._phase == "exercise":
                self._meter.shown(tracking.shown_delay_s)

    # -- moving on ---------------------------------------------------------------------------------

    def _advance(self, now: float, actions: list[Action]) -> None:
        if self.limit_s is not None and self._t >= self.limit_s and self._phase in ("exercise", "rest", "reminder"):
            self._handle(self.timeline.stop(now), now, actions, immediately=True, ended_by="seconds")
            return
        question = self._pain
        if question is not None:
            if question.done:
                score = question.confirmed
                assert score is not None
                self._scores[question.when] = score
                self._pain = None
                if question.when == "before":
                    self._begin_exercises(now, actions)
                actions.append(PainAnswered(question.when, score))
                if question.when == "after":
                    self._close(now, actions)
            elif self.pain_wait_s is not None and now - self._pain_since >= self.pain_wait_s:
                self._unanswered("no answer", now, actions)
        elif self._phase in ("exercise", "rest", "reminder"):
            reps = self._meter.reps if self._meter is not None else None
            self._handle(self.timeline.advance(now, reps), now, actions)
        if self._phase == "closing" and now >= self._closing_until:
            self._over(self._ended_by or "completed", actions)

    def _ask(self, when: PainWhen, now: float) -> None:
        self._pain, self._pain_since = PainRating(when), now
        self._phase = "pain_before" if when == "before" else "pain_after"

    def _unanswered(self, reason: Unanswered, now: float, actions: list[Action]) -> None:
        question = self._pain
        assert question is not None
        self._pain = None
        if question.when == "before":
            self._begin_exercises(now, actions)
        actions.append(PainUnanswered(question.when, reason))
        if question.when == "after" and reason == "stopped":
            self._over(self._ended_by or "stopped", actions)
        elif question.when == "after":
            self._close(now, actions)

    def _begin_exercises(self, now: float, actions: list[Action]) -> None:
        # BeginSession comes first: the driver records the session before anything in it.
        actions.append(BeginSession())
        self._phase = "exercise"
        self._handle(self.timeline.start(now), now, actions)
        if self._hold:
            self.timeline.pause(now)

    def _handle(self, events: list[Event], now: float, actions: list[Action], immediately: bool = False,
                ended_by: EndedBy | None = None) -> None:  # fmt: skip
        for event in events:
            if isinstance(event, ExerciseStarted):
                self._start_exercise(event.index, actions)
            elif isinstance(event, ExerciseEnded):
                self._finish_exercise(event, actions)
            elif isinstance(event, SessionEnded):
                self._ended_by = ended_by or event.reason
                if immediately or (event.reason == "stopped" and "after" not in self.ask_pain):
                    self._over(self._ended_by, actions)
                elif "after" in self.ask_pain:
                    self._ask("after", now)
                else:
                    self._close(now, actions)
        if self._phase in ("exercise", "rest", "reminder") and self.timeline.phase in ("exercise", "rest", "reminder"):
            self._phase = self.timeline.phase

    def _start_exercise(self, index: int, actions: list[Action]) -> None:
        item = self.playlist.exercises[index]
        wanted = item.mirror if item.mirror is not None else self._session_mode
        mode = wanted if wanted.copy == self._session_mode.copy else self._mode
        self._set_mirror(mode, self._phantom_only, actions)
        self._meter = ExerciseMeter(index, item, self.joint_names, self._wall())
        actions.append(ExerciseBegan(index))

    def _finish_exercise(self, event: ExerciseEnded, actions: list[Action]) -> None:
        assert self._meter is not None and self._meter.index == event.index
        outcome = self._meter.outcome(event)
        self._meter = None
        self._outcomes.append(outcome)
        actions.append(ExerciseFinished(outcome))

    def _close(self, now: float, actions: list[Action]) -> None:
        self._phase, self._closing_until = "closing", now + self.closing_s
        if self.closing_s <= 0:
            self._over(self._ended_by or "completed", actions)

    def _over(self, ended_by: EndedBy, actions: list[Action]) -> None:
        self._ended_by, self._phase, self._pain = ended_by, "ended", None
        actions.append(SessionOver(ended_by))

    # -- the state ---------------------------------------------------------------------------------

    def _snapshot(self, version: int) -> SessionState:
        timeline, phase = self.timeline, self._phase
        item = timeline.playlist.exercises[timeline.index] if phase in ("exercise", "rest") else None
        meter = self._meter
        reps = meter.reps if meter is not None else None
        exercise = None if item is None else ExerciseState(timeline.index, item.id, item.exercise.name, item.text, reps,
                                                           item.reps, None if meter is None else meter.rom_deg,
                                                           item.limit_s, None if meter is None else meter.flexion)  # fmt: skip
        following = timeline.next_item if phase in ("exercise", "rest") else None
        question = self._pain
        waited = self._now - self._pain_since
        pain = None if question is None else PainQuestion(
            question.when, self.pain_question, question.value, question.display, round(waited, 3),
            None if self.pain_wait_s is None else round(max(0.0, self.pain_wait_s - waited), 3))  # fmt: skip
        return SessionState(
            version=version, playlist=self.playlist.name, phase=phase,
            paused=timeline.paused if phase in ("exercise", "rest") else (self._hold and phase in ("starting", "pain_before")),
            session_s=self._t, active_s=timeline.active_s,
            progress=timeline.progress(reps) if timeline.phase is not None else 0.0,
            exercise=exercise, seconds_left=timeline.seconds_left if phase in ("exercise", "rest") else None,
            next_exercise=None if following is None else following.exercise.name,
            exercises_done=len(self._outcomes), exercises_planned=len(self.playlist.exercises),
            tracking=self._tracking.status, notice=tracking_notice(self._tracking, self.limb),
            mirror=self._mode, phantom_only=self._phantom_only,
            delay_ms=None if not self._delays else round(self._delays[-1] * 1000.0, 2),
            pain=pain, pain_before=self._scores.get("before"), pain_after=self._scores.get("after"),
            outcomes=tuple(self._outcomes), ended_by=self._ended_by,
        )  # fmt: skip
