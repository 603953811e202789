"""The patient record store: profiles, sessions, exercise results and the pain log in one SQLite file.

Every call validates all of its values first, then writes in one transaction that is committed before
the call returns, so a crash (even SIGKILL) loses nothing already recorded, and a refused call writes
nothing. A session that was started but never finished keeps status "unfinished" (reports treat it as
incomplete). The store may be used from any thread (calls are serialised).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType

import platformdirs

from vrtherapy.records.models import (
    ExerciseResult,
    PainEntry,
    PainKind,
    PatientProfile,
    RecordsError,
    SessionEnd,
    SessionRecord,
    as_utc,
    check_duration_min,
    check_labels,
    check_note,
    check_pain_kind,
    check_pain_score,
    check_patient_id,
    check_text,
)
from vrtherapy.records.schema import connect, transaction

#: Clock slack allowed for "now"-ish times; anything later is a typing mistake, not a future pain.
_FUTURE_SLACK = timedelta(minutes=10)


def default_db_path() -> Path:
    """`$VRTHERAPY_DB` if set, else the per-user data folder's vrtherapy/records.sqlite3."""
    env = os.environ.get("VRTHERAPY_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("vrtherapy", appauthor=False)) / "records.sqlite3"


class RecordStore:
    """One open records file. Use `RecordStore.open(path)`, ideally as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> RecordStore:
        """Open the records file (default: `default_db_path()`), creating and migrating it as needed."""
        path = Path(path) if path is not None else default_db_path()
        return cls(connect(path), path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.close()

    # -- patients -----------------------------------------------------------------------------------

    def add_patient(self, profile: PatientProfile) -> None:
        _check_type("profile", profile, PatientProfile)
        with self._write() as conn:
            if _exists(conn, "patients", "patient_id", profile.patient_id):
                raise RecordsError(f"patient '{profile.patient_id}' already exists")
            conn.execute(
                "INSERT INTO patients (patient_id, affected_side, limb, level, amputation_date, measurements,"
                " prescribed_minutes_per_week, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_profile_values(profile), _iso(datetime.now(UTC))),
            )

    def update_patient(self, profile: PatientProfile) -> None:
        _check_type("profile", profile, PatientProfile)
        with self._write() as conn:
            values = _profile_values(profile)
            cursor = conn.execute(
                "UPDATE patients SET affected_side = ?, limb = ?, level = ?, amputation_date = ?,"
                " measurements = ?, prescribed_minutes_per_week = ?, notes = ? WHERE patient_id = ?",
                (*values[1:], values[0]),
            )
            if cursor.rowcount == 0:
                raise _unknown_patient(profile.patient_id)

    def patient(self, patient_id: str) -> PatientProfile:
        check_patient_id(patient_id)
        with self._lock:
            row = self._conn.execute(f"SELECT {_PROFILE_COLUMNS} FROM patients WHERE patient_id = ?",
                                     (patient_id,)).fetchone()  # fmt: skip
        if row is None:
            raise _unknown_patient(patient_id)
        return _profile(row)

    def patients(self) -> list[PatientProfile]:
        with self._lock:
            rows = self._conn.execute(f"SELECT {_PROFILE_COLUMNS} FROM patients ORDER BY patient_id").fetchall()
        return [_profile(row) for row in rows]

    # -- sessions -----------------------------------------------------------------------------------

    def start_session(self, patient_id: str, playlist: str, display: str,
                      started_at: datetime | None = None) -> int:  # fmt: skip
        """Record that a session began; returns its id, for the pain and exercise calls that follow."""
        check_patient_id(patient_id)
        check_text("playlist", playlist, required=True)
        check_text("display", display, required=True)
        started = _when("started_at", started_at)
        with self._write() as conn:
            _require_patient(conn, patient_id)
            cursor = conn.execute(
                "INSERT INTO sessions (patient_id, playlist, display, started_at) VALUES (?, ?, ?, ?)",
                (patient_id, playlist, display, _iso(started)),
            )
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    def add_exercise(self, session_id: int, result: ExerciseResult) -> int:
        """Store one exercise's result in an unfinished session; returns the row id."""
        _check_type("result", result, ExerciseResult)
        with self._write() as conn:
            _, _, status = _session_row(conn, session_id)
            if status is not None:
                raise RecordsError(f"session {session_id} is already finished ({status}): "
                                   "exercise results cannot be added to it")  # fmt: skip
            r = result
            cursor = conn.execute(
                "INSERT INTO exercises (session_id, exercise_id, started_at, duration_s, completed, reps,"
                " target_reps, rom_deg, movement_time_s, latency_ms_mean, latency_ms_p95)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, r.exercise_id, _iso(r.started_at), r.duration_s, int(r.completed), r.reps,
                 r.target_reps, r.rom_deg, r.movement_time_s, r.latency_ms_mean, r.latency_ms_p95),
            )  # fmt: skip
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    def finish_session(self, session_id: int, ended_at: datetime | None, status: SessionEnd) -> None:
        """Record how a session ended (completed, stopped by the user, or crashed); `None` means now."""
        if status not in ("completed", "stopped", "crashed"):
            raise RecordsError(f"status: must be one of completed, stopped, crashed (got {status!r})")
        ended = _when("ended_at", ended_at)
        with self._write() as conn:
            _, started, current = _session_row(conn, session_id)
            if current is not None:
                raise RecordsError(f"session {session_id} is already finished ({current})")
            if ended < _parse_time(started):
                raise RecordsError(f"ended_at: {ended.isoformat()} is before the session started ({started})")
            conn.execute("UPDATE sessions SET ended_at = ?, status = ? WHERE id = ?",
                         (_iso(ended), status, session_id))  # fmt: skip

    def session(self, session_id: int) -> SessionRecord:
        with self._lock:
            patient_id, _, _ = _session_row(self._conn, session_id)
            return self._sessions(patient_id, session_id)[0]

    def sessions(self, patient_id: str) -> list[SessionRecord]:
        """A patient's sessions, oldest first, each with its pain before/after and exercise results."""
        check_patient_id(patient_id)
        with self._lock:
            _require_patient(self._conn, patient_id)
            return self._sessions(patient_id, None)

    def _sessions(self, patient_id: str, only: int | None) -> list[SessionRecord]:
        where = "patient_id = ?" + (" AND id = ?" if only is not None else "")
        params: tuple[object, ...] = (patient_id,) if only is None else (patient_id, only)
        rows = self._conn.execute(
            "SELECT id, playlist, display, started_at, ended_at, status FROM sessions"
            f" WHERE {where} ORDER BY started_at, id", params
        ).fetchall()
        ids = [row[0] for row in rows]
        pain: dict[tuple[int, str], int] = {}
        exercises: dict[int, list[ExerciseResult]] = {i: [] for i in ids}
        if ids:
            marks = ",".join("?" * len(ids))
            for session_id, kind, score in self._conn.execute(
                f"SELECT session_id, kind, score FROM pain WHERE session_id IN ({marks})", ids
            ):
                pain[(session_id, kind)] = score
            for row in self._conn.execute(
                f"SELECT session_id, {_EXERCISE_COLUMNS} FROM exercises WHERE session_id IN ({marks})"
                " ORDER BY started_at, id", ids
            ):  # fmt: skip
                exercises[row[0]].append(_exercise(row[1:]))
        return [
            SessionRecord(
                id=sid, patient_id=patient_id, playlist=playlist, display=display,
                started_at=_parse_time(started), ended_at=_parse_time(ended) if ended else None,
                status=status or "unfinished", pain_before=pain.get((sid, "before")),
                pain_after=pain.get((sid, "after")), exercises=tuple(exercises[sid]),
            )  # fmt: skip
            for sid, playlist, display, started, ended, status in rows
        ]

    # -- pain ---------------------------------------------------------------------------------------

    def add_pain(self, patient_id: str, score: int, kind: PainKind, *, session_id: int | None = None,
                 at: datetime | None = None, triggers: Sequence[str] = (), medications: Sequence[str] = (),
                 duration_min: float | None = None, note: str = "") -> int:  # fmt: skip
        """Log a pain rating (NRS 0-10). "before"/"after" belong to a session (one each per session);
        "between" ratings stand alone. Returns the entry's id."""
        check_patient_id(patient_id)
        score = check_pain_score(score)
        check_pain_kind(kind)
        trigger_list = check_labels("triggers", triggers)
        medication_list = check_labels("medications", medications)
        duration = check_duration_min(duration_min)
        check_note(note)
        when = _when("at", at)
        if kind == "between" and session_id is not None:
            raise RecordsError("session_id: a 'between' rating is not part of a session; leave it out")
        if kind != "between" and session_id is None:
            raise RecordsError(f"session_id: a '{kind}' rating needs the session it belongs to")
        with self._write() as conn:
            _require_patient(conn, patient_id)
            if session_id is not None:
                owner, _, _ = _session_row(conn, session_id)
                if owner != patient_id:
                    raise RecordsError(f"session {session_id} belongs to patient '{owner}', not '{patient_id}'")
                previous = conn.execute("SELECT score FROM pain WHERE session_id = ? AND kind = ?",
                                        (session_id, kind)).fetchone()  # fmt: skip
                if previous is not None:
                    raise RecordsError(f"session {session_id} already has a pain-{kind} rating ({previous[0]})")
            cursor = conn.execute(
                "INSERT INTO pain (patient_id, session_id, kind, score, at, triggers, medications, note,"
                " duration_min) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (patient_id, session_id, kind, score, _iso(when), json.dumps(trigger_list),
                 json.dumps(medication_list), note, duration),
            )  # fmt: skip
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    def pain_entries(self, patient_id: str) -> list[PainEntry]:
        """All of a patient's pain ratings, oldest first."""
        check_patient_id(patient_id)
        with self._lock:
            _require_patient(self._conn, patient_id)
            rows = self._conn.execute(
                "SELECT id, patient_id, score, kind, at, session_id, triggers, medications, duration_min, note"
                " FROM pain WHERE patient_id = ? ORDER BY at, id", (patient_id,)
            ).fetchall()  # fmt: skip
        return [
            PainEntry(id=i, patient_id=p, score=s, kind=k, at=_parse_time(at), session_id=sid,
                      triggers=tuple(json.loads(t)), medications=tuple(json.loads(m)), duration_min=d, note=n)
            for i, p, s, k, at, sid, t, m, d, n in rows
        ]  # fmt: skip

    # -- plumbing -----------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed (synchronously, to disk) on success and rolled back on any error."""
        with self._lock, transaction(self._conn) as conn:
            yield conn


