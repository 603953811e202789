"""`vrtherapy patient` and `vrtherapy pain`: what a clinician types, what is stored, one-line errors."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest

from tests.records_backends import row_count
from vrtherapy.cli import main
from vrtherapy.records import RecordStore


@pytest.fixture
def db(records_db, capsys) -> str:
    """Records with patient P001, on an SQLite file and on PostgreSQL (each test runs on both)."""
    path = records_db
    assert main(["patient", "add", "--db", str(path), "--patient", "P001", "--side", "left", "--limb", "upper",
                 "--level", "transradial", "--amputation-date", "2024-03-01", "--minutes-per-week", "90",
                 "--measure", "forearm=0.26", "--measure", "hand=0.19"]) == 0  # fmt: skip
    capsys.readouterr()
    return path


#: a second patient's required options
NEW = ["--patient", "P2", "--side", "left", "--limb", "upper", "--level", "partial_hand"]


def pain_rows(db: str) -> int:
    return row_count(db, "pain")


def test_patient_add_stores_the_profile(db, capsys):
    with RecordStore.open(db) as store:
        p = store.patient("P001")
    assert (p.affected_side, p.limb, p.level, p.amputation_date) == ("left", "upper", "transradial", date(2024, 3, 1))
    assert p.prescribed_minutes_per_week == 90.0 and p.measurements == {"forearm": 0.26, "hand": 0.19}
    assert main(["patient", "list", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "P001: amputation, left upper, transradial; 90 min/week prescribed; 0 sessions\n"


def test_patient_update_changes_only_what_is_given(db, capsys):
    assert main(["patient", "update", "--db", str(db), "--patient", "P001", "--minutes-per-week", "120",
                 "--measure", "hand=0.2", "--reason", "re-measured"]) == 0  # fmt: skip
    with RecordStore.open(db) as store:
        p = store.patient("P001")
    assert p.prescribed_minutes_per_week == 120.0 and p.level == "transradial"
    assert p.measurements == {"forearm": 0.26, "hand": 0.2}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--patient", "P001", "--side", "left", "--limb", "upper", "--level", "hand"],
         "vrtherapy: --patient: patient 'P001' already exists (IDs do not depend on case)"),
        (["--patient", "p001", "--side", "left", "--limb", "upper", "--level", "hand"],
         "vrtherapy: --patient: patient 'P001' already exists (IDs do not depend on case)"),
        (["--patient", "P3", "--side", "left", "--limb", "upper", "--level", "transtibial"],
         "vrtherapy: --level: 'transtibial' is not a level for amputation of the upper limb: use one of partial_hand, "
         "wrist_disarticulation, transradial, elbow_disarticulation, transhumeral, shoulder_disarticulation, forequarter, "
         "unspecified"),
        ([*NEW, "--measure", "thigh=0.4"],
         "vrtherapy: --measure: thigh: not a measurement of the upper limb (a measurement of the lower limb): use "
         "upper_arm, forearm, hand, palm_length, palm_breadth"),
        (["--patient", "P 2", "--side", "left", "--limb", "upper", "--level", "hand"],
         "vrtherapy: --patient: 'P 2' is not a valid patient ID: use 1 to 32 letters, digits, '_' or '-'"),
        ([*NEW, "--measure", "forearm=26"],
         "vrtherapy: --measure: forearm: must be at least 0.15 and at most 0.38 m, got 26.0"),
        ([*NEW, "--measure", "forearm"],
         "vrtherapy: --measure: 'forearm': use NAME=METRES, e.g. forearm=0.26"),
        ([*NEW, "--amputation-date", "3/1/24"],
         "vrtherapy: --amputation-date: '3/1/24' is not an ISO date (e.g. 2024-03-01)"),
        ([*NEW, "--minutes-per-week", "0"],
         "vrtherapy: --minutes-per-week: must be above 0 and at most 10080, got 0.0"),
    ],
)  # fmt: skip
def test_patient_add_errors_are_one_line(db, capsys, argv, message):
    assert main(["patient", "add", "--db", str(db), *argv]) == 2
    assert capsys.readouterr().err == message + "\n"
    with RecordStore.open(db) as store:
        assert [p.patient_id for p in store.patients()] == ["P001"]


def test_pain_add_logs_a_rating_between_sessions(db, capsys):
    argv = ["pain", "add", "--db", str(db), "--patient", "P001", "--score", "6", "--trigger", "stress",
            "--trigger", "weather change", "--medication", "gabapentin", "--duration-min", "30",
            "--note", "after a long drive", "--at", "2024-03-05T18:30:00+01:00"]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().out == "vrtherapy: logged pain 6/10 for P001 (entry 1)\n"
    with RecordStore.open(db) as store:
        (entry,) = store.pain_entries("P001")
    assert (entry.kind, entry.score, entry.session_id) == ("between", 6, None)
    assert entry.at == datetime(2024, 3, 5, 17, 30, tzinfo=UTC)
    assert entry.triggers == ("stress", "weather change") and entry.medications == ("gabapentin",)
    assert (entry.duration_min, entry.note) == (30.0, "after a long drive")
    assert main(["pain", "list", "--db", str(db), "--patient", "P001"]) == 0
    listed = capsys.readouterr().out
    assert "[   1] " in listed
    assert " 6/10  between  diary; lasted 30 min; triggers: stress, weather change; medications: gabapentin" in listed
    assert "gabapentin; after a long drive" in listed


def test_pain_add_without_at_is_now(db):
    before = datetime.now(UTC)
    assert main(["pain", "add", "--db", str(db), "--patient", "P001", "--score", "0"]) == 0
    with RecordStore.open(db) as store:
        (entry,) = store.pain_entries("P001")
    assert before <= entry.at <= datetime.now(UTC) and entry.score == 0


@pytest.mark.parametrize(
    ("score", "shown"),
    [("11", "11"), ("-1", "-1"), ("7.5", "'7.5'"), ("7.0", "'7.0'"), ("seven", "'seven'"), ("", "''"), ("nan", "'nan'"),
     ("\uff17", "'\uff17'"), ("\u0667", "'\u0667'"), ("7\u200b", "'7\\u200b'")],
)
def test_bad_scores_are_refused_in_one_line_and_write_nothing(db, capsys, score, shown):
    assert main(["pain", "add", "--db", str(db), "--patient", "P001", "--score", score]) == 2
    assert capsys.readouterr().err == f"vrtherapy: --score: pain must be a whole number from 0 to 10 (got {shown})\n"
    assert pain_rows(db) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--patient", "P404"], "vrtherapy: --patient: unknown patient 'P404'"),
        (["--patient", "P001", "--at", "9999-12-31T23:00-05:00"],
         "vrtherapy: --at: 9999-12-31T23:00:00-05:00 is outside the dates that can be recorded"),
        (["--patient", "P001", "--at", "1899-12-31T23:00"],
         "vrtherapy: --at: 1899-12-31T23:00:00 is too long ago to be a therapy record"),
        (["--patient", "P001", "--trigger", "stress\x1b[2J"],
         "vrtherapy: --trigger: 'stress\\x1b[2J' contains invisible or control characters (U+001B)"),
        (["--patient", "P001", "--trigger", "str\u200bess"],
         "vrtherapy: --trigger: 'str\\u200bess' contains invisible or control characters (U+200B)"),
        (["--patient", "P001", "--at", "yesterday"],
         "vrtherapy: --at: 'yesterday' is not an ISO date and time (e.g. 2024-03-01T18:30)"),
        (["--patient", "P001", "--at", "2099-01-01T10:00"], "vrtherapy: --at: 2099-01-01T10:00:00 is in the future"),
        (["--patient", "P001", "--duration-min", "half an hour"],
         "vrtherapy: --duration-min: 'half an hour' is not a number"),
        (["--patient", "P001", "--duration-min", "-5"],
         "vrtherapy: --duration-min: must be above 0 and at most 10080 min, got -5.0"),
        (["--patient", "P001", "--trigger", "  "], "vrtherapy: --trigger: must not be empty"),
    ],
)  # fmt: skip
def test_pain_add_errors_are_one_line_and_write_nothing(db, capsys, extra, message):
    assert main(["pain", "add", "--db", str(db), "--score", "5", *extra]) == 2
    assert capsys.readouterr().err == message + "\n"
    assert pain_rows(db) == 0


def test_the_environment_names_the_default_records_file(tmp_path, capsys):
    assert main(["patient", "add", "--patient", "P9", "--side", "right", "--limb", "lower",
                 "--level", "transtibial"]) == 0  # fmt: skip
    assert main(["pain", "add", "--patient", "P9", "--score", "3"]) == 0
    with RecordStore.open(os.environ["VRTHERAPY_DB"]) as store:  # each test's own (tests/conftest.py)
        assert [e.score for e in store.pain_entries("P9")] == [3]


def test_reading_commands_do_not_create_a_records_file(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite3"
    for argv in (["patient", "list"], ["pain", "add", "--patient", "P1", "--score", "4"], ["export"],
                 ["report", "--patient", "P1"]):  # fmt: skip
        assert main([*argv, "--db", str(missing)]) == 2
        expected = f"vrtherapy: {missing}: no records here yet (start with: vrtherapy patient add ...)\n"
        assert capsys.readouterr().err == expected
    assert not missing.exists()


def test_a_corrupt_records_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "records.sqlite3"
    bad.write_text("not a database " * 100)
    assert main(["patient", "list", "--db", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vrtherapy: {bad}: not an SQLite records database") and err.count("\n") == 1


def test_diary_outcome_measures_and_session_numbers(db, capsys):
    argv = ["pain", "add", "--db", str(db), "--patient", "p001", "--score", "5", "--location", "residual",
            "--episodes", "3", "--duration-min", "20", "--at", "2024-03-05T08:00"]  # fmt: skip
    assert main(argv) == 0
    with RecordStore.open(db) as store:
        (entry,) = store.pain_entries("P001")
        sid = store.start_session("P001", "upper_basic", "offscreen", exercises_planned=5)
        store.finish_session(sid, None, "capped")
    assert (entry.location, entry.episodes, entry.duration_min) == ("residual", 3, 20.0)
    capsys.readouterr()
    assert main(["session", "list", "--db", str(db), "--patient", "P001"]) == 0
    assert capsys.readouterr().out.startswith(f"#1   (id {sid}) ")
    for bad, message in (
        (["--episodes", "2.5"], "vrtherapy: --episodes: '2.5' is not a whole number"),
        (["--episodes", "-1"], "vrtherapy: --episodes: must be a whole number of pain episodes from 0 to 200, got -1"),
        (["--episodes", "\u0663"], "vrtherapy: --episodes: '\u0663' is not a whole number (use plain ASCII digits)"),
    ):
        assert main(["pain", "add", "--db", str(db), "--patient", "P001", "--score", "5", *bad]) == 2
        assert capsys.readouterr().err == message + "\n"


def test_text_shown_on_a_terminal_cannot_drive_it(db, capsys):
    hostile = "ok\x1b[2J\x1b]0;owned\x07\u202eevil\r\nnext"
    with RecordStore.open(db) as store:
        store.add_pain("P001", 4, "between", note=hostile)
        sid = store.start_session("P001", "play\x1b[31mlist", "offscreen")
        store.finish_session(sid, None, "completed")
    capsys.readouterr()
    assert main(["pain", "list", "--db", str(db), "--patient", "P001"]) == 0
    assert main(["session", "list", "--db", str(db), "--patient", "P001"]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\u202e\r") and out.count("\n") == 2
    assert "ok\\x1b[2J\\x1b]0;owned\\x07\\u202eevil\\x0d\\x0anext" in out and "play\\x1b[31mlist" in out
