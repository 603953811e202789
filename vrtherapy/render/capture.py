"""Grabbing rendered frames as numpy images (tests, demo PNGs and videos).

A RAM-copy texture is attached to the graphics output once and kept. It is in triggered mode, so the
GPU-to-RAM copy (slow under software GL) happens only for frames that are grabbed, not every frame.
"""

from __future__ import annotations

import numpy as np
from panda3d.core import GraphicsOutput, Texture

_TEXTURE_NAME = "vrtherapy-capture"


def capture_texture(win: GraphicsOutput) -> Texture:
    """The RAM-copy texture of `win`, attached on first use (found again by name afterwards)."""
    for i in range(win.countTextures()):
        tex = win.getTexture(i)
        if tex.getName() == _TEXTURE_NAME:
            return tex
    tex = Texture(_TEXTURE_NAME)
    win.addRenderTexture(tex, GraphicsOutput.RTMTriggeredCopyRam, GraphicsOutput.RTPColor)
    return tex


def grab_rgb(base) -> np.ndarray:
    """Render one frame of `base.win` and return it as an (H, W, 3) uint8 array, top row first."""
    tex = capture_texture(base.win)
    base.win.triggerCopy()
    base.graphicsEngine.renderFrame()
    return read_rgb(tex)


def read_rgb(tex: Texture) -> np.ndarray:
    """The image last copied into a capture texture, (H, W, 3) uint8 RGB, top row first."""
    data = tex.getRamImage()
    if not data:
        raise RuntimeError(f"{tex.getName()}: no image was copied back from the GPU")
    height, width, channels = tex.getYSize(), tex.getXSize(), tex.getNumComponents()
    if tex.getComponentWidth() != 1 or channels not in (3, 4):
        return _read_rgb_converted(tex)
    import cv2  # its SIMD conversions are several times faster than numpy's strided copies here

    pixels = np.frombuffer(memoryview(data), dtype=np.uint8).reshape(height, width, channels)
    # Panda stores the bottom row first and its RAM images as BGR(A).
    rgb = cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGB if channels == 4 else cv2.COLOR_BGR2RGB)
    return cv2.flip(rgb, 0)


def _read_rgb_converted(tex: Texture) -> np.ndarray:
    data = tex.getRamImageAs("RGB")
    rows = np.frombuffer(memoryview(data), dtype=np.uint8).reshape(tex.getYSize(), tex.getXSize(), 3)
    return np.ascontiguousarray(rows[::-1])