_PROFILE_COLUMNS = ("patient_id, affected_side, limb, level, amputation_date, measurements,"
                    " prescribed_minutes_per_week, notes")  # fmt: skip
_EXERCISE_COLUMNS = ("exercise_id, started_at, duration_s, completed, reps, target_reps, rom_deg,"
                     " movement_time_s, latency_ms_mean, latency_ms_p95")  # fmt: skip


def _profile_values(p: PatientProfile) -> tuple[object, ...]:
    return (p.patient_id, p.affected_side, p.limb, p.level,
            p.amputation_date.isoformat() if p.amputation_date else None,
            json.dumps(p.measurements, sort_keys=True), p.prescribed_minutes_per_week, p.notes)  # fmt: skip


def _profile(row: tuple) -> PatientProfile:
    pid, side, limb, level, amputated, measurements, minutes, notes = row
    return PatientProfile(patient_id=pid, affected_side=side, limb=limb, level=level,
                          amputation_date=date.fromisoformat(amputated) if amputated else None,
                          measurements=json.loads(measurements), prescribed_minutes_per_week=minutes,
                          notes=notes)  # fmt: skip


def _exercise(row: tuple) -> ExerciseResult:
    exercise_id, started, duration, completed, *rest = row
    return ExerciseResult(exercise_id, _parse_time(started), duration, bool(completed), *rest)


