"""What a running session is and what it asks its driver to do: immutable values out of `SessionController`.

`SessionState` is the whole session at one tick (phase, exercise, time left, repetitions, range of
motion so far, tracking, mirror mode and delay, the pain question), complete enough to draw the
HUD, answer a console's "where are we", or test every phase exactly. It is frozen and replaced as a
whole each tick, so any thread may hold one without locks.

The actions are what the driver must carry out (apply a mirror mode, record a result, end the loop);
the controller itself touches no display, tracker or database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from vrtherapy.motion.mirror_modes import MirrorMode
from vrtherapy.therapy.pain import PainWhen
from vrtherapy.therapy.timeline import EndReason

#: pain_before / pain_after: a pain question is on screen; exercise / rest / reminder: the timeline
#: (`therapy/timeline.py`); closing: "Well done" stays up a moment; ended: the loop is over.
Phase = Literal["starting", "pain_before", "exercise", "rest", "reminder", "pain_after", "closing", "ended"]
#: completed: every exercise done; capped: the session's length (`--seconds`, `max_minutes`) was
#: reached; stopped: by the patient, the therapist, a signal or the window closing; left: the patient
#: left at the before-session question (no session took place); seconds: a preview's run time ran out.
EndedBy = Literal["completed", "capped", "stopped", "left", "seconds"]
#: The tracker as the patient experiences it: `TrackingState`, or "failed" (the tracker died).
#: Why a pain question went without an answer.
Unanswered = Literal["skipped", "stopped", "no answer"]
LogResult = Literal["applied", "ignored", "refused"]
TrackingStatus = Literal["waiting", "tracking", "holding", "resting", "recovering", "failed"]


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


@dataclass(frozen=True)
class ExerciseState:
    """The exercise under way (or, in a rest break, the one just done)."""

    index: int
    id: str
    name: str
    instruction: str
    reps: int | None  #: counted so far (None: nothing to count)
    target_reps: int | None
    rom_deg: float | None  #: range of motion so far: mean over the repetitions done
    time_limit_s: float  #: its duration, or with target repetitions its time limit
    #: finger flexion now on the calibrated scale, for exercises counted on it (`motion.finger_curl`)
    flexion: float | None = None


@dataclass(frozen=True)
class PainQuestion:
    """The pain question on screen."""

    when: PainWhen
    question: str  #: the wording asked (it follows the patient's condition)
    entry: int | None  #: the score chosen, not yet confirmed
    display: str  #: what the HUD shows as the answer: the score or a dash
    waited_s: float  #: since it appeared or was last answered to
    gives_up_in_s: float | None  #: seconds until it is recorded as unanswered (None: it waits)


@dataclass(frozen=True)
class SessionState:
    version: int  #: one more each tick
    playlist: str
    phase: Phase
    paused: bool
    session_s: float  #: since the first tick, pauses included
    active_s: float  #: exercise and rest time, pauses excluded (the session's dose)
    progress: float  #: 0..1 of the session, by the time each part takes at a comfortable pace
    exercise: ExerciseState | None
    seconds_left: float | None  #: of the exercise or the rest break
    next_exercise: str | None  #: name of the one that follows
    exercises_done: int  #: finished, completed or not
    exercises_planned: int
    tracking: TrackingStatus
    notice: str  #: calm line for the patient about tracking, "" when all is well
    mirror: MirrorMode  #: in force now (its delay_ms is the added visuo-motor delay)
    phantom_only: bool  #: the intact limb's twin is hidden
    delay_ms: float | None  #: the capture-to-display delay of the latest movement shown
    pain: PainQuestion | None
    pain_before: int | None
    pain_after: int | None
    outcomes: tuple[ExerciseOutcome, ...]
    ended_by: EndedBy | None  #: how the session ended (known before the after-question), None while running


@dataclass(frozen=True)
class BeginSession:
    """The exercises begin: record the session now (a patient who left at the first question has none).
    An answer to the question before comes right after it, as `PainAnswered`."""


@dataclass(frozen=True)
class ApplyMirror:
    mode: MirrorMode
    phantom_only: bool


@dataclass(frozen=True)
class ExerciseBegan:
    index: int


@dataclass(frozen=True)
class ExerciseFinished:
    """Record it at once, before the next exercise begins."""

    outcome: ExerciseOutcome


@dataclass(frozen=True)
class PainAnswered:
    when: PainWhen
    score: int


@dataclass(frozen=True)
class PainUnanswered:
    """The question went without an answer: skipped, the session stopped at it, or nobody answered in time."""

    when: PainWhen
    reason: Unanswered


@dataclass(frozen=True)
class SessionOver:
    """The loop ends; record how (a session that `left` was never begun)."""

    ended_by: EndedBy


Action = BeginSession | ApplyMirror | ExerciseBegan | ExerciseFinished | PainAnswered | PainUnanswered | SessionOver


@dataclass(frozen=True)
class AppliedCommand:
    """One line of the change log: who asked for what, when, and what came of it."""

    command: object  #: a `therapy.commands.Command`
    source: str  #: "keyboard", "headset", "console:<user>", "signal", ...
    submitted_at: datetime
    applied_at: datetime
    session_s: float  #: seconds into the session when it was applied
    result: LogResult
    detail: str = ""  #: why it was ignored or refused, or what it changed
