"""An eye's field of view from the runtime -> its projection, as a matrix and as a Panda3D lens.

OpenXR gives each eye's field of view as four angles from the view direction (`angleLeft` and
`angleDown` are negative), which makes an asymmetric (off-axis) frustum. In Panda3D that is a
`PerspectiveLens` with a focal length of 1, a film as wide and high as the tangents span and the film
offset to the frustum's centre; `projection_matrix` is the same frustum as an OpenGL matrix (the one
OpenXR's own samples build), against which the lens is tested. No `xr` import: pure numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FovAngles:
    """An XrFovf, radians: left and down negative for a view that looks between them."""

    left: float
    right: float
    up: float
    down: float

    def __post_init__(self) -> None:
        for name in ("left", "right", "up", "down"):
            if not abs(getattr(self, name)) < math.pi / 2:
                raise ValueError(f"field of view angle {name}={getattr(self, name)!r} is not within +-90 degrees")
        if not (self.left < self.right and self.down < self.up):
            raise ValueError(f"empty field of view {self}")

    @property
    def tangents(self) -> tuple[float, float, float, float]:
        """(tan left, tan right, tan up, tan down)."""
        return math.tan(self.left), math.tan(self.right), math.tan(self.up), math.tan(self.down)


def projection_matrix(fov: FovAngles, near: float, far: float) -> np.ndarray:
    """(4, 4) OpenGL projection (column vectors, eye looking down -Z, Y up, clip z in [-1, 1])."""
    tl, tr, tu, td = fov.tangents
    w, h = tr - tl, tu - td
    m = np.zeros((4, 4))
    m[0, 0] = 2.0 / w
    m[0, 2] = (tr + tl) / w
    m[1, 1] = 2.0 / h
    m[1, 2] = (tu + td) / h
    m[2, 2] = -(far + near) / (far - near)
    m[2, 3] = -2.0 * far * near / (far - near)
    m[3, 2] = -1.0
    return m


@dataclass(frozen=True)
class LensFilm:
    """A Panda3D PerspectiveLens with focal length 1 seeing exactly a FovAngles frustum."""

    size: tuple[float, float]
    offset: tuple[float, float]


def lens_film(fov: FovAngles) -> LensFilm:
    tl, tr, tu, td = fov.tangents
    return LensFilm(size=(tr - tl, tu - td), offset=((tr + tl) / 2.0, (tu + td) / 2.0))


def apply_to_lens(lens, fov: FovAngles, near: float, far: float) -> None:
    """Set a Panda3D `PerspectiveLens` to `fov` (film in units of the focal length)."""
    film = lens_film(fov)
    lens.setFocalLength(1.0)
    lens.setFilmSize(*film.size)
    lens.setFilmOffset(*film.offset)
    lens.setNearFar(near, far)
