"""The records store on both engines (SQLite and PostgreSQL): round trips, validation before writing,
refused calls that write nothing, crash safety. File specifics (migrations, modes, damage) are in
test_records_sqlite_file.py; corrections in test_records_corrections.py."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.records_backends import row_count
from vrtherapy.records import ExerciseResult, PatientProfile, RecordsError, RecordStore

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
TABLES = ("patients", "sessions", "pain", "exercises", "audit", "session_events")


@pytest.fixture
def db(records_db) -> str:
    return records_db


@pytest.fixture
def store(db):
    with RecordStore.open(db) as s:
        s.add_patient(PatientProfile("P001", "left", "upper", "transradial", date(2023, 5, 1),
                                     {"forearm": 0.26, "hand": 0.19}, 90.0, "right-handed"))  # fmt: skip
        s.add_patient(PatientProfile("P002", "right", "lower", "transtibial"))
        yield s


def result(exercise: str = "wrist_flexion", at: datetime = T0, **kw) -> ExerciseResult:
    values = {"duration_s": 120.0, "completed": True, "reps": 10, "target_reps": 12, "rom_deg": 48.5, "movement_time_s": 1.4,
                  "latency_ms_mean": 62.0, "latency_ms_p95": 88.0}  # fmt: skip
    values.update(kw)
    return ExerciseResult(exercise, at, **values)


def row_counts(db: str) -> dict[str, int]:
    return {t: row_count(str(db), t) for t in TABLES}


def test_patient_round_trip_update_and_list(store):
    p1 = store.patient("P001")
    assert p1 == PatientProfile("P001", "left", "upper", "transradial", date(2023, 5, 1),
                                {"forearm": 0.26, "hand": 0.19}, 90.0, "right-handed")  # fmt: skip
    store.update_patient(PatientProfile("P001", "left", "upper", "transhumeral", prescribed_minutes_per_week=120),
                         reason="revision surgery")
    assert store.patient("P001").level == "transhumeral"
    assert store.patient("P001").prescribed_minutes_per_week == 120.0
    assert [p.patient_id for p in store.patients()] == ["P001", "P002"]
    with pytest.raises(RecordsError, match="^patient_id: patient 'P002' already exists"):
        store.add_patient(PatientProfile("p002", "left", "upper", "hand"))
    with pytest.raises(RecordsError, match="^patient_id: unknown patient 'P404'$"):
        store.update_patient(PatientProfile("P404", "left", "upper", "hand"), reason="x")
    with pytest.raises(RecordsError, match="^patient_id: unknown patient 'P404'$"):
        store.patient("P404")


def test_profile_keeps_its_own_copy_of_measurements():
    sizes = {"forearm": 0.25}
    profile = PatientProfile("P1", "left", "upper", "transradial", measurements=sizes)
    sizes["forearm"] = 9.0
    assert profile.measurements == {"forearm": 0.25}


def test_session_with_pain_and_exercises(store):
    sid = store.start_session("P001", "upper_basic", "offscreen", started_at=T0)
    store.add_pain("P001", 7, "before", session_id=sid, at=T0)
    store.add_exercise(sid, result("wrist_flexion", T0 + timedelta(minutes=1)))
    store.add_exercise(sid, result("finger_tapping", T0 + timedelta(minutes=4), completed=False, reps=None,
                                   rom_deg=None, movement_time_s=None))  # fmt: skip
    store.finish_session(sid, T0 + timedelta(minutes=20), "completed")
    store.add_pain("P001", 4, "after", session_id=sid, at=T0 + timedelta(minutes=21))
    other = store.start_session("P001", "upper_basic", "window", started_at=T0 + timedelta(days=1))
    store.add_pain("P001", 5, "before", session_id=other, at=T0 + timedelta(days=1))
    store.finish_session(other, T0 + timedelta(days=1, minutes=5), "stopped")

    first, second = store.sessions("P001")
    assert (first.id, first.status, first.pain_before, first.pain_after) == (sid, "completed", 7, 4)
    assert first.pain_drop == 3 and first.clinically_important
    assert first.minutes == pytest.approx(20.0)
    assert [e.exercise_id for e in first.exercises] == ["wrist_flexion", "finger_tapping"]
    assert first.exercises[0] == result("wrist_flexion", T0 + timedelta(minutes=1))
    assert first.exercises[1].completed is False and first.exercises[1].rom_deg is None
    assert (second.status, second.pain_before, second.pain_after, second.pain_drop) == ("stopped", 5, None, None)
    assert not second.clinically_important
    assert store.session(sid) == first
    assert store.sessions("P002") == []


def test_pain_between_sessions_keeps_triggers_medications_and_duration(store):
    at = datetime(2024, 3, 5, 22, 15)  # naive: local time
    entry_id = store.add_pain("P001", 6, "between", at=at, triggers=["Stress", " weather  change", "stress"],
                              medications=["Gabapentin"], duration_min=45, note="woke at night")  # fmt: skip
    (entry,) = store.pain_entries("P001")
    assert entry.id == entry_id and entry.kind == "between" and entry.session_id is None
    assert entry.at == at.astimezone(UTC) and entry.at.tzinfo is not None
    assert entry.triggers == ("stress", "weather change")
    assert entry.medications == ("gabapentin",)
    assert (entry.score, entry.duration_min, entry.note) == (6, 45.0, "woke at night")


def test_pain_entries_come_back_in_time_order(store):
    store.add_pain("P001", 3, "between", at=T0 + timedelta(hours=5))
    store.add_pain("P001", 8, "between", at=T0)
    store.add_pain("P001", 5, "between", at=(T0 + timedelta(hours=2)).astimezone(timezone(timedelta(hours=-7))))
    assert [e.score for e in store.pain_entries("P001")] == [8, 5, 3]


@pytest.mark.parametrize("score", [11, -1, 7.5, "seven", "7", True, None, 7.0])
def test_bad_pain_scores_are_refused_and_write_nothing(store, db, score):
    before = row_counts(db)
    with pytest.raises(RecordsError) as err:
        store.add_pain("P001", score, "between")
    assert str(err.value) == f"score: pain must be a whole number from 0 to 10 (got {score!r})"
    assert row_counts(db) == before


@pytest.mark.parametrize("score", [0, 10])
def test_pain_scale_ends_are_accepted(store, score):
    store.add_pain("P001", score, "between")
    assert [e.score for e in store.pain_entries("P001")] == [score]


@pytest.mark.parametrize("patient_id", ["", "P 1", "x" * 33, "P/1", "Ünï", "P1;DROP", None, 7])
def test_bad_patient_ids_are_refused(store, db, patient_id):
    before = row_counts(db)
    with pytest.raises(RecordsError, match="^patient_id: .* is not a valid patient ID"):
        PatientProfile(patient_id, "left", "upper", "hand")
    with pytest.raises(RecordsError, match="^patient_id: .* is not a valid patient ID"):
        store.add_pain(patient_id, 5, "between")
    assert row_counts(db) == before


def test_refused_calls_write_nothing(store, db):
    sid = store.start_session("P001", "demo", "offscreen", started_at=T0)
    store.add_pain("P001", 6, "before", session_id=sid, at=T0)
    p2_session = store.start_session("P002", "demo", "offscreen", started_at=T0)
    tomorrow = datetime.now() + timedelta(days=1)
    before = row_counts(db)
    refused = [
        ("^patient_id: unknown patient 'P999'$", lambda: store.add_pain("P999", 5, "between")),
        ("^patient_id: unknown patient 'P999'$", lambda: store.start_session("P999", "demo", "offscreen")),
        ("^kind: must be one of before, after, between", lambda: store.add_pain("P001", 5, "during")),
        ("a 'between' rating is not part of a session", lambda: store.add_pain("P001", 5, "between", session_id=sid)),
        ("a 'after' rating needs the session", lambda: store.add_pain("P001", 5, "after")),
        (r"already has a pain-before rating \(6, entry \d+\): edit or void that entry instead$",
         lambda: store.add_pain("P001", 2, "before", session_id=sid)),
        ("belongs to patient 'P002', not 'P001'", lambda: store.add_pain("P001", 2, "after", session_id=p2_session)),
        ("^session_id: there is no session 999$", lambda: store.add_pain("P001", 2, "after", session_id=999)),
        ("^triggers: must be a list", lambda: store.add_pain("P001", 2, "between", triggers="stress")),
        ("^medications: must not be empty", lambda: store.add_pain("P001", 2, "between", medications=[" "])),
        ("^duration_min: must be above 0", lambda: store.add_pain("P001", 2, "between", duration_min=0)),
        ("^duration_min: must be a number", lambda: store.add_pain("P001", 2, "between", duration_min=float("nan"))),
        ("^at: .* is in the future$", lambda: store.add_pain("P001", 2, "between", at=tomorrow)),
        ("^playlist: must not be empty$", lambda: store.start_session("P001", "", "offscreen")),
        ("^session_id: there is no session 999$", lambda: store.add_exercise(999, result())),
        ("^level: .* not a level for amputation of the lower limb",
         lambda: store.update_patient("P002", {"level": "transradial"}, reason="x")),
        ("^measurements: forearm: not a measurement of the lower limb .a measurement of the upper limb",
         lambda: store.update_patient("P002", {"measurements": {"forearm": 0.25}}, reason="x")),
        ("^entry_id: there is no entry 999$", lambda: store.edit_pain(999, {"score": 3}, reason="typo")),
        ("^entry_id: there is no entry 999$", lambda: store.void_pain(999, reason="typo")),
        ("^reason: must not be empty", lambda: store.void_pain(1, reason=" ")),
        ("^at: 9999-12-31T23:00:00-05:00 is outside the dates that can be recorded",
         lambda: store.add_pain("P001", 2, "between", at=datetime.fromisoformat("9999-12-31T23:00-05:00"))),
    ]
    for pattern, call in refused:
        with pytest.raises(RecordsError, match=pattern):
            call()
        assert row_counts(db) == before, pattern


def test_finishing_rules(store, db):
    sid = store.start_session("P001", "demo", "offscreen", started_at=T0)
    with pytest.raises(RecordsError, match="^status: must be one of completed, stopped, crashed, capped"):
        store.finish_session(sid, T0 + timedelta(minutes=5), "done")
    with pytest.raises(RecordsError, match="is before the session started"):
        store.finish_session(sid, T0 - timedelta(minutes=5), "completed")
    assert store.session(sid).status == "unfinished"
    store.finish_session(sid, None, "crashed")
    assert store.session(sid).status == "crashed"
    before = row_counts(db)
    with pytest.raises(RecordsError, match=r"^session \d+ is already finished \(crashed\)$"):
        store.finish_session(sid, None, "completed")
    with pytest.raises(RecordsError, match="exercise results cannot be added"):
        store.add_exercise(sid, result())
    assert row_counts(db) == before
    # the after-session rating is usually asked once the session is over
    store.add_pain("P001", 3, "after", session_id=sid)
    assert store.session(sid).pain_after == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": ""}, "^level: must not be empty$"),
        ({"affected_side": "middle"}, "^affected_side: must be one of left, right"),
        ({"limb": "arm"}, "^limb: must be one of upper, lower"),
        ({"measurements": {"forearm": 25.0}}, r"^measurements.forearm: must be at least 0.15 and at most 0.38 m"),
        ({"measurements": {"thigh": 0.4}}, r"^measurements.thigh: not a measurement of the upper limb"),
        ({"level": "transtibial"}, r"^level: .transtibial. is not a level for amputation of the upper limb: use one of "),
        ({"level": "hemiparesis"}, r"^level: .hemiparesis. is not a level for amputation"),
        ({"condition": "burns"}, r"^condition: must be one of amputation, stroke"),
        ({"measurements": {"forearm": "long"}}, "^measurements.forearm: must be a number"),
        ({"prescribed_minutes_per_week": 0}, "^prescribed_minutes_per_week: must be above 0"),
        ({"amputation_date": date.today() + timedelta(days=3)}, "^amputation_date: .* is in the future$"),
        ({"amputation_date": "2024-01-01"}, "^amputation_date: must be a date"),
    ],
)
def test_profile_validation(kwargs, message):
    values = {"patient_id": "P1", "affected_side": "left", "limb": "upper", "level": "transradial"} | kwargs
    with pytest.raises(RecordsError, match=message):
        PatientProfile(**values)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration_s": -1.0}, "^duration_s: must be at least 0"),
        ({"completed": 1}, "^completed: must be true or false"),
        ({"reps": 2.5}, "^reps: must be a whole number"),
        ({"target_reps": -3}, "^target_reps: must be a whole number"),
        ({"rom_deg": float("inf")}, "^rom_deg: must be a number"),
        ({"latency_ms_p95": -1.0}, "^latency_ms_p95: must be at least 0"),
    ],
)
def test_exercise_result_validation(kwargs, message):
    with pytest.raises(RecordsError, match=message):
        result(**kwargs)
    with pytest.raises(RecordsError, match="^started_at: must be a date and time"):
        ExerciseResult("x", "2024-01-01", 1.0, True)  # type: ignore[arg-type]


def test_the_store_can_be_used_from_another_thread(store):
    errors: list[BaseException] = []

    def work() -> None:
        try:
            store.add_pain("P001", 4, "between", at=T0)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == [] and [e.score for e in store.pain_entries("P001")] == [4]


_CRASHING_SESSION = textwrap.dedent(
    """
    import os, sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from vrtherapy.records import ExerciseResult, PatientProfile, RecordStore

    store = RecordStore.open(sys.argv[1])
    store.add_patient(PatientProfile("P001", "left", "upper", "transradial"))
    sid = store.start_session("P001", "upper_basic", "offscreen")
    store.add_pain("P001", 7, "before", session_id=sid)
    for name in ("wrist_flexion", "finger_tapping"):
        store.add_exercise(sid, ExerciseResult(name, datetime.now(timezone.utc), 90.0, True, 10, 10, 40.0,
                                               1.2, 55.0, 80.0))
    print("ready", sid, flush=True)
    time.sleep(120)
    """
)


def _child_env() -> dict[str, str]:
    import os

    root = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


def test_sigkill_mid_session_loses_nothing_recorded(db):
    child = subprocess.Popen([sys.executable, "-c", _CRASHING_SESSION, str(db)], env=_child_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        readable, _, _ = select.select([child.stdout], [], [], 60)
        assert readable, "the child never got ready"
        line = child.stdout.readline()
        assert line.startswith("ready"), (line, child.stderr.read() if child.poll() is not None else "")
        session_id = int(line.split()[1])
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()

    with RecordStore.open(db) as store:
        (session,) = store.sessions("P001")
        assert session.id == session_id
        assert session.status == "unfinished" and session.ended_at is None
        assert session.pain_before == 7 and session.pain_after is None
        assert [e.exercise_id for e in session.exercises] == ["wrist_flexion", "finger_tapping"]
        assert session.minutes > 0
    if not db.startswith("postgresql"):
        import sqlite3

        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
