"""`vrtherapy run`: one therapy session for a patient, recorded in the patient records as it happens.

The patient's profile (records store) says which limb is treated and which side is affected; the
intact limb is tracked and mirrored onto the affected side. The session is recorded step by step,
each step committed before the next begins, so a crash or a pulled plug loses nothing already done:

    start_session -> pain before -> each exercise as it finishes -> pain after -> finish_session

Everything that can be checked is checked before anything is recorded (patient, playlist, its limb
against the patient's, scene, pain scores, tracker). Pain ratings given on the command line are
recorded as given; without them the patient is asked on the HUD in a window or headset, and not at
all offscreen (nobody is there to answer), which is said in one line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from vrtherapy.errors import VrtherapyError
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.leg_skeleton import LegDimensions
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.render.display import surface_for
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.therapy.pain import PainWhen, check_pain
from vrtherapy.therapy.playlist import Playlist, load_playlist
from vrtherapy.therapy.session import ExerciseOutcome, SessionRunner
from vrtherapy.therapy.setup import (
    build_skeletons,
    dimensions_for,
    limb_kind,
    patient_script,
    pick_display,
    prepare_motion,
)
from vrtherapy.tracking.base import SampleSource, ThreadedTracker
from vrtherapy.tracking.sample import LimbKind, Side, other_side

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
    fps: float = 30.0
    skin_tone: str = "medium"
    tracker_rate_hz: float = 30.0
    #: Seconds a limb out of view holds its last pose before easing to rest (`motion.tracking_loss`).
    rest_after_s: float = LossSettings().hold_s


@dataclass(frozen=True)
class RunReport:
    session_id: int
    status: str  #: as recorded: completed, stopped, crashed
    ended_by: str  #: completed, capped, stopped
    display: str
    outcomes: tuple[ExerciseOutcome, ...]
    pain: dict[str, int]
    db_path: Path
    tracker_error: str | None


class SessionObserver(Protocol):
    """Someone following the session from elsewhere (the therapist's console): told when it starts, called
    after every frame on the loop's thread, and able to answer the pain questions (so they are asked even
    offscreen)."""

    def started(self, runner: SessionRunner, session_id: int, display: str) -> None: ...

    def frame(self, runner: SessionRunner) -> None: ...


def run_session(options: RunOptions, say=print, base=None, observer: SessionObserver | None = None) -> RunReport:
    """Run and record one session. `base`: an open ShowBase to draw in (tests, the console's station); by
    default one is opened on the chosen display and closed at the end."""
    from vrtherapy.records.store import ExerciseResult, RecordStore

    for name, value in (("--pain-before", options.pain_before), ("--pain-after", options.pain_after)):
        if value is not None:
            try:
                check_pain(value, name)
            except ValueError as exc:
                raise VrtherapyError(str(exc)) from None
    playlist = load_playlist(options.playlist)
    scene_spec = load_scene(options.scene)
    appearance = Appearance.from_tone(options.skin_tone)
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
        runner_box: list[SessionRunner] = []
        if options.tracker == "headset" and limb != "arm":
            raise VrtherapyError("--tracker headset: the headset tracks hands; a leg session needs a camera (mediapipe:0)")
        source = None if options.tracker == "headset" else _open_tracker(options, intact, limb, playlist, dims, runner_box)
        for note in getattr(source, "notes", ()):  # a recording whose last sample was cut off
            say(f"vrtherapy: {note}")
        choice = pick_display(options.display, say)
        # In the headset, Panda3D still opens the desktop mirror window (or an offscreen buffer).
        surface = surface_for(choice.mode)
        prepare_motion(say)
        own_base = base is None
        if own_base:
            from vrtherapy.render.display import open_showbase

            base = open_showbase(surface, options.size)
        from vrtherapy.render.app import TherapyScene

        scene = TherapyScene(base, scene_spec, build_skeletons(limb, affected, dims), appearance)
        headset = None
        if choice.mode == "xr":  # the headset, or one line saying why the desktop is used instead
            from vrtherapy.xr.headset_driver import open_headset_display

            # The headset's own hand tracking and controllers drive an arm; a leg session is tracked by
            # the chosen tracker and only seen in the headset.
            hand_dims = dims if isinstance(dims, ArmDimensions) else ArmDimensions()
            headset, note = open_headset_display(base, scene, scene.eye, options.display, intact, hand_dims, surface,
                                                 say)  # fmt: skip
            if headset is None:
                say(f"vrtherapy: {note}")
        pipeline = PosePipeline(MirrorSettings(intact_side=intact, show_intact=True), dims, limb=limb,
                                loss=LossSettings(hold_s=options.rest_after_s))  # fmt: skip
        shown = "xr" if headset is not None else surface
        interactive = shown != "offscreen" or observer is not None  # the console answers offscreen
        given = {"before": options.pain_before, "after": options.pain_after}
        ask: tuple[PainWhen, ...] = tuple(w for w in ("before", "after") if given[w] is None and interactive)  # type: ignore[misc]
        if not interactive and None in given.values():
            missing = " and ".join(f"--pain-{w} N" for w, v in given.items() if v is None)
            say(f"vrtherapy: offscreen, so nobody is asked about pain; pass {missing} to record it")

        session_id = store.start_session(profile.patient_id, playlist.name, shown)
        if options.pain_before is not None:
            store.add_pain(profile.patient_id, options.pain_before, "before", session_id=session_id)

        def record_exercise(outcome: ExerciseOutcome) -> None:
            store.add_exercise(session_id, ExerciseResult(
                outcome.exercise_id, outcome.started_at, outcome.duration_s, outcome.completed, outcome.reps,
                outcome.target_reps, outcome.rom_deg, outcome.movement_time_s, outcome.latency_ms_mean,
                outcome.latency_ms_p95))  # fmt: skip

        def record_pain(score: int, when: PainWhen) -> None:
            store.add_pain(profile.patient_id, score, when, session_id=session_id)

        if source is None and headset is None:
            raise VrtherapyError("--tracker headset: the headset is not in use (see --display)")
        tracker = headset.headset.tracker if source is None else ThreadedTracker(source)  # the headset's hand or controller
        runner = SessionRunner(scene, tracker, pipeline, playlist, fps=options.fps, max_s=options.seconds,
                               ask_pain=ask, on_exercise=record_exercise, on_pain=record_pain,
                               closing_s=CLOSING_S if shown != "offscreen" else 0.0,
                               sleep=headset.pace if headset is not None else time.sleep,
                               on_frame=observer.frame if observer is not None else None)  # fmt: skip
        runner_box.append(runner)
        if headset is not None:
            from vrtherapy.xr.headset_driver import connect_runner

            connect_runner(headset, runner)  # headset off pauses; controller buttons command the session
            # A headset lost, reconnected or given up mid-session is logged in the session record.
            headset.outcome.on_event = lambda kind, detail: store.record_session_event(session_id, kind, detail)
        planned = f"{playlist.planned_s / 60:.0f} min" if playlist.planned_s >= 90 else f"{playlist.planned_s:.0f} s"
        say(f"vrtherapy: session {session_id} for {profile.patient_id}: {playlist.name!r}, about "
            f"{planned} on the {shown} display (virtual {affected} {limb} mirrors "
            f"the {intact} {limb})")  # fmt: skip
        if observer is not None:
            observer.started(runner, session_id, shown)
        tracker.start()
        try:
            stats = runner.run()
        except BaseException:
            store.finish_session(session_id, datetime.now(), "crashed")
            raise
        finally:
            tracker.stop()
            if headset is not None:
                headset.finish()
        if options.pain_after is not None:
            record_pain(options.pain_after, "after")
        if stats.tracker_error is not None:
            status = "crashed"
            say(f"vrtherapy: tracking failed during the session ({stats.tracker_error})")
        else:
            status = "stopped" if stats.ended_by == "stopped" else "completed"
        store.finish_session(session_id, datetime.now(), status)
        scene.destroy()
        if own_base:
            base.destroy()
        pain = dict(stats.pain)
        pain.update({w: v for w, v in given.items() if v is not None})
        return RunReport(session_id, status, stats.ended_by or "completed", shown, tuple(stats.outcomes), pain,
                         store.path, stats.tracker_error)  # fmt: skip
    finally:
        store.close()


def _open_tracker(options: RunOptions, intact: Side, limb: LimbKind, playlist: Playlist, dims: ArmDimensions | LegDimensions,
                  runner_box: list[SessionRunner]) -> SampleSource:  # fmt: skip
    """The tracker's source, opened before the display so a bad one costs nothing to find out. The
    synthetic patient follows the session's own clock (it waits while a question is asked or the
    session is paused, as a person would)."""
    from vrtherapy.therapy.tracker_factory import open_source, parse_tracker_spec

    if parse_tracker_spec(options.tracker).kind != "synthetic":
        return open_source(options.tracker, intact, limb, dims=dims if limb == "arm" else None,
                           rate_hz=options.tracker_rate_hz)  # fmt: skip
    from vrtherapy.therapy import synthetic_patient as synthetic

    schedule = synthetic.build_schedule(patient_script(playlist))
    motion = (synthetic.SyntheticArmMotion(intact, schedule, dims) if limb == "arm"
              else synthetic.SyntheticLegMotion(intact, schedule, dims))  # fmt: skip

    def motion_time() -> float:
        return runner_box[0].program_time if runner_box else 0.0

    return synthetic.SyntheticSource(motion, options.tracker_rate_hz, motion_time=motion_time)


def format_report(report: RunReport) -> list[str]:
    """One line per exercise and a closing line, for the terminal."""
    lines = []
    for o in report.outcomes:
        reps = "" if o.reps is None else f", {o.reps}" + (f"/{o.target_reps}" if o.target_reps else "") + " reps"
        rom = "" if o.rom_deg is None else f", range {o.rom_deg:.0f}°"
        status = "done" if o.completed else o.reason.replace("_", " ")
        lines.append(f"  {o.index + 1:2d}. {o.exercise_id}: {o.duration_s:.0f} s{reps}{rom} ({status})")
    pain = ", ".join(f"pain {w} {v}" for w, v in sorted(report.pain.items(), reverse=True))
    lines.append(f"vrtherapy: session {report.session_id} {report.status} ({report.ended_by})"
                 f"{'; ' + pain if pain else ''}; recorded in {report.db_path}")  # fmt: skip
    return lines
