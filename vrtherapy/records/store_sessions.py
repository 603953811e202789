"""Sessions in the record store: start, exercise results, the end (how it ended, exercises planned, the
patient's impression of change), per-patient numbers, and the session's event log (who changed what,
when, e.g. from the therapist's console during the session).

Session numbers count per patient (1, 2, 3 ...), given under a lock on the patient's row so two
stations starting sessions for one patient at once never get the same number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

import vrtherapy.records.tables as t
from vrtherapy.records.checks import FieldError, RecordsError, check_one_of, check_pgic, check_reason, check_text, is_int
from vrtherapy.records.models import SESSION_ENDS, ExerciseResult, SessionEnd, SessionEvent, SessionRecord
from vrtherapy.records.store_base import (
    StoreBase,
    canonical_id,
    check_id,
    check_type,
    iso,
    parse_time,
    require_active,
    unknown,
    when,
    write_audit,
)

_MAX_EVENT_DETAIL = 4000


class SessionRecords(StoreBase):
    def start_session(self, patient_id: str, playlist: str, display: str, started_at: datetime | None = None, *,
                      exercises_planned: int | None = None) -> int:  # fmt: skip
        """Record that a session began; returns its id, for the pain and exercise calls that follow."""
        check_text("playlist", playlist, required=True)
        check_text("display", display, required=True)
        planned = _planned(exercises_planned)
        started = when("started_at", started_at)
        with self._write() as conn:
            pid = require_active(conn, patient_id)
            conn.execute(select(t.patients.c.patient_id).where(t.patients.c.patient_id == pid).with_for_update())
            number = conn.execute(select(func.coalesce(func.max(t.sessions.c.number), 0))
                                  .where(t.sessions.c.patient_id == pid)).scalar_one() + 1  # fmt: skip
            return int(conn.execute(insert(t.sessions).values(
                patient_id=pid, playlist=playlist, display=display, started_at=iso(started), number=number,
                exercises_planned=planned, station=self.station).returning(t.sessions.c.id)).scalar_one())  # fmt: skip

    def add_exercise(self, session_id: int, result: ExerciseResult) -> int:
        """Store one exercise's result in an unfinished session; returns the row id."""
        check_type("result", result, ExerciseResult)
        with self._write() as conn:
            status = session_row(conn, session_id)["status"]
            if status is not None:
                raise RecordsError(f"session {session_id} is already finished ({status}): "
                                   "exercise results cannot be added to it")  # fmt: skip
            r = result
            return int(conn.execute(insert(t.exercises).values(
                session_id=session_id, exercise_id=r.exercise_id, started_at=iso(r.started_at), duration_s=r.duration_s,
                completed=int(r.completed), reps=r.reps, target_reps=r.target_reps, rom_deg=r.rom_deg,
                movement_time_s=r.movement_time_s, latency_ms_mean=r.latency_ms_mean, latency_ms_p95=r.latency_ms_p95,
                rom_joint=r.rom_joint).returning(t.exercises.c.id)).scalar_one())  # fmt: skip

    def finish_session(self, session_id: int, ended_at: datetime | None, status: SessionEnd, *,
                       exercises_planned: int | None = None, pgic: int | None = None) -> None:  # fmt: skip
        """Record how a session ended: completed, capped (its time ran out), stopped by the user or crashed;
        `ended_at` None means now. `exercises_planned` (if not given at the start) and the patient's global
        impression of change (`pgic`, 1-7) may be given here."""
        check_one_of("status", status, SESSION_ENDS)
        planned = _planned(exercises_planned)
        impression = check_pgic(pgic)
        ended = when("ended_at", ended_at)
        with self._write() as conn:
            row = session_row(conn, session_id)
            if row["status"] is not None:
                raise RecordsError(f"session {session_id} is already finished ({row['ending'] or row['status']})")
            if ended < parse_time(row["started_at"]):
                raise FieldError("ended_at", f"{ended.isoformat()} is before the session started ({row['started_at']})")
            values: dict[str, Any] = {"ended_at": iso(ended), "status": "stopped" if status == "capped" else status,
                                      "ending": status, "pgic": impression}  # fmt: skip
            if planned is not None:
                values["exercises_planned"] = planned
            conn.execute(update(t.sessions).where(t.sessions.c.id == session_id).values(values))

    def set_pgic(self, session_id: int, pgic: int | None, *, reason: str, by: str | None = None) -> None:
        """Add or correct a session's patient global impression of change (1-7; None clears it), with an
        audit row (old and new value, who, why)."""
        impression = check_pgic(pgic)
        reason = check_reason(reason)
        actor = self._actor(by)
        with self._write() as conn:
            row = session_row(conn, session_id)
            if row["pgic"] == impression:
                return
            conn.execute(update(t.sessions).where(t.sessions.c.id == session_id).values(pgic=impression))
            write_audit(conn, by=actor, patient_id=row["patient_id"], entity="session", entity_id=session_id,
                        field="pgic", old=row["pgic"], new=impression, reason=reason)  # fmt: skip

    def session(self, session_id: int) -> SessionRecord:
        with self._read() as conn:
            row = session_row(conn, session_id)
            return _sessions(conn, row["patient_id"], session_id)[0]

    def sessions(self, patient_id: str) -> list[SessionRecord]:
        """A patient's sessions, oldest first, each with its pain before/after and exercise results."""
        with self._read() as conn:
            return _sessions(conn, canonical_id(conn, patient_id), None)

    # -- what happened during a session -------------------------------------------------------------

    def record_session_event(self, session_id: int, kind: str, detail: Mapping[str, object] | None = None, *,
                             by: str | None = None, at: datetime | None = None) -> int:  # fmt: skip
        """Log something that happened in a session (e.g. kind "setting", detail {"field": "mirror_gain",
        "old": 1.0, "new": 1.2}) with who did it and when; returns the event's id. The log is append-only."""
        check_text("kind", kind, required=True)
        actor = self._actor(by)
        try:
            detail_text = json.dumps(dict(detail or {}), sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise FieldError("detail", f"must be a table of plain values ({error})") from None
        if len(detail_text) > _MAX_EVENT_DETAIL:
            raise FieldError("detail", f"at most {_MAX_EVENT_DETAIL} characters as JSON (got {len(detail_text)})")
        at_ = when("at", at)
        with self._write() as conn:
            session_row(conn, session_id)
            return int(conn.execute(insert(t.session_events).values(
                session_id=session_id, at=iso(at_), actor=actor, kind=kind, detail=detail_text)
                .returning(t.session_events.c.id)).scalar_one())  # fmt: skip

    def session_events(self, session_id: int) -> list[SessionEvent]:
        """A session's events, oldest first."""
        with self._read() as conn:
            session_row(conn, session_id)
            rows = conn.execute(select(t.session_events).where(t.session_events.c.session_id == session_id)
                                .order_by(t.session_events.c.at, t.session_events.c.id)).all()  # fmt: skip
        return [SessionEvent(r.id, r.session_id, parse_time(r.at), r.actor, r.kind, json.loads(r.detail)) for r in rows]


def _planned(value: object) -> int | None:
    if value is not None and (not is_int(value) or not 0 <= value <= 10_000):  # type: ignore[operator]
        raise FieldError("exercises_planned", f"must be a whole number from 0 to 10000, got {value!r}")
    return None if value is None else int(value)  # type: ignore[call-overload]


def session_row(conn: Connection, session_id: object) -> dict[str, Any]:
    """The session's row as a dict, or RecordsError naming the session."""
    check_id("session_id", session_id)
    row = conn.execute(select(t.sessions).where(t.sessions.c.id == session_id)).first()
    if row is None:
        raise unknown("session", session_id)
    return dict(row._mapping)


def _sessions(conn: Connection, patient_id: str, only: int | None) -> list[SessionRecord]:
    query = select(t.sessions).where(t.sessions.c.patient_id == patient_id)
    if only is not None:
        query = query.where(t.sessions.c.id == only)
    rows = conn.execute(query.order_by(t.sessions.c.started_at, t.sessions.c.id)).all()
    ids = [row.id for row in rows]
    pain: dict[tuple[int, str], int] = {}
    exercises: dict[int, list[ExerciseResult]] = {i: [] for i in ids}
    if ids:
        for sid, kind, score in conn.execute(select(t.pain.c.session_id, t.pain.c.kind, t.pain.c.score)
                                             .where(t.pain.c.session_id.in_(ids), t.pain.c.voided_at.is_(None))):  # fmt: skip
            pain[(sid, kind)] = score
        for e in conn.execute(select(t.exercises).where(t.exercises.c.session_id.in_(ids))
                              .order_by(t.exercises.c.started_at, t.exercises.c.id)):  # fmt: skip
            exercises[e.session_id].append(ExerciseResult(
                e.exercise_id, parse_time(e.started_at), e.duration_s, bool(e.completed), e.reps, e.target_reps,
                e.rom_deg, e.movement_time_s, e.latency_ms_mean, e.latency_ms_p95, e.rom_joint))  # fmt: skip
    return [
        SessionRecord(
            id=r.id, patient_id=patient_id, playlist=r.playlist, display=r.display, started_at=parse_time(r.started_at),
            ended_at=parse_time(r.ended_at) if r.ended_at else None, status=r.ending or r.status or "unfinished",
            pain_before=pain.get((r.id, "before")), pain_after=pain.get((r.id, "after")),
            exercises=tuple(exercises[r.id]), number=r.number or 0, exercises_planned=r.exercises_planned,
            pgic=r.pgic, station=r.station,
        )  # fmt: skip
        for r in rows
    ]
