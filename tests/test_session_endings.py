"""Every session ends right: signals, the cap, a refused run, a patient who leaves at the first question,
what `run --output` leaves, the wording of the pain question (issue 13, "Sessions that record what happened")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vrtherapy.records.models import PatientProfile
from vrtherapy.records.store import RecordStore
from vrtherapy.therapy import commands as cmd
from vrtherapy.therapy.run_session import RunOptions, run_session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: A short rest, then a long exercise: signalled during the second, the first is done and recorded.
TWO_PART = ('name = "two part"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 1.5\n'
            '[[exercises]]\nid = "fist_open_close"\nduration_s = 90\n')  # fmt: skip


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as store:
        store.add_patient(PatientProfile("P1", "left", "upper", "transradial"))
        store.add_patient(PatientProfile("S1", "right", "upper", "hemiparesis", condition="stroke"))
    return path


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["XR_RUNTIME_JSON"] = str(PROJECT_ROOT / "no-such-openxr-runtime.json")  # no headset, whatever is installed
    env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen([sys.executable, "-m", "vrtherapy", *args], cwd=PROJECT_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # fmt: skip


def _sessions(db: Path) -> list:
    with RecordStore.open(db) as store:
        return store.sessions("P1")


def _wait_for_first_exercise(db: Path, proc: subprocess.Popen, timeout_s: float = 180.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        sessions = _sessions(db)
        if sessions and sessions[0].exercises:
            time.sleep(1.0)  # well into the second exercise
            return
        time.sleep(0.25)
    raise AssertionError("the first exercise was never recorded")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_end_the_session_as_stopped_with_the_exercise_under_way(db, tmp_path, sig):
    playlist = tmp_path / "two.toml"
    playlist.write_text(TWO_PART)
    proc = _cli("run", "--patient", "P1", "--playlist", str(playlist), "--display", "offscreen", "--pain-before", "4",
                "--db", str(db), "--size", "320x180")  # fmt: skip
    _wait_for_first_exercise(db, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    [session] = _sessions(db)
    assert session.status == "stopped" and session.ended_at is not None and session.pain_before == 4
    assert [(e.exercise_id, e.completed) for e in session.exercises] == [("rest", True), ("fist_open_close", False)]
    assert 0 < session.exercises[1].duration_s < 90 and session.exercises_planned == 2
    assert "Traceback" not in err and "stopped (stopped), 1 of 2 exercises done" in out


def test_sigkill_leaves_what_was_done_and_no_end(db, tmp_path):
    playlist = tmp_path / "two.toml"
    playlist.write_text(TWO_PART)
    proc = _cli("run", "--patient", "P1", "--playlist", str(playlist), "--display", "offscreen", "--pain-before", "4",
                "--db", str(db), "--size", "320x180")  # fmt: skip
    _wait_for_first_exercise(db, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    [session] = _sessions(db)
    assert session.status == "unfinished" and session.ended_at is None and session.pain_before == 4
    assert [(e.exercise_id, e.completed) for e in session.exercises] == [("rest", True)]
    with RecordStore.open(db) as store:  # the file is whole: it opens, and the next session goes in
        assert store.start_session("P1", "after a kill", "offscreen") > session.id


@pytest.mark.parametrize("display", ["offscreen", "auto"])
def test_a_refused_run_writes_nothing(db, display):
    before = db.read_bytes()
    proc = _cli("run", "--patient", "P1", "--playlist", "upper", "--display", display, "--tracker", "headset",
                "--pain-before", "5", "--db", str(db))  # fmt: skip
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 2
    assert err.strip().splitlines()[-1] == "vrtherapy: --tracker headset: the headset is not in use (see --display)"
    assert "Traceback" not in err and db.read_bytes() == before


def test_a_capped_session_is_recorded_as_capped_with_exercises_done_out_of_planned(db, showbase, tmp_path):
    playlist = tmp_path / "three.toml"
    playlist.write_text('name = "three"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 1\n'
                        '[[exercises]]\nid = "fist_open_close"\nduration_s = 8\n'
                        '[[exercises]]\nid = "wrist_flexion_extension"\nduration_s = 8\n')  # fmt: skip
    report = run_session(RunOptions("P1", str(playlist), display="offscreen", db=db, seconds=2.0, pain_before=3,
                                    pain_after=2, size=(160, 120)), say=lambda line: None, base=showbase)  # fmt: skip
    assert (report.status, report.ended_by) == ("capped", "capped")
    [session] = _sessions(db)
    assert session.status == "capped" and session.exercises_planned == 3
    assert [(e.exercise_id, e.completed) for e in session.exercises] == [("rest", True), ("fist_open_close", False)]
    assert (session.pain_before, session.pain_after) == (3, 2)


class Watcher:
    """A console following the session: on its first frame it gives `commands`; it notes the pain question."""

    def __init__(self, *commands: cmd.Command) -> None:
        self.commands, self.questions, self.started_with = list(commands), [], None

    def started(self, driver, session_id: int, display: str) -> None:
        self.started_with = session_id

    def frame(self, driver) -> None:
        state = driver.controller.state()
        if state.pain is not None:
            self.questions.append(state.pain.question)
        while self.commands:
            driver.controller.submit(self.commands.pop(0), "console:test")


def test_a_patient_who_leaves_at_the_first_question_leaves_no_session(db, showbase):
    before = db.read_bytes()
    watcher = Watcher(cmd.Stop())
    report = run_session(RunOptions("P1", "upper", display="offscreen", db=db, size=(160, 120)),
                         say=lambda line: None, base=showbase, observer=watcher)  # fmt: skip
    assert report.session_id is None and report.ended_by == "left" and watcher.started_with is None
    assert _sessions(db) == [] and db.read_bytes() == before
    assert watcher.questions and "phantom" in watcher.questions[0]


def test_a_stroke_patient_is_never_asked_about_phantom_pain(db, showbase, tmp_path):
    playlist = tmp_path / "one.toml"
    playlist.write_text('name = "one"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 0.5\n')
    watcher = Watcher(cmd.PainAnswer(6))
    report = run_session(RunOptions("S1", str(playlist), display="offscreen", db=db, size=(160, 120)),
                         say=lambda line: None, base=showbase, observer=watcher)  # fmt: skip
    assert watcher.questions and not any("phantom" in q.lower() for q in watcher.questions)
    assert report.pain.get("before") == 6 and watcher.started_with == report.session_id


def test_skipping_the_question_after_records_the_session_without_it(db, showbase, tmp_path):
    playlist = tmp_path / "one.toml"
    playlist.write_text('name = "one"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 0.5\n')

    class SkipAfter(Watcher):
        def frame(self, driver) -> None:
            pain = driver.controller.state().pain
            if pain is not None and pain.when == "after":
                driver.controller.submit(cmd.SkipPainQuestion(), "console:test")
            super().frame(driver)

    report = run_session(RunOptions("P1", str(playlist), display="offscreen", db=db, pain_before=2, size=(160, 120)),
                         say=lambda line: None, base=showbase, observer=SkipAfter())  # fmt: skip
    [session] = _sessions(db)
    assert session.status == "completed" and (session.pain_before, session.pain_after) == (2, None)
    assert report.status == "completed"


def test_run_output_leaves_what_the_demo_leaves(db, showbase, tmp_path):
    playlist = tmp_path / "one.toml"
    playlist.write_text('name = "one"\nlimb = "upper"\n[[exercises]]\nid = "fist_open_close"\nduration_s = 1.5\n')
    out = tmp_path / "review"
    report = run_session(RunOptions("P1", str(playlist), display="offscreen", db=db, pain_before=1, pain_after=1,
                                    size=(160, 120), output=out), say=lambda line: None, base=showbase)  # fmt: skip
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"summary.json", "contact_sheet.png", "preview.gif", "frames/01_fist_open_close.png"} <= names
    assert "demo.mp4" in names
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["session"]["ended_by"] == "completed" and summary["session"]["exercises_planned"] == 1
    assert report.session_id is not None
