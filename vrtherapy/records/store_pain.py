"""The pain diary in the record store: ratings before and after a session and between sessions (with
phantom vs residual-limb pain, episodes per day, episode duration, triggers, medications), and the
corrections a therapist makes to it: edit an entry, void it, add a missing rating to a past session.

An entry is never deleted: voiding keeps it, marked with when and why, out of charts and means but in
exports. Each correction writes its audit rows (who, when, old and new value, why) in the same
transaction as the change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

import vrtherapy.records.tables as t
from vrtherapy.records.checks import (
    FieldError,
    RecordsError,
    check_duration_min,
    check_episodes,
    check_labels,
    check_note,
    check_one_of,
    check_pain_score,
    check_reason,
)
from vrtherapy.records.models import PAIN_LOCATIONS, PainEntry, PainKind, check_pain_kind
from vrtherapy.records.store_base import (
    StoreBase,
    canonical_id,
    check_id,
    iso,
    parse_time,
    require_active,
    unknown,
    when,
    write_audit,
)
from vrtherapy.records.store_sessions import session_row

#: Fields of an entry a correction may change (a rating logged to the wrong patient is voided and logged again).
EDITABLE = ("score", "at", "triggers", "medications", "duration_min", "note", "location", "episodes")


class PainRecords(StoreBase):
    def add_pain(self, patient_id: str, score: int, kind: PainKind, *, session_id: int | None = None,
                 at: datetime | None = None, triggers: Sequence[str] = (), medications: Sequence[str] = (),
                 duration_min: float | None = None, note: str = "", location: str | None = None,
                 episodes: int | None = None) -> int:  # fmt: skip
        """Log a pain rating (NRS 0-10). "before"/"after" belong to a session (one each per session);
        "between" ratings stand alone (the diary). Returns the entry's id."""
        values = _checked({"score": score, "at": at, "triggers": triggers, "medications": medications,
                           "duration_min": duration_min, "note": note, "location": location, "episodes": episodes})  # fmt: skip
        check_pain_kind(kind)
        if kind == "between" and session_id is not None:
            raise FieldError("session_id", "a 'between' rating is not part of a session; leave it out")
        if kind != "between" and session_id is None:
            raise FieldError("session_id", f"a '{kind}' rating needs the session it belongs to")
        with self._write() as conn:
            pid = require_active(conn, patient_id)
            if session_id is not None:
                _check_session_slot(conn, session_id, pid, kind)
            return _insert(conn, pid, kind, session_id, values)

    def pain_entry(self, entry_id: int) -> PainEntry:
        with self._read() as conn:
            return _entry(_pain_row(conn, entry_id))

    def pain_entries(self, patient_id: str, *, include_voided: bool = True) -> list[PainEntry]:
        """A patient's pain ratings, oldest first; voided ones are marked (or left out when asked)."""
        with self._read() as conn:
            query = select(t.pain).where(t.pain.c.patient_id == canonical_id(conn, patient_id))
            if not include_voided:
                query = query.where(t.pain.c.voided_at.is_(None))
            rows = conn.execute(query.order_by(t.pain.c.at, t.pain.c.id)).all()
        return [_entry(row) for row in rows]

    def edit_pain(self, entry_id: int, changes: Mapping[str, Any], *, reason: str, by: str | None = None) -> PainEntry:
        """Correct fields of a pain entry (`EDITABLE`); each changed field gets an audit row. Returns the entry."""
        reason = check_reason(reason)
        actor = self._actor(by)
        bad = sorted(set(changes) - set(EDITABLE))
        if bad:
            raise FieldError(bad[0], f"cannot be edited (editable: {', '.join(EDITABLE)}; a rating logged to the "
                                     "wrong patient or session is voided and logged again)")  # fmt: skip
        if not changes:
            raise FieldError("changes", "name at least one field to change")
        values = _checked(dict(changes), partial=True)
        with self._write() as conn:
            row = _pain_row(conn, entry_id, lock=True)
            if row.voided_at is not None:
                raise FieldError("entry_id", f"pain entry {entry_id} is voided: it cannot be edited")
            old = dict(row._mapping)
            changed = {k: v for k, v in values.items() if old[k] != v}
            if changed:
                conn.execute(update(t.pain).where(t.pain.c.id == entry_id).values(changed))
            for name, value in changed.items():
                write_audit(conn, by=actor, patient_id=row.patient_id, entity="pain", entity_id=entry_id, field=name,
                            old=old[name], new=value, reason=reason)  # fmt: skip
            return _entry(_pain_row(conn, entry_id))

    def void_pain(self, entry_id: int, *, reason: str, by: str | None = None) -> PainEntry:
        """Void a pain entry: kept, marked with when and why, left out of charts and means, shown as voided
        in exports. A voided before/after rating frees its session's slot for a correct one."""
        reason = check_reason(reason)
        actor = self._actor(by)
        with self._write() as conn:
            row = _pain_row(conn, entry_id, lock=True)
            if row.voided_at is not None:
                raise FieldError("entry_id", f"pain entry {entry_id} is already voided ({row.void_reason})")
            at = iso(datetime.now(UTC))
            conn.execute(update(t.pain).where(t.pain.c.id == entry_id).values(voided_at=at, void_reason=reason))
            write_audit(conn, by=actor, patient_id=row.patient_id, entity="pain", entity_id=entry_id, field="void",
                        old=f"{row.score}/10 {row.kind} at {row.at}", new="voided", reason=reason)  # fmt: skip
            return _entry(_pain_row(conn, entry_id))

    def add_session_rating(self, session_id: int, kind: PainKind, score: int, *, reason: str, by: str | None = None,
                           at: datetime | None = None) -> int:  # fmt: skip
        """Add a missing before or after rating to a past session (default time: the session's start or end),
        with an audit row. Returns the new entry's id."""
        reason = check_reason(reason)
        actor = self._actor(by)
        if kind not in ("before", "after"):
            raise FieldError("kind", f"must be before or after (got {kind!r})")
        score = check_pain_score(score)
        given = when("at", at) if at is not None else None
        with self._write() as conn:
            session = session_row(conn, session_id)
            pid = session["patient_id"]
            _check_session_slot(conn, session_id, pid, kind)
            default = session["started_at"] if kind == "before" else (session["ended_at"] or session["started_at"])
            stamp = given or parse_time(default)
            entry = _insert(conn, pid, kind, session_id, _checked({"score": score, "at": stamp}, partial=True))
            write_audit(conn, by=actor, patient_id=pid, entity="session", entity_id=session_id, field=f"pain_{kind}",
                        old=None, new=score, reason=reason)  # fmt: skip
            return entry


