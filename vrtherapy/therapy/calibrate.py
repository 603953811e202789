"""`vrtherapy calibrate --patient ID --tracker SPEC`: measure the patient's intact limb once, for every session.

The patient is guided through three held poses, a few seconds each, with a line on the terminal always
and the same on a HUD when a desktop display is there:

    arm: rest (hand and forearm relaxed on the table), open hand (flat, fingers straight), fist
    leg: rest (foot flat on the floor), toes up (heel down), toes down (pointed away)

Each step first gives `SETTLE_S` to get into the pose, then measures for `HOLD_S`. From the steps
(`motion.calibration`): the segment lengths (medians over still frames of the rest step), the neutral
pose (the rest step's joint angles), and the range: each digit's flexion open and in a fist on the
calibrated scale (`motion.finger_curl`), or the ankle's flexion toes up and down. Refused, in one line
saying what to do and with nothing stored, when the limb was not seen in a step, not held still, or the
range is not plausible (a fist that did not close, an open hand that did not open).

Stored with the patient's records: the lengths in the profile's measurements (what reports show) and
the whole calibration as a calibration entry (`RecordStore.add_calibration`); `vrtherapy run` builds the
virtual limb from it and holds partial mirror modes at its neutral pose.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from vrtherapy.errors import ConfigError, VrtherapyError
from vrtherapy.motion.calibration import Calibration, measure_arm, measure_leg, neutral_angles, still_frames
from vrtherapy.motion.finger_curl import DIGITS, finger_curl
from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.retarget_leg import LegRetargeter
from vrtherapy.motion.skeleton import ArmDimensions, build_arm_skeleton
from vrtherapy.tracking.base import SampleSource
from vrtherapy.tracking.sample import LimbKind, Side, TrackedSample

SETTLE_S, HOLD_S = 1.5, 3.0
#: A step in which the limb was seen in fewer than this share of frames is measured again.
MIN_SEEN_SHARE = 0.6
#: A fist must close every finger by at least this much of the scale beyond the open hand, reaching past 0.5.
MIN_FINGER_RANGE = 0.3
#: Toes up and toes down must differ by at least this many degrees of ankle flexion.
MIN_ANKLE_RANGE_DEG = 10.0

STEPS: dict[LimbKind, tuple[tuple[str, str, str], ...]] = {
    "arm": (("rest", "Rest", "Rest the hand and forearm on the table, relaxed, and keep still."),
            ("open", "Open hand", "Open the hand wide and flat, fingers straight, and hold it still."),
            ("fist", "Fist", "Close the hand into a fist and hold it still.")),
    "leg": (("rest", "Rest", "Rest the foot flat on the floor and keep still."),
            ("toes_up", "Toes up", "Keep the heel on the floor, lift the toes towards you and hold."),
            ("toes_down", "Toes down", "Point the toes away from you and hold.")),
}  # fmt: skip

Say = Callable[[str], None]
Show = Callable[[str, str, float], None]  #: (title, instruction, seconds left) on the HUD


@dataclass(frozen=True)
class CalibrationResult:
    calibration: Calibration
    measurements: dict[str, float]  #: for the profile (metres, `records.MEASUREMENTS` names)


def capture_steps(source: SampleSource, limb: LimbKind, say: Say, show: Show | None = None,
                  clock: Callable[[], float] = time.monotonic) -> dict[str, list[TrackedSample]]:  # fmt: skip
    """Guide through the steps and collect each step's samples (seen or not) over its hold. Time is the
    samples' capture time, so a video read faster than real time is measured the same way as a camera."""
    captured: dict[str, list[TrackedSample]] = {}
    sample = source.next_sample()
    for key, title, instruction in STEPS[limb]:
        say(f"vrtherapy: calibration, {title.lower()}: {instruction} ({SETTLE_S + HOLD_S:.0f} s)")
        if sample is None:
            break
        start = sample.t_capture
        samples: list[TrackedSample] = []
        while sample is not None and sample.t_capture - start < SETTLE_S + HOLD_S:
            if show is not None:
                show(title, instruction, SETTLE_S + HOLD_S - (sample.t_capture - start))
            if sample.t_capture - start >= SETTLE_S:
                samples.append(sample)
            sample = source.next_sample()
        captured[key] = samples
    missing = [title for key, title, _ in STEPS[limb] if not captured.get(key)]
    if missing:
        raise VrtherapyError(f"calibration: the tracker ended before the {missing[0].lower()} step; "
                             "use a live camera or a longer video")  # fmt: skip
    return captured


def _seen(samples: list[TrackedSample], side: Side, limb: LimbKind, step: str) -> list[TrackedSample]:
    seen = [s for s in samples if s.confidence > 0 and s.valid.all()]
    if len(seen) < MIN_SEEN_SHARE * len(samples):
        part = "hand" if limb == "arm" else "leg, hip to toes,"
        raise VrtherapyError(f"calibration: the {side} {part} was seen in only {len(seen)} of {len(samples)} frames "
                             f"of the {step} step; keep it in the camera's view and calibrate again")  # fmt: skip
    return seen


def _still(samples: list[TrackedSample], step: str) -> list[TrackedSample]:
    still = still_frames(samples)
    if len(still) < max(5, 0.5 * len(samples)):
        raise VrtherapyError(f"calibration: the limb moved during the {step} step (still in {len(still)} of "
                             f"{len(samples)} frames); hold the pose still and calibrate again")  # fmt: skip
    return still


