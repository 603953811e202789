"""The webcam tracker's plumbing: sources, handedness, hand selection, specs, recording and replay."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vrtherapy.cli import main
from vrtherapy.errors import VrtherapyError
from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.therapy.tracker_factory import open_source, parse_tracker_spec
from vrtherapy.tracking.frame_sources import ImageFolderSource
from vrtherapy.tracking.hand_selection import MAX_WRIST_GAP, POSE_WRIST, select_hand
from vrtherapy.tracking.handedness import own_side
from vrtherapy.tracking.mediapipe_detect import HandObservation, PoseObservation
from vrtherapy.tracking.mediapipe_source import MediaPipeSource, body_to_world
from vrtherapy.tracking.recording import read_recording
from vrtherapy.tracking.replay import ReplaySource
from vrtherapy.tracking.sample import HAND_OFFSET


def test_mediapipe_label_names_the_other_hand_on_an_ordinary_image() -> None:
    assert own_side("Left") == "right" and own_side("Right") == "left"
    assert own_side("Left", mirrored=True) == "left"
    with pytest.raises(ValueError):
        own_side("left")


def _hand(side: str, wrist_xy: tuple[float, float], size: float = 0.1) -> HandObservation:
    image = np.zeros((21, 3))
    image[:, :2] = np.asarray(wrist_xy) + np.linspace(0, size, 21)[:, None]
    return HandObservation(side, "Left" if side == "right" else "Right", 0.9, image, np.zeros((21, 3)))


def _pose(right_wrist_xy: tuple[float, float]) -> PoseObservation:
    image, world, visibility = np.zeros((33, 3)), np.zeros((33, 3)), np.ones(33)
    image[POSE_WRIST["right"], :2] = right_wrist_xy
    image[11, :2], image[12, :2] = (0.65, 0.3), (0.35, 0.3)  # shoulders of a body at webcam distance
    world[11], world[12] = (0.18, -0.45, 0.0), (-0.18, -0.45, 0.0)
    return PoseObservation(image, world, visibility)


def test_the_hand_at_the_patients_wrist_is_chosen_and_a_therapists_is_ignored() -> None:
    patient, therapist = _hand("right", (0.30, 0.60)), _hand("right", (0.70, 0.40), size=0.2)
    left = _hand("left", (0.31, 0.61))
    assert select_hand((therapist, left, patient), "right", _pose((0.31, 0.60))) is patient
    # The therapist's hand alone, far from the patient's wrist: nobody's hand is tracked.
    assert select_hand((therapist,), "right", _pose((0.30, 0.60))) is None
    assert MAX_WRIST_GAP < 0.4


def test_without_the_body_the_hand_followed_last_frame_is_kept() -> None:
    near, big = _hand("right", (0.30, 0.60), size=0.05), _hand("right", (0.70, 0.40), size=0.2)
    assert select_hand((near, big), "right", None) is big  # first frame: the largest (nearest the camera)
    assert select_hand((near, big), "right", None, previous_wrist=np.array([0.31, 0.6])) is near


def test_body_frame_puts_the_shoulders_on_the_x_axis() -> None:
    pose = np.zeros((33, 3))
    pose[11], pose[12] = [-0.1, 0.2, 0.9], [0.1, -0.1, 0.95]  # left, right shoulders, body turned
    rotation, offset = body_to_world(pose)
    left, right = pose[11] @ rotation.T + offset, pose[12] @ rotation.T + offset
    assert right[0] > left[0] and abs(right[1] - left[1]) < 1e-12
    np.testing.assert_allclose((left + right) / 2, [0.0, -0.03, 1.07], atol=0.03)
    np.testing.assert_allclose(np.linalg.det(rotation), 1.0)


@pytest.mark.parametrize("spec, message", [
    ("webcam", "unknown tracker"), ("mediapipe", "needs a source"), ("mediapipe:0,upside", "unknown option"),
    ("synthetic:3", "takes no source"),
])  # fmt: skip
def test_bad_tracker_specs(spec: str, message: str) -> None:
    with pytest.raises(VrtherapyError, match=message):
        parse_tracker_spec(spec)


def test_tracker_spec_options() -> None:
    spec = parse_tracker_spec("mediapipe:clip.mp4,mirrored,view=top")
    assert (spec.kind, spec.target, spec.mirrored, spec.view) == ("mediapipe", "clip.mp4", True, "top")


@pytest.mark.parametrize("argv", [
    ["demo", "--tracker", "mediapipe:9", "--seconds", "1"],
    ["record", "--tracker", "mediapipe:9", "--output", "{tmp}/x.vtrec"],
    ["track", "{tmp}/missing.mp4"],
    ["track", "{tmp}/not-a-video.mp4"],
])  # fmt: skip
def test_missing_camera_or_unreadable_video_is_one_line(argv: list[str], tmp_path: Path, capsys) -> None:
    (tmp_path / "not-a-video.mp4").write_text("this is not a video")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("vrtherapy: ") and "Traceback" not in err[0]
    assert not (tmp_path / "x.vtrec").exists()


def test_image_folder_recording_replays_bit_for_bit_and_latency_reaches_the_frame(shared_data: Path,
                                                                                   tmp_path: Path) -> None:  # fmt: skip
    folder = shared_data / "hands/freihand"  # eight photographs, read in place
    recording = tmp_path / "photos.vtrec"
    assert main(["record", "--tracker", f"mediapipe:{folder}", "--output", str(recording)]) == 0
    header, recorded = read_recording(recording)
    assert header.source["tracker"] == "mediapipe" and len(recorded) == 8
    assert all(s.valid.all() for s in recorded)  # a hand in every photo (attached to a resting arm)

    # The same images tracked again give the very same numbers the replay hands over.
    direct = MediaPipeSource(ImageFolderSource(folder), "right", hand_to_arm=arm_points_from_hand, still_images=True)
    replay = ReplaySource(recording, realtime=False)
    pipeline = PosePipeline(MirrorSettings(intact_side="right"))
    for expected in recorded:
        again, replayed = direct.next_sample(), replay.next_sample()
        assert np.array_equal(replayed.points, expected.points) and np.array_equal(again.points, expected.points)
        # Each sample's capture time is what the frame showing it carries (the delay is measured from it).
        assert pipeline.process(replayed).phantom.t_capture == replayed.t_capture
    assert replay.next_sample() is None and direct.next_sample() is None
    direct.close()


def test_a_synthetic_or_replay_source_keeps_its_interface(tmp_path: Path) -> None:
    source = open_source("synthetic", "right", "arm", schedule=[("fist_open_close", 2.0)])
    sample = source.next_sample()
    assert sample.points.shape == (HAND_OFFSET + 21, 3) and sample.side == "right"


def test_bench_measures_tracking_on_and_off_in_one_run(shared_data: Path) -> None:
    from vrtherapy.bench_tracking import bench_tracking

    frames: list[int] = []
    result = bench_tracking(frames.append, shared_data / "motion/handpose3d/cam1.mp4", blocks=1, seconds=0.4)
    assert result["tracker_error"] is None and result["frames_tracked"] > 0
    assert result["inference_ms_p95"] >= result["inference_ms_median"] > 0
    assert result["render_fps_tracking_off"] > 0 and result["max_fps_tracking_on"] > 0
    ratio = result["render_fps_tracking_on"] / result["render_fps_tracking_off"]  # of the rounded figures
    assert result["fps_ratio"] == pytest.approx(ratio, abs=0.002)
    assert len(frames) > 10
    assert "skipped" in bench_tracking(frames.append, shared_data / "no-such-video.mp4")
