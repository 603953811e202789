"""What every part of the record store shares: the engine, the transaction helpers that turn database
errors into one-line `RecordsError`s, the audit writer, and conversions between rows and values.

A write is one transaction (`_write`), committed before the call returns and rolled back on any error,
so a refused or failed call writes nothing. Every correction adds its audit rows in the same
transaction as the change itself: a change is never recorded without its audit row, nor the reverse.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, exc, func, insert, select

import vrtherapy.records.tables as t
from vrtherapy.records.checks import FieldError, RecordsError, as_utc, check_patient_id, check_text
from vrtherapy.records.database import Target, describe_error
from vrtherapy.records.models import AuditEntry

#: Clock slack allowed for "now"-ish times; anything later is a typing mistake, not a future pain.
FUTURE_SLACK = timedelta(minutes=10)


def default_station() -> str:
    """Who made a change when nobody says: `$VRTHERAPY_STATION`, else user@host."""
    name = os.environ.get("VRTHERAPY_STATION")
    if name:
        return name
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


class StoreBase:
    """The engine and shared helpers; `RecordStore` adds the patient, session and pain calls."""

    def __init__(self, engine: Engine, target: Target, station: str | None = None) -> None:
        self._engine = engine
        self.target = target
        self.station = check_text("station", station if station is not None else default_station(), required=True)

    @property
    def path(self) -> str:
        """The records file's path, or the server URL without its password (for messages)."""
        return self.target.shown

    @property
    def notices(self) -> list[str]:
        """Things said on opening (e.g. a file's loose modes tightened), for the caller to show once."""
        return list(self.target.notices)

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction, committed (synchronously, to disk) before the block's caller returns."""
        try:
            with self._engine.begin() as conn:
                yield conn
        except exc.SQLAlchemyError as error:
            raise describe_error(error, self.target) from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(read_only=True)
                yield conn
                conn.rollback()
        except exc.SQLAlchemyError as error:
            raise describe_error(error, self.target) from None

    def _actor(self, by: str | None) -> str:
        return check_text("by", by, required=True) if by is not None else self.station

    def audit_trail(self, patient_id: str | None = None) -> list[AuditEntry]:
        """The audit rows (of one patient, or all), oldest first."""
        query = select(t.audit).order_by(t.audit.c.id)
        with self._read() as conn:
            if patient_id is not None:
                query = query.where(t.audit.c.patient_id == canonical_id(conn, patient_id))
            rows = conn.execute(query).all()
        return [AuditEntry(r.id, parse_time(r.at), r.actor, r.patient_id, r.entity, r.entity_id, r.field,
                           r.old_value, r.new_value, r.reason) for r in rows]  # fmt: skip


def write_audit(conn: Connection, *, by: str, patient_id: str | None, entity: str, entity_id: object, field: str,
                old: object, new: object, reason: str) -> None:  # fmt: skip
    conn.execute(insert(t.audit).values(at=iso(datetime.now(UTC)), actor=by, patient_id=patient_id, entity=entity,
                                        entity_id=str(entity_id), field=field, old_value=as_text(old),
                                        new_value=as_text(new), reason=reason))  # fmt: skip


def as_text(value: object) -> str | None:
    """A value as the audit keeps it: text as is, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, sort_keys=True, default=str)


def canonical_id(conn: Connection, patient_id: str, field: str = "patient_id") -> str:
    """The patient's ID as first recorded (IDs are case-insensitive: x5 finds X5); RecordsError if none."""
    check_patient_id(patient_id, field)
    row = conn.execute(select(t.patients.c.patient_id).where(func.lower(t.patients.c.patient_id) == patient_id.lower())).first()
    if row is None:
        raise FieldError(field, f"unknown patient '{patient_id}'")
    return str(row[0])


def require_active(conn: Connection, patient_id: str) -> str:
    """The canonical ID of a patient who is not archived; RecordsError otherwise."""
    pid = canonical_id(conn, patient_id)
    if conn.execute(select(t.patients.c.archived_at).where(t.patients.c.patient_id == pid)).scalar() is not None:
        raise RecordsError(f"patient {pid} is archived: restore the patient first (vrtherapy patient restore)")
    return pid


def iso(when: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text_value: str) -> datetime:
    return datetime.fromisoformat(text_value)


def when(field: str, value: datetime | None) -> datetime:
    """`value` in UTC (None: now); a time in the future is refused."""
    now = datetime.now(UTC)
    if value is None:
        return now
    at = as_utc(field, value)
    if at > now + FUTURE_SLACK:
        raise FieldError(field, f"{value.isoformat()} is in the future")
    return at


def check_type(field: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise FieldError(field, f"must be a {kind.__name__}, got {type(value).__name__}")


def check_id(field: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**63:  # SQL's 64-bit integers
        raise FieldError(field, f"must be an entry number, got {value!r}")
    return value


def unknown(what: str, ident: object) -> RecordsError:
    return FieldError(f"{what}_id", f"there is no {what} {ident}")
