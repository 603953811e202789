"""Repetition counting: every exercise of the synthetic patient through the real pose pipeline, noise and
tremor that must not count twice, range of motion and movement time, streaming == vectorised."""

import numpy as np
import pytest

from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.therapy.exercises import EXERCISES, RepSignal, angle
from vrtherapy.therapy.reps import RepCounter, count_repetitions
from vrtherapy.therapy.synthetic_patient import LEG_MOTIONS, MOTIONS, SyntheticArmMotion, SyntheticLegMotion, build_schedule

COUNTED = [e for e in EXERCISES.values() if e.reps is not None]


def test_catalogue_has_the_prescribed_exercises_with_instructions_and_rep_signals():
    upper = {e.id for e in COUNTED if e.limb == "upper"}
    lower = {e.id for e in COUNTED if e.limb == "lower"}
    assert upper == {"fist_open_close", "wrist_flexion_extension", "pronation_supination", "finger_tapping",
                     "thumb_opposition", "lateral_pinch", "tip_pinch", "finger_lifts"}
    assert lower == {"ankle_dorsi_plantar", "ankle_inversion_eversion", "toe_curl_extension", "knee_extension",
                     "hip_abduction"}
    assert EXERCISES["rest"].reps is None
    for e in EXERCISES.values():
        assert len(e.instruction) > 30 and e.instruction.endswith(".")
        assert e.id in (MOTIONS if e.limb == "upper" else LEG_MOTIONS)  # the test patient can do every one
        if e.reps is not None:
            assert "repetition" in e.reps.describe()


@pytest.mark.parametrize("exercise", COUNTED, ids=lambda e: e.id)
def test_the_synthetic_patients_repetitions_are_counted(exercise):
    """Scripted count within +-1 (it is exact here), on the left or right, with tracker noise."""
    leg = exercise.limb == "lower"
    side = "left" if hash(exercise.id) % 2 else "right"
    rest = "rest_feet" if leg else "rest"
    scripted = 5
    motion_cls = SyntheticLegMotion if leg else SyntheticArmMotion
    motion = motion_cls(side, build_schedule([(rest, 1.0), (exercise.id, scripted * exercise.rep_seconds)]), seed=3)
    pipeline = PosePipeline(MirrorSettings(intact_side=side, show_intact=False), limb="leg" if leg else "arm")
    counter = RepCounter(exercise.reps, pipeline.phantom_retargeter.skeleton.names)
    values, times = [], []
    for t in np.arange(0.0, motion.duration, 1 / 30):
        pipeline.process(motion.sample_at(t))
        if t >= 1.0:
            counter.update(t, pipeline.movement.angles)
            values.append(counter.kernel.values(np.degrees(pipeline.movement.angles))[0])
            times.append(t)
    assert abs(counter.reps - scripted) <= 1, counter.reps
    assert count_repetitions(exercise.reps, np.array(values), np.array(times)) == counter.reps
    summary = counter.summary()
    assert 10.0 < summary.rom_deg < 180.0
    assert all(0.2 < m < exercise.rep_seconds for m in summary.rep_times_s), summary.rep_times_s


UP = angle("wrist", "flexion", 20.0, -20.0)


def _feed(signal: RepSignal, t: np.ndarray, values: np.ndarray) -> RepCounter:
    counter = RepCounter(signal, ["wrist"])
    for ti, v in zip(t, values, strict=False):
        counter.update_values(float(ti), float(v), float(v))
    return counter


def test_noise_and_tremor_between_the_thresholds_never_count():
    rng = np.random.default_rng(0)
    t = np.arange(0, 60, 1 / 30)
    still = 15.0 + 4.0 * np.sin(2 * np.pi * 9.0 * t) + rng.normal(0, 3.0, t.size)  # hovers around high
    assert _feed(UP, t, still).reps == 0
    # A movement with heavy noise and tremor at both ends: one repetition per cycle, never two.
    clean = 45 * np.sin(2 * np.pi * t / 3.0)
    noisy = clean + 4.0 * np.sin(2 * np.pi * 9.0 * t) + rng.normal(0, 4.0, t.size)
    counter = _feed(UP, t, noisy)
    assert counter.reps == 20 and count_repetitions(UP, noisy) == 20


def test_a_start_already_past_the_threshold_is_not_a_repetition():
    t = np.arange(0, 2, 1 / 30)
    values = np.where(t < 1, 40.0, -40.0)  # held high from the exercise before, then back to rest
    assert _feed(UP, t, values).reps == 0 and count_repetitions(UP, values) == 0


def test_range_of_motion_and_movement_time_of_a_known_movement():
    t = np.arange(0, 30, 1 / 60)
    values = 30 * np.sin(2 * np.pi * t / 3.0)  # +-30 degrees, 3 s a cycle
    summary = _feed(UP, t + 1000.0, values).summary()  # times on any clock
    assert summary.reps == 10
    assert summary.rom_deg == pytest.approx(2 * 30 * np.sin(np.radians(0.95 * 180 - 90)), rel=0.03)  # 5-95th pct
    # above -20 from asin(-2/3) before the peak until it is back below -20 after it
    expected = 3.0 * (0.5 + 2 * np.arcsin(20 / 30) / (2 * np.pi))
    assert summary.movement_time_s == pytest.approx(expected, abs=0.05)


def test_down_signals_and_thresholds_relative_to_rest():
    knee = EXERCISES["knee_extension"].reps  # relative to rest, counted downwards
    t = np.arange(0, 20, 1 / 30)
    for rest in (90.0, 65.0):  # shins vertical, or feet forward: the same movement counts the same
        values = rest - 50 * np.clip(np.sin(2 * np.pi * (t - 1.0) / 4.0), 0, None) * (t > 1.0)  # at rest first
        counter = RepCounter(knee, ["shank"])
        for ti, v in zip(t, values, strict=False):
            counter.update_values(float(ti), float(v), float(v))
        assert counter.reps == 5 and counter.baseline == pytest.approx(rest, abs=1.0)
        assert count_repetitions(knee, values, t) == 5


def test_streaming_and_vectorised_counting_agree_on_random_signals():
    rng = np.random.default_rng(7)
    for _ in range(50):
        walk = np.cumsum(rng.normal(0, 6, 400))
        t = np.arange(walk.size) / 30
        assert _feed(UP, t, walk).reps == count_repetitions(UP, walk)
