"""A profile a clinic trusts, on both engines: case-insensitive pseudonymous IDs, levels and measurements per
limb and condition, field-by-field form errors, per-patient session numbers, words that follow the
condition (a stroke patient never reads "amputation" or "phantom")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vrtherapy.records import LEVELS, MEASUREMENTS, PatientProfile, RecordsError, RecordStore, wording
from vrtherapy.records.analysis import build_report_data
from vrtherapy.records.report import summary_lines

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(records_db):
    with RecordStore.open(records_db) as s:
        yield s


def test_ids_do_not_depend_on_case(store):
    store.add_patient(PatientProfile("X5", "left", "upper", "transradial"))
    with pytest.raises(RecordsError, match="^patient_id: patient 'X5' already exists"):
        store.add_patient(PatientProfile("x5", "right", "lower", "transtibial"))
    assert store.patient("x5").patient_id == "X5"
    sid = store.start_session("x5", "upper", "offscreen")
    store.add_pain("x5", 4, "between")
    assert store.session(sid).patient_id == "X5" and store.pain_entries("X5")[0].patient_id == "X5"
    assert [p.patient_id for p in store.search_patients("x")] == ["X5"]


def test_session_numbers_count_per_patient(store):
    store.add_patient(PatientProfile("A", "left", "upper", "transradial"))
    store.add_patient(PatientProfile("B", "right", "lower", "transfemoral"))
    for day, pid in enumerate(["A", "B", "A", "A", "B"]):
        store.start_session(pid, "p", "offscreen", started_at=T0 + timedelta(days=day))
    assert [s.number for s in store.sessions("A")] == [1, 2, 3]
    assert [s.number for s in store.sessions("B")] == [1, 2]


@pytest.mark.parametrize(("limb", "level", "other_limb_level"), [("upper", "transradial", "transtibial"),
                                                                  ("lower", "knee_disarticulation", "transhumeral")])
def test_levels_and_measurements_belong_to_their_limb(limb, level, other_limb_level):
    assert level in LEVELS[("amputation", limb)] and other_limb_level not in LEVELS[("amputation", limb)]
    PatientProfile("P", "left", limb, level)  # type: ignore[arg-type]
    with pytest.raises(RecordsError, match=f"^level: '{other_limb_level}' is not a level for amputation of the {limb} limb"):
        PatientProfile("P", "left", limb, other_limb_level)  # type: ignore[arg-type]
    other = "lower" if limb == "upper" else "upper"
    name = next(iter(MEASUREMENTS[other]))
    with pytest.raises(RecordsError, match=f"^measurements.{name}: not a measurement of the {limb} limb "
                                           f"\\(a measurement of the {other} limb\\)"):  # fmt: skip
        PatientProfile("P", "left", limb, level, measurements={name: 0.3})  # type: ignore[arg-type]
    for name, (low, high) in MEASUREMENTS[limb].items():
        PatientProfile("P", "left", limb, level, measurements={name: (low + high) / 2})  # type: ignore[arg-type]
        with pytest.raises(RecordsError, match=f"^measurements.{name}: must be at least {low:g} and at most {high:g} m"):
            PatientProfile("P", "left", limb, level, measurements={name: high * 100})  # type: ignore[arg-type]


def test_older_level_names_are_read_as_the_fixed_ones():
    assert PatientProfile("P", "left", "upper", "Elbow").level == "elbow_disarticulation"
    assert PatientProfile("P", "left", "lower", "knee").level == "knee_disarticulation"


def test_a_form_gets_one_message_per_field(store):
    errors = store.profile_errors({"patient_id": "bad id", "affected_side": "middle", "limb": "lower", "level": "transradial",
                                   "measurements": {"thigh": 4.0}, "prescribed_minutes_per_week": 0})  # fmt: skip
    assert set(errors) == {"patient_id", "affected_side", "level", "measurements", "prescribed_minutes_per_week"}
    assert errors["level"].startswith("'transradial' is not a level for amputation of the lower limb")
    assert errors["measurements"].startswith("thigh: must be at least 0.28 and at most 0.6 m")
    assert store.profile_errors({"patient_id": "P1"}) == {"affected_side": "required", "limb": "required", "level": "required"}
    good = {"patient_id": "P1", "affected_side": "left", "limb": "lower", "level": "transtibial", "condition": "amputation",
            "measurements": {"thigh": 0.45}}  # fmt: skip
    assert store.profile_errors(good) == {}
    store.add_patient(PatientProfile(**good))
    assert store.profile_errors({"condition": "stroke", "level": "hemiparesis"}, "p1") == {}
    assert set(store.profile_errors({"condition": "stroke"}, "P1")) == {"condition"}


def test_a_stroke_patients_words_follow_the_condition(store):
    stroke = PatientProfile("S1", "right", "upper", "hemiparesis", condition="stroke")
    store.add_patient(stroke)
    words = wording("stroke")
    assert "phantom" not in words.pain_question.lower() and words.virtual_limb == "affected"
    assert "phantom" in wording("amputation").pain_question
    lines = summary_lines(build_report_data(store, "S1"))
    assert lines[0].startswith("Stroke: right upper limb, hemiparesis")
    assert not any("amputation" in line.lower() or "phantom" in line.lower() for line in lines)
    with pytest.raises(RecordsError, match="^level: 'transradial' is not a level for stroke of the upper limb"):
        PatientProfile("S2", "right", "upper", "transradial", condition="stroke")
