"""The checks every record value passes before it is stored, and the error that names the field at fault.

Each check raises `FieldError` (a `RecordsError`) whose `field` is the name of the value at fault and
whose message is one line a clinician can act on; nothing is written until every value of a call has
passed. Text is checked for what a terminal or a spreadsheet would misread: control characters are
refused in one-line fields (labels, names) and kept out of the screen by `safe_text.for_terminal`.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from vrtherapy.errors import VrtherapyError

PAIN_MIN, PAIN_MAX = 0, 10
PAIN_SCORE_RULE = f"pain must be a whole number from {PAIN_MIN} to {PAIN_MAX}"
#: Patient global impression of change: 1 "very much improved" ... 4 "no change" ... 7 "very much worse".
PGIC_MIN, PGIC_MAX = 1, 7

_PATIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
MAX_TEXT = 200
MAX_NOTE = 4000
MAX_MINUTES_PER_WEEK = 7 * 24 * 60.0
MAX_EPISODES_PER_DAY = 200


class RecordsError(VrtherapyError):
    """A patient-record value or file is invalid; the message is one line and nothing was written."""


class FieldError(RecordsError):
    """One value is invalid: `field` names it (as the API calls it), `problem` says what to do."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class FieldErrors(RecordsError):
    """Several values are invalid at once (a form): `errors` maps each field to its problem."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)
        self.field = next(iter(errors))


def check_patient_id(value: object, field: str = "patient_id") -> str:
    """A pseudonymous ID (no names): 1-32 letters, digits, '_' or '-'. Case is kept but not significant."""
    if not isinstance(value, str) or not _PATIENT_ID.fullmatch(value):
        raise FieldError(field, f"{value!r} is not a valid patient ID: use 1 to 32 letters, digits, '_' or '-'")
    return value


def check_pain_score(value: object, field: str = "score") -> int:
    """The score as an int, or FieldError: whole numbers 0..10 only (no 7.5, no "7", no True)."""
    if not is_int(value) or not PAIN_MIN <= value <= PAIN_MAX:  # type: ignore[operator]
        raise FieldError(field, f"{PAIN_SCORE_RULE} (got {value!r})")
    return int(value)  # type: ignore[call-overload]


def check_pgic(value: object, field: str = "pgic") -> int | None:
    if value is None:
        return None
    if not is_int(value) or not PGIC_MIN <= value <= PGIC_MAX:  # type: ignore[operator]
        raise FieldError(field, f"must be a whole number from {PGIC_MIN} (very much improved) to {PGIC_MAX} "
                                f"(very much worse), got {value!r}")  # fmt: skip
    return int(value)  # type: ignore[call-overload]


def check_one_of(field: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise FieldError(field, f"must be one of {', '.join(allowed)} (got {value!r})")
    return value


def check_labels(field: str, values: object) -> tuple[str, ...]:
    """Triggers or medications: normalised, lower-case (so "Stress" and "stress" count together), no repeats."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise FieldError(field, f"must be a list of names, got {values!r}")
    out: list[str] = []
    for value in values:
        label = normalise_label(field, value)
        if label not in out:
            out.append(label)
    return tuple(out)


def normalise_label(field: str, value: object) -> str:
    """One label: Unicode NFKC (full-width and other look-alike letters folded), invisible and control
    characters refused, spaces collapsed, lower case. A label is never read as a score."""
    check_text(field, value, required=True)
    text = unicodedata.normalize("NFKC", value)  # type: ignore[arg-type]
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")]
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad[:3])
        raise FieldError(field, f"{value!r} contains invisible or control characters ({codes})")
    label = " ".join(text.split()).lower()
    if not label:
        raise FieldError(field, "must not be empty")
    return label


def check_text(field: str, value: object, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise FieldError(field, f"must be text, got {value!r}")
    if required and not value.strip():
        raise FieldError(field, "must not be empty")
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters (got {len(value)})")
    if "\x00" in value:
        raise FieldError(field, "must not contain NUL characters")
    return value


def check_note(value: object, field: str = "note") -> str:
    return check_text(field, value, limit=MAX_NOTE)


def check_reason(value: object) -> str:
    """Every correction says why: a short free text that goes into the audit trail."""
    text = check_text("reason", value, required=True, limit=MAX_TEXT)
    return " ".join(text.split())


def check_duration_min(value: object, field: str = "duration_min") -> float | None:
    if value is None:
        return None
    return check_number(field, value, low=0.0, high=MAX_MINUTES_PER_WEEK, unit="min")


def check_episodes(value: object, field: str = "episodes") -> int | None:
    if value is None:
        return None
    if not is_int(value) or not 0 <= value <= MAX_EPISODES_PER_DAY:  # type: ignore[operator]
        raise FieldError(field, f"must be a whole number of pain episodes from 0 to {MAX_EPISODES_PER_DAY}, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def as_utc(field: str, value: object) -> datetime:
    """An aware UTC datetime; a naive one is taken as local time. Times that cannot be placed in UTC
    (year 1 east of Greenwich, year 9999 west of it) are refused."""
    if not isinstance(value, datetime):
        raise FieldError(field, f"must be a date and time, got {value!r}")
    try:
        when = value.astimezone(UTC)
    except (OverflowError, ValueError, OSError):
        raise FieldError(field, f"{value.isoformat()} is outside the dates that can be recorded") from None
    if when.year < 1900:
        raise FieldError(field, f"{value.isoformat()} is too long ago to be a therapy record")
    return when


def is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_number(field: str, value: object, *, low: float, high: float, inclusive_low: bool = False,
                 unit: str = "") -> float:  # fmt: skip
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise FieldError(field, f"must be a number, got {value!r}")
    number = float(value)
    above_low = number >= low if inclusive_low else number > low
    if not (above_low and number <= high):
        relation = "at least" if inclusive_low else "above"
        raise FieldError(field, f"must be {relation} {low:g} and at most {high:g}{unit and ' ' + unit}, got {value!r}")
    return number
