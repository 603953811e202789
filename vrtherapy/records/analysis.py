"""The numbers behind a patient's report: the outcome measures phantom-limb-pain trials use (diary pain at
baseline vs the latest week, phantom vs residual-limb pain, episodes per day and their duration, PGIC),
the effect of each session, pain per trigger, medications, range of motion per joint, adherence.

Definitions (also printed in the report and kept in report.json):
- Only entries that stand count: voided entries are left out of every number and chart (they are
  listed, marked, in report.json and the exports, and their corrections in the audit trail).
- *Baseline*: the diary ratings (between sessions) made before the first session started.
  *Latest week*: the diary ratings of the 7 days that end with the latest diary rating made after the
  first session. Session before/after ratings are never mixed into either.
- A session is *flagged* as a clinically important improvement when its pain-before minus pain-after
  is at least 2 NRS points. Sessions are numbered per patient (1, 2, 3 ...).
- Range of motion trends use completed exercises only (a skipped or stopped exercise measures the
  skip, not the patient), each named with the joint it measures.
- Therapy minutes of a session: start to end; with no recorded end, start to the end of its last
  exercise. Adherence is counted in calendar weeks (Monday to Sunday, local time); the overall figure
  covers completed weeks only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import fmean
from typing import Any

from vrtherapy.records.models import (
    CLINICALLY_IMPORTANT_DROP,
    AuditEntry,
    JointLookup,
    PainEntry,
    PatientProfile,
    SessionRecord,
)
from vrtherapy.records.profiles import wording
from vrtherapy.records.store import RecordStore

FLAG_RULE = f"before - after >= {CLINICALLY_IMPORTANT_DROP}"
LATEST_DAYS = 7


@dataclass(frozen=True)
class SessionSummary:
    id: int
    number: int
    started_at: datetime
    #: completed, capped, stopped, crashed or unfinished
    status: str
    playlist: str
    pain_before: int | None
    pain_after: int | None
    #: before - after, None unless both were rated
    drop: int | None
    flagged: bool
    minutes: float
    exercises_completed: int
    exercises_planned: int
    #: fewer exercises done than planned
    partial: bool
    pgic: int | None
    station: str


@dataclass(frozen=True)
class RomPoint:
    session_number: int
    at: datetime
    rom_deg: float


@dataclass(frozen=True)
class DiaryPeriod:
    """Diary pain over a period (baseline or latest week): means of what was logged."""

    start: datetime | None
    end: datetime | None
    ratings: int
    mean_pain: float | None
    mean_phantom: float | None
    mean_residual: float | None
    #: mean of the episodes-per-day counts logged
    episodes_per_day: float | None
    #: mean episode duration, minutes
    episode_minutes: float | None


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
    #: mean of the diary ratings logged that week, None without any
    mean_pain: float | None


@dataclass(frozen=True)
class TriggerStat:
    label: str
    entries: int
    mean_pain: float


@dataclass(frozen=True)
class ReportData:
    profile: PatientProfile
    generated_at: datetime
    #: every entry, voided ones marked; numbers and charts use `pain_valid`
    pain: tuple[PainEntry, ...]
    sessions: tuple[SessionSummary, ...]
    triggers: tuple[TriggerStat, ...]
    medications: tuple[tuple[str, int], ...]
    #: "exercise (joint)" -> completed exercises' range of motion over time
    rom: dict[str, tuple[RomPoint, ...]]
    weeks: tuple[WeekAdherence, ...]
    baseline: DiaryPeriod
    latest_week: DiaryPeriod
    audit: tuple[AuditEntry, ...]

    @property
    def pain_valid(self) -> tuple[PainEntry, ...]:
        return tuple(e for e in self.pain if not e.voided)

    @property
    def voided(self) -> tuple[PainEntry, ...]:
        return tuple(e for e in self.pain if e.voided)

    @property
    def flagged_session_numbers(self) -> list[int]:
        return [s.number for s in self.sessions if s.flagged]

    @property
    def flagged_session_ids(self) -> list[int]:
        return [s.id for s in self.sessions if s.flagged]

    def summary(self) -> dict[str, Any]:
        """Headline figures for the first page."""
        rated = [s for s in self.sessions if s.drop is not None]
        status = Counter(s.status for s in self.sessions)
        done = [w for w in self.weeks if w.complete]
        prescribed = sum(w.prescribed_minutes for w in done)
        pgic = [s.pgic for s in self.sessions if s.pgic is not None]
        return {
            "sessions": len(self.sessions),
            "sessions_by_status": {k: status.get(k, 0) for k in ("completed", "capped", "stopped", "crashed", "unfinished")},
            "partial_sessions": sum(s.partial for s in self.sessions),
            "sessions_rated_before_and_after": len(rated),
            "flagged_sessions": len(self.flagged_session_numbers),
            "mean_pain_before": mean(s.pain_before for s in rated),
            "mean_pain_after": mean(s.pain_after for s in rated),
            "mean_drop": mean(s.drop for s in rated),
            "pain_entries": len(self.pain_valid),
            "voided_entries_left_out": len(self.voided),
            "diary_entries": sum(e.kind == "between" for e in self.pain_valid),
            "total_minutes": round(sum(s.minutes for s in self.sessions), 1),
            "adherence_percent_completed_weeks": round(100.0 * sum(w.minutes for w in done) / prescribed, 1)
            if prescribed else None,
            "baseline_mean_pain": self.baseline.mean_pain,
            "latest_week_mean_pain": self.latest_week.mean_pain,
            "latest_pgic": pgic[-1] if pgic else None,
            "corrections": sum(a.field != "add" for a in self.audit),
        }  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return jsonable({
            "patient": asdict(self.profile),
            "generated_at": self.generated_at,
            "definitions": {
                "flag_rule": FLAG_RULE,
                "clinically_important_drop_nrs": CLINICALLY_IMPORTANT_DROP,
                "baseline": "diary ratings (between sessions) before the first session started",
                "latest_week": f"diary ratings of the {LATEST_DAYS} days ending with the latest diary rating after "
                               "the first session",
                "voided": "voided entries are listed (voided: true) but left out of every number and chart",
                "rom": "completed exercises only; each named with the joint it measures",
                "minutes": "session start to end; unfinished sessions: start to the end of the last exercise",
                "weeks": "Monday to Sunday, local time; overall adherence over completed weeks only",
                "pgic": "patient global impression of change: 1 very much improved ... 4 no change ... 7 very much worse",
            },
            "summary": self.summary(),
            "baseline": asdict(self.baseline),
            "latest_week": asdict(self.latest_week),
            "flagged_session_numbers": self.flagged_session_numbers,
            "sessions": [asdict(s) for s in self.sessions],
            "pain": [asdict(e) | {"voided": e.voided} for e in self.pain],
            "triggers": [asdict(t) for t in self.triggers],
            "medications": dict(self.medications),
            "rom": {name: [asdict(p) for p in points] for name, points in self.rom.items()},
            "adherence": {
                "prescribed_minutes_per_week": self.profile.prescribed_minutes_per_week,
                "weeks": [asdict(w) for w in self.weeks],
            },
            "audit": [asdict(a) for a in self.audit],
        })  # fmt: skip


def build_report_data(store: RecordStore, patient_id: str, now: datetime | None = None,
                      joint_of: JointLookup | None = None) -> ReportData:  # fmt: skip
    """Everything the report shows for one patient, as of `now` (default: the current time)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    profile = store.patient(patient_id)
    sessions = store.sessions(profile.patient_id)
    pain = tuple(store.pain_entries(profile.patient_id))
    valid = [e for e in pain if not e.voided]
    baseline, latest = diary_periods(valid, sessions)
    return ReportData(
        profile=profile, generated_at=now, pain=pain, sessions=tuple(_summary(s) for s in sessions),
        triggers=trigger_stats(valid), medications=_frequencies(e.medications for e in valid), rom=_rom(sessions, joint_of),
        weeks=_weeks(sessions, valid, profile.prescribed_minutes_per_week, now), baseline=baseline,
        latest_week=latest, audit=tuple(store.audit_trail(profile.patient_id)),
    )  # fmt: skip


