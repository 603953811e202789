"""The patient-record data types and the checks every value passes before it is stored.

Each check raises `RecordsError` with one line a clinician can act on; nothing is written until every
value of a call has passed. Times are kept as timezone-aware datetimes in UTC: a naive datetime is
taken as the machine's local time (what a clinician typing "09:30" means).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal, get_args

from vrtherapy.errors import VrtherapyError

Side = Literal["left", "right"]
Limb = Literal["upper", "lower"]
PainKind = Literal["before", "after", "between"]
SessionEnd = Literal["completed", "stopped", "crashed"]
#: A session with no recorded end: still running, or the program died (reports count it as incomplete).
SessionStatus = Literal["completed", "stopped", "crashed", "unfinished"]

SIDES: tuple[str, ...] = get_args(Side)
LIMBS: tuple[str, ...] = get_args(Limb)
PAIN_KINDS: tuple[str, ...] = get_args(PainKind)
SESSION_ENDS: tuple[str, ...] = get_args(SessionEnd)
#: Amputation levels the rest of vrtherapy knows; others are accepted (the record is the clinician's).
KNOWN_LEVELS = ("hand", "transradial", "wrist", "elbow", "transhumeral", "shoulder",
                "foot", "transtibial", "knee", "transfemoral", "hip", "stroke")  # fmt: skip

PAIN_MIN, PAIN_MAX = 0, 10
PAIN_SCORE_RULE = f"pain must be a whole number from {PAIN_MIN} to {PAIN_MAX}"
#: Before-minus-after NRS drop regarded as clinically important (about 2 points on the 0-10 scale).
CLINICALLY_IMPORTANT_DROP = 2

_PATIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_MAX_TEXT = 200
_MAX_NOTE = 4000
_MAX_MEASUREMENT_M = 2.5
_MAX_MINUTES_PER_WEEK = 7 * 24 * 60.0


class RecordsError(VrtherapyError):
    """A patient-record value or file is invalid; the message is one line and nothing was written."""


@dataclass(frozen=True)
class PatientProfile:
    """Who is treated and how much therapy is prescribed; identified by a pseudonym, never a name."""

    patient_id: str
    affected_side: Side
    limb: Limb
    level: str
    amputation_date: date | None = None
    #: intact-limb measurements in metres (e.g. upper_arm, forearm, hand)
    measurements: dict[str, float] = field(default_factory=dict)
    #: the prescribed dose, against which adherence is measured
    prescribed_minutes_per_week: float = 60.0
    notes: str = ""

    def __post_init__(self) -> None:
        check_patient_id(self.patient_id)
        _one_of("affected_side", self.affected_side, SIDES)
        _one_of("limb", self.limb, LIMBS)
        _text("level", self.level, required=True)
        if self.amputation_date is not None:
            if not isinstance(self.amputation_date, date) or isinstance(self.amputation_date, datetime):
                raise RecordsError(f"amputation_date: must be a date, got {self.amputation_date!r}")
            if self.amputation_date > date.today():
                raise RecordsError(f"amputation_date: {self.amputation_date.isoformat()} is in the future")
        if not isinstance(self.measurements, dict):
            raise RecordsError(f"measurements: must be a name -> metres table, got {self.measurements!r}")
        clean: dict[str, float] = {}
        for name, value in self.measurements.items():
            _text("measurements", name, required=True)
            clean[name] = _number(f"measurements.{name}", value, low=0.0, high=_MAX_MEASUREMENT_M, unit="m")
        object.__setattr__(self, "measurements", clean)  # a private copy: the caller's dict may change
        minutes = _number("prescribed_minutes_per_week", self.prescribed_minutes_per_week,
                          low=0.0, high=_MAX_MINUTES_PER_WEEK)  # fmt: skip
        object.__setattr__(self, "prescribed_minutes_per_week", minutes)
        _text("notes", self.notes, limit=_MAX_NOTE)


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

    def __post_init__(self) -> None:
        _text("exercise_id", self.exercise_id, required=True)
        object.__setattr__(self, "started_at", as_utc("started_at", self.started_at))
        object.__setattr__(self, "duration_s", _number("duration_s", self.duration_s, low=0.0, high=86400.0,
                                                       inclusive_low=True, unit="s"))  # fmt: skip
        if not isinstance(self.completed, bool):
            raise RecordsError(f"completed: must be true or false, got {self.completed!r}")
        for name in ("reps", "target_reps"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or value < 0):
                raise RecordsError(f"{name}: must be a whole number of at least 0, got {value!r}")
            if value is not None:
                object.__setattr__(self, name, int(value))
        limits = {"rom_deg": (0.0, 360.0), "movement_time_s": (0.0, 86400.0),
                  "latency_ms_mean": (0.0, 60000.0), "latency_ms_p95": (0.0, 60000.0)}  # fmt: skip
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _number(name, value, low=low, high=high, inclusive_low=True))


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
    #: how long this bout of pain lasted, minutes
    duration_min: float | None
    note: str


@dataclass(frozen=True)
class StoredExercise:
    """An exercise result as stored: its row id and session alongside the result."""

    id: int
    session_id: int
    result: ExerciseResult


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
    def minutes(self) -> float:
        """Therapy time: start to end, or, with no recorded end, start to the end of the last exercise."""
        end = self.ended_at
        if end is None:
            ends = [e.started_at.timestamp() + e.duration_s for e in self.exercises]
            return max(0.0, (max(ends) - self.started_at.timestamp()) / 60.0) if ends else 0.0
        return max(0.0, (end - self.started_at).total_seconds() / 60.0)


def check_patient_id(value: object) -> str:
    if not isinstance(value, str) or not _PATIENT_ID.fullmatch(value):
        raise RecordsError(f"patient ID {value!r} is not valid: use 1 to 32 letters, digits, '_' or '-'")
    return value


def check_pain_score(value: object) -> int:
    """The score as an int, or RecordsError: whole numbers 0..10 only (no 7.5, no "7", no True)."""
    if not _is_int(value) or not PAIN_MIN <= value <= PAIN_MAX:  # type: ignore[operator]
        raise RecordsError(f"{PAIN_SCORE_RULE} (got {value!r})")
    return int(value)  # type: ignore[call-overload]


def check_pain_kind(value: object) -> PainKind:
    _one_of("kind", value, PAIN_KINDS)
    return value  # type: ignore[return-value]


def check_labels(name: str, values: Sequence[str]) -> tuple[str, ...]:
    """Triggers or medications: trimmed, lower-case (so "Stress" and "stress" count together), no repeats."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise RecordsError(f"{name}: must be a list of names, got {values!r}")
    out: list[str] = []
    for value in values:
        _text(name, value, required=True)
        label = " ".join(value.split()).lower()
        if label not in out:
            out.append(label)
    return tuple(out)


