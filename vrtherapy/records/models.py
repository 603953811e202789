"""The patient-record data types: profiles, sessions, exercise results, pain entries, audit rows and
session events, each checked when made (see `checks` and `profiles`).

Times are timezone-aware datetimes in UTC: a naive datetime is taken as the machine's local time
(what a clinician typing "09:30" means).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

from vrtherapy.records.checks import (
    MAX_MINUTES_PER_WEEK,
    MAX_NOTE,
    PAIN_MAX,
    PAIN_MIN,
    PAIN_SCORE_RULE,
    FieldError,
    FieldErrors,
    RecordsError,
    as_utc,
    check_duration_min,
    check_labels,
    check_note,
    check_number,
    check_one_of,
    check_pain_score,
    check_patient_id,
    check_text,
    is_int,
)
from vrtherapy.records.profiles import CONDITIONS, LEVELS, check_condition, check_level, check_measurements

Side = Literal["left", "right"]
Limb = Literal["upper", "lower"]
PainKind = Literal["before", "after", "between"]
#: where the pain is felt: in the missing (or paretic) limb, or in the residual limb (stump)
PainLocation = Literal["phantom", "residual"]
SessionEnd = Literal["completed", "stopped", "crashed", "capped"]
#: A session with no recorded end: still running, or the program died (reports count it as incomplete).
SessionStatus = Literal["completed", "stopped", "crashed", "capped", "unfinished"]

SIDES: tuple[str, ...] = get_args(Side)
LIMBS: tuple[str, ...] = get_args(Limb)
PAIN_KINDS: tuple[str, ...] = get_args(PainKind)
PAIN_LOCATIONS: tuple[str, ...] = get_args(PainLocation)
SESSION_ENDS: tuple[str, ...] = get_args(SessionEnd)
#: exercise id -> the joint (and axis) its range of motion measures, e.g. "wrist flexion"; supplied by a
#: caller that knows the exercise catalogue (records sit below the therapy layer and do not import it)
JointLookup = Callable[[str], "str | None"]
#: Before-minus-after NRS drop regarded as clinically important (about 2 points on the 0-10 scale).
CLINICALLY_IMPORTANT_DROP = 2

__all__ = [
    "CLINICALLY_IMPORTANT_DROP", "CONDITIONS", "LEVELS", "LIMBS", "PAIN_KINDS", "PAIN_LOCATIONS", "PAIN_MAX",
    "PAIN_MIN", "PAIN_SCORE_RULE", "SESSION_ENDS", "SIDES", "AuditEntry", "ExerciseResult", "FieldError",
    "FieldErrors", "PainEntry", "PatientProfile", "RecordsError", "SessionEvent", "SessionRecord", "as_utc",
    "check_duration_min", "check_labels", "check_note", "check_pain_score", "check_patient_id", "check_text",
]  # fmt: skip


@dataclass(frozen=True)
class PatientProfile:
    """Who is treated and how much therapy is prescribed; identified by a pseudonym, never a name."""

    patient_id: str
    affected_side: Side
    limb: Limb
    level: str
    amputation_date: date | None = None
    #: intact-limb measurements in metres, named per limb (`profiles.MEASUREMENTS`)
    measurements: dict[str, float] = field(default_factory=dict)
    #: the prescribed dose, against which adherence is measured
    prescribed_minutes_per_week: float = 60.0
    notes: str = ""
    #: amputation or stroke: the words of the HUD, the pain question and the report follow it
    condition: str = "amputation"
    #: when the patient was archived (kept, no longer listed nor treated); None while active
    archived_at: datetime | None = None

    def __post_init__(self) -> None:
        check_patient_id(self.patient_id)
        check_one_of("affected_side", self.affected_side, SIDES)
        check_one_of("limb", self.limb, LIMBS)
        check_condition(self.condition)
        object.__setattr__(self, "level", check_level(self.level, self.condition, self.limb))
        if self.amputation_date is not None:
            if not isinstance(self.amputation_date, date) or isinstance(self.amputation_date, datetime):
                raise FieldError("amputation_date", f"must be a date, got {self.amputation_date!r}")
            if self.amputation_date > date.today():
                raise FieldError("amputation_date", f"{self.amputation_date.isoformat()} is in the future")
        object.__setattr__(self, "measurements", check_measurements(self.measurements, self.limb))
        minutes = check_number("prescribed_minutes_per_week", self.prescribed_minutes_per_week,
                               low=0.0, high=MAX_MINUTES_PER_WEEK)  # fmt: skip
        object.__setattr__(self, "prescribed_minutes_per_week", minutes)
        check_text("notes", self.notes, limit=MAX_NOTE)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True)
class ExerciseResult:
    """What one exercise of a session achieved; `completed` is False when it was skipped or stopped."""

    exercise_id: str
    started_at: datetime
    duration_s: float
    completed: bool
    reps: int | None = None
    target_reps: int | None = None
    #: range of motion reached, degrees
    rom_deg: float | None = None
    movement_time_s: float | None = None
    latency_ms_mean: float | None = None
    latency_ms_p95: float | None = None
    #: the joint (and axis) whose range of motion `rom_deg` is, e.g. "wrist flexion"
    rom_joint: str | None = None

    def __post_init__(self) -> None:
        check_text("exercise_id", self.exercise_id, required=True)
        object.__setattr__(self, "started_at", as_utc("started_at", self.started_at))
        object.__setattr__(self, "duration_s", check_number("duration_s", self.duration_s, low=0.0, high=86400.0,
                                                            inclusive_low=True, unit="s"))  # fmt: skip
        if not isinstance(self.completed, bool):
            raise FieldError("completed", f"must be true or false, got {self.completed!r}")
        for name in ("reps", "target_reps"):
            value = getattr(self, name)
            if value is not None and (not is_int(value) or value < 0):
                raise FieldError(name, f"must be a whole number of at least 0, got {value!r}")
            if value is not None:
                object.__setattr__(self, name, int(value))
        limits = {"rom_deg": (0.0, 360.0), "movement_time_s": (0.0, 86400.0),
                  "latency_ms_mean": (0.0, 60000.0), "latency_ms_p95": (0.0, 60000.0)}  # fmt: skip
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_number(name, value, low=low, high=high, inclusive_low=True))
        if self.rom_joint is not None:
            check_text("rom_joint", self.rom_joint, required=True)

    @property
    def skipped(self) -> bool:
        return not self.completed


@dataclass(frozen=True)
class PainEntry:
    """One pain rating (NRS 0-10): before or after a session, or between sessions with its context."""

    id: int
    patient_id: str
    score: int
    kind: PainKind
    at: datetime
    session_id: int | None
    triggers: tuple[str, ...]
    medications: tuple[str, ...]
    #: how long this bout (episode) of pain lasted, minutes
    duration_min: float | None
    note: str
    #: phantom (the missing or paretic limb) or residual (the stump); None: not said
    location: str | None = None
    #: pain episodes that day (diary), None: not said
    episodes: int | None = None
    #: when the entry was voided (kept, marked, left out of the charts); None while it stands
    voided_at: datetime | None = None
    void_reason: str | None = None

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


@dataclass(frozen=True)
class SessionRecord:
    """One therapy session with its pain ratings and exercise results."""

    id: int
    patient_id: str
    playlist: str
    display: str
    started_at: datetime
    ended_at: datetime | None
    status: SessionStatus
    pain_before: int | None
    pain_after: int | None
    exercises: tuple[ExerciseResult, ...]
    #: 1, 2, 3 ... per patient, in the order the sessions started
    number: int = 0
    #: exercises the playlist planned (None: not recorded, older sessions)
    exercises_planned: int | None = None
    #: patient global impression of change at the session's end, 1-7 (None: not asked)
    pgic: int | None = None
    #: the station (or user) that recorded the session
    station: str = ""

    @property
    def pain_drop(self) -> int | None:
        """before - after (positive = less pain afterwards); None unless both were rated."""
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_before - self.pain_after

    @property
    def clinically_important(self) -> bool:
        """True when pain fell by at least 2 NRS points: before - after >= 2."""
        drop = self.pain_drop
        return drop is not None and drop >= CLINICALLY_IMPORTANT_DROP

    @property
    def exercises_done(self) -> int:
        return sum(e.completed for e in self.exercises)

    @property
    def partial(self) -> bool:
        """Fewer exercises done than planned (a capped, stopped or crashed session, or skips)."""
        planned = self.exercises_planned if self.exercises_planned is not None else len(self.exercises)
        return self.exercises_done < planned

    @property
    def minutes(self) -> float:
        """Therapy time: start to end, or, with no recorded end, start to the end of the last exercise."""
        end = self.ended_at
        if end is None:
            ends = [e.started_at.timestamp() + e.duration_s for e in self.exercises]
            return max(0.0, (max(ends) - self.started_at.timestamp()) / 60.0) if ends else 0.0
        return max(0.0, (end - self.started_at).total_seconds() / 60.0)


@dataclass(frozen=True)
class AuditEntry:
    """One change to the records, as kept in the append-only audit table: who, when, what, why."""

    id: int
    at: datetime
    #: the station or user name that made the change
    by: str
    patient_id: str | None
    #: what was changed: "patient", "pain", "session"
    entity: str
    entity_id: str
    #: the field changed ("void", "archive", "add" for whole-row events)
    field: str
    old_value: str | None
    new_value: str | None
    reason: str


@dataclass(frozen=True)
class SessionEvent:
    """Something that happened during a session, e.g. a setting changed from the console: who, when, what."""

    id: int
    session_id: int
    at: datetime
    by: str
    kind: str
    detail: dict[str, object]


def check_pain_kind(value: object) -> PainKind:
    check_one_of("kind", value, PAIN_KINDS)
    return value  # type: ignore[return-value]
