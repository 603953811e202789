"""What every part of the console shares: the records file, the pairing gate, the station, the jobs, and
the one place that knows which records calls exist (`RecordsBridge`).

`RecordsBridge` keeps the console's pages independent of how the records layer spells corrections,
audit and session events: it calls them when the store has them and says plainly when it does not,
rather than pretending an edit happened.
"""

from __future__ import annotations

import importlib
import importlib.util
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
from vrtherapy.records.models import PatientProfile, RecordsError
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
    """Corrections, audit, session events and exports, through whichever calls the records store offers."""

    def update_profile(self, store: RecordStore, profile: PatientProfile, by: str, reason: str) -> None:
        if _has(store, "audit_trail"):
            if not reason.strip():
                raise RecordsError("reason: say why the profile is changed (it is kept in the audit trail)")
            store.update_patient(profile, reason=reason, by=by)  # type: ignore[call-arg]
        else:
            store.update_patient(profile)

    def can_correct(self, store: RecordStore) -> bool:
        return _has(store, "edit_pain") and _has(store, "void_pain")

    def edit_pain(self, store: RecordStore, entry_id: int, changes: dict[str, Any], by: str, reason: str) -> None:
        if not self.can_correct(store):
            raise RecordsError("form: this records version cannot correct entries")
        store.edit_pain(entry_id, changes, reason=reason, by=by)  # type: ignore[attr-defined]

    def void_pain(self, store: RecordStore, entry_id: int, by: str, reason: str) -> None:
        if not self.can_correct(store):
            raise RecordsError("form: this records version cannot void entries")
        store.void_pain(entry_id, reason=reason, by=by)  # type: ignore[attr-defined]

    def audit(self, store: RecordStore, patient_id: str) -> list[dict[str, Any]]:
        if not _has(store, "audit_trail"):
            return []
        return [_plain(entry) for entry in store.audit_trail(patient_id)]  # type: ignore[attr-defined]

    def log_control(self, store: RecordStore, session_id: int, event: ControlEvent) -> None:
        if _has(store, "record_session_event"):
            store.record_session_event(session_id, CONTROL_EVENT, {"what": event.what, "old": event.old, "new": event.new},  # type: ignore[attr-defined]
                                       by=event.who, at=event.at)  # fmt: skip

    def controls(self, store: RecordStore, session_id: int) -> list[dict[str, Any]]:
        if not _has(store, "session_events"):
            return []
        return [_plain(e) for e in store.session_events(session_id)]  # type: ignore[attr-defined]

    def export_formats(self) -> tuple[str, ...]:
        return ("csv", "fhir") if importlib.util.find_spec("vrtherapy.records.fhir") is not None else ("csv",)

    def export(self, store: RecordStore, patient_id: str, fmt: str, folder: Path, progress: Progress) -> list[Path]:
        progress(0.1, f"reading the records of {patient_id}")
        if fmt == "fhir":
            fhir: Any = importlib.import_module("vrtherapy.records.fhir")
            path = folder / f"{patient_id}-fhir.json"
            fhir.write_bundle(store, path, [patient_id])
            return [path]
        from vrtherapy.records.export import export_csv

        files = export_csv(store, folder, [patient_id])
        progress(0.9, "CSV files written")
        return files


def _has(store: RecordStore, name: str) -> bool:
    return callable(getattr(store, name, None))


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
