"""Procedural surface textures for the room: wood floor, furniture veneer, plaster, fabric, table laminate, a landscape.

Untextured boxes read as a computer model, not a room. Each material here is a small texture made
by the project with numpy (no downloaded assets), tileable, and close to grey around 1.0 so that it
modulates the colour a scene file gives a surface instead of replacing it (textures are stored scaled
down by `texture_gain` and the surface colours raised by it); only `landscape` (the view
through a window: sky, distant hills, a horizon) carries its own colours and is stretched once over its
face. Textures are mipmapped, so they stay calm at a distance, and made once per process.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
from panda3d.core import SamplerState, Texture

#: Material name -> metres one repeat of its texture covers (None: stretched once over the face).
MATERIALS: dict[str, float | None] = {
    "plain": 1.0,
    "wood": 1.2,
    "veneer": 0.8,
    "plaster": 1.6,
    "fabric": 0.30,
    "laminate": 0.9,
    "landscape": None,
}
_SIZE = 256


def _noise(rng: np.random.Generator, size: int, cells: int, wrap: bool = True) -> np.ndarray:
    """Smooth value noise in about -1..1, tileable when `wrap`."""
    coarse = rng.uniform(-1.0, 1.0, (cells, cells)).astype(np.float32)
    if wrap:
        coarse = np.pad(coarse, 1, mode="wrap")
        big = cv2.resize(coarse, (size + 2 * size // cells, size + 2 * size // cells), interpolation=cv2.INTER_CUBIC)
        start = size // cells
        return big[start : start + size, start : start + size]
    return cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)


def _wood(rng: np.random.Generator) -> np.ndarray:
    """Floor boards along v: eight across, each its own shade, grain along, dark seams, staggered ends."""
    size = 512
    planks = 8
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    plank = (x // (size / planks)).astype(int)
    shade = rng.uniform(0.90, 1.08, planks)[plank]
    warp = _noise(rng, size, 8) * 6.0
    grain = 0.035 * np.sin((x + warp * 3.0) * 0.9 + _noise(rng, size, 4) * 4.0) + 0.03 * _noise(rng, size, 32)
    across = (x % (size / planks)) / (size / planks)
    seam = np.minimum(across, 1.0 - across) * (size / planks)
    value = shade + grain
    value *= np.where(seam < 1.0, 0.72, 1.0)
    ends = rng.uniform(0.0, size, planks)[plank]
    end_dist = np.abs(((y - ends) + size / 2) % size - size / 2)
    value *= np.where(end_dist < 1.0, 0.75, 1.0)
    return np.repeat(value[:, :, None], 3, axis=2)


def _veneer(rng: np.random.Generator) -> np.ndarray:
    """Furniture wood: a fine, wavy grain along v (upright on fronts and sides), no boards or seams."""
    y, x = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32)
    warp = _noise(rng, _SIZE, 4) * 10.0 + _noise(rng, _SIZE, 16) * 2.0
    grain = 0.035 * np.sin((x + warp) * (2 * np.pi / 16)) + 0.02 * np.sin((x + 0.7 * warp) * (2 * np.pi / 5.3))
    v = 1.0 + grain + 0.03 * _noise(rng, _SIZE, 8)
    return np.repeat(v[:, :, None], 3, axis=2)


def _plaster(rng: np.random.Generator) -> np.ndarray:
    v = 1.0 + 0.025 * _noise(rng, _SIZE, 6) + 0.012 * _noise(rng, _SIZE, 32)
    return np.repeat(v[:, :, None], 3, axis=2)


def _fabric(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32)
    weave = 0.05 * np.sin(x * np.pi / 2.0) * np.sin(y * np.pi / 2.0) + 0.03 * np.sin((x + y) * np.pi / 8.0)
    v = 1.0 + weave + 0.04 * _noise(rng, _SIZE, 16)
    return np.repeat(v[:, :, None], 3, axis=2)


def _laminate(rng: np.random.Generator) -> np.ndarray:
    v = 1.0 + 0.018 * _noise(rng, _SIZE, 64) + 0.012 * _noise(rng, _SIZE, 8)
    return np.repeat(v[:, :, None], 3, axis=2)


def _landscape(rng: np.random.Generator) -> np.ndarray:
    """A calm view: sky fading to haze at the horizon, two ridges of hills, a meadow (v up)."""
    w, h = 512, 256
    v = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    u = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    sky = np.stack([0.62 + 0.25 * (1 - v), 0.78 + 0.14 * (1 - v), 0.95 + 0.03 * (1 - v)], axis=2)
    image = sky
    for base, amp, color, freq in ((0.46, 0.07, (0.62, 0.70, 0.72), 3.0), (0.40, 0.05, (0.46, 0.58, 0.50), 5.0)):
        ridge = base + amp * (np.sin(u * freq * np.pi + rng.uniform(0, 6)) * 0.6 + np.sin(u * freq * 2.7 + 1.0) * 0.4)
        hill = (v < ridge)[:, :, None]
        image = np.where(hill, np.array(color, np.float32), image)
    meadow = (v < 0.30)[:, :, None]
    grass = np.stack([0.50 + 0.10 * v, 0.64 + 0.08 * v, 0.40 + 0.05 * v], axis=2)
    image = np.where(meadow, grass, image)
    return image


_MAKERS = {"wood": _wood, "veneer": _veneer, "plaster": _plaster, "fabric": _fabric, "laminate": _laminate,
           "landscape": _landscape}


@cache
def material_texture(name: str) -> Texture | None:
    """The texture of material `name` (None for 'plain')."""
    if name not in MATERIALS:
        raise ValueError(f"unknown material {name!r} (choose from {', '.join(MATERIALS)})")
    if name == "plain":
        return None
    rgb = _MAKERS[name](np.random.default_rng(sum(map(ord, name))))
    # Modulating textures vary around 1.0: stored scaled down to fit 8 bits, and the surfaces' colours
    # are raised by the same gain (`texture_gain`).
    pixels = np.clip(rgb / texture_gain(name), 0.0, 1.0)
    data = (pixels[:, :, ::-1] * 255.0 + 0.5).astype(np.uint8)  # row 0 is the bottom (v = 0), as Panda3D wants; BGR
    tex = Texture(f"material-{name}")
    tex.setup2dTexture(data.shape[1], data.shape[0], Texture.T_unsigned_byte, Texture.F_rgb)
    tex.setRamImage(np.ascontiguousarray(data).tobytes())
    wrap = SamplerState.WM_clamp if name == "landscape" else SamplerState.WM_repeat
    tex.setWrapU(wrap)
    tex.setWrapV(wrap)
    tex.setMinfilter(SamplerState.FT_linear_mipmap_nearest)  # half the reads of trilinear, under software GL
    tex.setMagfilter(SamplerState.FT_linear)
    return tex


def texture_gain(name: str) -> float:
    """How much material `name`'s texture was scaled down to fit 8 bits (surface colours are raised by it)."""
    return 1.0 if name in ("plain", "landscape") else 1.10
