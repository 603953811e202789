"""Recording and replaying tracked motion: bit-for-bit, versioned, and clear about broken files."""

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vrtherapy.errors import TrackerError
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.tracking import recording
from vrtherapy.tracking.recording import RecordingWriter, load_recording, read_recording
from vrtherapy.tracking.replay import ReplaySource

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    (lambda text: text[:100], "line 1: not a vrtherapy recording"),
    (lambda text: text.split("\n")[0], "line 1: the recording is cut off after its header (no samples)"),
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


def test_a_recording_cut_off_mid_sample_keeps_its_complete_samples(tmp_path):
    path = tmp_path / "session.vtrec"
    samples = make_recording(path, n=6)
    path.write_bytes(path.read_bytes()[:-700])  # the disk filled up (or the power went) mid-line
    kept = load_recording(path)
    assert len(kept.samples) == 5 and np.array_equal(kept.samples[-1].points, samples[4].points)
    assert kept.notes == (f"{path}: line 7: the last sample is cut off (the recording was interrupted); "
                          "using the 5 complete samples before it",)


def test_recordings_and_the_folders_made_for_them_are_owner_only_from_the_start(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    old = os.umask(0)  # the loosest umask: modes must not depend on it
    try:
        with RecordingWriter(shared / "new" / "deeper" / "r.vtrec", "arm", "right") as writer:
            assert stat.S_IMODE(os.stat(writer.path).st_mode) == 0o600  # before a sample is written
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(shared / "new").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(shared / "new" / "deeper").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o755  # a folder that was there is left as it is


def test_unseen_points_are_written_as_null_so_the_file_is_standard_json(tmp_path):
    path = tmp_path / "r.vtrec"
    motion = SyntheticArmMotion("right", build_schedule([("rest", 5.0)]))
    seen = motion.sample_at(0.0, t_capture=1.0)
    lost = seen.replace(t_capture=1.1, points=np.full(seen.points.shape, np.nan), valid=np.zeros(len(seen.valid), bool),
                        confidence=0.0)  # fmt: skip
    with RecordingWriter(path, "arm", "right") as writer:
        writer.write(seen)
        writer.write(lost)

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    lines = [json.loads(line, parse_constant=refuse) for line in path.read_text().splitlines()]
    assert lines[2]["p"][0] == [None, None, None]
    _, read = read_recording(path)
    assert np.isnan(read[1].points).all() and not read[1].valid.any()


def test_a_recording_stops_at_the_most_samples_a_reader_takes(tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "MAX_SAMPLES", 3)
    path = tmp_path / "r.vtrec"
    make_recording(path, n=3)
    with RecordingWriter(tmp_path / "more.vtrec", "arm", "right") as writer:
        assert not writer.full
    monkeypatch.setattr(recording, "MAX_SAMPLES", 2)
    with pytest.raises(TrackerError, match="line 4: more than the 2 samples a recording may hold"):
        read_recording(path)
    monkeypatch.setattr(recording, "MAX_RECORDING_BYTES", 1000)
    with pytest.raises(TrackerError, match=r"0 MB, more than the 0 MB a recording may hold"):
        read_recording(path)


@pytest.mark.parametrize("target, expected", [("folder", "is a folder, not a recording"), ("/dev/zero", "not a regular file")])
def test_a_recording_that_is_not_a_file_is_one_line(tmp_path, target, expected):
    path = tmp_path if target == "folder" else target
    with pytest.raises(TrackerError) as err:
        read_recording(path)
    assert str(err.value) == f"{path}: {expected}"


def test_recording_onto_a_full_disk_ends_in_one_line_and_keeps_every_complete_sample(tmp_path):
    """`vrtherapy record` with the file size limited as a full disk would (writes fail part-way)."""
    path = tmp_path / "r.vtrec"
    limit = 40_000  # about 24 samples

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([sys.executable, "-m", "vrtherapy", "record", "--seconds", "4", "--output", str(path)],
                            capture_output=True, text=True, preexec_fn=small_disk, timeout=120, cwd=PROJECT_ROOT)  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"vrtherapy: {path}: cannot write (File too large); the recording keeps its ")
    kept = int(lines[0].split("keeps its ")[1].split()[0])
    header, samples = read_recording(path)  # every line complete: no note, nothing cut off
    assert len(samples) == kept > 10 and path.stat().st_size <= limit
    assert load_recording(path).notes == ()


def test_what_a_tracker_hands_over_without_a_number_is_written_as_standard_json_or_refused(tmp_path):
    motion = SyntheticArmMotion("right", build_schedule([("rest", 5.0)]))
    sample = motion.sample_at(0.0, t_capture=1.0)
    path = tmp_path / "r.vtrec"
    with RecordingWriter(path, "arm", "right", {"camera_fps": float("nan")}) as writer:
        writer.write(sample.replace(confidence=float("nan")))
        with pytest.raises(TrackerError, match="without a finite time"):
            writer.write(sample.replace(t_capture=float("inf")))

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    header, first = (json.loads(line, parse_constant=refuse) for line in path.read_text().splitlines())
    assert header["source"] == {"camera_fps": None} and first["c"] == 0.0
