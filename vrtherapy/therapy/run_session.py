"""`vrtherapy run`: one therapy session for a patient, recorded in the patient records as it happens.

The patient's profile (records store) says which limb is treated and which side is affected; the
intact limb is tracked and mirrored onto the affected side. The session is recorded step by step,
each step committed before the next begins, so a crash or a pulled plug loses nothing already done:

    start_session (when the exercises begin) -> pain before -> each exercise as it finishes
    -> pain after -> finish_session (completed, capped, stopped or crashed)

Everything that can be checked is checked before anything is recorded (patient, playlist, its limb
against the patient's, scene, pain scores, tracker, display, headset), and the session itself is only
recorded when its exercises begin: a refused run, or a patient who leaves at the first question,
leaves the records as they were. Pain ratings given on the command line are recorded as given;
without them the patient is asked on the HUD in a window or headset (worded for their condition: no
"phantom" pain after a stroke), and not at all offscreen, which is said in one line. SIGTERM and
Ctrl-C end the session as stopped, with the exercise under way recorded (`orchestrate`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vrtherapy.errors import VrtherapyError
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.records.models import SessionEnd
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.therapy.calibrate import session_calibration
from vrtherapy.therapy.driver import SessionDriver
from vrtherapy.therapy.orchestrate import run_plan
from vrtherapy.therapy.pacing import SESSION_FPS
from vrtherapy.therapy.pain import PainWhen, check_pain, pain_question
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.therapy.session_plan import SessionPlan
from vrtherapy.therapy.session_state import (
    Action,
    BeginSession,
    ExerciseFinished,
    ExerciseOutcome,
    PainAnswered,
    SessionState,
)
from vrtherapy.therapy.setup import dimensions_for, limb_kind
from vrtherapy.tracking.sample import other_side

#: Seconds "Well done" stays on screen at the end of an interactive session.
CLOSING_S = 3.0


@dataclass(frozen=True)
class RunOptions:
    patient: str
    playlist: str
    display: str = "auto"
    tracker: str = "synthetic"
    pain_before: int | None = None
    pain_after: int | None = None
    db: Path | None = None
    #: The session's maximum length, seconds (with the calm reminder); the playlist's cap also applies.
    seconds: float | None = None
    scene: str | None = None
    size: tuple[int, int] = (960, 540)
    fps: float = SESSION_FPS
    skin_tone: str = "medium"
    tracker_rate_hz: float = 30.0
    #: Seconds a limb out of view holds its last pose before easing to rest (`motion.tracking_loss`).
    rest_after_s: float = LossSettings().hold_s
    #: Where to leave what `demo` leaves (video, key frames, contact sheet, summary.json) for review.
    output: Path | None = None


@dataclass(frozen=True)
class RunReport:
    session_id: int | None  #: None: the patient left before the session began (nothing recorded)
    status: str  #: as recorded: completed, capped, stopped, crashed; "not started"
    ended_by: str  #: completed, capped, stopped, left
    display: str
    outcomes: tuple[ExerciseOutcome, ...]
    pain: dict[str, int]
    db_path: str  #: where the session is recorded (a file, or a database address)
    tracker_error: str | None
    exercises_planned: int


class SessionObserver(Protocol):
    """Someone following the session from elsewhere (the therapist's console): told when it starts (its
    record exists), called after every frame on the loop's thread, and able to answer the pain questions
    (so they are asked even offscreen)."""

    def started(self, driver: SessionDriver, session_id: int, display: str) -> None: ...

    def frame(self, driver: SessionDriver) -> None: ...


class SessionRecorder:
    """The controller's actions -> the records store, each committed before the session goes on."""

    def __init__(self, store: Any, patient_id: str, playlist: str, planned: int, pain_before: int | None) -> None:
        self.store, self.patient_id, self.playlist, self.planned = store, patient_id, playlist, planned
        self.pain_before = pain_before
        self.display = ""
        self.session_id: int | None = None
        self.on_start: Callable[[int], None] | None = None

    def __call__(self, action: Action) -> None:
        if isinstance(action, BeginSession):
            self.session_id = self.store.start_session(self.patient_id, self.playlist, self.display,
                                                       exercises_planned=self.planned)  # fmt: skip
            if self.pain_before is not None:
                self.pain(self.pain_before, "before")
            if self.on_start is not None:
                self.on_start(self.session_id)
        elif isinstance(action, ExerciseFinished) and self.session_id is not None:
            from vrtherapy.records.store import ExerciseResult
            from vrtherapy.therapy.rom_joints import exercise_joint

            o = action.outcome
            self.store.add_exercise(self.session_id, ExerciseResult(
                o.exercise_id, o.started_at, o.duration_s, o.completed, o.reps, o.target_reps, o.rom_deg,
                o.movement_time_s, o.latency_ms_mean, o.latency_ms_p95, rom_joint=exercise_joint(o.exercise_id)))  # fmt: skip
        elif isinstance(action, PainAnswered):
            self.pain(action.score, action.when)

    def pain(self, score: int, when: PainWhen) -> None:
        if self.session_id is not None:
            self.store.add_pain(self.patient_id, score, when, session_id=self.session_id)

    def event(self, kind: str, detail: dict[str, object]) -> None:
        """Something that happened in the session (e.g. the headset lost and found again), in its record."""
        if self.session_id is not None:
            self.store.record_session_event(self.session_id, kind, detail)

    def finish(self, status: SessionEnd) -> None:
        if self.session_id is not None:
            self.store.finish_session(self.session_id, None, status)