def diary_periods(valid: Iterable[PainEntry], sessions: list[SessionRecord]) -> tuple[DiaryPeriod, DiaryPeriod]:
    """(baseline, latest week) from the diary ratings, as defined in the module docstring."""
    diary = sorted((e for e in valid if e.kind == "between"), key=lambda e: e.at)
    if not sessions:
        return _period(diary), _period([])
    first = min(s.started_at for s in sessions)
    after = [e for e in diary if e.at >= first]
    latest: list[PainEntry] = []
    if after:
        end = after[-1].at
        latest = [e for e in after if e.at > end - timedelta(days=LATEST_DAYS)]
    return _period([e for e in diary if e.at < first]), _period(latest)


def _period(entries: list[PainEntry]) -> DiaryPeriod:
    return DiaryPeriod(
        start=entries[0].at if entries else None, end=entries[-1].at if entries else None, ratings=len(entries),
        mean_pain=mean(e.score for e in entries),
        mean_phantom=mean(e.score for e in entries if e.location == "phantom"),
        mean_residual=mean(e.score for e in entries if e.location == "residual"),
        episodes_per_day=mean(e.episodes for e in entries if e.episodes is not None),
        episode_minutes=mean(e.duration_min for e in entries if e.duration_min is not None),
    )  # fmt: skip


