"""One orchestration for every session, `vrtherapy demo` and `vrtherapy run` alike.

tracker source -> display choice -> motion kernels -> Panda3D base and scene -> headset (or the line
saying why not) -> pose pipeline -> controller and driver -> the loop -> what is left for review
(video, key frames, contact sheet, summary.json) -> teardown.

Everything that can be refused is refused before the loop starts, and the loop is where the first
thing is recorded (the controller's `BeginSession`), so a refused session leaves no trace. SIGTERM
and Ctrl-C during the loop stop the session at once (the exercise under way is recorded as stopped;
a second Ctrl-C interrupts for real). Callers add their part through `on_action` (the records of a
`run`) and `on_ready` (the line announcing the session).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vrtherapy.errors import VrtherapyError
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.private_files import private_folder
from vrtherapy.render.display import open_showbase, surface_for
from vrtherapy.therapy import commands as cmd
from vrtherapy.therapy.controller import SessionController
from vrtherapy.therapy.driver import FrameStats, SessionDriver
from vrtherapy.therapy.session_plan import SessionPlan
from vrtherapy.therapy.session_state import Action, ExerciseFinished, SessionState
from vrtherapy.therapy.setup import PatientClock, Say, build_skeletons, patient_script, pick_display, prepare_motion
from vrtherapy.tracking.base import SampleSource, ThreadedTracker
from vrtherapy.tracking.sample import Side, other_side

#: Offscreen sessions planned longer than this say how far they have got after each exercise.
PROGRESS_AFTER_S = 60.0


@dataclass(frozen=True)
class SessionResult:
    state: SessionState  #: the controller's last state: outcomes, pain, how it ended
    stats: FrameStats
    shown: str  #: the display used: xr, window or offscreen
    fallbacks: tuple[str, ...]
    summary: dict[str, Any]  #: as written to summary.json
    files: list[Path] = field(default_factory=list)


OnReady = Callable[[SessionDriver, str, Any], None]


def run_plan(plan: SessionPlan, say: Say = print, on_action: Callable[[Action], None] | None = None,
             on_ready: OnReady | None = None, base=None,
             on_frame: Callable[[SessionDriver], None] | None = None) -> SessionResult:  # fmt: skip
    """Run one session; `base`: an open ShowBase to draw in (tests), else one is opened and closed.
    `on_ready(driver, shown display, headset or None)` comes just before the loop; `on_action` gets every
    action of the controller; `on_frame(driver)` is called after each frame (`SessionDriver.run`)."""
    intact = other_side(plan.affected)
    clock_box: list[SessionController] = []
    if plan.tracker == "headset" and plan.limb != "arm":
        raise VrtherapyError(f"--tracker headset: the headset tracks hands; {plan.playlist.name!r} is for the leg")
    source = _open_source(plan, intact, clock_box)  # before the display: a bad tracker costs nothing to find out
    for note in getattr(source, "notes", ()):
        say(f"vrtherapy: {note}")
    if plan.output is not None:
        private_folder(plan.output)  # it may show a patient's motion; made before the display, so a bad one costs nothing
    choice = pick_display(plan.display, say)
    if plan.tracker == "headset" and choice.mode != "xr":
        raise VrtherapyError("--tracker headset: the headset is not in use (see --display)")
    surface = surface_for(choice.mode)  # in the headset, Panda3D still draws the desktop mirror
    prepare_motion(say)
    own_base = base is None
    if own_base:
        base = open_showbase(surface, plan.size)
    from vrtherapy.render.app import TherapyScene

    scene = TherapyScene(base, plan.scene, build_skeletons(plan.limb, plan.affected, plan.dims, plan.show_intact),
                         Appearance.from_tone(plan.skin_tone))  # fmt: skip
    notes = choice.notes
    headset = None
    try:
        if choice.mode == "xr":  # the headset, or one line saying why the desktop is used instead
            from vrtherapy.xr.headset_driver import open_headset_display

            # The headset's hand tracking drives an arm; a leg session is tracked by its tracker, seen in the headset.
            hand_dims = plan.dims if isinstance(plan.dims, ArmDimensions) else ArmDimensions()
            headset, note = open_headset_display(base, scene, scene.eye, plan.display, intact, hand_dims, surface, say)
            if headset is None:
                say(f"vrtherapy: {note}")
                notes = notes + (str(note),)
        if source is None and headset is None:
            raise VrtherapyError("--tracker headset: the headset is not in use (see --display)")
        shown = "xr" if headset is not None else surface
        return _run(plan, say, base, scene, source, headset, shown, notes, clock_box, on_action, on_ready, on_frame)
    finally:
        scene.destroy()
        if own_base:
            base.destroy()


def _run(plan: SessionPlan, say: Say, base, scene, source: SampleSource | None, headset, shown: str,
         notes: tuple[str, ...], clock_box: list[SessionController], on_action: Callable[[Action], None] | None,
         on_ready: OnReady | None, on_frame: Callable[[SessionDriver], None] | None) -> SessionResult:  # fmt: skip
    from vrtherapy.therapy.review_output import DemoRecorder
    from vrtherapy.therapy.session_summary import session_summary, write_summary

    mirror = MirrorSettings(intact_side=other_side(plan.affected), show_intact=plan.show_intact)
    neutral = None if plan.neutral_deg is None else np.array(plan.neutral_deg)
    pipeline = PosePipeline(mirror, plan.dims, limb=plan.limb, loss=LossSettings(hold_s=plan.rest_after_s),
                            neutral_deg=neutral)  # fmt: skip
    interactive = shown != "offscreen"
    controller = SessionController(
        plan.playlist, pipeline.phantom_retargeter.skeleton.names, plan.limb, pipeline.mirror.mode,
        phantom_only=not plan.show_intact, max_s=plan.max_s, limit_s=plan.limit_s,
        ask_pain=plan.ask_pain if interactive or plan.answered_elsewhere else (), pain_question=plan.pain_question,
        closing_s=plan.closing_s if interactive else 0.0)  # fmt: skip
    clock_box.append(controller)
    tracker = headset.headset.tracker if source is None else ThreadedTracker(source)  # the headset's hand or controller
    driver = SessionDriver(scene, tracker, pipeline, controller, fps=plan.fps,
                           sleep=headset.pace if headset is not None else time.sleep,  # xrWaitFrame paces a headset
                           shown_at=headset.shown_at if headset is not None else None)  # the runtime's display time
    if headset is not None:
        from vrtherapy.therapy.headset_commands import connect_headset

        connect_headset(headset, controller)  # headset off pauses; controller and hand command the session
    # Reading frames back from software GL costs about as much as drawing them, so the video keeps
    # every second frame (15 fps at the default 30) and the session itself keeps its frame rate.
    capture_every = 2 if plan.fps > 20 else 1
    recorder = None
    if plan.output is not None and (shown == "offscreen" or plan.capture_everywhere):
        recorder = DemoRecorder(plan.output, plan.playlist, plan.fps / capture_every, controller.state)
    act = _with_progress(plan, say, on_action) if not interactive and plan.playlist.planned_s > PROGRESS_AFTER_S else on_action
    if on_ready is not None:
        on_ready(driver, shown, headset)
    started = time.time()
    tracker.start()
    try:
        with _stop_on_signals(controller):
            stats = driver.run(act, sink=recorder, sink_every=capture_every, on_frame=on_frame)
    finally:
        tracker.stop()
        if headset is not None:
            headset.finish()
    files = recorder.finish(stats.elapsed_s) if recorder is not None else []
    state = controller.state()
    summary = session_summary(plan, state, stats, controller, tracker, pipeline, shown, notes, started, recorder,
                              None if recorder is None else plan.fps / capture_every, headset, files)  # fmt: skip
    if plan.output is not None:
        write_summary(plan.output, summary)
    return SessionResult(state, stats, shown, notes, summary, files)


def _open_source(plan: SessionPlan, intact: Side, clock_box: list[SessionController]) -> SampleSource | None:
    """The tracker's source; the synthetic patient follows the session (`PatientClock`): it waits while
    a question is asked or the session is paused, and moves on to the next exercise after a skip."""
    if plan.tracker == "headset":
        return None
    from vrtherapy.therapy.tracker_factory import open_source, parse_tracker_spec

    if parse_tracker_spec(plan.tracker).kind != "synthetic":
        return open_source(plan.tracker, intact, plan.limb, dims=plan.dims if isinstance(plan.dims, ArmDimensions) else None,
                           rate_hz=plan.tracker_rate_hz)  # fmt: skip
    from vrtherapy.therapy import synthetic_patient as synthetic

    schedule = synthetic.build_schedule(patient_script(plan.playlist))
    motion: synthetic.SyntheticMotion
    if isinstance(plan.dims, ArmDimensions):
        motion = synthetic.SyntheticArmMotion(intact, schedule, plan.dims)
    else:
        motion = synthetic.SyntheticLegMotion(intact, schedule, plan.dims)
    patient = PatientClock(plan.playlist)

    def motion_time() -> float:
        return patient(clock_box[0].state()) if clock_box else 0.0

    return synthetic.SyntheticSource(motion, plan.tracker_rate_hz, motion_time=motion_time)


def _with_progress(plan: SessionPlan, say: Say, on_action: Callable[[Action], None] | None) -> Callable[[Action], None]:
    """Say after each exercise how far an offscreen session has got (nobody sees its screen)."""
    planned = len(plan.playlist.exercises)

    def act(action: Action) -> None:
        if on_action is not None:
            on_action(action)
        if isinstance(action, ExerciseFinished):
            o = action.outcome
            reps = "" if o.reps is None else f", {o.reps}" + (f"/{o.target_reps}" if o.target_reps else "") + " reps"
            status = "done" if o.completed else o.reason.replace("_", " ")
            say(f"vrtherapy: exercise {o.index + 1}/{planned} {o.exercise_id}: {o.duration_s:.0f} s{reps} ({status})")

    return act


@contextmanager
def _stop_on_signals(controller: SessionController) -> Iterator[None]:
    """SIGTERM and Ctrl-C stop the session at once (recorded as stopped); a second Ctrl-C interrupts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    asked: list[int] = []

    def handler(signum: int, frame: object) -> None:
        if asked and signum == signal.SIGINT:
            raise KeyboardInterrupt
        asked.append(signum)
        controller.submit(cmd.Stop(immediately=True), f"signal {signal.Signals(signum).name}")

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
