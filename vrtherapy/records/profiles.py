"""What a patient profile may say: the condition treated, the level per limb, the intact-limb measurements
per limb with their plausible ranges, and the words that follow the condition (HUD, pain question, report).

One table per bound, here and nowhere else: the CLI, the console's form and the store all check
against these. Measurement names are the fields of the limb models (`motion/skeleton.py`,
`motion/leg_skeleton.py`); `hand` is the hand's length (wrist crease to middle fingertip). The ranges
are wide adult anthropometric bounds (roughly the 1st to 99th percentile, widened), meant to catch a
typing slip (centimetres for metres, the other limb's name), not to judge a body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from vrtherapy.records.checks import FieldError, check_number, check_text

Condition = Literal["amputation", "stroke"]
CONDITIONS: tuple[str, ...] = get_args(Condition)

#: Levels a profile may name, per condition and limb. "unspecified" is for records whose level is not known
#: (and for older records whose free-text level was not one of these; the old text is kept in the audit).
LEVELS: dict[tuple[str, str], tuple[str, ...]] = {
    ("amputation", "upper"): ("partial_hand", "wrist_disarticulation", "transradial", "elbow_disarticulation",
                              "transhumeral", "shoulder_disarticulation", "forequarter", "unspecified"),
    ("amputation", "lower"): ("partial_foot", "ankle_disarticulation", "transtibial", "knee_disarticulation",
                              "transfemoral", "hip_disarticulation", "hemipelvectomy", "unspecified"),
    ("stroke", "upper"): ("hemiparesis", "hemiplegia", "unspecified"),
    ("stroke", "lower"): ("hemiparesis", "hemiplegia", "unspecified"),
}  # fmt: skip
#: Older free-text levels and the fixed level each one means.
LEGACY_LEVELS = {
    "hand": "partial_hand", "wrist": "wrist_disarticulation", "elbow": "elbow_disarticulation",
    "shoulder": "shoulder_disarticulation", "foot": "partial_foot", "ankle": "ankle_disarticulation",
    "syme": "ankle_disarticulation", "knee": "knee_disarticulation", "hip": "hip_disarticulation",
}  # fmt: skip

#: Intact-limb measurements per limb: name -> (lowest, highest) plausible length in metres.
MEASUREMENTS: dict[str, dict[str, tuple[float, float]]] = {
    "upper": {"upper_arm": (0.18, 0.45), "forearm": (0.15, 0.38), "hand": (0.12, 0.25),
              "palm_length": (0.06, 0.14), "palm_breadth": (0.05, 0.12)},
    "lower": {"thigh": (0.28, 0.60), "shank": (0.28, 0.58), "foot_length": (0.17, 0.34),
              "foot_breadth": (0.06, 0.14), "ankle_height": (0.04, 0.12), "knee_width": (0.07, 0.16)},
}  # fmt: skip


@dataclass(frozen=True)
class Wording:
    """The words a session and a report use for a condition, so a stroke patient never reads "phantom"."""

    condition: str
    #: the limb being shown in the headset: "phantom" or "affected"
    virtual_limb: str
    #: the pain question asked before and after a session
    pain_question: str
    #: "amputation" / "stroke", in the report's profile line
    report_label: str
    #: the date field's name in the report
    date_label: str


WORDING: dict[str, Wording] = {
    "amputation": Wording("amputation", "phantom", "How strong is your phantom limb pain right now? (0 = none, 10 = worst)",
                          "amputation", "amputation"),
    "stroke": Wording("stroke", "affected", "How strong is the pain in your affected arm or leg right now? "
                      "(0 = none, 10 = worst)", "stroke", "stroke"),
}  # fmt: skip


def wording(condition: str) -> Wording:
    """The words for `condition` (amputation or stroke): HUD, pain question, report."""
    try:
        return WORDING[condition]
    except KeyError:
        raise FieldError("condition", f"must be one of {', '.join(CONDITIONS)} (got {condition!r})") from None


def check_condition(value: object) -> str:
    if value not in CONDITIONS:
        raise FieldError("condition", f"must be one of {', '.join(CONDITIONS)} (got {value!r})")
    return value


def check_level(value: object, condition: str, limb: str) -> str:
    """The level, from the fixed list for this condition and limb (an older name is read as its new one)."""
    check_text("level", value, required=True)
    level = LEGACY_LEVELS.get(str(value).strip().lower(), str(value).strip().lower())
    allowed = LEVELS.get((condition, limb))
    if allowed is None:
        raise FieldError("level", f"no levels for {condition} of the {limb} limb")
    if level not in allowed:
        raise FieldError("level", f"{value!r} is not a level for {condition} of the {limb} limb: use one of "
                                  f"{', '.join(allowed)}")  # fmt: skip
    return level


def check_measurements(values: object, limb: str) -> dict[str, float]:
    """Measurements of the intact `limb`, each within its plausible range; a name of the other limb is refused."""
    if not isinstance(values, Mapping):
        raise FieldError("measurements", f"must be a name -> metres table, got {values!r}")
    known = MEASUREMENTS[limb]
    clean: dict[str, float] = {}
    for name, value in values.items():
        if name not in known:
            other = next((lb for lb, names in MEASUREMENTS.items() if name in names), None)
            hint = f" (a measurement of the {other} limb)" if other else ""
            raise FieldError(f"measurements.{name}", f"not a measurement of the {limb} limb{hint}: use "
                                                     f"{', '.join(known)}")  # fmt: skip
        low, high = known[name]
        clean[name] = check_number(f"measurements.{name}", value, low=low, high=high, inclusive_low=True, unit="m")
    return dict(sorted(clean.items()))
