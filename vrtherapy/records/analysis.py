"""The numbers behind a patient's report: pain over time, the effect of each session, what triggers
pain, which medicines were taken, range of motion per exercise, and adherence to the prescribed dose.

Definitions (also printed in the report):
- A session is *flagged* as a clinically important improvement when its pain-before minus pain-after
  is at least 2 NRS points (`before - after >= 2`). Sessions without both ratings are never flagged.
- Therapy minutes of a session: start to end; for a session with no recorded end (the program died,
  or it is still running) start to the end of its last exercise result.
- Adherence is counted in calendar weeks (Monday to Sunday, local time) from the week of the first
  session through the week of the report; a week's minutes are those of the sessions that started
  in it. The overall figure covers completed weeks only (the current week is still under way).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import fmean
from typing import Any

from vrtherapy.records.models import CLINICALLY_IMPORTANT_DROP, PainEntry, PatientProfile, SessionRecord
from vrtherapy.records.store import RecordStore

FLAG_RULE = f"before - after >= {CLINICALLY_IMPORTANT_DROP}"


@dataclass(frozen=True)
class SessionSummary:
    id: int
    started_at: datetime
    status: str
    playlist: str
    pain_before: int | None
    pain_after: int | None
    #: before - after, None unless both were rated
    drop: int | None
    flagged: bool
    minutes: float
    exercises_completed: int
    exercises_total: int


@dataclass(frozen=True)
class RomPoint:
    session_id: int
    at: datetime
    rom_deg: float
    completed: bool


@dataclass(frozen=True)
class WeekAdherence:
    #: Monday of the week, local time
    week_start: date
    sessions: int
    minutes: float
    prescribed_minutes: float
    percent: float
    #: False for the week the report falls in (not over yet)
    complete: bool
    #: mean of all pain ratings logged that week, None without any
    mean_pain: float | None


@dataclass(frozen=True)
class ReportData:
    profile: PatientProfile
    generated_at: datetime
    pain: tuple[PainEntry, ...]
    sessions: tuple[SessionSummary, ...]
    triggers: tuple[tuple[str, int], ...]
    medications: tuple[tuple[str, int], ...]
    rom: dict[str, tuple[RomPoint, ...]]
    weeks: tuple[WeekAdherence, ...]

    @property
    def flagged_session_ids(self) -> list[int]:
        return [s.id for s in self.sessions if s.flagged]

    def summary(self) -> dict[str, Any]:
        """Headline figures for the first page."""
        rated = [s for s in self.sessions if s.drop is not None]
        status = Counter(s.status for s in self.sessions)
        done = [w for w in self.weeks if w.complete]
        prescribed = sum(w.prescribed_minutes for w in done)
        return {
            "sessions": len(self.sessions),
            "sessions_by_status": {k: status.get(k, 0) for k in ("completed", "stopped", "crashed", "unfinished")},
            "sessions_rated_before_and_after": len(rated),
            "flagged_sessions": len(self.flagged_session_ids),
            "mean_pain_before": _mean(s.pain_before for s in rated),
            "mean_pain_after": _mean(s.pain_after for s in rated),
            "mean_drop": _mean(s.drop for s in rated),
            "pain_entries": len(self.pain),
            "between_session_entries": sum(e.kind == "between" for e in self.pain),
            "total_minutes": round(sum(s.minutes for s in self.sessions), 1),
            "adherence_percent_completed_weeks": round(100.0 * sum(w.minutes for w in done) / prescribed, 1)
            if prescribed else None,
            "first_week_mean_pain": next((w.mean_pain for w in self.weeks if w.mean_pain is not None), None),
            "last_week_mean_pain": next((w.mean_pain for w in reversed(self.weeks) if w.mean_pain is not None), None),
        }  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return _jsonable({
            "patient": asdict(self.profile),
            "generated_at": self.generated_at,
            "definitions": {
                "flag_rule": FLAG_RULE,
                "clinically_important_drop_nrs": CLINICALLY_IMPORTANT_DROP,
                "minutes": "session start to end; unfinished sessions: start to the end of the last exercise",
                "weeks": "Monday to Sunday, local time; overall adherence over completed weeks only",
            },
            "summary": self.summary(),
            "flagged_session_ids": self.flagged_session_ids,
            "sessions": [asdict(s) for s in self.sessions],
            "pain": [asdict(e) for e in self.pain],
            "triggers": dict(self.triggers),
            "medications": dict(self.medications),
            "rom": {name: [asdict(p) for p in points] for name, points in self.rom.items()},
            "adherence": {
                "prescribed_minutes_per_week": self.profile.prescribed_minutes_per_week,
                "weeks": [asdict(w) for w in self.weeks],
            },
        })  # fmt: skip


def build_report_data(store: RecordStore, patient_id: str, now: datetime | None = None) -> ReportData:
    """Everything the report shows for one patient, as of `now` (default: the current time)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    profile = store.patient(patient_id)
    sessions = store.sessions(patient_id)
    pain = tuple(store.pain_entries(patient_id))
    return ReportData(
        profile=profile,
        generated_at=now,
        pain=pain,
        sessions=tuple(_summary(s) for s in sessions),
        triggers=_frequencies(e.triggers for e in pain),
        medications=_frequencies(e.medications for e in pain),
        rom=_rom(sessions),
        weeks=_weeks(sessions, pain, profile.prescribed_minutes_per_week, now),
    )