def measure(captured: dict[str, list[TrackedSample]], side: Side, limb: LimbKind) -> CalibrationResult:
    """The calibration from the captured steps; VrtherapyError (one line) when it cannot be trusted."""
    seen = {key: _seen(captured[key], side, limb, key.replace("_", " ")) for key, _, _ in STEPS[limb]}
    try:
        if limb == "arm":
            return _measure_arm(seen, side)
        return _measure_leg(seen, side)
    except ConfigError as exc:
        raise VrtherapyError(str(exc)) from None


def _measure_arm(seen: dict[str, list[TrackedSample]], side: Side) -> CalibrationResult:
    dims = measure_arm(seen["rest"])
    retargeter = Retargeter(build_arm_skeleton(side, dims))
    neutral = neutral_angles(seen["rest"], retargeter)

    def flexion(step: str) -> np.ndarray:
        still = _still(seen[step], step)
        return np.median([finger_curl(retargeter.skeleton, retargeter.solve(s).angles) for s in still], axis=0)

    opened, fist = flexion("open"), flexion("fist")
    closing = fist[1:] - opened[1:]
    worst = int(np.argmin(closing))
    if closing[worst] < MIN_FINGER_RANGE or fist[1:].min() < 0.5 or opened[1:].max() > 0.5:
        finger = DIGITS[1 + worst]
        raise VrtherapyError(f"calibration: the {finger} finger moved from {opened[1 + worst]:.2f} open to "
                             f"{fist[1 + worst]:.2f} in the fist (0 straight, 1 curled), not a plausible range; "
                             "open the hand flat, close a full fist, and calibrate again")  # fmt: skip
    calibration = Calibration(side, "arm", arm=dims, neutral_angles=tuple(map(tuple, neutral)),
                              flexion_range=tuple((float(o), float(f)) for o, f in zip(opened, fist, strict=True)))  # fmt: skip
    measurements = {"upper_arm": dims.upper_arm, "forearm": dims.forearm, "hand": dims.hand_length,
                    "palm_breadth": dims.palm_breadth}  # fmt: skip
    return CalibrationResult(calibration, {k: round(v, 4) for k, v in measurements.items()})


def _measure_leg(seen: dict[str, list[TrackedSample]], side: Side) -> CalibrationResult:
    dims = measure_leg(seen["rest"])
    retargeter = LegRetargeter(build_leg_skeleton(side, dims))
    foot = retargeter.skeleton.index("foot")
    neutral = neutral_angles(seen["rest"], retargeter)

    def ankle(step: str) -> float:
        still = _still(seen[step], step.replace("_", " "))
        return float(np.degrees(np.median([retargeter.solve(s).angles[foot, 0] for s in still])))

    up, down = ankle("toes_up"), ankle("toes_down")
    if abs(up - down) < MIN_ANKLE_RANGE_DEG:
        raise VrtherapyError(f"calibration: the ankle moved only {abs(up - down):.0f} degrees between toes up and "
                             "toes down; lift the toes fully, point them fully, and calibrate again")  # fmt: skip
    calibration = Calibration(side, "leg", leg=dims, neutral_angles=tuple(map(tuple, neutral)),
                              flexion_range=((min(up, down), max(up, down)),))  # fmt: skip
    measurements = {"thigh": dims.thigh, "shank": dims.shank, "foot_length": dims.foot_length,
                    "foot_breadth": dims.foot_breadth, "ankle_height": dims.ankle_height}  # fmt: skip
    return CalibrationResult(calibration, {k: round(v, 4) for k, v in measurements.items()})


def calibration_from_record(data: dict) -> Calibration:
    """A stored calibration entry's data back as a `Calibration` (ConfigError if unusable)."""
    from vrtherapy.config import parse_dataclass

    return parse_dataclass(data, Calibration, "the patient's calibration")


def describe(result: CalibrationResult) -> str:
    c = result.calibration
    if c.limb == "arm":
        d: ArmDimensions | LegDimensions = c.arm
        ranges = ", ".join(f"{n} {o:.2f}-{f:.2f}" for n, (o, f) in zip(DIGITS, c.flexion_range, strict=True))
        return (f"upper arm {c.arm.upper_arm * 100:.1f} cm, forearm {c.arm.forearm * 100:.1f} cm, hand "
                f"{c.arm.hand_length * 100:.1f} cm; flexion open-fist: {ranges}")  # fmt: skip
    d = c.leg
    lo, hi = c.flexion_range[0]
    return (f"thigh {d.thigh * 100:.1f} cm, shank {d.shank * 100:.1f} cm, foot {d.foot_length * 100:.1f} cm; "
            f"ankle flexion {lo:.0f} to {hi:.0f} degrees")


def stored_data(result: CalibrationResult) -> dict:
    return asdict(result.calibration)


def session_calibration(store, patient_id: str, limb: str, intact: Side, dims, say: Say):
    """The segment lengths and neutral pose (degrees, or None) a session of this patient uses: from the
    latest calibration of the limb when there is one for this side (else `dims` and None)."""
    entry = store.latest_calibration(patient_id, limb)
    if entry is None:
        return dims, None
    try:
        calibration = calibration_from_record(entry.data)
    except ConfigError as exc:
        say(f"vrtherapy: the calibration of {entry.at:%Y-%m-%d} is not usable ({exc}); calibrate again")
        return dims, None
    if calibration.intact_side != intact:
        say(f"vrtherapy: the calibration of {entry.at:%Y-%m-%d} measured the {calibration.intact_side} side; "
            f"the intact side is now {intact}: calibrate again")  # fmt: skip
        return dims, None
    say(f"vrtherapy: the virtual limb follows the calibration of {entry.at:%Y-%m-%d %H:%M} UTC")
    neutral = tuple(map(tuple, np.degrees(calibration.neutral_angles))) if calibration.neutral_angles else None
    return calibration.dimensions, neutral