def check_duration_min(value: object) -> float | None:
    if value is None:
        return None
    return _number("duration_min", value, low=0.0, high=_MAX_MINUTES_PER_WEEK, unit="min")


def check_text(name: str, value: object, *, required: bool = False, limit: int = _MAX_TEXT) -> str:
    _text(name, value, required=required, limit=limit)
    return value  # type: ignore[return-value]


def check_note(value: object) -> str:
    return check_text("note", value, limit=_MAX_NOTE)


def as_utc(name: str, value: object) -> datetime:
    """An aware UTC datetime; a naive one is taken as local time."""
    if not isinstance(value, datetime):
        raise RecordsError(f"{name}: must be a date and time, got {value!r}")
    return value.astimezone(UTC)


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _number(name: str, value: object, *, low: float, high: float, inclusive_low: bool = False,
            unit: str = "") -> float:  # fmt: skip
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise RecordsError(f"{name}: must be a number, got {value!r}")
    number = float(value)
    above_low = number >= low if inclusive_low else number > low
    if not (above_low and number <= high):
        relation = "at least" if inclusive_low else "above"
        raise RecordsError(f"{name}: must be {relation} {low:g} and at most {high:g}{unit and ' ' + unit}, "
                           f"got {value!r}")  # fmt: skip
    return number


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RecordsError(f"{name}: must be one of {', '.join(allowed)} (got {value!r})")


def _text(name: str, value: object, *, required: bool = False, limit: int = _MAX_TEXT) -> None:
    if not isinstance(value, str):
        raise RecordsError(f"{name}: must be text, got {value!r}")
    if required and not value.strip():
        raise RecordsError(f"{name}: must not be empty")
    if len(value) > limit:
        raise RecordsError(f"{name}: at most {limit} characters (got {len(value)})")
    if "\x00" in value:
        raise RecordsError(f"{name}: must not contain NUL characters")