def _iso(when: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _when(name: str, value: datetime | None) -> datetime:
    now = datetime.now(UTC)
    if value is None:
        return now
    when = as_utc(name, value)
    if when > now + _FUTURE_SLACK:
        raise RecordsError(f"{name}: {value.isoformat()} is in the future")
    return when


def _check_type(name: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise RecordsError(f"{name}: must be a {kind.__name__}, got {type(value).__name__}")


def _exists(conn: sqlite3.Connection, table: str, column: str, value: object) -> bool:
    return conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", (value,)).fetchone() is not None


def _require_patient(conn: sqlite3.Connection, patient_id: str) -> None:
    if not _exists(conn, "patients", "patient_id", patient_id):
        raise _unknown_patient(patient_id)


def _unknown_patient(patient_id: str) -> RecordsError:
    return RecordsError(f"unknown patient '{patient_id}'")


def _session_row(conn: sqlite3.Connection, session_id: object) -> tuple[str, str, str | None]:
    """(patient_id, started_at, status) of a session, or RecordsError."""
    if not isinstance(session_id, int) or isinstance(session_id, bool):
        raise RecordsError(f"session_id: must be a session number, got {session_id!r}")
    row = conn.execute("SELECT patient_id, started_at, status FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise RecordsError(f"unknown session {session_id}")
    return row
