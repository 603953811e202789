"""The session controller driven by scripted ticks and commands, no Panda3D: every phase, exact state and actions."""

import subprocess
import sys
import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from vrtherapy.motion.mirror_modes import MirrorMode
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.therapy import commands as cmd
from vrtherapy.therapy.controller import SessionController
from vrtherapy.therapy.pain import LIMB_PAIN_QUESTION, PAIN_QUESTION, pain_question
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.therapy.session_state import (
    ApplyMirror,
    BeginSession,
    ExerciseBegan,
    ExerciseFinished,
    ExerciseState,
    PainAnswered,
    PainQuestion,
    PainUnanswered,
    SessionOver,
    SessionState,
)
from vrtherapy.therapy.setup import PatientClock, patient_script
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.therapy.tracking_input import WAITING_FOR_TRACKER, TrackingInput

START = datetime(2026, 1, 5, 9, 0, 0)
FPS = 30.0


class Wall:
    """A wall clock that follows the monotonic one the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> datetime:
        return START + timedelta(seconds=self.now)


def make_playlist(folder):
    path = folder / "p.toml"
    path.write_text('name = "p"\nlimb = "upper"\n'
                    '[[exercises]]\nid = "fist_open_close"\nreps = 5\nduration_s = 30\nrest_s = 10\n'
                    '[[exercises]]\nid = "wrist_flexion_extension"\nduration_s = 20\n'
                    '[[exercises]]\nid = "tip_pinch"\nreps = 4\n')
    return load_playlist(str(path))


@pytest.fixture
def playlist(tmp_path):
    return make_playlist(tmp_path)


class Session:
    """A controller, a synthetic patient following it through the pose pipeline, and a clock."""

    def __init__(self, playlist, fps: float = FPS, **kwargs) -> None:
        from vrtherapy.motion.leg_skeleton import build_leg_skeleton
        from vrtherapy.therapy.synthetic_patient import SyntheticLegMotion

        self.wall, self.fps = Wall(), fps
        arm = playlist.limb == "upper"
        names = (build_arm_skeleton if arm else build_leg_skeleton)("left").names
        self.c = SessionController(playlist, names, "arm" if arm else "leg", wall=self.wall, **kwargs)
        schedule = build_schedule(patient_script(playlist))
        self.motion = (SyntheticArmMotion if arm else SyntheticLegMotion)("right", schedule, noise_m=0.0)
        self.pipeline = PosePipeline(MirrorSettings(intact_side="right"), limb="arm" if arm else "leg")
        self.patient = PatientClock(playlist)
        self.t = 0.0
        self.frame = 0
        self.log: list = []

    def tick(self, moving: bool = True) -> list:
        self.wall.now = self.t
        tracking = TrackingInput()
        if moving:
            sample = self.motion.sample_at(self.patient(self.c.state()), t_capture=self.t)
            self.pipeline.process(sample, None, self.t)
            tracking = TrackingInput(self.pipeline.tracking_state, True, self.pipeline.movement, 0.05)
        actions = self.c.tick(self.t, tracking)
        self.log += actions
        self.frame += 1
        self.t = self.frame / self.fps
        return actions

    def until(self, done, limit_s: float = 300.0, moving: bool = True) -> list:
        """Tick until `done(actions, state)`; returns the actions of the ticks run."""
        out: list = []
        end = self.t + limit_s
        while self.t < end:
            actions = self.tick(moving)
            out += actions
            if done(actions, self.c.state()):
                return out
        raise AssertionError(f"not reached in {limit_s} s; state {self.c.state()}")

    def submit(self, *commands, source="test") -> None:
        for command in commands:
            self.c.submit(command, source)


def finished(actions):
    return [a.outcome for a in actions if isinstance(a, ExerciseFinished)]


def test_every_phase_of_a_whole_session(playlist):
    s = Session(playlist, ask_pain=("before", "after"), closing_s=2.0)
    assert s.c.state().phase == "starting"
    assert s.tick() == []
    state = s.c.state()
    assert state.phase == "pain_before" and state.exercise is None and state.progress == 0.0
    assert state.pain == PainQuestion("before", PAIN_QUESTION, None, "–", 0.0, 120.0)

    # pain before: Down from an empty entry proposes 0, then 3 is chosen and confirmed
    s.submit(cmd.PainKey("arrow_down"))
    s.tick()
    assert s.c.state().pain.entry == 0 and s.c.state().pain.display == "0"
    s.submit(cmd.PainKey("3"), cmd.PainKey("enter"))
    actions = s.tick()
    assert actions == [BeginSession(), ApplyMirror(MirrorMode(), False), ExerciseBegan(0), PainAnswered("before", 3)]
    state = s.c.state()
    assert state.phase == "exercise" and state.pain is None and state.pain_before == 3
    assert state.exercise == ExerciseState(0, "fist_open_close", "Open and close the hand", state.exercise.instruction,
                                           0, 5, None, 30.0)
    assert state.seconds_left == 30.0 and state.next_exercise == "Wrist up and down"

    # exercise 1: five fists end it; rest 10 s follows
    actions = s.until(lambda a, st: finished(a))
    (fist,) = finished(actions)
    assert (fist.exercise_id, fist.completed, fist.reason, fist.reps, fist.target_reps) == ("fist_open_close", True,
                                                                                           "reps", 5, 5)
    assert fist.rom_deg > 40 and fist.latency_ms_mean == 50.0
    assert (fist.started_at - START).total_seconds() == pytest.approx(2 / FPS, abs=1e-5)
    state = s.c.state()
    assert state.phase == "rest" and state.exercises_done == 1 and state.outcomes == (fist,)
    assert state.exercise.index == 0 and state.seconds_left == pytest.approx(10.0, abs=0.04)

    # pause in the rest: the timer and the session's dose stand still
    s.submit(cmd.Pause())
    s.tick()
    frozen = s.c.state()
    for _ in range(60):
        s.tick()
    assert s.c.state().paused and s.c.state().seconds_left == frozen.seconds_left
    assert s.c.state().active_s == frozen.active_s and s.c.state().session_s == pytest.approx(frozen.session_s + 2.0, abs=1e-3)
    s.submit(cmd.TogglePause())
    s.tick()
    s.tick()
    assert not s.c.state().paused and s.c.state().seconds_left < frozen.seconds_left

    # skip the rest, then skip the timed exercise: not completed
    s.submit(cmd.Skip())
    assert s.tick() == [ExerciseBegan(1)]
    for _ in range(90):
        s.tick()
    s.submit(cmd.Skip())
    (wrist,) = finished(s.tick())
    assert (wrist.reason, wrist.completed, wrist.reps) == ("skipped", False, wrist.reps)
    assert wrist.duration_s == pytest.approx(3.0, abs=0.05)
    assert s.c.state().exercise.index == 2 and s.c.state().phase == "exercise"

    # the synthetic patient keeps moving after a skip: the last exercise's 4 pinches are counted
    actions = s.until(lambda a, st: st.phase != "exercise")
    (pinch,) = finished(actions)
    assert (pinch.reps, pinch.reason, pinch.completed) == (4, "reps", True)
    state = s.c.state()
    assert state.phase == "pain_after" and state.ended_by == "completed" and state.progress == 1.0
    assert state.pain.when == "after"

    # pain after answered in one command, "Well done" for 2 s, then the end
    s.submit(cmd.PainAnswer(2))
    assert s.tick() == [PainAnswered("after", 2)]
    assert s.c.state().phase == "closing" and s.c.state().pain_after == 2
    actions = s.until(lambda a, st: st.phase == "ended", limit_s=3.0)
    assert actions == [SessionOver("completed")]
    assert s.c.state().session_s == pytest.approx(s.c.state().session_s)
    assert s.tick() == [] and s.c.state().phase == "ended"
    log = s.c.changes()
    assert [(e.command, e.result, e.source) for e in log][:3] == [(cmd.PainKey("arrow_down"), "applied", "test"),
                                                                (cmd.PainKey("3"), "applied", "test"),
                                                                (cmd.PainKey("enter"), "applied", "test")]
    assert [e.detail for e in log if isinstance(e.command, (cmd.Pause, cmd.TogglePause))] == ["paused", "resumed"]


def test_the_exact_state_in_a_timed_exercise(playlist):
    timed = replace(playlist, exercises=(playlist.exercises[1],))
    s = Session(timed)
    assert s.tick(moving=False) == [BeginSession(), ApplyMirror(MirrorMode(), False), ExerciseBegan(0)]
    for _ in range(150):
        s.tick(moving=False)
    state = s.c.state()
    item = timed.exercises[0]
    assert state == SessionState(
        version=151, playlist="p", phase="exercise", paused=False, session_s=pytest.approx(5.0), active_s=pytest.approx(5.0),
        progress=pytest.approx(0.25), exercise=ExerciseState(0, "wrist_flexion_extension", "Wrist up and down", item.text,
                                                             0, None, None, 20.0),
        seconds_left=pytest.approx(15.0), next_exercise=None, exercises_done=0, exercises_planned=1, tracking="waiting",
        notice=WAITING_FOR_TRACKER, mirror=MirrorMode(), phantom_only=False, delay_ms=None, pain=None,
        pain_before=None, pain_after=None, outcomes=(), ended_by=None)  # fmt: skip
    actions = s.until(lambda a, st: st.phase == "ended", moving=False)
    assert [type(a) for a in actions] == [ExerciseFinished, SessionOver]
    assert actions[0].outcome.reason == "time" and actions[0].outcome.duration_s == 20.0
    assert actions[1] == SessionOver("completed")


def test_the_cap_ends_the_exercise_reminds_then_asks_pain_after(playlist):
    s = Session(playlist, max_s=12.0, ask_pain=("after",), reminder_s=5.0)
    actions = s.until(lambda a, st: finished(a))
    (first,) = finished(actions)
    assert first.reason == "capped" and not first.completed and first.duration_s == pytest.approx(12.0)
    assert s.c.state().phase == "reminder" and s.c.state().exercise is None
    actions = s.until(lambda a, st: st.phase != "reminder", limit_s=5.5)
    state = s.c.state()
    assert actions == [] and state.phase == "pain_after" and state.ended_by == "capped"
    assert state.exercises_done == 1 and state.exercises_planned == 3
    s.submit(cmd.SkipPainQuestion())
    assert s.tick() == [PainUnanswered("after", "skipped"), SessionOver("capped")]


def test_stop_leads_to_the_pain_question_and_stop_there_ends_it(playlist):
    s = Session(playlist, ask_pain=("after",))
    for _ in range(60):
        s.tick()
    s.submit(cmd.Stop(), source="keyboard")
    (stopped,) = finished(s.tick())
    assert stopped.reason == "stopped" and stopped.reps is not None and stopped.duration_s == pytest.approx(2.0, abs=0.05)
    assert s.c.state().phase == "pain_after" and s.c.state().ended_by == "stopped"
    s.submit(cmd.Stop())
    assert s.tick() == [PainUnanswered("after", "stopped"), SessionOver("stopped")]


def test_a_finished_session_stopped_at_the_question_stays_finished(playlist):
    short = replace(playlist, exercises=(playlist.exercises[1],))
    s = Session(short, ask_pain=("after",))
    s.until(lambda a, st: st.phase == "pain_after")
    s.submit(cmd.Stop())
    assert s.tick() == [PainUnanswered("after", "stopped"), SessionOver("completed")]


def test_leaving_at_the_first_question_begins_no_session(playlist):
    s = Session(playlist, ask_pain=("before", "after"))
    s.tick()
    s.submit(cmd.Stop())
    assert s.tick() == [SessionOver("left")]
    assert s.c.state().phase == "ended" and s.c.state().ended_by == "left" and s.c.state().outcomes == ()


def test_stop_immediately_records_the_exercise_under_way_and_asks_nothing(playlist):
    s = Session(playlist, ask_pain=("before", "after"))
    s.tick()
    s.submit(cmd.SkipPainQuestion())
    actions = s.tick()
    assert actions[0] == BeginSession() and actions[-1] == PainUnanswered("before", "skipped")
    for _ in range(30):
        s.tick()
    s.submit(cmd.Stop(immediately=True), source="signal")
    actions = s.tick()
    assert [type(a) for a in actions] == [ExerciseFinished, SessionOver]
    assert actions[0].outcome.reason == "stopped" and actions[1] == SessionOver("stopped")


def test_nobody_answering_gives_up_on_the_question_after_the_wait(playlist):
    s = Session(playlist, ask_pain=("before",), pain_wait_s=10.0)
    s.until(lambda a, st: st.pain is not None and st.pain.gives_up_in_s < 5.0, moving=False)
    s.submit(cmd.PainKey("4"))  # a key press restarts the wait
    s.tick(moving=False)
    assert s.c.state().pain.gives_up_in_s == 10.0
    actions = s.until(lambda a, st: st.phase != "pain_before", moving=False)
    assert actions[0] == BeginSession() and actions[-1] == PainUnanswered("before", "no answer")
    assert s.t == pytest.approx(5.0 + 10.0 + 2 / FPS, abs=0.1) and s.c.state().pain_before is None


def test_a_preview_cut_by_its_run_time_ends_by_seconds(playlist):
    s = Session(playlist, limit_s=4.0)
    actions = s.until(lambda a, st: st.phase == "ended")
    assert [type(a) for a in actions][-2:] == [ExerciseFinished, SessionOver]
    assert actions[-1] == SessionOver("seconds") and actions[-2].outcome.reason == "stopped"


def test_pause_before_the_exercises_holds_the_first_one(playlist):
    s = Session(playlist, ask_pain=("before",))
    s.submit(cmd.Pause(), source="headset")
    s.tick()
    assert s.c.state().paused and s.c.state().phase == "pain_before"
    s.submit(cmd.PainAnswer(0))
    s.tick()
    for _ in range(30):
        s.tick()
    assert s.c.state().phase == "exercise" and s.c.state().paused and s.c.state().active_s == 0.0


def test_mirror_changes_apply_live_hold_until_an_exercise_brings_its_own_and_bad_ones_are_refused(playlist):
    own = MirrorMode(scope="fingers", degree=0.5)
    items = (playlist.exercises[1], replace(playlist.exercises[1], mirror=own, duration_s=5.0))
    s = Session(replace(playlist, exercises=items))
    s.tick()
    s.submit(cmd.ChangeMirror(gain=1.5, delay_ms=100.0), source="console:ana")
    assert s.tick() == [ApplyMirror(MirrorMode(gain=1.5, delay_ms=100.0), False)]
    s.submit(cmd.ChangeMirror(phantom_only=True), cmd.ChangeMirror(scope="ankle"), cmd.ChangeMirror(gain=9.0))
    assert s.tick() == [ApplyMirror(MirrorMode(gain=1.5, delay_ms=100.0), True)]
    state = s.c.state()
    assert state.mirror == MirrorMode(gain=1.5, delay_ms=100.0) and state.phantom_only
    log = s.c.changes()
    assert [(e.source, e.result) for e in log] == [("console:ana", "applied"), ("test", "applied"), ("test", "refused"),
                                                   ("test", "refused")]
    assert "not for an arm" in log[2].detail and "gain" in log[3].detail
    assert (log[0].applied_at - START).total_seconds() == pytest.approx(1 / FPS, abs=1e-5)
    assert log[0].session_s == pytest.approx(1 / FPS, abs=1e-3)
    actions = s.until(lambda a, st: any(isinstance(x, ExerciseBegan) for x in a), moving=False)
    assert ApplyMirror(own, True) in actions
    assert [m for _, m in s.c.modes_used] == [MirrorMode(), MirrorMode(gain=1.5, delay_ms=100.0), own]


def test_commands_from_many_threads_are_all_applied_in_order_per_thread(playlist):
    s = Session(playlist)
    s.tick()

    def send(n: int) -> None:
        for i in range(50):
            s.c.submit(cmd.ChangeMirror(degree=i / 50), source=f"thread-{n}")

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        s.tick(moving=False)
    for th in threads:
        th.join()
    s.tick(moving=False)
    log = s.c.changes()
    assert len(log) == 200 and all(e.result == "applied" for e in log)
    for n in range(4):
        assert [e.command.degree for e in log if e.source == f"thread-{n}"] == [i / 50 for i in range(50)]


def test_observers_wait_for_the_next_state(playlist):
    s = Session(playlist)
    s.tick()
    seen = []
    watcher = threading.Thread(target=lambda: seen.append(s.c.wait_for_change(s.c.state().version, timeout=10.0)))
    watcher.start()
    s.tick()
    watcher.join(5.0)
    assert seen and seen[0].version == 2


@pytest.mark.parametrize(("name", "payload", "message"), [
    ("jump", {}, "command: unknown 'jump'"),
    ("pause", {"now": True}, "pause: unknown field now (it takes none)"),
    ("pain_answer", {"score": 11}, "pain_answer.score: must be a whole number from 0 to 10"),
    ("pain_key", {"key": "x"}, "pain_key.key: must be one of"),
    ("mirror", {}, "mirror: give at least one of"),
    ("mirror", {"gain": float("nan")}, "mirror.gain: must be a number"),
    ("mirror", {"scope": "toes"}, "mirror.scope: must be one of"),
    ("stop", {"immediately": "yes"}, "stop.immediately: must be true or false"),
])  # fmt: skip
def test_bad_commands_are_refused_when_made(name, payload, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cmd.command_from(name, payload)


def test_commands_round_trip_through_plain_data():
    for command in (cmd.Pause(), cmd.Stop(immediately=True), cmd.PainKey("enter"), cmd.PainAnswer(7),
                    cmd.ChangeMirror(degree=0.5, scope="wrist", phantom_only=False)):  # fmt: skip
        assert cmd.command_from(command.name, cmd.command_fields(command)) == command
    with pytest.raises(TypeError):
        SessionController.submit(None, "pause")  # type: ignore[arg-type]


def test_the_pain_question_follows_the_condition():
    assert pain_question("amputation") == PAIN_QUESTION
    assert pain_question("stroke") == LIMB_PAIN_QUESTION and "phantom" not in LIMB_PAIN_QUESTION
    assert pain_question(None) == LIMB_PAIN_QUESTION


def test_the_controller_runs_without_panda3d(tmp_path):
    """The scripted sessions above, again in a fresh interpreter that must never import Panda3D."""
    code = f"""
