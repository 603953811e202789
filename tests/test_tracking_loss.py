"""Tracking loss: hold, ease to rest, blend back without a jump (a scripted gap in a replayed recording)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.tracking.recording import RecordingWriter
from vrtherapy.tracking.replay import ReplaySource

RATE_HZ, FRAME_HZ = 30.0, 60.0
GAP = (1.5, 6.5)  # seconds of the recording where the hand is out of view
LOSS = LossSettings(stale_s=0.3, hold_s=1.0, ease_s=1.5, blend_s=0.35)
#: Largest change of any joint angle from one displayed frame to the next (60 fps) while recovering.
MAX_STEP_DEG = 8.0


def _recording_with_gap(path: Path) -> None:
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 9.0)]), noise_m=0.0)
    with RecordingWriter(path, "arm", "right", {"tracker": "synthetic", "scripted_gap_s": list(GAP)}) as writer:
        for t in np.arange(0.0, 8.0, 1.0 / RATE_HZ):
            sample = motion.sample_at(t, t_capture=float(t))
            if GAP[0] <= t < GAP[1]:  # what the webcam tracker hands over when it finds no hand
                sample = sample.replace(points=np.full_like(sample.points, np.nan),
                                        valid=np.zeros(len(sample.points), bool), confidence=0.0)  # fmt: skip
            writer.write(sample)


def _run(path: Path, clock) -> list[tuple[float, str, np.ndarray, np.ndarray]]:
    """Replay in (simulated) real time and render at FRAME_HZ, each frame taking the newest sample."""
    replay = ReplaySource(path, realtime=True, clock=clock, sleep=clock.sleep)
    samples = list(iter(replay.next_sample, None))  # stamped on the replay clock, recorded spacing kept
    stamps = np.array([s.t_capture for s in samples])
    pipeline = PosePipeline(MirrorSettings(intact_side="right"), loss=LOSS)
    frames = []
    for now in np.arange(stamps[0], stamps[-1], 1.0 / FRAME_HZ):
        newest = samples[int(np.searchsorted(stamps, now, side="right")) - 1]
        poses = pipeline.process(newest, now=float(now))
        frames.append((now - stamps[0], pipeline.tracking_state, np.degrees(poses.phantom.angles),
                       poses.phantom.root_position.copy()))  # fmt: skip
    return frames


def test_a_gap_holds_then_eases_to_rest_and_recovers_without_a_jump(tmp_path: Path, make_clock) -> None:
    path = tmp_path / "gap.vtrec"
    _recording_with_gap(path)
    frames = _run(path, make_clock())
    rest = np.degrees(PosePipeline(MirrorSettings(intact_side="right")).modes.neutral)
    times = np.array([f[0] for f in frames])
    states = [f[1] for f in frames]
    angles = np.array([f[2] for f in frames])

    # The states follow each other in order, each present.
    order = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    assert order == ["tracking", "holding", "resting", "recovering", "tracking"]
    # Holding: the last pose seen before the gap, unchanged.
    last_good = angles[np.flatnonzero(times < GAP[0])[-1]]
    holding = (times >= GAP[0] + 0.05) & (times < GAP[0] + LOSS.hold_s - 0.05)
    assert holding.sum() > 40 and np.array_equal(angles[holding], np.broadcast_to(last_good, angles[holding].shape))
    # At rest once hold and ease are over, still within the gap.
    at_rest = (times > GAP[0] + LOSS.hold_s + LOSS.ease_s + 0.05) & (times < GAP[1])
    assert at_rest.sum() > 20
    np.testing.assert_allclose(angles[at_rest], np.broadcast_to(rest, angles[at_rest].shape), atol=1e-9)
    # Never flung anywhere: finite, and the shoulder stays where it was.
    assert np.isfinite(angles).all()
    roots = np.array([f[3] for f in frames])
    assert np.ptp(roots, axis=0).max() < 0.01
    # Coming back: no frame-to-frame jump beyond the bound, although the pose it returns to is far
    # from rest (a jump straight there would break the bound several times over).
    steps = np.abs(np.diff(angles, axis=0)).max(axis=(1, 2))
    recovering = times[1:] >= GAP[1]
    assert steps[recovering].max() <= MAX_STEP_DEG
    first_back = np.flatnonzero(times >= GAP[1])[0]
    returned_to = angles[np.flatnonzero(times >= GAP[1] + LOSS.blend_s + 0.05)[0]]
    assert np.abs(returned_to - angles[first_back - 1]).max() > 3 * MAX_STEP_DEG
    # Whole recording, including losing the hand: the rest pose is reached gently too.
    assert steps.max() <= MAX_STEP_DEG


def test_a_stalled_tracker_counts_as_lost() -> None:
    """No new sample at all (a frozen camera) is loss too, after `stale_s`."""
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 8.0)]), noise_m=0.0)
    pipeline = PosePipeline(MirrorSettings(intact_side="right"), loss=LOSS)
    sample = motion.sample_at(1.0, t_capture=1.0)
    pipeline.process(sample, now=1.0)
    pipeline.process(sample, now=1.0 + LOSS.stale_s * 0.9)
    assert pipeline.tracking_state == "tracking"
    pipeline.process(sample, now=1.0 + LOSS.stale_s + 0.1)
    assert pipeline.tracking_state == "holding"
    pipeline.process(sample, now=1.0 + LOSS.stale_s + LOSS.hold_s + 0.1)
    assert pipeline.tracking_state == "resting"
