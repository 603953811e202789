"""The vectorised One Euro filter against the authors' scalar reference implementation."""

import numpy as np
from OneEuroFilter import OneEuroFilter as ReferenceFilter

from vrtherapy.motion.one_euro import OneEuroFilter, OneEuroParams
from vrtherapy.therapy.exercises import get_exercise
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.tracking.sample import ARM_SPEED_GROUPS, HAND_OFFSET


def test_matches_reference_implementation_on_every_coordinate():
    rng = np.random.default_rng(0)
    params = OneEuroParams(min_cutoff=1.0, beta=5.0, d_cutoff=1.0, rate_hz=30.0)
    t = 1.0 + np.cumsum(rng.uniform(0.025, 0.045, 200))  # irregular webcam-like timestamps
    signal = np.sin(t)[:, None, None] * rng.uniform(0.05, 0.2, (1, 4, 3)) + rng.normal(0, 0.003, (200, 4, 3))
    ours = OneEuroFilter(params)
    refs = [[ReferenceFilter(30.0, 1.0, 5.0, 1.0) for _ in range(3)] for _ in range(4)]
    for k in range(200):
        out = ours.filter(signal[k], t[k])
        ref = np.array([[refs[i][j](signal[k, i, j], t[k]) for j in range(3)] for i in range(4)])
        np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-12)


NOISE_M = 0.002  # webcam-grade landmark jitter
RATE = 30.0


def _filtered(truth: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = OneEuroFilter(speed_groups=np.array(ARM_SPEED_GROUPS))
    return np.array([f.filter(x + rng.normal(0, NOISE_M, x.shape), 1.0 + k / RATE) for k, x in enumerate(truth)])


def test_jitter_of_a_still_hand_drops_at_least_five_fold():
    still = SyntheticArmMotion("right", build_schedule([("rest", 12.0)]), noise_m=0.0).sample_at(0.0).points
    truth = np.repeat(still[None], 300, axis=0)
    out = _filtered(truth, seed=1)
    residual = np.std(out[60:] - truth[60:], axis=0).mean()
    assert NOISE_M / residual >= 5.0


def test_lag_on_a_one_hertz_fist_is_at_most_30_ms():
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 40.0)]), noise_m=0.0)
    period = get_exercise("fist_open_close").rep_seconds
    times = np.arange(0, 10, 1 / RATE)
    truth = np.array([motion.sample_at(t * period).points for t in times])  # one repetition per second
    out = _filtered(truth, seed=2)
    tips = [HAND_OFFSET + i for i in (4, 8, 12, 16, 20)]
    x, y = truth[:, tips].reshape(len(times), -1), out[:, tips].reshape(len(times), -1)
    shifts = np.arange(0.0, 0.1, 0.0025)
    errors = [np.mean((np.array([np.interp(times + d, times, c) for c in y.T]).T - x)[30:-10] ** 2) for d in shifts]
    lag = shifts[int(np.argmin(errors))]
    assert lag <= 0.030
    # once shifted by that lag, the filtered fingertips follow the movement's shape closely
    assert np.sqrt(np.min(errors)) < 0.15 * x[30:-10].std(axis=0).mean()


def test_unseen_points_hold_and_restart():
    f = OneEuroFilter()
    x = np.zeros((3, 3))
    f.filter(x, 1.0)
    valid = np.array([True, False, True])
    out = f.filter(x + 1.0, 1.1, valid)
    assert (out[1] == 0.0).all()  # held
    out = f.filter(x + 1.0, 2.0, np.ones(3, bool))  # seen again after > reset_after: restarts there
    np.testing.assert_allclose(out[1], 1.0)


def test_point_missing_at_the_start_joins_when_it_appears():
    f = OneEuroFilter()
    x = np.ones((3, 3))
    first = f.filter(x, 1.0, np.array([True, False, True]))
    assert np.isnan(first[1]).all()
    np.testing.assert_allclose(f.filter(x * 2, 1.05), [[*2 * np.ones(3)]] * 3, rtol=0, atol=0.9)
    out = f.filter(x * 2, 1.1)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[1], 2.0)  # started where it appeared, not from nothing


def test_point_unseen_for_a_second_restarts_where_it_reappears():
    f = OneEuroFilter()
    x = np.zeros((2, 3))
    f.filter(x, 1.0)
    for k in range(1, 30):  # point 1 unseen for ~1 s while point 0 moves on
        f.filter(x, 1.0 + k / 30, np.array([True, False]))
    out = f.filter(np.ones((2, 3)), 2.0)
    np.testing.assert_allclose(out[1], 1.0)