import sys, pathlib
import tests.test_controller as t
playlist = t.make_playlist(pathlib.Path({str(tmp_path)!r}))
t.test_every_phase_of_a_whole_session(playlist)
t.test_the_cap_ends_the_exercise_reminds_then_asks_pain_after(playlist)
t.test_the_hud_shows_the_state(playlist)
print(sorted(m for m in sys.modules if m.split('.')[0] in ('panda3d', 'direct')))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_hud_shows_the_state(playlist):
    from vrtherapy.render.hud_state import HudState
    from vrtherapy.therapy.hud_view import PAUSED_DETAIL, REMINDER_BANNER, hud_for

    s = Session(playlist, ask_pain=("before",), max_s=35.0)
    s.tick()
    hud = hud_for(s.c.state())
    assert (hud.title, hud.banner, hud.answer) == ("Before we start", PAIN_QUESTION, "–")
    s.submit(cmd.PainAnswer(5))
    s.until(lambda a, st: st.exercise is not None and st.exercise.reps == 2)
    state = s.c.state()
    assert state.exercise is not None and state.exercise.flexion is not None and 0 <= state.exercise.flexion <= 1
    # The finger exercise shows the flexion it counts on, on the calibrated scale.
    assert hud_for(state) == HudState(title="Open and close the hand", instruction=playlist.exercises[0].text,
                                      counter="2 / 5", counter_label=f"repetitions, flexion {state.exercise.flexion:.1f}",
                                      progress=state.progress)  # fmt: skip
    s.until(lambda a, st: st.phase == "rest")
    s.submit(cmd.Pause())
    s.tick()
    hud = hud_for(s.c.state())
    assert (hud.title, hud.counter_label, hud.banner, hud.banner_detail) == ("Rest", "rest", "Paused", PAUSED_DETAIL)
    assert hud.instruction == "Let the limb rest and breathe slowly. Next: Wrist up and down."
    s.submit(cmd.Resume())
    s.until(lambda a, st: st.phase == "reminder")
    assert hud_for(s.c.state()).banner == REMINDER_BANNER


