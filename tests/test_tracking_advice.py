"""Saying what is wrong, within 2 s, on real footage: a hand of the other side, no usable limb; and
`record` refusing a recording with under half its samples usable unless asked to keep it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vrtherapy.cli import main
from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.tracking.frame_sources import ImageFolderSource, VideoFileSource
from vrtherapy.tracking.mediapipe_source import CameraSettings, MediaPipeSource
from vrtherapy.tracking.tracking_advice import FrameFinding, TrackingAdvisor, usable_report


def _advice_within(source: MediaPipeSource, seconds: float) -> tuple[str, float]:
    """The first advice the source gives and when (seconds of footage), looking at most `seconds`."""
    t0 = None
    try:
        while (sample := source.next_sample()) is not None:
            t0 = sample.t_capture if t0 is None else t0
            if source.advice:
                return source.advice, sample.t_capture - t0
            if sample.t_capture - t0 > seconds:
                break
    finally:
        source.close()
    return "", float("inf")


def test_a_right_hand_in_a_left_session_is_named_with_what_to_change(shared_data: Path) -> None:
    video = shared_data / "motion/handpose3d/cam1.mp4"  # a person's right hand
    source = MediaPipeSource(VideoFileSource(video, realtime=False), "left", hand_to_arm=arm_points_from_hand)
    advice, after = _advice_within(source, 2.0)
    assert after <= 2.0, "no advice within 2 s"
    assert advice.startswith("Only a right hand is in view") and "follows the left hand" in advice
    assert "add ',mirrored'" in advice and "\n" not in advice
    # Already set to mirrored: the advice is to take it off.
    mirrored = MediaPipeSource(VideoFileSource(video, mirrored=True, realtime=False), "right",
                               camera=CameraSettings(mirrored=True), hand_to_arm=arm_points_from_hand)  # fmt: skip
    advice, after = _advice_within(mirrored, 2.0)
    assert after <= 2.0 and "remove ',mirrored'" in advice


def test_no_usable_limb_is_named_with_the_camera_view(shared_data: Path, tmp_path: Path) -> None:
    # A studio camera far from the person: the hands are too small to track (real photograph, as 2 s of video).
    photo = shared_data / "people/upper_body/h36m_S1_Directions_1.jpg"
    for i in range(60):
        (tmp_path / f"{i:03d}.jpg").symlink_to(photo)
    source = MediaPipeSource(ImageFolderSource(tmp_path, fps=30.0), "right", hand_to_arm=arm_points_from_hand)
    advice, after = _advice_within(source, 2.0)
    assert after <= 2.0 and advice.startswith("No usable right hand in view") and "view=top" in advice
    # A leg session on a close-up of a hand: no leg.
    video = shared_data / "motion/handpose3d/cam0.mp4"
    leg = MediaPipeSource(VideoFileSource(video, realtime=False), "right", "leg")
    advice, after = _advice_within(leg, 2.0)
    assert after <= 2.0 and advice.startswith("No usable right leg")


def test_the_advisor_clears_when_the_limb_returns_and_keeps_the_tally() -> None:
    advisor = TrackingAdvisor("right")
    for i in range(40):
        advisor.update(FrameFinding(i / 30, False, frozenset({"left"})))
    assert advisor.advice.startswith("Only a left hand")
    advisor.update(FrameFinding(41 / 30, True, frozenset({"right"})))
    assert advisor.advice == "" and advisor.last_advice.startswith("Only a left hand")
    assert advisor.frames == 41 and advisor.usable == 1
    assert advisor.overall().startswith("Only a left hand")  # judged over all frames, for the closing line
    quick = TrackingAdvisor("right")
    quick.update(FrameFinding(0.0, False, frozenset()))  # too short for the live advice, not for the closing one
    assert quick.advice == "" and quick.overall().startswith("No usable right hand")
    line, too_few = usable_report(1, 41, "right", "arm", advisor.last_advice)
    assert too_few and line.startswith("1 of 41 samples (2%) tracked the right arm, under 50%. Only a left hand")
    assert usable_report(30, 41, "right", "arm") == ("30 of 41 samples (73%) tracked the right arm", False)


def test_record_refuses_a_wrong_side_recording_unless_asked_to_keep_it(shared_data: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:  # fmt: skip
    video = shared_data / "motion/handpose3d/cam1.mp4"
    out = tmp_path / "left.vtrec"
    args = ["record", "--tracker", f"mediapipe:{video}", "--side", "left", "--seconds", "3", "--output", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tracked the left arm, under 50%" in err[0] and "Only a right hand" in err[0], err
    assert "--keep-partial" in err[0] and not out.exists()
    assert main([*args, "--keep-partial"]) == 0
    assert out.exists() and "tracked the left arm" in capsys.readouterr().err


def test_the_advice_fits_on_the_hud(showbase) -> None:
    """The line is long (what to change and how): on the HUD it wraps, and every line stays on screen."""
    from vrtherapy.render.capture import grab_rgb
    from vrtherapy.render.hud import Hud
    from vrtherapy.render.hud_state import HudState

    advisor = TrackingAdvisor("right")
    for i in range(40):
        advisor.update(FrameFinding(i / 30, False, frozenset({"left"})))
    hud = Hud(showbase.aspect2d, showbase.getAspectRatio())
    try:
        hud.update(HudState(notice=advisor.advice))
        showbase.graphicsEngine.renderFrame()
        showbase.graphicsEngine.renderFrame()
        rgb = grab_rgb(showbase).astype(int)
        assert hud._notice.textNode.getNumRows() >= 2
    finally:
        hud.destroy()
    warm = (rgb[..., 0] > 180) & (rgb[..., 0] - rgb[..., 2] > 40)  # the notice's cream text
    cols = np.flatnonzero(warm.any(axis=0))
    rows = np.flatnonzero(warm.any(axis=1))
    assert cols.size and cols.min() > 0 and cols.max() < rgb.shape[1] - 1  # not cut off at either side
    assert rows.max() < rgb.shape[0] - 1 and rows.min() > rgb.shape[0] // 2  # at the bottom, inside the frame
