"""The drawn hand from real MediaPipe landmarks (photographs in ../shared/data, labelled by eye): an open
hand is drawn open and flat, a fist closed, a pointing index alone, a pinch as an "O"; measured on the
posed skeleton of the virtual (mirrored) hand, and the silhouettes of open hand and fist differ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.real_hands import drawn_from_photo
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.kinematics import forward_kinematics
from vrtherapy.motion.pipeline import FramePoses
from vrtherapy.motion.skeleton import FINGERS, build_arm_skeleton
from vrtherapy.render.capture import grab_rgb
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.tracking.sample import other_side

PHOTOS = {"open": ("r2_c5", "left"), "fist": ("r2_c3", "left"), "pointing": ("r0_c6", "left"),
          "pinch": ("r1_c1", "right")}  # fmt: skip


def _drawn(shared_data: Path, shape: str, align: bool) -> FramePoses:
    """The hand alone, attached to a forearm resting on the table: the photographs' arms are raised in
    all directions, and the hand's shape is what is compared (`align`: see `drawn_from_photo`)."""
    name, side = PHOTOS[shape]
    return drawn_from_photo(shared_data, name, side, align)


def _tips_from_palm(poses: FramePoses) -> tuple[np.ndarray, float]:
    """Thumb and finger tips' distances from the palm's centre, and thumb tip to index tip, in hand lengths."""
    assert poses.phantom is not None
    skeleton = build_arm_skeleton(poses.phantom.side)
    _, positions = forward_kinematics(skeleton, poses.phantom.angles)
    tips = positions[[skeleton.index(f"{d}_tip") for d in ("thumb", *FINGERS)]]
    length = skeleton.dimensions.hand_length
    return np.linalg.norm(tips - positions[skeleton.index("palm")], axis=1) / length, float(
        np.linalg.norm(tips[0] - tips[1]) / length)


@pytest.fixture(scope="module")
def drawn(shared_data: Path) -> dict[str, FramePoses]:
    return {shape: _drawn(shared_data, shape, align=True) for shape in PHOTOS}


def test_the_drawn_hand_takes_the_photographed_shape(drawn) -> None:
    open_tips, _ = _tips_from_palm(drawn["open"])
    fist_tips, _ = _tips_from_palm(drawn["fist"])
    assert (open_tips[1:] >= 0.5).all(), open_tips  # fingertips far from the palm: open, flat
    assert (fist_tips[1:] <= 0.3).all(), fist_tips  # curled onto the palm
    pointing, _ = _tips_from_palm(drawn["pointing"])
    assert pointing[1] >= 0.55 and (pointing[2:] <= 0.3).all(), pointing  # the index alone
    pinch, gap = _tips_from_palm(drawn["pinch"])
    assert gap <= 0.2 and pinch[1] >= 0.35, (gap, pinch)  # thumb meets a bent, not folded, index: an "O"


def test_open_hand_and_fist_silhouettes_differ(showbase, shared_data: Path) -> None:
    from vrtherapy.render.app import TherapyScene

    phantom = other_side(PHOTOS["open"][1])  # type: ignore[arg-type]
    scene = TherapyScene(showbase, load_scene(), {phantom: build_arm_skeleton(phantom)}, Appearance(), with_hud=False)
    try:
        scene.show(FramePoses(None, None, None))
        empty = grab_rgb(showbase).astype(int)
        masks = {}
        for shape in ("open", "fist"):
            scene.show(_drawn(shared_data, shape, align=False))
            masks[shape] = np.abs(grab_rgb(showbase).astype(int) - empty).sum(axis=2) > 30
    finally:
        scene.destroy()
    open_mask, fist_mask = masks["open"], masks["fist"]
    assert open_mask.sum() > 1.05 * fist_mask.sum()  # extended fingers cover more of the table
    union = (open_mask | fist_mask).sum()
    assert (open_mask & fist_mask).sum() / union < 0.9
    assert (open_mask & ~fist_mask).sum() > 150