@pytest.mark.parametrize("name", ["demo", "upper", "lower"])
def test_demo_key_frames_fall_inside_their_exercise(name):
    """Key frames chosen by the session's own timeline: each is taken while its exercise is on, whatever the
    repetitions and rests before it (with `upper` the fourth exercise starts long before its planned time)."""
    import numpy as np

    from vrtherapy.therapy.key_frames import KeyFrames

    playlist = load_playlist(name)
    s = Session(playlist, fps=10.0)
    keys = KeyFrames(playlist, s.c.state)
    spans: dict[int, list[float]] = {}
    while s.c.state().phase != "ended":
        for action in s.tick():
            if isinstance(action, ExerciseBegan):
                spans[action.index] = [s.c.state().session_s, float("inf")]
            elif isinstance(action, ExerciseFinished):
                spans[action.outcome.index][1] = s.c.state().session_s
        keys.offer(np.full((2, 2, 3), s.frame % 256, np.uint8))
    frames = keys.frames()
    assert [k.index for k in frames] == list(range(len(playlist.exercises)))
    for key in frames:
        start, end = spans[key.index]
        item = playlist.exercises[key.index]
        assert start <= key.session_s < end, (key.name, key.session_s, start, end)
        assert key.name == f"{key.index + 1:02d}_{item.id}"
        assert key.exercise_s == pytest.approx(0.55 * item.planned_s, abs=0.15) or key.session_s == pytest.approx(start)
    if name == "upper":  # the mislabelling the timeline fixes: the fourth exercise began long before 353 s
        assert spans[3][0] < 300 and frames[3].session_s < spans[3][1]


@pytest.mark.parametrize("name", ["upper", "lower"])
def test_the_synthetic_patient_gets_every_repetition_of_the_shipped_playlists_counted(name):
    """The shipped playlists followed to the end by the synthetic patient, seated as it sits in the demo:
    every exercise with repetitions counts its target (within one). A resting pose near a joint's limit
    (the feet so far forward that the ankle could not point further) shows here as repetitions lost."""
    s = Session(load_playlist(name), fps=10.0)
    outcomes = finished(s.until(lambda actions, state: state.phase == "ended", limit_s=3600.0))
    counted = [o for o in outcomes if o.target_reps]
    assert len(counted) >= 5
    assert all(abs(o.reps - o.target_reps) <= 1 for o in counted), [(o.exercise_id, o.reps, o.target_reps) for o in counted]
