"""The exercise catalogue: what each exercise is called, what the patient is told, what a repetition is.

Ids are stable: playlists, records and the synthetic tracker's motions refer to them.

Each exercise with repetitions names its `RepSignal`: a value computed every frame from the tracked
limb's joint angles (degrees; the skeleton's anatomical conventions, `motion/skeleton.py` and
`motion/leg_skeleton.py`), two thresholds for hysteresis, and the joint angle whose range of motion is
reported. A repetition is the signal leaving the rest side past one threshold and coming back past
the other (`therapy/reps.py`); the gap between them is wider than tracking noise and tremor, so
neither can count twice.

The thresholds are deliberately modest (about half of a healthy range): they must count the smaller
movements of a patient who is stiff or in pain, and a clinician reads the measured range of motion,
not the count, for how far the patient moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vrtherapy.motion.finger_curl import digit_joint_names, full_curl_sum_deg
from vrtherapy.motion.leg_skeleton import LEG_JOINTS
from vrtherapy.motion.skeleton import ARM_JOINTS, FINGERS

Axis = Literal["flexion", "deviation", "twist"]
AXES: tuple[str, ...] = ("flexion", "deviation", "twist")
Limb = Literal["upper", "lower"]


@dataclass(frozen=True)
class RepSignal:
    """What a repetition is measured on.

    The signal is `combine` (mean, min or max) over `parts`; a part is the sum of the `axis` angles
    of its joints (one joint: that joint's angle; a finger's three joints: the finger's curl).
    `direction` "up": a repetition is the signal rising above `high`, then falling below `low`;
    "down": falling below `low`, then rising above `high`. The range of motion is measured on
    `rom_joint`'s `rom_axis` angle (None: on the signal itself).
    """

    parts: tuple[tuple[str, ...], ...]
    axis: Axis
    high: float
    low: float
    rom_joint: str | None  #: None: the range of motion is the signal's own
    rom_axis: Axis
    direction: Literal["up", "down"] = "up"
    combine: Literal["mean", "min", "max"] = "mean"
    #: True: `high` and `low` are offsets from the signal at rest (its median over the exercise's
    #: first moments), for joints whose resting angle depends on how the patient sits (knee, ankle).
    relative: bool = False
    label: str = ""  #: what the signal is, for people: "wrist flexion", "curl of the index finger"
    #: Each part's angle sum is multiplied by this: 1 for degrees; 1 / a finger's full-curl degrees for
    #: the calibrated flexion scale (0 straight, 1 fully curled, `motion.finger_curl`), `unit` "".
    scale: float = 1.0
    unit: str = "°"

    def __post_init__(self) -> None:
        if not self.high > self.low:
            raise ValueError(f"{self.label}: high threshold {self.high} must be above low {self.low}")
        if self.axis not in AXES or self.rom_axis not in AXES:
            raise ValueError(f"{self.label}: axis must be one of {AXES}")

    @property
    def joints(self) -> tuple[str, ...]:
        return tuple(j for part in self.parts for j in part) + ((self.rom_joint,) if self.rom_joint else ())

    def describe(self) -> str:
        rest = " from rest" if self.relative else ""
        u = self.unit
        if self.direction == "up":
            rep = f"{self.label} rises above {self.high:+g}{u}{rest} and falls back below {self.low:+g}{u}"
        else:
            rep = f"{self.label} falls below {self.low:+g}{u}{rest} and rises back above {self.high:+g}{u}"
        rom = f"{self.rom_joint} {self.rom_axis}" if self.rom_joint else self.label
        return f"one repetition: {rep}; range of motion: {rom}"


def angle(joint: str, axis: Axis, high: float, low: float, direction: Literal["up", "down"] = "up",
          label: str | None = None, relative: bool = False) -> RepSignal:  # fmt: skip
    """A repetition on one joint angle, which is also the range of motion."""
    return RepSignal(((joint,),), axis, high, low, joint, axis, direction, relative=relative,
                     label=label or f"{joint} {axis}")  # fmt: skip


def curl(fingers: tuple[str, ...], high: float, low: float, rom_joint: str, label: str) -> RepSignal:
    """A repetition on finger curl, on the calibrated flexion scale (0 straight, 1 fully curled,
    `motion.finger_curl`), averaged over `fingers`; `high` and `low` are on that scale."""
    parts = tuple(digit_joint_names(f) for f in fingers)
    full = {full_curl_sum_deg(f) for f in fingers}
    if len(full) != 1:
        raise ValueError(f"{label}: fingers with different full-curl ranges cannot share one signal")
    return RepSignal(parts, "flexion", high, low, rom_joint, "flexion", label=label, scale=1.0 / full.pop(), unit="")


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    limb: Limb
    instruction: str
    #: Seconds one repetition takes at a comfortable pace (the synthetic patient's tempo).
    rep_seconds: float
    #: None: no repetitions to count (rest).
    reps: RepSignal | None = None


_KNUCKLE_LIFTS = RepSignal(tuple((f"{f}_proximal",) for f in FINGERS), "flexion", high=-4.0, low=-12.0,
                           rom_joint=None, rom_axis="flexion", direction="down", combine="min",
                           label="the most lifted finger's knuckle flexion")  # fmt: skip

EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in (
        Exercise("rest", "Rest", "upper",
                 "Let both hands rest on the table. Breathe slowly and watch the hand.", 4.0),
        Exercise("fist_open_close", "Open and close the hand", "upper",
                 "Slowly make a fist, then open the hand wide. Watch the hand on the other side.", 2.6,
                 curl(FINGERS, 0.6, 0.3, "middle_proximal", "flexion of the four fingers")),
        Exercise("wrist_flexion_extension", "Wrist up and down", "upper",
                 "Keep the forearm on the table. Bend the wrist up, then down, slowly.", 3.0,
                 angle("wrist", "flexion", 20.0, -20.0)),
        Exercise("pronation_supination", "Turn the palm up and down", "upper",
                 "Keep the elbow still. Turn the palm up to the ceiling, then down to the table.", 3.2,
                 angle("wrist", "twist", 10.0, -50.0, label="forearm rotation (supination +)")),
        Exercise("finger_tapping", "Finger tapping", "upper",
                 "Tap the table with each finger in turn, from the index to the little finger.", 2.4,
                 angle("little_proximal", "flexion", 12.0, 0.0, label="little finger knuckle flexion")),
        Exercise("thumb_opposition", "Thumb to each fingertip", "upper",
                 "Touch the tip of the thumb to each fingertip in turn, then open the hand.", 4.0,
                 curl(("little",), 0.5, 0.35, "thumb_metacarpal", "flexion of the little finger (the last one touched)")),
        Exercise("lateral_pinch", "Key pinch", "upper",
                 "Curl the fingers a little. Press the pad of the thumb against the side of the index finger, "
                 "as if holding a key, then let the thumb open.", 3.0,
                 angle("thumb_metacarpal", "deviation", 22.0, 8.0, "down", label="thumb abduction")),
        Exercise("tip_pinch", "Fingertip pinch", "upper",
                 "Bring the tip of the index finger and the tip of the thumb together to make an O, "
                 "then open them again.", 2.8,
                 curl(("index",), 0.45, 0.25, "index_proximal", "flexion of the index finger")),
        Exercise("finger_lifts", "Lift one finger at a time", "upper",
                 "Keep the palm flat on the table. Lift one finger, put it down, then the next, "
                 "from the index to the little finger.", 1.6, _KNUCKLE_LIFTS),
        Exercise("rest_feet", "Rest", "lower",
                 "Let both feet rest flat on the floor. Breathe slowly and watch the foot.", 4.0),
        Exercise("ankle_dorsi_plantar", "Foot up and down", "lower",
                 "Keep the heel on the floor. Lift the toes towards you, then point them away.", 3.0,
                 angle("foot", "flexion", 10.0, -8.0, label="ankle dorsiflexion", relative=True)),
        Exercise("ankle_inversion_eversion", "Turn the sole in and out", "lower",
                 "Keep the heel still. Turn the sole of the foot inwards, then outwards.", 3.0,
                 angle("foot", "twist", 12.0, -6.0, label="ankle inversion")),
        Exercise("toe_curl_extension", "Curl and lift the toes", "lower",
                 "Keep the foot on the floor. Lift the toes up, then curl them down as if gripping a towel.",
                 3.0, angle("foot", "flexion", 4.0, -3.0, label="foot pitch, heel to toe tip", relative=True)),
        Exercise("knee_extension", "Straighten the knee", "lower",
                 "Sitting tall, slowly straighten the knee until the leg is out in front, hold, "
                 "then lower the foot back to the floor.", 4.0,
                 angle("shank", "flexion", -10.0, -25.0, "down", label="knee flexion", relative=True)),
        Exercise("hip_abduction", "Knee out to the side", "lower",
                 "Sitting tall with the foot on the floor, move the knee out to the side, then back "
                 "to the middle.", 3.6,
                 angle("thigh", "deviation", 12.0, 4.0, label="hip abduction")),
    )
}  # fmt: skip

_JOINTS = {"upper": set(ARM_JOINTS), "lower": set(LEG_JOINTS)}
for _e in EXERCISES.values():  # a typo in a joint name fails on import, not in a session
    if _e.reps is not None and not set(_e.reps.joints) <= _JOINTS[_e.limb]:
        raise ValueError(f"{_e.id}: unknown joints {set(_e.reps.joints) - _JOINTS[_e.limb]}")


def get_exercise(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"unknown exercise {exercise_id!r} (known: {', '.join(sorted(EXERCISES))})") from None


def rest_exercise(limb: Limb) -> Exercise:
    """The resting 'exercise' for a limb (what a rest break looks like)."""
    return EXERCISES["rest" if limb == "upper" else "rest_feet"]
