"""Recording and replaying tracked motion: bit-for-bit, versioned, and clear about broken files."""


import numpy as np
import pytest

from vrtherapy.errors import TrackerError
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.tracking.recording import RecordingWriter, read_recording
from vrtherapy.tracking.replay import ReplaySource


def make_recording(path, n=40):
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 5.0)]), noise_m=0.0012, seed=9)
    samples = [motion.sample_at(k / 30, t_capture=100.0 + k / 30) for k in range(n)]
    with RecordingWriter(path, "arm", "right", {"tracker": "synthetic", "seed": 9}) as writer:
        for s in samples:
            writer.write(s)
    return samples


def test_recording_round_trips_bit_for_bit(tmp_path):
    path = tmp_path / "session.vtrec"
    samples = make_recording(path)
    header, read = read_recording(path)
    assert header.limb == "arm" and header.side == "right" and header.source["seed"] == 9
    assert len(read) == len(samples)
    for a, b in zip(samples, read, strict=False):
        assert a.t_capture == b.t_capture
        assert np.array_equal(a.points, b.points)  # exact, not approximate
        assert np.array_equal(a.valid, b.valid)


def test_an_existing_recording_is_never_overwritten(tmp_path):
    path = tmp_path / "session.vtrec"
    make_recording(path, n=2)
    with pytest.raises(FileExistsError):
        RecordingWriter(path, "arm", "right")


@pytest.mark.parametrize("damage, expected", [
    (lambda text: text[:-30], "cut off"),
    (lambda text: text.replace('"p":', '"q":', 1), "line 2: corrupt sample"),
    (lambda text: text.replace('"version":1', '"version":7'), "version 7"),
    (lambda text: "hello\n", "not a vrtherapy recording"),
    (lambda text: "", "empty file"),
])  # fmt: skip
def test_broken_recordings_are_refused_with_one_line(tmp_path, damage, expected):
    path = tmp_path / "session.vtrec"
    make_recording(path, n=5)
    path.write_text(damage(path.read_text()))
    with pytest.raises(TrackerError) as err:
        read_recording(path)
    message = str(err.value)
    assert expected in message and str(path) in message and "\n" not in message


def test_replay_keeps_the_recorded_timing_in_real_time():
    class Clock:
        now = 50.0

        def __call__(self):
            return self.now

        def sleep(self, s):
            self.now += s

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.vtrec"
        samples = make_recording(path, n=10)
        clock = Clock()
        source = ReplaySource(path, clock=clock, sleep=clock.sleep)
        replayed = [source.next_sample() for _ in range(10)]
        assert source.next_sample() is None  # the recording has ended
    gaps = np.diff([s.t_capture for s in replayed])
    np.testing.assert_allclose(gaps, np.diff([s.t_capture for s in samples]), atol=1e-9)
    assert clock.now == pytest.approx(50.0 + 9 / 30)  # it waited for each sample's time
    assert np.array_equal(replayed[3].points, samples[3].points)
