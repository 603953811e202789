"""Copy a Panda3D-rendered eye texture into the runtime's swapchain image, in Panda3D's GL context.

`glCopyImageSubData` (OpenGL 4.3 / ARB_copy_image) copies texel blocks without touching any GL
binding; without it a framebuffer blit does the copy and restores the framebuffer bindings Panda3D
had. Both copy the bytes as they are: Panda3D writes display-ready (sRGB-encoded) colours into an
RGBA8 texture, so the swapchain format should be SRGB8_ALPHA8 (see swapchains.py) for the runtime to
read them as such.

The few GL functions are called through ctypes with addresses from the context's own
get-proc-address (EGL/GLX/WGL); PyOpenGL cannot be used with an EGL context once `xr` is imported.
"""

from __future__ import annotations

import ctypes
from ctypes import c_int, c_uint
from typing import TYPE_CHECKING, Any

from vrtherapy.xr.graphics_binding import GetProcAddress

GL_TEXTURE_2D = 0x0DE1
GL_VERSION = 0x1F02
GL_EXTENSIONS = 0x1F03
GL_NUM_EXTENSIONS = 0x821D
GL_READ_FRAMEBUFFER, GL_DRAW_FRAMEBUFFER = 0x8CA8, 0x8CA9
GL_READ_FRAMEBUFFER_BINDING, GL_DRAW_FRAMEBUFFER_BINDING = 0x8CAA, 0x8CA6
GL_COLOR_ATTACHMENT0 = 0x8CE0
GL_COLOR_BUFFER_BIT = 0x4000
GL_NEAREST = 0x2600
GL_FRAMEBUFFER_COMPLETE = 0x8CD5

#: Per GL function: its return type, then its argument types (ctypes).
_SIGNATURES: dict[str, tuple[Any, ...]] = {
    "glGetString": (ctypes.c_char_p, c_uint),
    "glGetStringi": (ctypes.c_char_p, c_uint, c_uint),
    "glGetIntegerv": (None, c_uint, ctypes.POINTER(c_int)),
    "glGetError": (c_uint,),
    "glFlush": (None,),
    "glCopyImageSubData": (None, c_uint, c_uint, c_int, c_int, c_int, c_int,
                           c_uint, c_uint, c_int, c_int, c_int, c_int, c_int, c_int, c_int),  # fmt: skip
    "glGenFramebuffers": (None, c_int, ctypes.POINTER(c_uint)),
    "glDeleteFramebuffers": (None, c_int, ctypes.POINTER(c_uint)),
    "glBindFramebuffer": (None, c_uint, c_uint),
    "glFramebufferTexture2D": (None, c_uint, c_uint, c_uint, c_uint, c_int),
    "glCheckFramebufferStatus": (c_uint, c_uint),
    "glBlitFramebuffer": (None, c_int, c_int, c_int, c_int, c_int, c_int, c_int, c_int, c_uint, c_uint),
}


class GlFunctions:
    """The handful of GL entry points the copy needs, resolved once for one context (each one an
    attribute named as in `_SIGNATURES`; None where the context lacks it)."""

    if TYPE_CHECKING:  # the entry points are set from `_SIGNATURES`, so declared here for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, get_proc_address: GetProcAddress) -> None:
        for name, (restype, *argtypes) in _SIGNATURES.items():
            address = get_proc_address(name.encode())
            function = ctypes.CFUNCTYPE(restype, *argtypes)(address) if address else None
            setattr(self, name, function)
        version = self.glGetString(GL_VERSION) if self.glGetString else None
        self.version = version.decode(errors="replace") if version else ""

    def has_copy_image(self) -> bool:
        if self.glCopyImageSubData is None:
            return False
        try:
            major, minor = (int(v) for v in self.version.split()[0].split(".")[:2])
        except ValueError:
            return False
        if (major, minor) >= (4, 3):
            return True
        return b"GL_ARB_copy_image" in self._extensions()

    def _extensions(self) -> set[bytes]:
        count = c_int(0)
        self.glGetIntegerv(GL_NUM_EXTENSIONS, ctypes.byref(count))
        return {self.glGetStringi(GL_EXTENSIONS, i) for i in range(count.value)} if self.glGetStringi else set()


class TextureCopier:
    """Copies one GL texture into another of the same size (eye texture -> swapchain image)."""

    def __init__(self, gl: GlFunctions) -> None:
        self.gl = gl
        self.method = "copy_image" if gl.has_copy_image() else "blit"
        self._fbos: tuple[int, int] | None = None
        self._checked = False

    def copy(self, source: int, destination: int, width: int, height: int) -> None:
        if self._checked:
            self._copy(source, destination, width, height)
            return
        # The first copy is checked: glCopyImageSubData refuses textures it deems incomplete or
        # incompatible (INVALID_OPERATION), which a framebuffer blit accepts.
        for _ in range(16):  # errors left over from earlier GL work are not the copy's
            if not self.error():
                break
        self._copy(source, destination, width, height)
        if self.error() and self.method == "copy_image":
            self.method = "blit"
            self._copy(source, destination, width, height)
        self._checked = True

    def _copy(self, source: int, destination: int, width: int, height: int) -> None:
        if self.method == "copy_image":
            self.gl.glCopyImageSubData(source, GL_TEXTURE_2D, 0, 0, 0, 0,
                                       destination, GL_TEXTURE_2D, 0, 0, 0, 0, width, height, 1)  # fmt: skip
        else:
            self._blit(source, destination, width, height)

    def _blit(self, source: int, destination: int, width: int, height: int) -> None:
        gl = self.gl
        if self._fbos is None:
            names = (c_uint * 2)()
            gl.glGenFramebuffers(2, names)
            self._fbos = (names[0], names[1])
        read_was, draw_was = c_int(0), c_int(0)
        gl.glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, ctypes.byref(read_was))
        gl.glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, ctypes.byref(draw_was))
        gl.glBindFramebuffer(GL_READ_FRAMEBUFFER, self._fbos[0])
        gl.glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, source, 0)
        gl.glBindFramebuffer(GL_DRAW_FRAMEBUFFER, self._fbos[1])
        gl.glFramebufferTexture2D(GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, destination, 0)
        gl.glBlitFramebuffer(0, 0, width, height, 0, 0, width, height, GL_COLOR_BUFFER_BIT, GL_NEAREST)
        gl.glBindFramebuffer(GL_READ_FRAMEBUFFER, read_was.value)
        gl.glBindFramebuffer(GL_DRAW_FRAMEBUFFER, draw_was.value)

    def error(self) -> int:
        """One GL error flag (0 when none), cleared."""
        return int(self.gl.glGetError()) if self.gl.glGetError else 0

    def release(self) -> None:
        if self._fbos is not None:
            names = (c_uint * 2)(*self._fbos)
            self.gl.glDeleteFramebuffers(2, names)
            self._fbos = None
