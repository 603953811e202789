"""CSV export of patient records for spreadsheets and statistics packages.

Five files, each with a header row: patients.csv, sessions.csv, exercises.csv, pain.csv and audit.csv
(every correction: who, when, old and new value, why). Voided pain entries are included, marked
(`voided` true, with when and why), so a spreadsheet can leave them out. Times are ISO 8601 in UTC
with their offset, empty cells mean "not recorded", lists are joined with "; ", booleans are
true/false. A text cell starting like a spreadsheet formula (=, +, -, @, tab, CR) gets a leading
apostrophe (OWASP's rule against CSV injection); numbers are written as numbers. Files are owner-only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from vrtherapy.records.private import private_folder, write_private_text
from vrtherapy.records.safe_text import for_spreadsheet
from vrtherapy.records.store import RecordStore

PATIENT_COLUMNS = ("patient_id", "condition", "affected_side", "limb", "level", "amputation_date",
                   "prescribed_minutes_per_week", "measurements_m", "notes", "archived_at")  # fmt: skip
SESSION_COLUMNS = ("session_id", "patient_id", "session_number", "playlist", "display", "station", "started_at",
                   "ended_at", "status", "exercises_done", "exercises_planned", "pain_before", "pain_after", "pain_drop",
                   "clinically_important", "pgic", "minutes")  # fmt: skip
EXERCISE_COLUMNS = ("session_id", "patient_id", "exercise_id", "started_at", "duration_s", "completed", "reps",
                    "target_reps", "rom_deg", "rom_joint", "movement_time_s", "latency_ms_mean", "latency_ms_p95")  # fmt: skip
PAIN_COLUMNS = ("pain_id", "patient_id", "session_id", "kind", "score", "location", "at", "episodes", "duration_min",
                "triggers", "medications", "note", "voided", "voided_at", "void_reason")  # fmt: skip
AUDIT_COLUMNS = ("audit_id", "at", "by", "patient_id", "entity", "entity_id", "field", "old_value", "new_value", "reason")


def export_csv(store: RecordStore, output: Path, patient_ids: Sequence[str] | None = None) -> list[Path]:
    """Write the records of `patient_ids` (default: every patient, archived ones too) as CSV files into `output`."""
    profiles = [store.patient(p) for p in patient_ids] if patient_ids else store.patients(include_archived=True)
    tables: dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]] = {
        "patients": (PATIENT_COLUMNS, []), "sessions": (SESSION_COLUMNS, []), "exercises": (EXERCISE_COLUMNS, []),
        "pain": (PAIN_COLUMNS, []), "audit": (AUDIT_COLUMNS, []),
    }  # fmt: skip
    for p in profiles:
        tables["patients"][1].append((p.patient_id, p.condition, p.affected_side, p.limb, p.level, p.amputation_date,
                                      p.prescribed_minutes_per_week, json.dumps(p.measurements, sort_keys=True),
                                      p.notes, p.archived_at))  # fmt: skip
        for s in store.sessions(p.patient_id):
            planned = s.exercises_planned if s.exercises_planned is not None else len(s.exercises)
            tables["sessions"][1].append((s.id, p.patient_id, s.number, s.playlist, s.display, s.station, s.started_at,
                                          s.ended_at, s.status, s.exercises_done, planned, s.pain_before, s.pain_after,
                                          s.pain_drop, s.clinically_important, s.pgic, round(s.minutes, 2)))  # fmt: skip
            for e in s.exercises:
                tables["exercises"][1].append((s.id, p.patient_id, e.exercise_id, e.started_at, e.duration_s,
                                               e.completed, e.reps, e.target_reps, e.rom_deg, e.rom_joint,
                                               e.movement_time_s, e.latency_ms_mean, e.latency_ms_p95))  # fmt: skip
        for r in store.pain_entries(p.patient_id):
            tables["pain"][1].append((r.id, p.patient_id, r.session_id, r.kind, r.score, r.location, r.at, r.episodes,
                                      r.duration_min, r.triggers, r.medications, r.note, r.voided, r.voided_at,
                                      r.void_reason))  # fmt: skip
        for a in store.audit_trail(p.patient_id):
            tables["audit"][1].append((a.id, a.at, a.by, a.patient_id, a.entity, a.entity_id, a.field, a.old_value,
                                       a.new_value, a.reason))  # fmt: skip
    folder = private_folder(Path(output))
    written = []
    for name, (columns, rows) in tables.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell(v) for v in row] for row in rows)
        written.append(write_private_text(folder / f"{name}.csv", buffer.getvalue()))
    return written


def cell(value: object) -> str:
    """One CSV cell: numbers as numbers, text made safe from formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return for_spreadsheet("; ".join(value))
    return for_spreadsheet(str(value))
