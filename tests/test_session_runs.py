"""Whole sessions with the synthetic patient, rendered offscreen on a fake clock: repetitions counted live and
recorded, pause, skip, the session cap with its reminder, the pain questions, the lower-limb view."""

import numpy as np
import pytest

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.therapy import commands as cmd
from vrtherapy.therapy.controller import SessionController
from vrtherapy.therapy.driver import SessionDriver
from vrtherapy.therapy.hud_view import REMINDER_BANNER
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.therapy.session_state import ExerciseFinished, PainAnswered
from vrtherapy.therapy.setup import PatientClock, build_skeletons, patient_script
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, SyntheticLegMotion, build_schedule

PLAYLISTS = {
    "upper": 'name = "short upper"\nlimb = "upper"\n'
             '[[exercises]]\nid = "rest"\nduration_s = 1\n'
             '[[exercises]]\nid = "fist_open_close"\nreps = 3\nrest_s = 1\n'
             '[[exercises]]\nid = "tip_pinch"\nreps = 3\n'
             '[[exercises]]\nid = "finger_tapping"\nduration_s = 4.8\n',
    "lower": 'name = "short lower"\nlimb = "lower"\n'
             '[[exercises]]\nid = "rest_feet"\nduration_s = 1\n'
             '[[exercises]]\nid = "ankle_dorsi_plantar"\nreps = 3\nrest_s = 1\n'
             '[[exercises]]\nid = "knee_extension"\nreps = 2\n'
             '[[exercises]]\nid = "hip_abduction"\nduration_s = 7.2\n',
}  # fmt: skip


class PatientTracker:
    """The synthetic patient following the session (`PatientClock`), a new sample every frame; `on_frame(n)`
    lets a test press keys or submit commands at a given frame."""

    name, running, error = "synthetic", True, None

    def __init__(self, motion, clock, patient: PatientClock, on_frame=None) -> None:
        self.motion, self.clock, self.patient, self.on_frame = motion, clock, patient, on_frame
        self.side = motion.side
        self.controller: SessionController | None = None
        self.frame = 0

    def latest(self):
        if self.on_frame is not None:
            self.on_frame(self.frame)
        self.frame += 1
        return self.motion.sample_at(self.patient(self.controller.state()), t_capture=self.clock.now - 0.03)


@pytest.fixture
def session_for(showbase, tmp_path, make_clock):
    from vrtherapy.render.app import TherapyScene

    scenes = []

    def make(limb: str, playlist_text: str | None = None, playlist=None, on_frame=None, fps=15.0, **kwargs):
        if playlist is None:
            path = tmp_path / f"{limb}.toml"
            path.write_text(playlist_text or PLAYLISTS[limb])
            playlist = load_playlist(str(path))
        kind = "arm" if limb == "upper" else "leg"
        scene = TherapyScene(showbase, load_scene(), build_skeletons(kind, "left", None), Appearance())
        scenes.append(scene)
        clock = make_clock()
        motion_cls = SyntheticArmMotion if kind == "arm" else SyntheticLegMotion
        motion = motion_cls("right", build_schedule(patient_script(playlist)), seed=2)
        tracker = PatientTracker(motion, clock, PatientClock(playlist), on_frame)
        pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=True), limb=kind)
        controller = SessionController(playlist, pipeline.phantom_retargeter.skeleton.names, kind, pipeline.mirror.mode,
                                       **kwargs)  # fmt: skip
        tracker.controller = controller
        return SessionDriver(scene, tracker, pipeline, controller, fps=fps, clock=clock, sleep=clock.sleep)

    yield make
    for scene in scenes:
        scene.destroy()


