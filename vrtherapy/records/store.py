"""The patient record store: profiles, sessions, exercise results, the pain diary and the audit trail, in
an SQLite file or on a clinic's PostgreSQL server (`database`), through one SQLAlchemy Core code path.

Every call validates all of its values first, then writes in one transaction that is committed before
the call returns, so a crash (even SIGKILL) loses nothing already recorded, and a refused call writes
nothing. Corrections never overwrite silently: each changed field gets an audit row (who, when, old
and new value, why) in the same transaction. Patient IDs are case-insensitive (x5 is X5). The store
may be used from any thread. This module holds the patient calls; sessions, the pain diary and the
intact limb's calibrations are in `store_sessions`, `store_pain` and `store_calibration`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Row, func, insert, or_, select, update

import vrtherapy.records.tables as t
from vrtherapy.records.checks import FieldError, FieldErrors, check_patient_id, check_reason, check_text
from vrtherapy.records.database import default_db, open_engine, resolve
from vrtherapy.records.models import ExerciseResult, PatientProfile
from vrtherapy.records.store_base import canonical_id, check_type, iso, parse_time, write_audit
from vrtherapy.records.store_calibration import CalibrationRecords
from vrtherapy.records.store_pain import PainRecords
from vrtherapy.records.store_sessions import SessionRecords

__all__ = ["PROFILE_FIELDS", "ExerciseResult", "PatientProfile", "RecordStore", "default_db_path", "profile_errors"]

#: Profile fields a correction may change (the ID and the archive have calls of their own).
PROFILE_FIELDS = ("affected_side", "limb", "level", "condition", "amputation_date", "measurements",
                  "prescribed_minutes_per_week", "notes")  # fmt: skip
_PLACEHOLDER = PatientProfile("X", "left", "upper", "unspecified")


def default_db_path() -> Path:
    """`$VRTHERAPY_DB` if it names a file, else the per-user records file."""
    return Path(default_db())


class RecordStore(PainRecords, SessionRecords, CalibrationRecords):
    """One open records database. Use `RecordStore.open(db)`, ideally as a context manager.

    Patients: add_patient, patient, patients, search_patients, profile_errors (a form, field by field),
    update_patient, archive_patient, restore_patient. Sessions: start_session, add_exercise,
    finish_session, session, sessions, record_session_event, session_events. Pain diary: add_pain,
    pain_entry, pain_entries, edit_pain, void_pain, add_session_rating. Calibration: see
    `store_calibration`. The trail: audit_trail. Refusals raise `FieldError` (its `field` names the value
    at fault) or `FieldErrors` (a form's).
    """

    @classmethod
    def open(cls, db: str | Path | None = None, *, station: str | None = None) -> RecordStore:
        """Open the records (default: `$VRTHERAPY_DB`, else the per-user file): an SQLite path or a
        postgresql:// URL; created and migrated as needed. `station` names who makes changes (audit)."""
        target = resolve(db)
        return cls(open_engine(target), target, station)

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.close()

    # -- patients -----------------------------------------------------------------------------------

    def add_patient(self, profile: PatientProfile, *, by: str | None = None) -> PatientProfile:
        check_type("profile", profile, PatientProfile)
        actor = self._actor(by)
        with self._write() as conn:
            taken = conn.execute(select(t.patients.c.patient_id)
                                 .where(func.lower(t.patients.c.patient_id) == profile.patient_id.lower())).first()  # fmt: skip
            if taken is not None:
                raise FieldError("patient_id", f"patient '{taken[0]}' already exists (IDs do not depend on case)")
            conn.execute(insert(t.patients).values(**_profile_values(profile), created_at=iso(datetime.now(UTC))))
            write_audit(conn, by=actor, patient_id=profile.patient_id, entity="patient", entity_id=profile.patient_id,
                        field="add", old=None, new=_profile_values(profile), reason="new patient")  # fmt: skip
        return profile

    def patient(self, patient_id: str) -> PatientProfile:
        """A patient's profile; the ID's case does not matter."""
        with self._read() as conn:
            pid = canonical_id(conn, patient_id)
            row = conn.execute(select(t.patients).where(t.patients.c.patient_id == pid)).one()
        return _profile(row)

    def patients(self, *, include_archived: bool = False) -> list[PatientProfile]:
        """Every patient in ID order; archived ones only when asked."""
        return self.search_patients("", include_archived=include_archived)

    def search_patients(self, text: str, *, include_archived: bool = False) -> list[PatientProfile]:
        """Patients whose ID, level or notes contain `text` (any case), in ID order."""
        check_text("text", text)
        query = select(t.patients).order_by(func.lower(t.patients.c.patient_id))
        if text.strip():
            like = f"%{text.strip().lower()}%"
            query = query.where(or_(func.lower(t.patients.c.patient_id).like(like), func.lower(t.patients.c.level).like(like),
                                    func.lower(t.patients.c.notes).like(like)))  # fmt: skip
        if not include_archived:
            query = query.where(t.patients.c.archived_at.is_(None))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_profile(row) for row in rows]

    def profile_errors(self, values: Mapping[str, Any], patient_id: str | None = None) -> dict[str, str]:
        """What is wrong with a profile form, field by field (empty: nothing): `values` as `PatientProfile`'s
        fields; with `patient_id`, the changes to that patient's profile, else a new patient."""
        current = self.patient(patient_id) if patient_id is not None else None
        return profile_errors(values, current)

    def update_patient(self, patient: PatientProfile | str, changes: Mapping[str, Any] | None = None, *,
                       reason: str, by: str | None = None) -> PatientProfile:  # fmt: skip
        """Change profile fields (a whole new profile, or `changes` by field name); each changed field gets an
        audit row with its old and new value and `reason`. Returns the profile as stored."""
        reason = check_reason(reason)
        actor = self._actor(by)
        if isinstance(patient, PatientProfile):
            pid, wanted = patient.patient_id, {f: getattr(patient, f) for f in PROFILE_FIELDS}
        else:
            pid, wanted = check_patient_id(patient), dict(changes or {})
        unknown_fields = sorted(set(wanted) - set(PROFILE_FIELDS))
        if unknown_fields:
            raise FieldError(unknown_fields[0], f"not a profile field that can be changed (fields: {', '.join(PROFILE_FIELDS)})")
        with self._write() as conn:
            pid = canonical_id(conn, pid)
            current = _profile(conn.execute(select(t.patients).where(t.patients.c.patient_id == pid).with_for_update()).one())
            errors = profile_errors(wanted, current)
            if errors:
                raise FieldErrors(errors)
            new = replace(current, **wanted)
            old_values, new_values = _profile_values(current), _profile_values(new)
            changed = [f for f in PROFILE_FIELDS if old_values[f] != new_values[f]]
            if changed:
                conn.execute(update(t.patients).where(t.patients.c.patient_id == pid).values({f: new_values[f] for f in changed}))
            for f in changed:
                write_audit(conn, by=actor, patient_id=pid, entity="patient", entity_id=pid, field=f,
                            old=getattr(current, f), new=getattr(new, f), reason=reason)  # fmt: skip
        return new

    def archive_patient(self, patient_id: str, *, reason: str, by: str | None = None) -> None:
        """Archive a patient: kept with every record, left out of lists, no new sessions."""
        self._set_archived(patient_id, True, reason, by)

    def restore_patient(self, patient_id: str, *, reason: str, by: str | None = None) -> None:
        """Bring an archived patient back."""
        self._set_archived(patient_id, False, reason, by)

    def _set_archived(self, patient_id: str, archive: bool, reason: str, by: str | None) -> None:
        reason = check_reason(reason)
        actor = self._actor(by)
        with self._write() as conn:
            pid = canonical_id(conn, patient_id)
            old = conn.execute(select(t.patients.c.archived_at).where(t.patients.c.patient_id == pid).with_for_update()).scalar()
            if (old is not None) == archive:
                raise FieldError("patient_id", f"patient {pid} is {'already' if archive else 'not'} archived")
            new = iso(datetime.now(UTC)) if archive else None
            conn.execute(update(t.patients).where(t.patients.c.patient_id == pid).values(archived_at=new))
            write_audit(conn, by=actor, patient_id=pid, entity="patient", entity_id=pid,
                        field="archive" if archive else "restore", old=old, new=new, reason=reason)  # fmt: skip


