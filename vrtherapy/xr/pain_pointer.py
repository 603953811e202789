"""Answering the pain question with a tracked hand: point at a number and hold it there. Pure numpy.

The headset shows a row of tiles 0-10 and a "Skip" tile on a panel in front of the patient. A hand
that points (index finger straight, the other three fingers curled: the gesture anyone makes towards
a button) casts a ray along the index finger; the tile the ray meets lights up and fills over
`DWELL_S`. Held there, the number is the answer (Skip goes on without one). Moving the ray off the tile
cancels. One hand does all of it, with no pinch (weak or missing fingers on the intact hand are
common after a stroke), and an open or resting hand never selects anything: it is not pointing.

Everything is in the room's frame (metres, Z up, +Y forward, `frames.py`). The panel sits at the
height of the patient's eyes, ahead and a little down, facing the eye point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vrtherapy.tracking.sample import HAND_LANDMARKS, HAND_OFFSET

DWELL_S = 1.2  #: pointing this long at one tile chooses it
PANEL_DISTANCE_M, PANEL_DROP_M = 0.9, 0.30  #: ahead of the eye point, and below it
TILE_M, GAP_M = 0.07, 0.008  #: one number tile's side (about 4.5 degrees: large for a shaky hand), the gap
SKIP_SIZE_M = (0.2, 0.06)
STRAIGHT_COS = 0.85  #: the index counts as pointing when its segments are within ~30 degrees
CURLED_RATIO = 0.75  #: ... and each other finger's tip is nearer the wrist than this share of its length

_L = {name: HAND_OFFSET + i for i, name in enumerate(HAND_LANDMARKS)}


@dataclass(frozen=True)
class Tile:
    label: str
    centre: tuple[float, float]  #: (u, v) on the panel: u to the patient's right, v up, metres
    size: tuple[float, float]
    score: int | None  #: the answer it gives; None: skip the question

    def contains(self, u: float, v: float) -> bool:
        return abs(u - self.centre[0]) <= self.size[0] / 2 and abs(v - self.centre[1]) <= self.size[1] / 2


def tiles() -> tuple[Tile, ...]:
    """0-10 in a row, centred; Skip below it."""
    pitch = TILE_M + GAP_M
    row = tuple(Tile(str(n), ((n - 5) * pitch, 0.0), (TILE_M, TILE_M), n) for n in range(11))
    return row + (Tile("Skip", (0.0, -(TILE_M + SKIP_SIZE_M[1]) / 2 - 2 * GAP_M), SKIP_SIZE_M, None),)


@dataclass(frozen=True)
class Panel:
    """Where the tiles are: the centre and the panel's right/up/normal axes (world)."""

    centre: np.ndarray
    right: np.ndarray
    up: np.ndarray
    normal: np.ndarray  #: towards the patient

    @classmethod
    def facing(cls, eye: np.ndarray, look_at: np.ndarray) -> Panel:
        forward = np.asarray(look_at, float) - np.asarray(eye, float)
        forward[2] = 0.0
        forward /= np.linalg.norm(forward)
        up = np.array([0.0, 0.0, 1.0])
        right = np.cross(forward, up)
        centre = np.asarray(eye, float) + forward * PANEL_DISTANCE_M - up * PANEL_DROP_M
        return cls(centre, right, up, -forward)

    def hit(self, origin: np.ndarray, direction: np.ndarray) -> tuple[float, float] | None:
        """(u, v) where the ray meets the panel, or None (pointing away or along it)."""
        facing = float(direction @ -self.normal)
        if facing < 0.2:  # more than ~78 degrees off the panel's normal, or away from it
            return None
        distance = float((self.centre - origin) @ -self.normal) / facing
        if distance <= 0:
            return None
        point = origin + distance * direction - self.centre
        return float(point @ self.right), float(point @ self.up)


def pointing_ray(points: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The index finger's ray (origin at its knuckle, unit direction) when the hand points; else None."""
    needed = ["wrist", "index_mcp", "index_pip", "index_tip"] + [f"{f}_{j}" for f in ("middle", "ring", "pinky")
                                                                for j in ("mcp", "tip")]  # fmt: skip
    if not all(valid[_L[n]] for n in needed):
        return None
    p = {n: points[_L[n]] for n in needed}
    base, middle = p["index_pip"] - p["index_mcp"], p["index_tip"] - p["index_pip"]
    if min(np.linalg.norm(base), np.linalg.norm(middle)) < 1e-4:
        return None
    if float(base @ middle) / (np.linalg.norm(base) * np.linalg.norm(middle)) < STRAIGHT_COS:
        return None  # the index is bent: not pointing
    for finger in ("middle", "ring", "pinky"):
        length = np.linalg.norm(p[f"{finger}_mcp"] - p["wrist"]) + 0.6 * np.linalg.norm(base + middle)
        if np.linalg.norm(p[f"{finger}_tip"] - p["wrist"]) > CURLED_RATIO * length:
            return None  # an open hand, or two fingers out: not pointing
    direction = p["index_tip"] - p["index_mcp"]
    return p["index_mcp"], direction / np.linalg.norm(direction)


@dataclass
class DwellChooser:
    """Pointing at one tile for `DWELL_S` chooses it; the choice is made once per visit to a tile."""

    panel: Panel
    layout: tuple[Tile, ...] = tiles()
    pointed: Tile | None = None
    pointer: tuple[float, float] | None = None  #: where the ray meets the panel (u, v), if it does
    _since: float = 0.0
    _chosen: bool = False

    def progress(self, now: float) -> float:
        """0..1: how far the pointed tile is towards being chosen."""
        return 0.0 if self.pointed is None or self._chosen else min(1.0, (now - self._since) / DWELL_S)

    def update(self, ray: tuple[np.ndarray, np.ndarray] | None, now: float) -> Tile | None:
        """The tile chosen this frame, if one is."""
        self.pointer = None if ray is None else self.panel.hit(*ray)
        tile = None if self.pointer is None else next((t for t in self.layout if t.contains(*self.pointer)), None)
        if tile != self.pointed:
            self.pointed, self._since, self._chosen = tile, now, False
            return None
        if tile is not None and not self._chosen and now - self._since >= DWELL_S:
            self._chosen = True
            return tile
        return None
