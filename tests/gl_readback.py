"""GL textures in Panda3D's context for the headset tests: make one, read one back (through ctypes, as
`xr/gl_copy.py` does, because PyOpenGL cannot share an EGL context once `xr` is imported)."""

from __future__ import annotations

import ctypes

import numpy as np


def gl(name: str, *argtypes, restype=None):
    from vrtherapy.xr.graphics_binding import current_gl_context

    return ctypes.CFUNCTYPE(restype, *argtypes)(current_gl_context().get_proc_address(name.encode()))


def gl_texture(width: int, height: int, complete: bool) -> int:
    """A new RGBA8 GL texture in Panda3D's context, zero-filled; without mipmaps it is only complete
    (usable by glCopyImageSubData) when its minification filter does not ask for them."""
    name = ctypes.c_uint(0)
    gl("glGenTextures", ctypes.c_int, ctypes.POINTER(ctypes.c_uint))(1, ctypes.byref(name))
    gl("glBindTexture", ctypes.c_uint, ctypes.c_uint)(0x0DE1, name.value)
    zeros = np.zeros((height, width, 4), np.uint8)
    gl("glTexImage2D", ctypes.c_uint, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
       ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p)(0x0DE1, 0, 0x8058, width, height, 0, 0x1908, 0x1401,
                                                      zeros.ctypes.data)  # fmt: skip
    if complete:
        gl("glTexParameteri", ctypes.c_uint, ctypes.c_uint, ctypes.c_int)(0x0DE1, 0x2801, 0x2601)  # MIN_FILTER LINEAR
    gl("glBindTexture", ctypes.c_uint, ctypes.c_uint)(0x0DE1, 0)
    return name.value


def read_gl_texture(name: int, size: tuple[int, int]) -> np.ndarray:
    """A GL texture's RGBA8 pixels (bottom row first), read in Panda3D's context (current after a frame)."""
    pixels = np.zeros((size[1], size[0], 4), np.uint8)
    bind = gl("glBindTexture", ctypes.c_uint, ctypes.c_uint)
    bind(0x0DE1, name)  # GL_TEXTURE_2D
    gl("glGetTexImage", ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p)(
        0x0DE1, 0, 0x1908, 0x1401, pixels.ctypes.data)  # GL_RGBA, GL_UNSIGNED_BYTE
    bind(0x0DE1, 0)
    return pixels
