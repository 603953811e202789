"""The `vrtherapy calibrate` command: open the patient's records and the tracker, guide, measure, store.

The measuring is in `therapy.calibrate`; here: the patient's profile says which limb and which side is intact,
the tracker is opened for it (`--tracker`, as `run` takes it; `synthetic` is a patient holding the three
poses, for tests and demonstrations), the HUD shows the steps when a desktop display is there, and the
result goes into the records only when every check has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.therapy.calibrate import STEPS, CalibrationResult, capture_steps, describe, measure, stored_data
from vrtherapy.therapy.setup import limb_kind
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, SyntheticLegMotion, SyntheticSource
from vrtherapy.tracking.base import SampleSource
from vrtherapy.tracking.sample import LimbKind, Side, other_side

#: The synthetic patient's poses per step (degrees added to its relaxed pose): open, fist; toes up, down.
_FIST = {"proximal": 80.0, "intermediate": 95.0, "distal": 62.0}


class _HoldingPoses:
    """A synthetic limb that holds each calibration step's pose in turn (the timing of `calibrate`)."""

    def __init__(self, motion: SyntheticArmMotion | SyntheticLegMotion, limb: LimbKind, step_s: float,
                 poses: dict[str, np.ndarray] | None = None) -> None:  # fmt: skip
        self.motion, self.limb, self.step_s = motion, limb, step_s
        names = motion.skeleton.names
        relaxed = np.degrees(motion.angles_at(0.0))
        self.poses = poses or {key: relaxed + _offsets(names, limb, key) for key, _, _ in STEPS[limb]}
        self._keys = [key for key, _, _ in STEPS[limb]]
        motion.angles_at = self._angles_at  # type: ignore[method-assign]

    def _angles_at(self, t: float) -> np.ndarray:
        key = self._keys[min(int(t // self.step_s), len(self._keys) - 1)]
        return np.radians(self.poses[key])


def _offsets(names: tuple[str, ...], limb: LimbKind, step: str) -> np.ndarray:
    out = np.zeros((len(names), 3))
    for j, name in enumerate(names):
        if limb == "arm" and step in ("open", "fist") and name.split("_")[0] in ("index", "middle", "ring", "little"):
            segment = name.split("_")[1]
            if segment in _FIST:
                out[j, 0] = _FIST[segment] if step == "fist" else -12.0 if segment == "proximal" else -14.0
        if limb == "leg" and name == "foot" and step != "rest":
            out[j, 0] = 22.0 if step == "toes_up" else -25.0
    return out


def synthetic_calibration_source(side: Side, limb: LimbKind, dims=None, rate_hz: float = 30.0, **clock) -> SampleSource:
    """The synthetic patient holding rest, open hand and fist (or the leg's poses), one per step."""
    from vrtherapy.therapy.calibrate import HOLD_S, SETTLE_S
    from vrtherapy.therapy.synthetic_patient import build_schedule

    plan = build_schedule([("rest" if limb == "arm" else "rest_feet", 3 * (SETTLE_S + HOLD_S) + 2.0)])
    motion = SyntheticArmMotion(side, plan, dims) if limb == "arm" else SyntheticLegMotion(side, plan, dims)
    _HoldingPoses(motion, limb, SETTLE_S + HOLD_S)
    return SyntheticSource(motion, rate_hz, **clock)


def _hud(display: str, say: Callable[[str], None]):
    """A HUD window when a desktop display is there (and wanted), else None: the terminal lines suffice."""
    from vrtherapy.render.display import has_desktop_display

    if display == "none" or not has_desktop_display():
        return None
    from vrtherapy.render.display import open_showbase
    from vrtherapy.render.hud import Hud
    from vrtherapy.render.hud_state import HudState

    base = open_showbase("window", (960, 540), title="vrtherapy calibration")
    hud = Hud(base.aspect2d, base.getAspectRatio())

    def show(title: str, instruction: str, seconds_left: float) -> None:
        hud.update(HudState(title=f"Calibration: {title}", instruction=instruction, seconds_left=seconds_left))
        base.taskMgr.step()

    return base, show


def run_calibration(patient: str, tracker: str, db: Path | None = None, display: str = "auto",
                    say: Callable[[str], None] = print, source: SampleSource | None = None) -> CalibrationResult:  # fmt: skip
    """Calibrate `patient`'s intact limb with `tracker` and store it; returns what was stored."""
    from vrtherapy.records.store import RecordStore
    from vrtherapy.therapy.tracker_factory import open_source, parse_tracker_spec

    store = RecordStore.open(db)
    try:
        profile = store.patient(patient)
        limb, intact = limb_kind(profile.limb), other_side(profile.affected_side)
        if source is None:
            spec = parse_tracker_spec(tracker)
            if spec.kind == "synthetic":
                source = synthetic_calibration_source(intact, limb)
            else:  # a video or recording is measured on its own clock (capture times), as fast as it reads
                live = spec.kind == "mediapipe" and spec.target.isdigit()
                source = open_source(spec, intact, limb, dims=ArmDimensions(), realtime=live)
        hud = _hud(display, say)
        try:
            captured = capture_steps(source, limb, say, hud[1] if hud is not None else None)
        finally:
            source.close()
            if hud is not None:
                hud[0].destroy()
        result = measure(captured, intact, limb)
        store.update_patient(profile.patient_id, {"measurements": profile.measurements | result.measurements},
                             reason="vrtherapy calibrate: measured the intact limb")  # fmt: skip
        store.add_calibration(profile.patient_id, profile.limb, stored_data(result))
        say(f"vrtherapy: calibrated patient {profile.patient_id}'s {intact} {limb}: {describe(result)}")
        return result
    finally:
        store.close()
