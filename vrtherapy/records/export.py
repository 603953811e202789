"""CSV export of patient records for spreadsheets and statistics packages.

Four files, each with a header row: patients.csv, sessions.csv, exercises.csv and pain.csv. Times are
ISO 8601 in UTC with their offset (e.g. 2024-03-04T09:00:00+00:00), empty cells mean "not recorded",
lists (triggers, medications) are joined with "; ", booleans are true/false. Files are owner-only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from vrtherapy.records.private import private_folder, write_private_text
from vrtherapy.records.store import RecordStore

PATIENT_COLUMNS = ("patient_id", "affected_side", "limb", "level", "amputation_date", "prescribed_minutes_per_week",
                   "measurements_m", "notes")  # fmt: skip
SESSION_COLUMNS = ("session_id", "patient_id", "playlist", "display", "started_at", "ended_at", "status",
                   "pain_before", "pain_after", "pain_drop", "clinically_important", "minutes")  # fmt: skip
EXERCISE_COLUMNS = ("session_id", "patient_id", "exercise_id", "started_at", "duration_s", "completed", "reps",
                    "target_reps", "rom_deg", "movement_time_s", "latency_ms_mean", "latency_ms_p95")  # fmt: skip
PAIN_COLUMNS = ("pain_id", "patient_id", "session_id", "kind", "score", "at", "duration_min", "triggers",
                "medications", "note")  # fmt: skip


def export_csv(store: RecordStore, output: Path, patient_ids: Sequence[str] | None = None) -> list[Path]:
    """Write the records of `patient_ids` (default: every patient) as CSV files into `output`."""
    profiles = [store.patient(p) for p in patient_ids] if patient_ids else store.patients()
    tables: dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]] = {
        "patients": (PATIENT_COLUMNS, []), "sessions": (SESSION_COLUMNS, []),
        "exercises": (EXERCISE_COLUMNS, []), "pain": (PAIN_COLUMNS, []),
    }  # fmt: skip
    for p in profiles:
        tables["patients"][1].append((p.patient_id, p.affected_side, p.limb, p.level, p.amputation_date,
                                      p.prescribed_minutes_per_week, json.dumps(p.measurements, sort_keys=True),
                                      p.notes))  # fmt: skip
        for s in store.sessions(p.patient_id):
            tables["sessions"][1].append((s.id, p.patient_id, s.playlist, s.display, s.started_at, s.ended_at,
                                          s.status, s.pain_before, s.pain_after, s.pain_drop,
                                          s.clinically_important, round(s.minutes, 2)))  # fmt: skip
            for e in s.exercises:
                tables["exercises"][1].append((s.id, p.patient_id, e.exercise_id, e.started_at, e.duration_s,
                                               e.completed, e.reps, e.target_reps, e.rom_deg, e.movement_time_s,
                                               e.latency_ms_mean, e.latency_ms_p95))  # fmt: skip
        for e in store.pain_entries(p.patient_id):
            tables["pain"][1].append((e.id, p.patient_id, e.session_id, e.kind, e.score, e.at, e.duration_min,
                                      e.triggers, e.medications, e.note))  # fmt: skip
    folder = private_folder(Path(output))
    written = []
    for name, (columns, rows) in tables.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
        written.append(write_private_text(folder / f"{name}.csv", buffer.getvalue()))
    return written


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, tuple):
        return "; ".join(value)
    if hasattr(value, "isoformat"):  # a date
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value)
