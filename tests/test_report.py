"""Patient reports: the numbers in report.json, the PDF, the charts' pixels, empty records, the CLI."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from tests.known_patient import FLAGGED_ROWS, MONDAY, NOW, SESSIONS, build_known_patient
from vrtherapy.cli import main
from vrtherapy.records import PatientProfile, RecordStore
from vrtherapy.records.analysis import build_report_data
from vrtherapy.records.figures import CHARTS, DPI, FLAG_COLOR, KIND_STYLE, PAGE_INCHES, PLAIN_COLOR, pain_drop
from vrtherapy.records.report import write_report
from vrtherapy.therapy.rom_joints import exercise_joint

#: Naive datetimes are local time, like a clinician's entries; weeks are local Monday-to-Sunday.
PNG_SIZE = (round(PAGE_INCHES[0] * DPI), round(PAGE_INCHES[1] * DPI))


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    with RecordStore.open(folder / "records.sqlite3") as store:
        ids = build_known_patient(store)
        lines: list[str] = []
        files = write_report(store, "P001", folder / "out", now=NOW, progress=lines.append, joint_of=exercise_joint)
    return files, ids, lines


def test_baseline_and_latest_week_are_diary_means_computed_by_hand(records_db):
    with RecordStore.open(records_db) as store:
        build_known_patient(store)
        data = build_report_data(store, "p001", now=NOW)
    b, w = data.baseline, data.latest_week
    # baseline: the three diary ratings before session 1 (8, 7, 6); never a session's before/after rating
    assert (b.ratings, b.mean_pain, b.mean_phantom, b.mean_residual) == (3, 7.0, 7.5, 6.0)
    assert (b.episodes_per_day, b.episode_minutes) == (5.0, 50.0)
    # latest week: the 7 days up to the last diary rating (day 20): days 15 and 20 (4, 3); day 19's 9 is voided
    assert (w.ratings, w.mean_pain, w.mean_phantom, w.mean_residual) == (2, 3.5, 4.0, 3.0)
    assert (w.episodes_per_day, w.episode_minutes) == (1.5, 45.0)
    summary = data.summary()
    assert (summary["baseline_mean_pain"], summary["latest_week_mean_pain"]) == (7.0, 3.5)
    assert summary["voided_entries_left_out"] == 1 and summary["pain_entries"] == 3 + 5 + 6 + 6
    assert summary["latest_pgic"] == 2


def test_report_json_flags_exactly_the_sessions_whose_pain_fell_two_points(known):
    files, ids, _ = known
    doc = json.loads(files.json.read_text())
    assert doc["flagged_session_numbers"] == [i + 1 for i in FLAGGED_ROWS]
    assert doc["definitions"]["flag_rule"] == "before - after >= 2"
    assert [s["number"] for s in doc["sessions"]] == list(range(1, len(SESSIONS) + 1))
    assert [s["id"] for s in doc["sessions"]] == ids
    drops = [s["drop"] for s in doc["sessions"]]
    assert drops == [2, 1, 5, -1, None, 2, None]
    assert [s["status"] for s in doc["sessions"]] == ["completed"] * 4 + ["unfinished", "stopped", "capped"]
    assert doc["summary"]["sessions_by_status"] == {"completed": 4, "capped": 1, "stopped": 1, "crashed": 0,
                                                    "unfinished": 1}  # fmt: skip
    assert [(s["exercises_completed"], s["exercises_planned"]) for s in doc["sessions"]] == \
        [(2, 3)] * 4 + [(1, 3)] * 3  # fmt: skip
    assert doc["summary"]["partial_sessions"] == 7
    assert doc["summary"]["mean_drop"] == pytest.approx((2 + 1 + 5 - 1 + 2) / 5, abs=0.01)


def test_report_json_gives_mean_pain_per_trigger_medications_and_rom_per_joint(known):
    doc = json.loads(known[0].json.read_text())
    # stress: days 1, 3, 15 (6, 7, 4); weather change: days 3, 9 (7, 5); full bladder: day 9 (5) - day 19 is voided
    assert doc["triggers"] == [{"label": "stress", "entries": 3, "mean_pain": 5.67},
                               {"label": "weather change", "entries": 2, "mean_pain": 6.0},
                               {"label": "full bladder", "entries": 1, "mean_pain": 5.0}]  # fmt: skip
    assert doc["medications"] == {"gabapentin": 2, "amitriptyline": 1}
    assert sorted(doc["rom"]) == ["fist_open_close (middle MCP flexion)", "wrist_flexion_extension (wrist flexion)"]
    assert [p["rom_deg"] for p in doc["rom"]["wrist_flexion_extension (wrist flexion)"]] == [30.0 + s[0] for s in SESSIONS]
    # the fist exercise was skipped from day 10 on: those sessions are left out of its trend
    assert [p["session_number"] for p in doc["rom"]["fist_open_close (middle MCP flexion)"]] == [1, 2, 3, 4]
    assert len(doc["pain"]) == 3 + 5 + 1 + 6 + 6  # diary (with the voided one) + before + after
    voided = [p for p in doc["pain"] if p["voided"]]
    assert len(voided) == 1 and voided[0]["score"] == 9 and voided[0]["void_reason"] == "logged to the wrong patient"
    assert [(a["field"], a["by"]) for a in doc["audit"]] == [("add", a["by"]) for a in doc["audit"][:1]] + \
        [("void", "therapist A")]  # fmt: skip
    assert doc["patient"]["patient_id"] == "P001" and doc["patient"]["amputation_date"] == "2023-06-01"


def test_adherence_is_minutes_per_calendar_week_against_the_prescription(known):
    doc = json.loads(known[0].json.read_text())
    weeks = doc["adherence"]["weeks"]
    assert [w["week_start"] for w in weeks] == ["2024-03-04", "2024-03-11", "2024-03-18", "2024-03-25"]
    # the unfinished session counts up to the end of its last exercise: 6 + 4 minutes
    assert [w["minutes"] for w in weeks] == [75.0, 30.0, 25.0, 0.0]
    assert [w["percent"] for w in weeks] == [125.0, 50.0, 41.7, 0.0]
    assert [w["complete"] for w in weeks] == [True, True, True, False]
    assert doc["summary"]["adherence_percent_completed_weeks"] == pytest.approx(100 * 130 / 180, abs=0.05)


def test_pdf_has_a_summary_page_and_one_page_per_chart(known):
    files, _, lines = known
    data = files.pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages == files.pages == 2 + len(CHARTS)  # summary, charts, audit trail
    assert [p.name for p in files.pngs] == [f"{stem}.png" for stem, _, _ in CHARTS]
    assert len(lines) == len(CHARTS) + 2 and lines[-1].endswith("report.json")
    assert not list(files.folder.glob("*.part"))
    for path in (files.pdf, files.json, *files.pngs):
        assert path.stat().st_mode & 0o777 == 0o600


def coloured(pixels: np.ndarray) -> float:
    """Share of the picture in colour: the data marks (text, axes and grid are grey)."""
    rgb = pixels.astype(int)
    return float((rgb.max(axis=2) - rgb.min(axis=2) > 40).mean())


def near(pixels: np.ndarray, colour: str, tolerance: int = 12) -> np.ndarray:
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(pixels.astype(int) - target) <= tolerance).all(axis=2)


@pytest.mark.parametrize("stem", [stem for stem, _, _ in CHARTS])
def test_every_chart_is_a_page_sized_picture_with_data_drawn(known, stem):
    pixels = np.asarray(Image.open(known[0].folder / f"{stem}.png").convert("RGB"))
    assert pixels.shape[1::-1] == PNG_SIZE
    assert coloured(pixels) > 0.001, f"{stem}: no data drawn"


def test_the_pain_chart_shows_before_after_and_between_ratings(known):
    pixels = np.asarray(Image.open(known[0].folder / "pain_trend.png").convert("RGB"))
    for kind, style in KIND_STYLE.items():
        assert near(pixels, style["color"]).sum() > 300, kind


def flag_marks(pixels: np.ndarray) -> int:
    """Separate patches of the flagged-session colour in a picture."""
    mask = ndimage.binary_closing(near(pixels, FLAG_COLOR), structure=np.ones((7, 1)))  # across the threshold line
    labels, count = ndimage.label(mask)
    sizes = ndimage.sum(mask, labels, range(1, count + 1))
    return int((sizes >= 30).sum())


def test_the_change_chart_marks_each_flagged_session_in_the_flag_colour(known):
    pixels = np.asarray(Image.open(known[0].folder / "pain_change.png").convert("RGB"))
    assert flag_marks(pixels) == len(FLAGGED_ROWS) + 1  # one bar per flagged session, one legend patch


def test_without_a_two_point_drop_nothing_is_flagged(tmp_path):
    with RecordStore.open(tmp_path / "records.sqlite3") as store:
        store.add_patient(PatientProfile("P002", "right", "lower", "transtibial"))
        for day, (before, after) in enumerate([(6, 5), (5, 5), (4, 6)]):
            sid = store.start_session("P002", "lower_basic", "offscreen", started_at=MONDAY + timedelta(days=day))
            store.add_pain("P002", before, "before", session_id=sid)
            store.add_pain("P002", after, "after", session_id=sid)
        data = build_report_data(store, "P002", now=NOW)
    assert data.flagged_session_numbers == []
    png = io.BytesIO()
    pain_drop(data).savefig(png, format="png")
    pixels = np.asarray(Image.open(png).convert("RGB"))
    assert flag_marks(pixels) == 0
    assert near(pixels, PLAIN_COLOR).sum() > 3 * 1000  # three plain bars


def test_a_patient_without_sessions_still_gets_a_report(tmp_path):
    with RecordStore.open(tmp_path / "records.sqlite3") as store:
        store.add_patient(PatientProfile("P003", "left", "upper", "partial_hand"))
        files = write_report(store, "P003", tmp_path / "empty", now=NOW)
    doc = json.loads(files.json.read_text())
    assert doc["sessions"] == [] and doc["flagged_session_numbers"] == [] and doc["adherence"]["weeks"] == []
    assert doc["summary"]["sessions"] == 0 and doc["summary"]["adherence_percent_completed_weeks"] is None
    assert files.pages == 2 + len(CHARTS) and len(files.pngs) == len(CHARTS)
    for png in files.pngs:  # each says there is nothing yet, in words
        pixels = np.asarray(Image.open(png).convert("RGB"))
        assert coloured(pixels) == 0.0, png.name
        assert 0.002 < (pixels < 200).any(axis=2).mean() < 0.02, png.name


def test_report_command(tmp_path, capsys):
    db = tmp_path / "records.sqlite3"
    with RecordStore.open(db) as store:
        build_known_patient(store)
    out = tmp_path / "report"
    assert main(["report", "--patient", "P001", "--db", str(db), "--output", str(out)]) == 0
    stdout = capsys.readouterr().out
    flagged = ", ".join(f"#{i + 1}" for i in FLAGGED_ROWS)
    assert f"vrtherapy: 7 sessions; clinically important improvement: {flagged}" in stdout
    assert stdout.count("vrtherapy: report [") == len(CHARTS) + 2
    assert {p.name for p in out.iterdir()} == {"report.pdf", "report.json", *(f"{s}.png" for s, _, _ in CHARTS)}


def test_report_command_refuses_an_unknown_patient_without_making_a_folder(tmp_path, capsys):
    db = tmp_path / "records.sqlite3"
    assert main(["patient", "add", "--patient", "P001", "--side", "left", "--limb", "upper", "--level", "hand",
                 "--db", str(db)]) == 0  # fmt: skip
    out = tmp_path / "report"
    assert main(["report", "--patient", "P404", "--db", str(db), "--output", str(out)]) == 2
    assert capsys.readouterr().err == "vrtherapy: --patient: unknown patient 'P404'\n"
    assert not out.exists()
