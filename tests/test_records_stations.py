"""Several stations on one clinic's records: four processes writing at once to one PostgreSQL database and to one
SQLite file lose nothing and raise nothing; what one station records, another reports; a server that refuses
the connection is one line and nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.records_backends import row_count
from vrtherapy.cli import main
from vrtherapy.records import ExerciseResult, PatientProfile, RecordStore

ROOT = Path(__file__).resolve().parent.parent
STATIONS, ENTRIES = 4, 250

_STATION = textwrap.dedent(
    """
    import sys
    from vrtherapy.records import RecordStore

    db, station, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with RecordStore.open(db, station=station) as store:
        print("ready", flush=True)
        sys.stdin.readline()  # every station starts writing at the same moment
        for i in range(count):
            store.add_pain("p1", i % 11, "between", note=f"{station} {i}")
    print("done", flush=True)
    """
)


def test_four_stations_writing_at_once_lose_nothing(records_db):
    with RecordStore.open(records_db) as store:
        store.add_patient(PatientProfile("P1", "left", "upper", "transradial"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, "-c", _STATION, records_db, f"station-{k}", str(ENTRIES)], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for k in range(STATIONS)]  # fmt: skip
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=600) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0 and out.strip() == "done" and err == "", err
    assert row_count(records_db, "pain") == STATIONS * ENTRIES
    with RecordStore.open(records_db) as store:
        notes = {e.note for e in store.pain_entries("P1")}
    assert notes == {f"station-{k} {i}" for k in range(STATIONS) for i in range(ENTRIES)}


def test_a_session_recorded_on_one_station_is_in_the_report_made_on_another(pg_schema, tmp_path, capsys):
    start = datetime.now(UTC) - timedelta(hours=1)
    with RecordStore.open(pg_schema, station="station-A") as a:
        a.add_patient(PatientProfile("P1", "left", "upper", "transradial"))
        sid = a.start_session("P1", "upper_basic", "window", started_at=start, exercises_planned=1)
        a.add_pain("P1", 7, "before", session_id=sid, at=start)
        a.add_exercise(sid, ExerciseResult("wrist_flexion_extension", start, 120.0, True, 10, 10, 55.0))
        a.finish_session(sid, start + timedelta(minutes=10), "completed", pgic=3)
        a.add_pain("P1", 4, "after", session_id=sid, at=start + timedelta(minutes=11))
    out = tmp_path / "report"
    assert main(["report", "--db", pg_schema, "--patient", "p1", "--output", str(out)]) == 0  # "station B"
    assert "vrtherapy: 1 sessions; clinically important improvement: #1" in capsys.readouterr().out
    doc = json.loads((out / "report.json").read_text())
    (session,) = doc["sessions"]
    assert (session["station"], session["pain_before"], session["pain_after"], session["pgic"]) == ("station-A", 7, 4, 3)
    assert list(doc["rom"]) == ["wrist_flexion_extension (wrist flexion)"]


@pytest.mark.parametrize("argv", [["pain", "add", "--patient", "P1", "--score", "4"], ["patient", "list"],
                                  ["patient", "add", "--patient", "P1", "--side", "left", "--limb", "upper",
                                   "--level", "transradial"],
                                  ["run", "--patient", "P1", "--playlist", "upper", "--display", "offscreen"]])  # fmt: skip
def test_a_server_that_refuses_the_connection_is_one_line(argv, capsys):
    url = "postgresql://vrtherapy:secret@127.0.0.1:1/records"
    assert main([*argv, "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "secret" not in err
    assert err.startswith("vrtherapy: postgresql://vrtherapy:***@127.0.0.1:1/records: cannot reach the records server (")
    assert err.rstrip().endswith("check that it runs and that --db / VRTHERAPY_DB name it; nothing was recorded")


def test_a_server_url_in_the_environment_is_used(pg_schema, monkeypatch, capsys):
    monkeypatch.setenv("VRTHERAPY_DB", pg_schema)
    assert main(["patient", "add", "--patient", "E1", "--side", "right", "--limb", "lower", "--level", "transfemoral"]) == 0
    assert main(["pain", "add", "--patient", "e1", "--score", "3"]) == 0
    assert row_count(pg_schema, "pain") == 1


def test_a_bad_server_url_is_one_line(capsys):
    assert main(["patient", "list", "--db", "postgresql://host:notaport/db"]) == 2
    assert capsys.readouterr().err.startswith("vrtherapy: --db: ")


def test_a_lost_connection_is_picked_up_again_and_loses_nothing(pg_schema):
    import uuid

    import psycopg

    name = f"vrt_lost_{uuid.uuid4().hex[:8]}"
    with RecordStore.open(f"{pg_schema}&application_name={name}") as store:
        store.add_patient(PatientProfile("P1", "left", "upper", "transradial"))
        store.add_pain("P1", 5, "between")
        with psycopg.connect(pg_schema.partition("?")[0], autocommit=True) as admin:  # the server drops the station
            dropped = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                                    (name,)).fetchone()  # fmt: skip
        assert dropped is not None and dropped[0] >= 1
        store.add_pain("P1", 6, "between")  # a fresh connection, without a word to the user
        assert [e.score for e in store.pain_entries("P1")] == [5, 6]