def scripted_reps(playlist) -> list[int | None]:
    out = []
    for item in playlist.exercises:
        if item.exercise.reps is None:
            out.append(None)
        else:
            out.append(item.reps if item.reps is not None else int(item.limit_s // item.exercise.rep_seconds))
    return out


@pytest.mark.parametrize("limb", ["upper", "lower"])
def test_a_synthetic_session_counts_every_exercise_and_records_it(session_for, tmp_path, limb):
    from vrtherapy.records.store import ExerciseResult, PatientProfile, RecordStore

    store = RecordStore.open(tmp_path / "records.sqlite3")
    store.add_patient(PatientProfile("P1", "left", limb, "transradial" if limb == "upper" else "transtibial"))
    sid = store.start_session("P1", "short", "offscreen")

    def record(action):
        if not isinstance(action, ExerciseFinished):
            return
        o = action.outcome
        store.add_exercise(sid, ExerciseResult(o.exercise_id, o.started_at, o.duration_s, o.completed, o.reps,
                                               o.target_reps, o.rom_deg, o.movement_time_s, o.latency_ms_mean,
                                               o.latency_ms_p95))  # fmt: skip

    driver = session_for(limb)
    driver.run(record)
    state = driver.controller.state()
    assert state.ended_by == "completed"
    outcomes = state.outcomes
    playlist = driver.controller.playlist
    counted = [o.reps for o in outcomes]
    expected = scripted_reps(playlist)
    assert [o.exercise_id for o in outcomes] == [e.id for e in playlist.exercises]
    for got, want in zip(counted, expected, strict=False):
        assert (got is None) == (want is None) and (want is None or abs(got - want) <= 1), (counted, expected)
    assert all(o.completed for o in outcomes)
    assert all(o.latency_ms_mean is not None for o in outcomes)
    for o, item in zip(outcomes, playlist.exercises, strict=False):
        assert o.movement_time_s is None or 0.2 < o.movement_time_s < item.exercise.rep_seconds
    stored = store.session(sid).exercises
    assert [e.exercise_id for e in stored] == [o.exercise_id for o in outcomes]
    assert [e.reps for e in stored] == counted and all(e.rom_deg is None or e.rom_deg > 5 for e in stored)
    store.close()


def test_pause_stops_the_timer_and_says_so(session_for):
    seen = []

    def on_frame(n):
        if n == 10:
            driver.controller.submit(cmd.Pause(), "test")
        if n == 40:
            seen.append(driver.scene.hud.shown.banner)
            driver.controller.submit(cmd.Resume(), "test")

    driver = session_for("upper", 'name = "p"\nlimb = "upper"\n[[exercises]]\nid = "wrist_flexion_extension"\nduration_s = 3\n',
                         on_frame=on_frame)  # fmt: skip
    stats = driver.run()
    assert seen == ["Paused"]
    assert driver.controller.state().outcomes[0].duration_s == pytest.approx(3.0)
    assert stats.elapsed_s == pytest.approx(5.0, abs=0.2)  # 3 s of exercise + 2 s paused


def test_skip_from_the_keyboard_marks_the_exercise_not_completed(session_for, showbase):
    def on_frame(n):
        if n == 15:
            showbase.messenger.send("n")

    driver = session_for("upper", 'name = "p"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 3\n'
                                  '[[exercises]]\nid = "fist_open_close"\nduration_s = 1\n', on_frame=on_frame)  # fmt: skip
    driver.run()
    outcomes = driver.controller.state().outcomes
    first = outcomes[0]
    assert first.exercise_id == "rest" and not first.completed and first.reason == "skipped"
    assert first.duration_s == pytest.approx(1.0, abs=0.1)  # skipped at frame 15 of 15 fps ~ 1 s
    assert outcomes[1].completed and len(outcomes) == 2
    assert driver.controller.changes()[0].source == "keyboard"


def test_the_session_cap_ends_with_a_calm_reminder(session_for):
    banners = []

    def on_frame(n):
        banners.append(driver.scene.hud.shown.banner)

    driver = session_for("upper", on_frame=on_frame, max_s=4.0, reminder_s=2.0)
    stats = driver.run()
    state = driver.controller.state()
    assert state.ended_by == "capped" and stats.elapsed_s == pytest.approx(6.0, abs=0.2)
    assert banners.count(REMINDER_BANNER) >= 25  # shown for the 2 s reminder
    last = state.outcomes[-1]
    assert last.reason == "capped" and not last.completed and len(state.outcomes) == 2
    assert (state.exercises_done, state.exercises_planned) == (2, 4)


def test_pain_is_asked_before_and_after_on_the_hud(session_for, showbase):
    keys = {5: "1", 6: "0", 8: "enter"}
    answers = []

    def on_frame(n):
        pain = driver.controller.state().pain
        if pain is not None and pain.when == "after" and answers[-1:] != ["after"]:
            keys.update({n + 1: "3", n + 3: "enter"})
            answers.append("after")
        if n in keys:
            showbase.messenger.send(keys[n])

    given = []
    driver = session_for("upper", 'name = "p"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 1\n',
                         on_frame=on_frame, ask_pain=("before", "after"))  # fmt: skip
    driver.run(lambda a: given.append((a.when, a.score)) if isinstance(a, PainAnswered) else None)
    state = driver.controller.state()
    assert given == [("before", 10), ("after", 3)] and (state.pain_before, state.pain_after) == (10, 3)
    assert state.outcomes[0].duration_s == pytest.approx(1.0)  # the exercise waited for the answer


def test_the_lower_limb_view_sees_both_feet(showbase):
    """Rendered from the scene's lower-limb eye: skin of both feet where the toes and ankles project."""
    from vrtherapy.motion.pipeline import FramePoses
    from vrtherapy.render.app import TherapyScene
    from vrtherapy.render.capture import grab_rgb

    scene = TherapyScene(showbase, load_scene(), build_skeletons("leg", "left", None), Appearance(), with_hud=False)
    try:
        pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=True), limb="leg")
        motion = SyntheticLegMotion("right", build_schedule([("rest_feet", 5.0)]), noise_m=0.0)
        for k in range(20):
            poses = pipeline.process(motion.sample_at(0.0, t_capture=k / 30))
        scene.show(FramePoses(None, None, None))
        empty = grab_rgb(showbase).astype(int)
        scene.show(poses)
        drawn = grab_rgb(showbase).astype(int)
        limb = np.abs(drawn - empty).sum(axis=2) > 30
        h, w = limb.shape
        points = motion.sample_at(0.0).points  # right leg: hip, knee, ankle, heel, foot_index
        mirrored = points * [-1, 1, 1]
        for foot in (points, mirrored):
            for along in (0.6, 0.85):  # the forefoot, from the heel towards the toe tip
                x, y = _project(showbase, foot[3] + along * (foot[4] - foot[3]))
                assert 0 <= x < w and 0 <= y < h, "outside the view"
                assert limb[y - 2:y + 3, x - 2:x + 3].mean() > 0.5, (along, x, y)
        assert limb[:, : w // 2].sum() > 500 and limb[:, w // 2:].sum() > 500  # a leg on each side
        assert scene.eye == scene.spec.eye_lower
    finally:
        scene.destroy()


def _project(base, world) -> tuple[int, int]:
    from panda3d.core import Point2, Point3

    p3 = base.cam.getRelativePoint(base.render, Point3(*world))
    p2 = Point2()
    assert base.camLens.project(p3, p2)
    w, h = base.win.getXSize(), base.win.getYSize()
    return int((p2.x + 1) / 2 * w), int((1 - p2.y) / 2 * h)


@pytest.fixture
def records(tmp_path):
    from vrtherapy.records.store import PatientProfile, RecordStore

    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as store:
        store.add_patient(PatientProfile("P7", "right", "upper", "transradial", measurements={"forearm": 0.25}))
    return path


def test_run_session_records_pain_and_every_exercise(showbase, records, tmp_path):
    from vrtherapy.records.store import RecordStore
    from vrtherapy.therapy.rom_joints import exercise_joint
    from vrtherapy.therapy.run_session import RunOptions, format_report, run_session

    playlist = tmp_path / "tiny.toml"
    playlist.write_text('name = "tiny"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 0.6\n'
                        '[[exercises]]\nid = "fist_open_close"\nduration_s = 0.8\n')
    lines = []
    report = run_session(RunOptions("P7", str(playlist), display="offscreen", pain_before=7, pain_after=5, db=records),
                         say=lines.append, base=showbase)  # fmt: skip
    assert report.status == "completed" and report.display == "offscreen"
    with RecordStore.open(records) as store:
        session = store.session(report.session_id)
    assert session.status == "completed" and session.playlist == "tiny"
    assert (session.pain_before, session.pain_after) == (7, 5)
    assert [e.exercise_id for e in session.exercises] == ["rest", "fist_open_close"]
    assert session.exercises[1].reps is not None and session.exercises[0].reps is None
    # each range of motion is stored with the joint it measures, as the report names it
    assert [e.rom_joint for e in session.exercises] == [None, exercise_joint("fist_open_close")] == [None, "middle MCP flexion"]
    assert any("virtual right arm mirrors the left arm" in line for line in lines)  # affected side from the profile
    assert "completed" in format_report(report)[-1]


@pytest.mark.parametrize("options, message", [
    ({"patient": "P404", "playlist": "upper"}, "P404"),
    ({"patient": "P7", "playlist": "lower"}, "is for the lower limb; patient P7 is treated for the upper limb"),
    ({"patient": "P7", "playlist": "upper", "pain_before": 11}, "--pain-before: must be a whole number from 0 to 10"),
    ({"patient": "P7", "playlist": "upper", "tracker": "kinect"}, "unknown tracker 'kinect'"),
])  # fmt: skip
def test_run_session_refuses_bad_input_before_recording_anything(records, options, message):
    from vrtherapy.errors import VrtherapyError
    from vrtherapy.records.store import RecordStore
    from vrtherapy.therapy.run_session import RunOptions, run_session

    with pytest.raises(VrtherapyError, match=message.replace("(", r"\(")) as err:
        run_session(RunOptions(display="offscreen", db=records, **options), say=lambda line: None)
    assert "\n" not in str(err.value)
    with RecordStore.open(records) as store:
        assert store.sessions("P7") == []