def profile_errors(values: Mapping[str, Any], current: PatientProfile | None) -> dict[str, str]:
    """Field -> problem for a profile form; cross-field rules (level and measurements per limb and
    condition) are checked against the other fields as they would be after the change."""
    names = {f.name for f in fields(PatientProfile)} - {"archived_at"}
    errors: dict[str, str] = {k: "not a profile field" for k in values if k not in names}
    base = current or _PLACEHOLDER
    if current is None:
        errors.update({k: "required" for k in ("patient_id", "affected_side", "limb", "level") if k not in values})
    settled: dict[str, Any] = {}
    # limb, condition and level are checked together (a level belongs to a condition and limb), then the
    # measurements (named per limb) and the rest, each against the fields as they would be after the change
    groups = [["patient_id"], ["affected_side"], ["limb", "condition", "level"], ["measurements"]]
    groups += [[n] for n in sorted(names) if not any(n in g for g in groups)]
    for group in groups:
        given = {n: values[n] for n in group if n in values and n not in errors}
        if not given:
            continue
        try:
            replace(base, **settled, **given)
        except FieldError as error:
            key, _, detail = error.field.partition(".")
            errors[key if key in values else next(iter(given))] = f"{detail}: {error.problem}" if detail else error.problem
            rest = {n: v for n, v in given.items() if n != key} | ({"level": "unspecified"} if key == "level" else {})
            try:  # a wrong level still lets the measurements be checked against the limb given
                replace(base, **settled, **rest)
                settled.update(rest)
            except FieldError:
                pass
            continue
        settled.update(given)
    return errors


def _profile_values(p: PatientProfile) -> dict[str, object]:
    return {"patient_id": p.patient_id, "affected_side": p.affected_side, "limb": p.limb, "level": p.level,
            "amputation_date": p.amputation_date.isoformat() if p.amputation_date else None,
            "measurements": json.dumps(p.measurements, sort_keys=True),
            "prescribed_minutes_per_week": p.prescribed_minutes_per_week, "notes": p.notes, "condition": p.condition}  # fmt: skip


def _profile(row: Row[Any]) -> PatientProfile:
    return PatientProfile(
        patient_id=row.patient_id, affected_side=row.affected_side, limb=row.limb, level=row.level,
        amputation_date=date.fromisoformat(row.amputation_date) if row.amputation_date else None,
        measurements=json.loads(row.measurements), prescribed_minutes_per_week=row.prescribed_minutes_per_week,
        notes=row.notes, condition=row.condition, archived_at=parse_time(row.archived_at) if row.archived_at else None,
    )  # fmt: skip
