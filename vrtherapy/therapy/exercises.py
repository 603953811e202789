"""The exercise catalogue: what each exercise is called and what the patient is told to do.

Ids are stable: playlists, records and the synthetic tracker's motions refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    limb: Literal["upper", "lower"]
    instruction: str
    #: Seconds one repetition takes at a comfortable pace (the synthetic patient's tempo).
    rep_seconds: float


EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in (
        Exercise("rest", "Rest", "upper",
                 "Let both hands rest on the table. Breathe slowly and watch the hand.", 4.0),
        Exercise("fist_open_close", "Open and close the hand", "upper",
                 "Slowly make a fist, then open the hand wide. Watch the hand on the other side.", 2.6),
        Exercise("wrist_flexion_extension", "Wrist up and down", "upper",
                 "Keep the forearm on the table. Bend the wrist up, then down, slowly.", 3.0),
        Exercise("pronation_supination", "Turn the palm up and down", "upper",
                 "Keep the elbow still. Turn the palm up to the ceiling, then down to the table.", 3.2),
        Exercise("finger_tapping", "Finger tapping", "upper",
                 "Tap the table with each finger in turn, from the index to the little finger.", 2.4),
        Exercise("thumb_opposition", "Thumb to each fingertip", "upper",
                 "Touch the tip of the thumb to each fingertip in turn, then open the hand.", 4.0),
    )
}  # fmt: skip


def get_exercise(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"unknown exercise {exercise_id!r} (known: {', '.join(sorted(EXERCISES))})") from None