def run_session(options: RunOptions, say=print, base=None, observer: SessionObserver | None = None) -> RunReport:
    """Run and record one session. `base`: an open ShowBase to draw in (tests, the console's station); by
    default one is opened on the chosen display and closed at the end. `observer`: the console following it."""
    from vrtherapy.records.store import RecordStore

    for name, value in (("--pain-before", options.pain_before), ("--pain-after", options.pain_after)):
        if value is not None:
            try:
                check_pain(value, name)
            except ValueError as exc:
                raise VrtherapyError(str(exc)) from None
    playlist = load_playlist(options.playlist)
    scene_spec = load_scene(options.scene)
    Appearance.from_tone(options.skin_tone)
    store = RecordStore.open(options.db)
    try:
        profile = store.patient(options.patient)
        if playlist.limb != profile.limb:
            raise VrtherapyError(f"--playlist: {playlist.name!r} is for the {playlist.limb} limb; patient "
                                 f"{profile.patient_id} is treated for the {profile.limb} limb")  # fmt: skip
        limb = limb_kind(profile.limb)
        affected = profile.affected_side
        intact = other_side(affected)
        dims, unused = dimensions_for(limb, profile.measurements)
        if unused:
            say(f"vrtherapy: measurements not used for the {limb} model: {', '.join(unused)}")
        dims, neutral_deg = session_calibration(store, profile.patient_id, profile.limb, intact, dims, say)
        given: dict[PainWhen, int | None] = {"before": options.pain_before, "after": options.pain_after}
        plan = SessionPlan(
            playlist, scene_spec, options.skin_tone, limb, affected, dims, display=options.display,
            tracker=options.tracker, tracker_rate_hz=options.tracker_rate_hz, fps=options.fps, size=options.size,
            neutral_deg=neutral_deg,
            rest_after_s=options.rest_after_s, max_s=options.seconds,
            ask_pain=tuple(w for w, v in given.items() if v is None),
            pain_question=pain_question(profile.condition), closing_s=CLOSING_S,
            output=options.output, capture_everywhere=options.output is not None,
            answered_elsewhere=observer is not None)  # fmt: skip
        recorder = SessionRecorder(store, profile.patient_id, playlist.name, len(playlist.exercises), options.pain_before)

        def ready(driver: SessionDriver, shown: str, headset: Any) -> None:
            recorder.display = shown
            if headset is not None:  # a headset lost, reconnected or given up mid-session is in the record
                headset.outcome.on_event = recorder.event
            if observer is not None:
                recorder.on_start = lambda session_id: observer.started(driver, session_id, shown)
            if shown == "offscreen" and observer is None and None in given.values():
                missing = " and ".join(f"--pain-{w} N" for w, v in given.items() if v is None)
                say(f"vrtherapy: offscreen, so nobody is asked about pain; pass {missing} to record it")
            planned = f"{playlist.planned_s / 60:.0f} min" if playlist.planned_s >= 90 else f"{playlist.planned_s:.0f} s"
            say(f"vrtherapy: session for {profile.patient_id}: {playlist.name!r}, about {planned} on the {shown} "
                f"display (virtual {affected} {limb} mirrors the {intact} {limb})")  # fmt: skip

        try:
            result = run_plan(plan, say, on_action=recorder, on_ready=ready, base=base,
                              on_frame=observer.frame if observer is not None else None)  # fmt: skip
        except BaseException:
            with contextlib.suppress(Exception):  # the records failing too (disk full): the first error is the one to tell
                recorder.finish("crashed")
            raise
        state = result.state
        if options.pain_after is not None:
            recorder.pain(options.pain_after, "after")
        status: str = "not started"
        if recorder.session_id is None:
            say("vrtherapy: the patient left before the session began; nothing was recorded")
        else:
            ending = _status(state, result.stats.tracker_error, say)
            recorder.finish(ending)
            status = ending
        return RunReport(recorder.session_id, status, state.ended_by or "stopped", result.shown, state.outcomes,
                         _pain(state, given if recorder.session_id is not None else {}), store.path,
                         result.stats.tracker_error, len(playlist.exercises))  # fmt: skip
    finally:
        store.close()


def _status(state: SessionState, tracker_error: str | None, say) -> SessionEnd:
    if tracker_error is not None:
        say(f"vrtherapy: tracking failed during the session ({tracker_error})")
        return "crashed"
    return "completed" if state.ended_by == "completed" else "capped" if state.ended_by == "capped" else "stopped"


def _pain(state: SessionState, given: dict[PainWhen, int | None]) -> dict[str, int]:
    pain = {w: v for w, v in (("before", state.pain_before), ("after", state.pain_after)) if v is not None}
    pain.update({w: v for w, v in given.items() if v is not None})
    return pain


def format_report(report: RunReport) -> list[str]:
    """One line per exercise and a closing line, for the terminal."""
    lines = []
    for o in report.outcomes:
        reps = "" if o.reps is None else f", {o.reps}" + (f"/{o.target_reps}" if o.target_reps else "") + " reps"
        rom = "" if o.rom_deg is None else f", range {o.rom_deg:.0f}°"
        status = "done" if o.completed else o.reason.replace("_", " ")
        lines.append(f"  {o.index + 1:2d}. {o.exercise_id}: {o.duration_s:.0f} s{reps}{rom} ({status})")
    if report.session_id is None:
        lines.append(f"vrtherapy: no session recorded (the patient left before it began); {report.db_path} unchanged")
        return lines
    pain = ", ".join(f"pain {w} {v}" for w, v in sorted(report.pain.items(), reverse=True))
    done = sum(o.completed for o in report.outcomes)
    lines.append(f"vrtherapy: session {report.session_id} {report.status} ({report.ended_by}), {done} of "
                 f"{report.exercises_planned} exercises done{'; ' + pain if pain else ''}; "
                 f"recorded in {report.db_path}")  # fmt: skip
    return lines
