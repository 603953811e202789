"""The calibrated flexion scale (0 straight, 1 fully curled, 0.5 between) on real hands in ../shared/data.

Labels: `hands/interhand/image2017.jpg` and the 2D keypoints from the data README; the HaGRID photographs
(`people/hagrid/`, whose README entry gives no per-finger labels) labelled by eye for this test, hand by
hand (the person's own side), fingers index, middle, ring, little; E extended, C curled. Photographs
whose hands are too small or blurred to judge, and two-hand shapes (hearts), are left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vrtherapy.motion.finger_curl import CURL_BOUNDARY, DIGITS, full_curl_sum_deg, planar_finger_curl
from vrtherapy.offline_analysis import track_frames
from vrtherapy.therapy.exercises import EXERCISES

#: (file, side, fingers index..little); "open" and "fist" shapes are also checked against the scale's ends.
LABELS: list[tuple[str, str, str]] = [
    ("people/hagrid/hagrid_samples_r0_c1.jpg", "right", "CCCC"),  # fist, thumb out
    ("people/hagrid/hagrid_samples_r0_c3.jpg", "left", "ECCC"),  # "frame": index and thumb out
    ("people/hagrid/hagrid_samples_r0_c3.jpg", "right", "ECCC"),
    ("people/hagrid/hagrid_samples_r0_c4.jpg", "left", "ECCC"),  # "L"
    ("people/hagrid/hagrid_samples_r0_c6.jpg", "left", "ECCC"),  # pointing up
    ("people/hagrid/hagrid_samples_r0_c6.jpg", "right", "ECCC"),
    ("people/hagrid/hagrid_samples_r1_c2.jpg", "right", "CCCC"),  # fist
    ("people/hagrid/hagrid_samples_r1_c4.jpg", "left", "EEEE"),  # palms together, fingers straight
    ("people/hagrid/hagrid_samples_r1_c5.jpg", "left", "CECC"),  # middle finger up
    ("people/hagrid/hagrid_samples_r2_c0.jpg", "right", "CECC"),
    ("people/hagrid/hagrid_samples_r2_c1.jpg", "right", "CCCC"),  # fist, palm to the camera
    ("people/hagrid/hagrid_samples_r2_c3.jpg", "left", "CCCC"),  # fist
    ("people/hagrid/hagrid_samples_r2_c5.jpg", "left", "EEEE"),  # open palm
    ("people/hagrid/hagrid_samples_r2_c6.jpg", "left", "ECCC"),  # "frame"
    ("people/hagrid/hagrid_samples_r2_c6.jpg", "right", "ECCC"),
    ("people/hagrid/hagrid_samples_r3_c0.jpg", "right", "CCCC"),  # thumb down, fingers in a fist
    ("people/hagrid/hagrid_samples_r3_c3.jpg", "left", "ECCC"),  # "L"
    ("people/hagrid/hagrid_samples_r3_c3.jpg", "right", "ECCC"),
    ("hands/interhand/image2017.jpg", "right", "CCCC"),  # thumbs up (README: E C C C C)
]
FINGER_NAMES = DIGITS[1:]


@pytest.fixture(scope="module")
def measured(shared_data: Path) -> dict[tuple[str, str], np.ndarray]:
    """(file, side) -> the five digits' flexion (thumb first) as `track --json` reports it."""
    out: dict[tuple[str, str], np.ndarray] = {}
    for name in sorted({n for n, _, _ in LABELS}):
        [frame] = list(track_frames(str(shared_data / name), pose=False))
        for hand in frame["hands"]:
            out.setdefault((name, hand["side"]), np.array([hand["finger_flexion"][f] for f in DIGITS]))
    return out


def test_open_hands_read_near_0_and_fists_near_1(measured) -> None:
    for name, side, fingers in LABELS:
        assert (name, side) in measured, f"{name}: no {side} hand found"
        flexion = measured[(name, side)][1:]
        if fingers == "EEEE":
            assert (flexion <= 0.25).all(), (name, side, flexion)
        if fingers == "CCCC":
            assert (flexion >= 0.75).all(), (name, side, flexion)


def test_labelled_fingers_fall_on_the_right_side_of_one_half(measured) -> None:
    right, wrong = 0, []
    for name, side, fingers in LABELS:
        for finger, label, value in zip(FINGER_NAMES, fingers, measured[(name, side)][1:], strict=True):
            if (value >= CURL_BOUNDARY) == (label == "C"):
                right += 1
            else:
                wrong.append((Path(name).name, side, finger, label, float(value)))
    assert right / (right + len(wrong)) >= 0.9, wrong


def test_the_thumbs_up_thumb_reads_extended(measured) -> None:
    thumb_up = measured[("hands/interhand/image2017.jpg", "right")]
    assert thumb_up[0] <= 0.25 and thumb_up[1:].min() >= 0.75


def test_2d_keypoints_on_the_same_scale(shared_data: Path) -> None:
    """4,450 real MediaPipe samples, 2D only (Open, Close, Pointer): the image-plane reading of the scale."""
    data = np.loadtxt(shared_data / "landmarks/gesture_keypoints.csv", delimiter=",")
    labels, points = data[:, 0].astype(int), data[:, 1:].reshape(-1, 21, 2)
    curled = {0: [0, 0, 0, 0], 1: [1, 1, 1, 1], 2: [0, 1, 1, 1]}  # index..little
    wanted = np.array([curled[k] for k in labels], bool)
    fingers = planar_finger_curl(points)[:, 1:]
    right = (fingers >= CURL_BOUNDARY) == wanted
    assert right.mean() >= 0.9, right.mean()
    assert np.median(fingers[labels == 0]) <= 0.25 and np.median(fingers[labels == 1]) >= 0.75


def test_finger_exercises_count_on_the_scale() -> None:
    fist = EXERCISES["fist_open_close"].reps
    assert fist is not None and fist.unit == "" and 0 < fist.low < CURL_BOUNDARY < fist.high <= 1
    assert fist.scale == pytest.approx(1 / full_curl_sum_deg("index"))


def test_track_reports_the_image_plane_reading_beside_the_3d_one(shared_data: Path) -> None:
    """The 2D reading of a palm-on open hand and a palm-on fist agrees with the 3D one."""
    for name, side, fingers in (("people/hagrid/hagrid_samples_r2_c5.jpg", "left", "EEEE"),
                                ("people/hagrid/hagrid_samples_r2_c1.jpg", "right", "CCCC")):  # fmt: skip
        [frame] = list(track_frames(str(shared_data / name), pose=False))
        [hand] = [h for h in frame["hands"] if h["side"] == side]
        image = np.array([hand["finger_flexion_image"][f] for f in FINGER_NAMES])
        assert ((image >= CURL_BOUNDARY) == (np.array(list(fingers)) == "C")).all(), (name, image)