def week_start(when: datetime) -> date:
    """Monday of `when`'s week in local time."""
    day = when.astimezone().date()
    return day - timedelta(days=day.weekday())


def _summary(s: SessionRecord) -> SessionSummary:
    return SessionSummary(
        id=s.id, started_at=s.started_at, status=s.status, playlist=s.playlist, pain_before=s.pain_before,
        pain_after=s.pain_after, drop=s.pain_drop, flagged=s.clinically_important, minutes=round(s.minutes, 2),
        exercises_completed=sum(e.completed for e in s.exercises), exercises_total=len(s.exercises),
    )  # fmt: skip


def _frequencies(groups: Any) -> tuple[tuple[str, int], ...]:
    counts = Counter(label for group in groups for label in group)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _rom(sessions: list[SessionRecord]) -> dict[str, tuple[RomPoint, ...]]:
    points: dict[str, list[RomPoint]] = {}
    for s in sessions:
        for e in s.exercises:
            if e.rom_deg is not None:
                points.setdefault(e.exercise_id, []).append(RomPoint(s.id, e.started_at, e.rom_deg, e.completed))
    return {name: tuple(sorted(p, key=lambda x: x.at)) for name, p in sorted(points.items())}


def _weeks(sessions: list[SessionRecord], pain: tuple[PainEntry, ...], prescribed: float,
           now: datetime) -> tuple[WeekAdherence, ...]:  # fmt: skip
    if not sessions:
        return ()
    first = week_start(min(s.started_at for s in sessions))
    last = max(week_start(now), week_start(max(s.started_at for s in sessions)))
    current = week_start(now)
    minutes: Counter[date] = Counter()
    count: Counter[date] = Counter()
    for s in sessions:
        minutes[week_start(s.started_at)] += s.minutes
        count[week_start(s.started_at)] += 1
    scores: dict[date, list[int]] = {}
    for e in pain:
        scores.setdefault(week_start(e.at), []).append(e.score)
    weeks = []
    monday = first
    while monday <= last:
        done = minutes[monday]
        weeks.append(WeekAdherence(monday, count[monday], round(done, 2), prescribed,
                                   round(100.0 * done / prescribed, 1), monday < current,
                                   _mean(scores.get(monday, ()))))  # fmt: skip
        monday += timedelta(days=7)
    return tuple(weeks)


def _mean(values: Any) -> float | None:
    values = list(values)
    return round(fmean(values), 2) if values else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