def trigger_stats(valid: Iterable[PainEntry]) -> tuple[TriggerStat, ...]:
    """Per trigger: how many entries name it and their mean pain; most frequent first."""
    scores: dict[str, list[int]] = {}
    for e in valid:
        for label in e.triggers:
            scores.setdefault(label, []).append(e.score)
    stats = [TriggerStat(label, len(s), round(fmean(s), 2)) for label, s in scores.items()]
    return tuple(sorted(stats, key=lambda t: (-t.entries, t.label)))


def week_start(when: datetime) -> date:
    """Monday of `when`'s week in local time."""
    day = when.astimezone().date()
    return day - timedelta(days=day.weekday())


def rom_label(exercise_id: str, joint: str | None, joint_of: JointLookup | None = None) -> str:
    """"exercise (joint)": the joint as recorded with the result, else as `joint_of` names it."""
    if joint is None and joint_of is not None:
        joint = joint_of(exercise_id)
    return f"{exercise_id} ({joint.replace('_', ' ')})" if joint else f"{exercise_id} (joint not recorded)"


def _summary(s: SessionRecord) -> SessionSummary:
    planned = s.exercises_planned if s.exercises_planned is not None else len(s.exercises)
    return SessionSummary(
        id=s.id, number=s.number, started_at=s.started_at, status=s.status, playlist=s.playlist,
        pain_before=s.pain_before, pain_after=s.pain_after, drop=s.pain_drop, flagged=s.clinically_important,
        minutes=round(s.minutes, 2), exercises_completed=s.exercises_done, exercises_planned=planned,
        partial=s.partial, pgic=s.pgic, station=s.station,
    )  # fmt: skip


def _frequencies(groups: Iterable[tuple[str, ...]]) -> tuple[tuple[str, int], ...]:
    counts = Counter(label for group in groups for label in group)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _rom(sessions: list[SessionRecord], joint_of: JointLookup | None) -> dict[str, tuple[RomPoint, ...]]:
    points: dict[str, list[RomPoint]] = {}
    for s in sessions:
        for e in s.exercises:
            if e.rom_deg is not None and e.completed:
                label = rom_label(e.exercise_id, e.rom_joint, joint_of)
                points.setdefault(label, []).append(RomPoint(s.number, e.started_at, e.rom_deg))
    return {name: tuple(sorted(p, key=lambda x: x.at)) for name, p in sorted(points.items())}


def _weeks(sessions: list[SessionRecord], valid: list[PainEntry], prescribed: float,
           now: datetime) -> tuple[WeekAdherence, ...]:  # fmt: skip
    if not sessions:
        return ()
    first = week_start(min(s.started_at for s in sessions))
    last = max(week_start(now), week_start(max(s.started_at for s in sessions)))
    current = week_start(now)
    minutes: dict[date, float] = {}
    count: Counter[date] = Counter()
    for s in sessions:
        minutes[week_start(s.started_at)] = minutes.get(week_start(s.started_at), 0.0) + s.minutes
        count[week_start(s.started_at)] += 1
    scores: dict[date, list[int]] = {}
    for e in valid:
        if e.kind == "between":
            scores.setdefault(week_start(e.at), []).append(e.score)
    weeks = []
    monday = first
    while monday <= last:
        done = minutes.get(monday, 0.0)
        weeks.append(WeekAdherence(monday, count[monday], round(done, 2), prescribed,
                                   round(100.0 * done / prescribed, 1), monday < current,
                                   mean(scores.get(monday, ()))))  # fmt: skip
        monday += timedelta(days=7)
    return tuple(weeks)


def condition_words(profile: PatientProfile) -> str:
    return wording(profile.condition).report_label


def mean(values: Iterable[float | int | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return round(fmean(clean), 2) if clean else None


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
