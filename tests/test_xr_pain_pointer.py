"""Answering the pain question by pointing (pure geometry, no runtime): the pointing gesture is told
from an open or resting hand, the ray finds the tile it points at, and holding it there chooses it once."""

from __future__ import annotations

import numpy as np

from vrtherapy.tracking.sample import ARM_POINTS, HAND_LANDMARKS, HAND_OFFSET
from vrtherapy.xr.pain_pointer import DWELL_S, DwellChooser, Panel, pointing_ray, tiles

EYE, LOOK = np.array([0.0, -0.35, 1.2]), np.array([0.0, 0.3, 1.2])
PANEL = Panel.facing(EYE, LOOK)


def hand(direction, curled=True, knuckle=(0.15, 0.2, 0.85)) -> tuple[np.ndarray, np.ndarray]:
    """Arm landmarks of a right hand whose index runs along `direction` (the others curled, or all out)."""
    d = np.asarray(direction, float) / np.linalg.norm(direction)
    side = np.cross(d, [0.0, 0.0, 1.0])
    side /= np.linalg.norm(side)
    points = np.zeros((len(ARM_POINTS), 3))
    at = {n: HAND_OFFSET + i for i, n in enumerate(HAND_LANDMARKS)}
    mcp = np.asarray(knuckle, float)
    wrist = mcp - 0.09 * d
    points[at["wrist"]] = wrist
    for k, finger in enumerate(("index", "middle", "ring", "pinky")):
        base = mcp + side * 0.02 * k
        out = finger == "index" or not curled
        for j, joint in enumerate(("mcp", "pip", "dip", "tip")):
            curled_back = base - 0.01 * d * (j > 0)  # folded into the palm, the tip by the knuckle
            points[at[f"{finger}_{joint}"]] = base + d * 0.03 * j if out else curled_back
    for j, joint in enumerate(("cmc", "mcp", "ip", "tip")):
        points[at[f"thumb_{joint}"]] = wrist + side * -0.02 * j
    return points, np.ones(len(ARM_POINTS), bool)


def aimed_at(label: str, origin=(0.15, 0.2, 0.85)) -> np.ndarray:
    tile = next(t for t in tiles() if t.label == label)
    target = PANEL.centre + tile.centre[0] * PANEL.right + tile.centre[1] * PANEL.up
    return target - np.asarray(origin)


def test_pointing_is_told_from_an_open_hand_and_a_bent_finger():
    assert pointing_ray(*hand(aimed_at("3"))) is not None
    assert pointing_ray(*hand(aimed_at("3"), curled=False)) is None  # an open hand never selects
    points, valid = hand(aimed_at("3"))
    valid[HAND_OFFSET + HAND_LANDMARKS.index("index_tip")] = False
    assert pointing_ray(points, valid) is None  # a finger the tracker lost is not a gesture


def test_the_ray_finds_each_tile_it_points_at():
    chooser = DwellChooser(PANEL)
    for tile in tiles():
        chooser.update(pointing_ray(*hand(aimed_at(tile.label))), 0.0)
        assert chooser.pointed == tile, tile.label
    assert PANEL.hit(np.array([0.0, 0.2, 0.9]), np.array([0.0, -1.0, 0.0])) is None  # pointing away


def test_holding_a_tile_chooses_it_once_and_moving_off_cancels():
    chooser = DwellChooser(PANEL)
    four, six = pointing_ray(*hand(aimed_at("4"))), pointing_ray(*hand(aimed_at("6")))
    assert chooser.update(four, 0.0) is None and chooser.update(four, DWELL_S * 0.6) is None
    assert 0.5 < chooser.progress(DWELL_S * 0.6) < 0.7
    assert chooser.update(six, DWELL_S * 0.9) is None  # moved on: starts again
    assert chooser.update(six, DWELL_S * 1.5) is None
    chosen = chooser.update(six, DWELL_S * 2.0)
    assert chosen is not None and chosen.score == 6
    assert chooser.update(six, DWELL_S * 5) is None  # once per visit
    skip = chooser.update(pointing_ray(*hand(aimed_at("Skip"))), 10.0) or chooser.update(
        pointing_ray(*hand(aimed_at("Skip"))), 10.0 + 2 * DWELL_S)  # fmt: skip
    assert skip is not None and skip.score is None
