"""Corrections, on both engines: every path (edit and void a pain entry, profile fields, a missing session
rating, archive and restore) leaves its audit row (who, when, old and new value, why), refused
corrections write nothing, the audit table refuses changes, a voided entry leaves the charts and stays,
marked, in the exports; the session event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.records_backends import row_count
from vrtherapy.cli import main
from vrtherapy.records import FieldError, FieldErrors, PatientProfile, RecordsError, RecordStore
from vrtherapy.records.analysis import build_report_data
from vrtherapy.records.fhir import patient_bundle
from vrtherapy.records.figures import pain_trend

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
TABLES = ("patients", "sessions", "pain", "exercises", "audit", "session_events")


@pytest.fixture
def store(records_db):
    with RecordStore.open(records_db, station="station-1") as s:
        s.add_patient(PatientProfile("P001", "left", "upper", "transradial", measurements={"forearm": 0.26}))
        s.add_patient(PatientProfile("P002", "right", "lower", "transtibial"))
        yield s


def counts(db: str) -> dict[str, int]:
    return {t: row_count(db, t) for t in TABLES}


def corrections(store: RecordStore, patient: str = "P001") -> list[tuple[str, str, str | None, str | None, str, str]]:
    return [(a.entity, a.field, a.old_value, a.new_value, a.reason, a.by) for a in store.audit_trail(patient) if a.field != "add"]


def test_editing_a_pain_entry_keeps_each_old_value_in_the_audit(store):
    entry = store.add_pain("P001", 9, "between", at=T0, triggers=["full bladder"], note="night")
    before = datetime.now(UTC)
    edited = store.edit_pain(entry, {"score": 6, "triggers": ["Full bladder", "stress"], "note": "night"},
                             reason="patient misread the scale", by="therapist A")  # fmt: skip
    assert (edited.score, edited.triggers, edited.note) == (6, ("full bladder", "stress"), "night")
    assert corrections(store) == [
        ("pain", "score", "9", "6", "patient misread the scale", "therapist A"),
        ("pain", "triggers", '["full bladder"]', '["full bladder", "stress"]', "patient misread the scale", "therapist A"),
    ]  # the unchanged note has no row
    assert all(before <= a.at <= datetime.now(UTC) for a in store.audit_trail("P001") if a.field != "add")
    assert store.audit_trail("P001")[-1].entity_id == str(entry)


def test_voiding_keeps_the_entry_marked_and_frees_the_session_slot(store, records_db):
    sid = store.start_session("P001", "upper", "offscreen", started_at=T0)
    wrong = store.add_pain("P001", 9, "before", session_id=sid, at=T0)
    voided = store.void_pain(wrong, reason="logged to the wrong patient")
    assert voided.voided and voided.void_reason == "logged to the wrong patient" and voided.score == 9
    assert store.session(sid).pain_before is None
    assert [e.id for e in store.pain_entries("P001")] == [wrong]
    assert store.pain_entries("P001", include_voided=False) == []
    right = store.add_pain("P001", 4, "before", session_id=sid, at=T0)
    assert store.session(sid).pain_before == 4 and right != wrong
    (row,) = corrections(store)
    assert row[:2] == ("pain", "void") and row[3] == "voided" and row[5] == "station-1" and "9/10 before" in row[2]
    before = counts(records_db)
    with pytest.raises(FieldError, match=f"^entry_id: pain entry {wrong} is already voided"):
        store.void_pain(wrong, reason="again")
    with pytest.raises(FieldError, match=f"^entry_id: pain entry {wrong} is voided: it cannot be edited"):
        store.edit_pain(wrong, {"score": 1}, reason="x")
    assert counts(records_db) == before


def test_a_missing_rating_is_added_to_a_past_session(store, records_db):
    sid = store.start_session("P001", "upper", "offscreen", started_at=T0)
    store.add_pain("P001", 7, "before", session_id=sid, at=T0)
    store.finish_session(sid, T0 + timedelta(minutes=20), "completed")
    entry = store.add_session_rating(sid, "after", 4, reason="rated on paper, typed in later", by="therapist B")
    session = store.session(sid)
    assert (session.pain_before, session.pain_after, session.pain_drop) == (7, 4, 3)
    assert store.pain_entry(entry).at == T0 + timedelta(minutes=20)  # the session's end
    assert corrections(store) == [("session", "pain_after", None, "4", "rated on paper, typed in later", "therapist B")]
    before = counts(records_db)
    with pytest.raises(RecordsError, match=r"already has a pain-after rating \(4, entry"):
        store.add_session_rating(sid, "after", 5, reason="x")
    with pytest.raises(FieldError, match="^session_id: there is no session 999$"):
        store.add_session_rating(999, "after", 5, reason="x")
    with pytest.raises(FieldError, match="^kind: must be before or after"):
        store.add_session_rating(sid, "between", 5, reason="x")  # type: ignore[arg-type]
    assert counts(records_db) == before


def test_profile_corrections_have_one_audit_row_per_field(store, records_db):
    new = store.update_patient("p001", {"level": "transhumeral", "measurements": {"forearm": 0.26, "upper_arm": 0.3},
                                        "notes": ""}, reason="revision surgery")  # fmt: skip
    assert new.level == "transhumeral" and store.patient("P001") == new
    assert [(r[1], r[2], r[3]) for r in corrections(store)] == [
        ("level", "transradial", "transhumeral"), ("measurements", '{"forearm": 0.26}', '{"forearm": 0.26, "upper_arm": 0.3}'),
    ]  # fmt: skip
    before = counts(records_db)
    with pytest.raises(FieldErrors) as err:
        store.update_patient("P001", {"limb": "lower", "prescribed_minutes_per_week": -5}, reason="x")
    assert set(err.value.errors) == {"limb", "prescribed_minutes_per_week"}
    assert "not a level for amputation of the lower limb" in err.value.errors["limb"]
    with pytest.raises(FieldError, match="^patient_id: not a profile field that can be changed"):
        store.update_patient("P001", {"patient_id": "P9"}, reason="x")
    with pytest.raises(FieldError, match="^reason: must not be empty"):
        store.update_patient("P001", {"notes": "x"}, reason="")
    assert counts(records_db) == before


def test_archiving_hides_a_patient_and_refuses_new_sessions(store, records_db):
    store.archive_patient("P002", reason="moved to another clinic", by="reception")
    assert [p.patient_id for p in store.patients()] == ["P001"]
    assert [p.patient_id for p in store.patients(include_archived=True)] == ["P001", "P002"]
    assert store.patient("P002").archived
    before = counts(records_db)
    with pytest.raises(RecordsError, match="^patient P002 is archived: restore the patient first"):
        store.start_session("P002", "lower", "offscreen")
    with pytest.raises(RecordsError, match="^patient P002 is archived"):
        store.add_pain("P002", 3, "between")
    assert counts(records_db) == before
    store.restore_patient("P002", reason="came back")
    assert not store.patient("P002").archived
    assert [(r[1], r[4], r[5]) for r in corrections(store, "P002")] == [
        ("archive", "moved to another clinic", "reception"), ("restore", "came back", "station-1")]


def test_the_audit_table_refuses_changes_at_the_database(store, records_db):
    store.update_patient("P001", {"notes": "x"}, reason="r")
    if records_db.startswith("postgresql"):
        import psycopg

        base, _, options = records_db.partition("?options=")
        from urllib.parse import unquote

        with psycopg.connect(base, options=unquote(options), autocommit=True) as conn:
            for sql in ("UPDATE audit SET reason = 'forged'", "DELETE FROM audit"):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    conn.execute(sql)
    else:
        import sqlite3

        conn = sqlite3.connect(records_db)
        for sql in ("UPDATE audit SET reason = 'forged'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
        conn.close()
    assert [a.reason for a in store.audit_trail("P001")][-1] == "r"


def test_a_voided_entry_leaves_the_charts_and_stays_marked_in_the_fhir_export(store):
    keep = store.add_pain("P001", 3, "between", at=T0)
    wrong = store.add_pain("P001", 9, "between", at=T0 + timedelta(hours=1), triggers=["full bladder"])
    store.void_pain(wrong, reason="wrong patient")
    data = build_report_data(store, "P001", now=T0 + timedelta(days=1))
    assert [e.id for e in data.pain_valid] == [keep] and [e.id for e in data.voided] == [wrong]
    assert data.triggers == ()  # the voided entry's trigger counts nowhere
    fig = pain_trend(data)
    plotted = [y for c in fig.axes[0].collections for _, y in c.get_offsets()]
    assert plotted == [3]
    bundle = patient_bundle(store, store.patient("P001"))
    pain = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert sorted((o["valueQuantity"]["value"], o["status"]) for o in pain) == [(3, "final"), (9, "entered-in-error")]
    provenance = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Provenance"]
    assert provenance[-1]["reason"] == [{"text": "wrong patient"}]


def test_session_events_record_who_changed_what_and_when(store, records_db):
    sid = store.start_session("P001", "upper", "offscreen")
    first = store.record_session_event(sid, "setting", {"field": "mirror_gain", "old": 1.0, "new": 1.2}, by="therapist A")
    store.record_session_event(sid, "pause", {})
    events = store.session_events(sid)
    assert [e.id for e in events][0] == first
    assert [(e.kind, e.by, e.detail) for e in events] == [
        ("setting", "therapist A", {"field": "mirror_gain", "new": 1.2, "old": 1.0}), ("pause", "station-1", {})]
    before = counts(records_db)
    with pytest.raises(FieldError, match="^session_id: there is no session 999$"):
        store.record_session_event(999, "pause")
    with pytest.raises(FieldError, match="^detail: must be a table of plain values"):
        store.record_session_event(sid, "setting", {"value": float("nan")})
    assert counts(records_db) == before


def test_correction_commands(records_db, capsys):
    db = ["--db", records_db]
    assert main(["patient", "add", *db, "--patient", "P1", "--side", "left", "--limb", "upper", "--level", "transradial"]) == 0
    assert main(["pain", "add", *db, "--patient", "p1", "--score", "9", "--trigger", "full bladder"]) == 0
    assert main(["pain", "edit", *db, "--entry", "1", "--score", "8", "--reason", "typo", "--by", "nurse"]) == 0
    assert main(["pain", "void", *db, "--entry", "1", "--reason", "wrong patient"]) == 0
    assert main(["patient", "update", *db, "--patient", "P1", "--condition", "stroke", "--level", "hemiparesis",
                 "--reason", "referral letter corrected"]) == 0  # fmt: skip
    assert main(["patient", "archive", *db, "--patient", "P1", "--reason", "discharged"]) == 0
    capsys.readouterr()
    assert main(["pain", "list", *db, "--patient", "P1"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("[   1] ") and " 8/10  between  diary; triggers: full bladder; VOIDED: wrong patient" in listed
    assert main(["patient", "audit", *db, "--patient", "P1"]) == 0
    audit = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[2] for line in audit[1:]] == [
        "pain 1 score: 9 -> 8", "pain 1 void: 8/10 between at " + audit[2].split(" void: 8/10 between at ")[1].split(" -> ")[0]
        + " -> voided", "patient P1 level: transradial -> hemiparesis", "patient P1 condition: amputation -> stroke",
        "patient P1 archive: None -> " + audit[5].split(" archive: None -> ")[1].split("  ")[0]]  # fmt: skip
    assert "nurse" in audit[1] and "(typo)" in audit[1]
    before = counts(records_db)
    for argv, message in [
        (["pain", "edit", *db, "--entry", "999", "--score", "3", "--reason", "x"], "vrtherapy: --entry: there is no entry 999"),
        (["pain", "void", *db, "--entry", "zwei", "--reason", "x"],
         "vrtherapy: --entry: 'zwei' is not an entry number (see vrtherapy pain list)"),
        (["pain", "edit", *db, "--entry", "1", "--reason", "x"], "vrtherapy: pain edit: give at least one of --score, --at, "
         "--trigger, --medication, --duration-min, --episodes, --location, --note"),
        (["session", "rate", *db, "--session", "5", "--when", "after", "--score", "3", "--reason", "x"],
         "vrtherapy: --session: there is no session 5"),
        (["patient", "update", *db, "--patient", "P1", "--level", "transtibial", "--reason", "x"],
         "vrtherapy: --level: 'transtibial' is not a level for stroke of the upper limb: use one of hemiparesis, hemiplegia, "
         "unspecified"),
        (["patient", "archive", *db, "--patient", "P1", "--reason", "x"], "vrtherapy: --patient: patient P1 is already archived"),
    ]:  # fmt: skip
        assert main(argv) == 2, argv
        assert capsys.readouterr().err == message + "\n"
    assert counts(records_db) == before


def test_a_missing_impression_of_change_is_added_with_its_audit_row(store, records_db, capsys):
    sid = store.start_session("P001", "upper", "offscreen", started_at=T0)
    store.finish_session(sid, T0 + timedelta(minutes=15), "completed")
    assert main(["session", "pgic", "--db", records_db, "--session", str(sid), "--score", "3", "--reason",
                 "asked at the door", "--by", "therapist C"]) == 0  # fmt: skip
    assert store.session(sid).pgic == 3
    assert corrections(store)[-1] == ("session", "pgic", None, "3", "asked at the door", "therapist C")
    before = counts(records_db)
    assert main(["session", "pgic", "--db", records_db, "--session", str(sid), "--score", "8", "--reason", "x"]) == 2
    assert capsys.readouterr().err == ("vrtherapy: --score: must be a whole number from 1 (very much improved) to 7 "
                                       "(very much worse), got 8\n")  # fmt: skip
    assert counts(records_db) == before
