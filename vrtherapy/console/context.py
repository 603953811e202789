"""What every part of the console shares: the records file, the pairing gate, the station, the jobs, and
the records calls beyond plain reads (`RecordsBridge`: corrections, audit, session events, exports), in one
place so the pages do not each spell them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request

from vrtherapy.console.jobs import Jobs, Progress
from vrtherapy.console.live import ControlEvent
from vrtherapy.console.security import Device, PairingGate
from vrtherapy.console.station import Station
from vrtherapy.records.models import PatientProfile
from vrtherapy.records.store import RecordStore

CONTROL_EVENT = "console"  #: the kind of session event a console control is logged as


def who(request: Request) -> str:
    """The paired therapist making this request."""
    device: Device = request.state.device
    return device.name


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


class RecordsBridge:
    """The records calls the console makes beyond plain reads: corrections with their reason and author,
    the audit trail, the controls of a session, and exports."""

    def update_profile(self, store: RecordStore, profile: PatientProfile, by: str, reason: str) -> None:
        store.update_patient(profile, reason=reason, by=by)

    def edit_pain(self, store: RecordStore, entry_id: int, changes: dict[str, Any], by: str, reason: str) -> None:
        store.edit_pain(entry_id, changes, reason=reason, by=by)

    def void_pain(self, store: RecordStore, entry_id: int, by: str, reason: str) -> None:
        store.void_pain(entry_id, reason=reason, by=by)

    def audit(self, store: RecordStore, patient_id: str) -> list[dict[str, Any]]:
        return [_plain(entry) for entry in store.audit_trail(patient_id)]

    def log_control(self, store: RecordStore, session_id: int, event: ControlEvent) -> None:
        store.record_session_event(session_id, CONTROL_EVENT, {"what": event.what, "old": event.old, "new": event.new},
                                   by=event.who, at=event.at)  # fmt: skip

    def controls(self, store: RecordStore, session_id: int) -> list[dict[str, Any]]:
        return [_plain(e) for e in store.session_events(session_id) if e.kind == CONTROL_EVENT]

    def export_formats(self) -> tuple[str, ...]:
        return ("csv", "fhir")

    def export(self, store: RecordStore, patient_id: str, fmt: str, folder: Path, progress: Progress) -> list[Path]:
        from vrtherapy.therapy.rom_joints import exercise_joint

        progress(0.1, f"reading the records of {patient_id}")
        if fmt == "fhir":
            from vrtherapy.records.fhir import export_fhir

            files = export_fhir(store, folder, [patient_id], joint_of=exercise_joint)
            progress(0.9, "FHIR bundle written and validated")
            return files
        from vrtherapy.records.export import export_csv

        files = export_csv(store, folder, [patient_id])
        progress(0.9, "CSV files written")
        return files


@dataclass
class ConsoleContext:
    db: Path | None
    gate: PairingGate
    station: Station
    say: Callable[[str], None] = print
    jobs: Jobs = field(default_factory=Jobs)
    records: RecordsBridge = field(default_factory=RecordsBridge)

    @contextmanager
    def store(self) -> Iterator[RecordStore]:
        """The records, opened for one request (SQLite connections are cheap; a shared server needs no pool
        of ours)."""
        store = RecordStore.open(self.db)
        try:
            yield store
        finally:
            store.close()
