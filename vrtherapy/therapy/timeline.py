"""A session's timeline: which exercise or rest break is on, its timer, pause / skip / stop, the session cap.

Pure logic on a clock the caller passes in (no rendering, no waiting), so the frame loop stays
non-blocking and tests drive it with a fake clock. Every call returns the events it caused
(`ExerciseStarted`, `ExerciseEnded`, `RestStarted`, `SessionEnded`) for the caller to act on.

  * Exercise time counts only while not paused ("active" time); pausing freezes the exercise's or
    the rest break's countdown and the session's length alike.
  * An exercise with target repetitions ends when they are done, or when its time limit expires
    (then it is not completed); without a target it runs its duration.
  * A rest break follows an exercise that has `rest_s` (not the last one); skipping ends it early.
  * The session cap (the playlist's `max_minutes`, or a shorter one for this session) counts active
    time, i.e. the dose of exercise and rest, not time spent paused. When it is reached the exercise
    under way ends (not completed), a calm reminder to rest shows for `reminder_s`, and the session
    ends.
  * Fixed-duration exercises end exactly on their time boundary, whatever the frame rate, so a
    playlist without target repetitions keeps its exact timing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vrtherapy.therapy.playlist import Playlist, PlaylistItem

Phase = Literal["exercise", "rest", "reminder", "done"]
#: Why an exercise ended. Completed: "time" (a timed exercise ran its duration) or "reps" (its target
#: was reached); not completed: "time_limit" (the target was not reached in time), "skipped",
#: "capped" (the session's length was reached), "stopped".
EndReason = Literal["time", "reps", "time_limit", "skipped", "capped", "stopped"]
SessionEndReason = Literal["completed", "capped", "stopped"]

#: Seconds the calm "time to rest" reminder stays up when the session's length is reached.
REMINDER_S = 5.0


@dataclass(frozen=True)
class ExerciseStarted:
    index: int


@dataclass(frozen=True)
class ExerciseEnded:
    index: int
    active_s: float  #: how long it ran, pauses excluded
    reason: EndReason

    @property
    def completed(self) -> bool:
        return self.reason in ("time", "reps")


@dataclass(frozen=True)
class RestStarted:
    after: int  #: the exercise just finished
    seconds: float


@dataclass(frozen=True)
class SessionEnded:
    reason: SessionEndReason


Event = ExerciseStarted | ExerciseEnded | RestStarted | SessionEnded


class SessionTimeline:
    """The running order of one session through a playlist."""

    def __init__(self, playlist: Playlist, max_s: float | None = None, reminder_s: float = REMINDER_S) -> None:
        self.playlist = playlist
        caps = [c for c in (playlist.max_s, max_s) if c is not None]
        self.max_s: float | None = min(caps) if caps else None
        self.reminder_s = reminder_s
        self.phase: Phase | None = None  # None until `start`
        self.index = 0
        self.paused = False
        self.active_s = 0.0  #: exercise and rest time so far, pauses excluded
        self.ended_by: SessionEndReason | None = None
        self._phase_start = 0.0  # active time when the phase began
        self._reminder_s = 0.0  # wall time the reminder has been up
        self._last: float | None = None

    # -- what is on -------------------------------------------------------------------------------

    @property
    def item(self) -> PlaylistItem | None:
        """The exercise under way, or the one a rest break follows."""
        return self.playlist.exercises[self.index] if self.phase in ("exercise", "rest") else None

    @property
    def phase_elapsed(self) -> float:
        return self.active_s - self._phase_start

    @property
    def seconds_left(self) -> float | None:
        """Of the exercise (to its duration or time limit) or of the rest break."""
        if self.phase == "exercise":
            return max(0.0, self.playlist.exercises[self.index].limit_s - self.phase_elapsed)
        if self.phase == "rest":
            return max(0.0, self.playlist.rest_after(self.index) - self.phase_elapsed)
        return None

    @property
    def next_item(self) -> PlaylistItem | None:
        i = self.index + 1
        return self.playlist.exercises[i] if i < len(self.playlist.exercises) else None

    @property
    def finished(self) -> bool:
        return self.phase == "done"

    def progress(self, reps: int | None = None) -> float:
        """0..1 of the session, by the time each part takes at a comfortable pace."""
        if self.phase in ("reminder", "done"):
            return 1.0
        if self.phase is None:
            return 0.0
        p = self.playlist
        done = sum(p.exercises[i].planned_s + p.rest_after(i) for i in range(self.index))
        item = p.exercises[self.index]
        if self.phase == "exercise":
            if item.reps is not None and reps is not None:
                fraction = max(reps / item.reps, self.phase_elapsed / item.limit_s)
            else:
                fraction = self.phase_elapsed / item.limit_s
            done += item.planned_s * min(1.0, fraction)
        else:
            done += item.planned_s + min(self.phase_elapsed, p.rest_after(self.index))
        return min(1.0, done / p.planned_s)

    # -- driving it -------------------------------------------------------------------------------

    def start(self, now: float) -> list[Event]:
        if self.phase is not None:
            raise RuntimeError("the session has already started")
        self._last = now
        self.phase = "exercise"
        return [ExerciseStarted(0)]

    def advance(self, now: float, reps: int | None = None) -> list[Event]:
        """Bring the timeline up to `now`; `reps` done so far in the exercise under way."""
        self._tick(now)
        events: list[Event] = []
        while True:
            if self.phase == "exercise":
                item = self.playlist.exercises[self.index]
                end_at = self._phase_start + item.limit_s
                if item.reps is not None and reps is not None and reps >= item.reps:
                    events += self._end_exercise(self.active_s, "reps")
                elif self._capped_before(end_at):
                    events += self._end_exercise(self.max_s, "capped")  # type: ignore[arg-type]
                elif self.active_s >= end_at:
                    events += self._end_exercise(end_at, "time" if item.reps is None else "time_limit")
                else:
                    return events
                reps = None  # the count belonged to the exercise that just ended
            elif self.phase == "rest":
                end_at = self._phase_start + self.playlist.rest_after(self.index)
                if self._capped_before(end_at):
                    events += self._remind()
                elif self.active_s >= end_at:
                    events += self._next_exercise(end_at)
                else:
                    return events
            elif self.phase == "reminder" and self._reminder_s >= self.reminder_s:
                events += self._end("capped")
            else:
                return events

    def pause(self, now: float) -> None:
        self._tick(now)
        if self.phase in ("exercise", "rest"):
            self.paused = True

    def resume(self, now: float) -> None:
        self._tick(now)
        self.paused = False

    def skip(self, now: float) -> list[Event]:
        """End the exercise (not completed) or the rest break now; the session goes on with the next."""
        self._tick(now)
        self.paused = False
        if self.phase == "exercise":
            return self._end_exercise(self.active_s, "skipped")
        if self.phase == "rest":
            return self._next_exercise(self.active_s)
        if self.phase == "reminder":
            return self._end("capped")
        return []

    def stop(self, now: float) -> list[Event]:
        """End the session now; the exercise under way is recorded as not completed."""
        self._tick(now)
        if self.phase in (None, "done"):
            return [] if self.phase == "done" else self._end("stopped")
        events = self._end_exercise(self.active_s, "stopped", go_on=False) if self.phase == "exercise" else []
        return events + self._end("stopped")

    # -- inside -----------------------------------------------------------------------------------

    def _tick(self, now: float) -> None:
        dt = 0.0 if self._last is None else max(0.0, now - self._last)
        self._last = now
        if self.phase in ("exercise", "rest") and not self.paused:
            self.active_s += dt
        elif self.phase == "reminder":
            self._reminder_s += dt

    def _capped_before(self, end_at: float) -> bool:
        return self.max_s is not None and self.active_s >= self.max_s and self.max_s < end_at

    def _end_exercise(self, at: float, reason: EndReason, go_on: bool = True) -> list[Event]:
        events: list[Event] = [ExerciseEnded(self.index, at - self._phase_start, reason)]
        if not go_on:
            return events
        if reason == "capped":
            return events + self._remind()
        if self.index + 1 >= len(self.playlist.exercises):
            return events + self._end("completed")
        rest = self.playlist.rest_after(self.index)
        if rest > 0 and not self._cap_reached(at):
            self.phase, self._phase_start = "rest", at
            return events + [RestStarted(self.index, rest)]
        return events + self._next_exercise(at)

    def _next_exercise(self, at: float) -> list[Event]:
        if self._cap_reached(at):  # no exercise begins only to be cut off at once
            return self._remind()
        self.index += 1
        self.phase, self._phase_start = "exercise", at
        return [ExerciseStarted(self.index)]

    def _cap_reached(self, at: float) -> bool:
        return self.max_s is not None and at >= self.max_s

    def _remind(self) -> list[Event]:
        self.phase, self.paused, self._reminder_s = "reminder", False, 0.0
        return []

    def _end(self, reason: SessionEndReason) -> list[Event]:
        self.phase, self.paused, self.ended_by = "done", False, reason
        return [SessionEnded(reason)]
