"""`vrtherapy calibrate`: a synthetic patient's calibration recovers its measurements, is stored with the
patient's records and used by the next session; bad calibrations are refused with one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fake_clock import FakeClock
from vrtherapy.calibrate_command import synthetic_calibration_source
from vrtherapy.cli import main
from vrtherapy.errors import VrtherapyError
from vrtherapy.motion.calibration import SEATED_LEG_DEG
from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
from vrtherapy.motion.skeleton import ArmDimensions, build_arm_skeleton
from vrtherapy.therapy.calibrate import capture_steps, measure

SMALL = ArmDimensions(upper_arm=0.27, forearm=0.23, palm_length=0.085, palm_breadth=0.075,
                      thumb=(0.042, 0.029, 0.025), phalanges=((0.037, 0.022, 0.018), (0.041, 0.025, 0.019),
                                                               (0.038, 0.024, 0.019), (0.031, 0.017, 0.017)))  # fmt: skip


def _captured(limb="arm", dims=None, side="left", source=None):
    clock = FakeClock()
    source = source or synthetic_calibration_source(side, limb, dims, clock=clock, sleep=clock.sleep)
    lines: list[str] = []
    return capture_steps(source, limb, lines.append), lines


def test_a_synthetic_patients_arm_is_recovered() -> None:
    captured, lines = _captured(dims=SMALL)
    assert [line.split(",")[1].split(":")[0].strip() for line in lines] == ["rest", "open hand", "fist"]
    result = measure(captured, "left", "arm")
    c = result.calibration
    got = np.array([c.arm.upper_arm, c.arm.forearm, c.arm.palm_length, c.arm.palm_breadth, *c.arm.thumb,
                    *np.ravel(c.arm.phalanges)])  # fmt: skip
    want = np.array([SMALL.upper_arm, SMALL.forearm, SMALL.palm_length, SMALL.palm_breadth, *SMALL.thumb,
                     *np.ravel(SMALL.phalanges)])  # fmt: skip
    assert np.abs(got / want - 1).max() <= 0.05, got / want
    opened, fist = np.array(c.flexion_range).T
    assert (opened[1:] <= 0.15).all() and (fist[1:] >= 0.9).all(), c.flexion_range  # the poses it held
    assert len(c.neutral_angles) == len(build_arm_skeleton("left").names)


def test_a_synthetic_patients_leg_is_recovered() -> None:
    dims = LegDimensions(thigh=0.40, shank=0.38, foot_length=0.24)
    captured, _ = _captured("leg", dims, "right")
    c = measure(captured, "right", "leg").calibration
    assert c.leg.thigh == pytest.approx(0.40, rel=0.05) and c.leg.shank == pytest.approx(0.38, rel=0.05)
    assert c.leg.foot_length == pytest.approx(0.24, rel=0.05)
    (down, up), = c.flexion_range
    # held 22 degrees up and 25 down from its seated rest, pointing stopped by the ankle's limit
    rest = SEATED_LEG_DEG["foot"][0]
    lowest = build_leg_skeleton("right").limits[build_leg_skeleton("right").index("foot"), 0, 0]
    assert up - down == pytest.approx(22.0 + min(25.0, rest - np.degrees(lowest)), abs=6.0)


def test_bad_calibrations_are_refused() -> None:
    captured, _ = _captured()
    # The limb not seen in a step.
    lost = dict(captured, open=[s.replace(confidence=0.0) for s in captured["open"]])
    with pytest.raises(VrtherapyError, match="left hand was seen in only 0 of .* open step; keep it in the camera"):
        measure(lost, "left", "arm")
    # Not held still: the fist step replaced by a hand that keeps closing and opening.
    from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule

    moving = SyntheticArmMotion("left", build_schedule([("fist_open_close", 6.0)]), noise_m=0.0)
    t0 = captured["fist"][0].t_capture
    restless = dict(captured, fist=[moving.sample_at(s.t_capture - t0, t_capture=s.t_capture) for s in captured["fist"]])
    with pytest.raises(VrtherapyError, match="moved during the fist step"):
        measure(restless, "left", "arm")
    # An implausible range: the "fist" is the open hand again.
    with pytest.raises(VrtherapyError, match="not a plausible range; open the hand flat, close a full fist"):
        measure(dict(captured, fist=captured["open"]), "left", "arm")


def test_the_command_stores_the_calibration_and_the_next_session_uses_it(tmp_path: Path, monkeypatch,
                                                                          capsys) -> None:  # fmt: skip
    from vrtherapy.records.store import PatientProfile, RecordStore
    from vrtherapy.therapy import calibrate as steps

    monkeypatch.setattr(steps, "SETTLE_S", 0.2)
    monkeypatch.setattr(steps, "HOLD_S", 0.8)  # the synthetic patient runs in real time: keep it short
    db = tmp_path / "records.sqlite"
    with RecordStore.open(db) as store:
        store.add_patient(PatientProfile("P1", "left", "upper", "transradial"))
    assert main(["calibrate", "--patient", "P1", "--tracker", "synthetic", "--db", str(db), "--display", "none"]) == 0
    out = capsys.readouterr().out
    assert "calibration, fist" in out and "calibrated patient P1's right arm" in out
    with RecordStore.open(db) as store:
        entry = store.latest_calibration("p1")
        profile = store.patient("P1")
        assert entry is not None and entry.limb == "upper" and entry.data["intact_side"] == "right"
        assert profile.measurements["forearm"] == pytest.approx(ArmDimensions().forearm, rel=0.05)
        assert any(a.entity == "calibration" for a in store.audit_trail("P1"))
        from vrtherapy.therapy.calibrate import session_calibration

        lines: list[str] = []
        dims, neutral = session_calibration(store, "P1", "upper", "right", None, lines.append)
        assert dims.forearm == pytest.approx(entry.data["arm"]["forearm"]) and neutral is not None
        assert "follows the calibration of" in lines[0]
    # A patient with nothing to see: refused in one line, exit 2, and nothing stored.
    assert main(["calibrate", "--patient", "nobody", "--tracker", "synthetic", "--db", str(db)]) == 2
