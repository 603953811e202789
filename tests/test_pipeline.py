"""The pose pipeline end to end (no rendering), and the threaded tracker hand-over."""

import time

import numpy as np

from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, SyntheticSource, build_schedule
from vrtherapy.tracking.base import ThreadedTracker


def _motion(side="right"):
    return SyntheticArmMotion(side, build_schedule([("fist_open_close", 10.0)]), noise_m=0.0)


def test_phantom_is_on_the_other_side_with_the_same_anatomical_angles():
    motion = _motion()
    pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=True))
    out = pipeline.process(motion.sample_at(1.0, t_capture=1.0))
    assert out.phantom.side == "left" and out.intact.side == "right"
    assert out.phantom.root_position[0] < 0 < out.intact.root_position[0]
    np.testing.assert_allclose(out.phantom.angles, out.intact.angles, atol=1e-9)
    assert out.t_capture == 1.0


def test_phantom_only_mode_draws_no_intact_limb():
    out = PosePipeline(MirrorSettings(show_intact=False)).process(_motion().sample_at(0.5))
    assert out.intact is None and out.phantom is not None


def test_bad_samples_hold_the_last_good_pose_and_are_counted():
    motion = _motion()
    pipeline = PosePipeline(MirrorSettings())
    good = pipeline.process(motion.sample_at(1.0, t_capture=1.0))
    nan_points = motion.sample_at(1.1, t_capture=1.1).points.copy()
    nan_points[10] = np.nan
    bad = motion.sample_at(1.1, t_capture=1.1).replace(points=nan_points)
    missing = motion.sample_at(1.2, t_capture=1.2).replace(valid=np.arange(24) != 5)
    wrong = _motion("left").sample_at(1.3, t_capture=1.3)
    for sample in (bad, missing, wrong):
        for _frame in range(3):  # shown for several frames, judged once
            assert pipeline.process(sample) is good
    assert pipeline.rejected == {"non-finite landmarks": 1, "missing landmarks": 1, "wrong side": 1}
    assert np.isfinite(good.phantom.angles).all()


def test_threaded_tracker_hands_over_the_newest_sample_without_blocking():
    source = SyntheticSource(_motion(), rate_hz=60.0)
    tracker = ThreadedTracker(source)
    assert tracker.latest() is None
    tracker.start()
    try:
        deadline = time.monotonic() + 2.0
        while tracker.samples_received < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        first = tracker.latest()
        t = time.perf_counter()
        for _ in range(1000):
            tracker.latest()
        per_call = (time.perf_counter() - t) / 1000
        time.sleep(0.1)
        later = tracker.latest()
    finally:
        tracker.stop()
    assert first is not None and later.t_capture > first.t_capture
    assert per_call < 0.001  # a lock and a read: never waits for the next capture
    assert not tracker.running