def _checked(values: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """Column values for the given fields, each checked (FieldError names the first bad one)."""
    out: dict[str, Any] = {}
    if "score" in values:
        out["score"] = check_pain_score(values["score"])
    if "at" in values or not partial:
        out["at"] = iso(when("at", values.get("at")))
    for name in ("triggers", "medications"):
        if name in values:
            out[name] = json.dumps(list(check_labels(name, values[name])))
    if "duration_min" in values:
        out["duration_min"] = check_duration_min(values["duration_min"])
    if "note" in values:
        out["note"] = check_note(values["note"])
    if "location" in values:
        out["location"] = None if values["location"] is None else check_one_of("location", values["location"], PAIN_LOCATIONS)
    if "episodes" in values:
        out["episodes"] = check_episodes(values["episodes"])
    return out


def _insert(conn: Connection, pid: str, kind: str, session_id: int | None, values: dict[str, Any]) -> int:
    row = {"triggers": "[]", "medications": "[]", "note": ""} | values
    return int(conn.execute(insert(t.pain).values(patient_id=pid, kind=kind, session_id=session_id, **row)
                            .returning(t.pain.c.id)).scalar_one())  # fmt: skip


def _check_session_slot(conn: Connection, session_id: int, pid: str, kind: str) -> None:
    owner = session_row(conn, session_id)["patient_id"]
    if owner != pid:
        raise FieldError("session_id", f"session {session_id} belongs to patient '{owner}', not '{pid}'")
    previous = conn.execute(select(t.pain.c.score, t.pain.c.id).where(
        t.pain.c.session_id == session_id, t.pain.c.kind == kind, t.pain.c.voided_at.is_(None))).first()  # fmt: skip
    if previous is not None:
        raise RecordsError(f"session {session_id} already has a pain-{kind} rating ({previous[0]}, entry "
                           f"{previous[1]}): edit or void that entry instead")  # fmt: skip


def _pain_row(conn: Connection, entry_id: object, lock: bool = False) -> Row[Any]:
    check_id("entry_id", entry_id)
    query = select(t.pain).where(t.pain.c.id == entry_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise unknown("entry", entry_id)
    return row


def _entry(r: Row[Any]) -> PainEntry:
    return PainEntry(
        id=r.id, patient_id=r.patient_id, score=r.score, kind=r.kind, at=parse_time(r.at), session_id=r.session_id,
        triggers=tuple(json.loads(r.triggers)), medications=tuple(json.loads(r.medications)), duration_min=r.duration_min,
        note=r.note, location=r.location, episodes=r.episodes,
        voided_at=parse_time(r.voided_at) if r.voided_at else None, void_reason=r.void_reason,
    )  # fmt: skip
