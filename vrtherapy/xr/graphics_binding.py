"""The OpenGL context Panda3D renders with, described to OpenXR as a graphics binding.

Panda3D's offscreen pipe (`p3headlessgl`) renders with an EGL context; its window pipe (`pandagl`)
with GLX on Linux and WGL on Windows. The runtime is given the context that is current on this thread
(Panda3D leaves it current after rendering a frame):

  * EGL  -> XR_MNDX_egl_enable, `XrGraphicsBindingEGLMNDX` (eglGetProcAddress, display, config,
    context). The runtime makes its own context sharing ours, with a pbuffer surface, so the config
    handed over must have the pbuffer bit: Panda3D's own config often has no surface bits at all
    (surfaceless), in which case a matching RGBA8 OpenGL config with the pbuffer bit is chosen.
  * GLX  -> XR_KHR_opengl_enable, `XrGraphicsBindingOpenGLXlibKHR`.
  * WGL  -> XR_KHR_opengl_enable, `XrGraphicsBindingOpenGLWin32KHR`.

The EGL and GLX entry points are called through ctypes rather than PyOpenGL: importing `xr` forces
PyOpenGL's platform to GLX, which cannot talk to an EGL context.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from ctypes import byref, c_int, c_void_p
from dataclasses import dataclass
from typing import Literal

from vrtherapy.errors import VrtherapyError

GetProcAddress = Callable[[bytes], int]

# EGL enums (EGL 1.5)
EGL_ALPHA_SIZE, EGL_BLUE_SIZE, EGL_GREEN_SIZE, EGL_RED_SIZE = 0x3021, 0x3022, 0x3023, 0x3024
EGL_DEPTH_SIZE, EGL_SURFACE_TYPE, EGL_NONE, EGL_CONFIG_ID = 0x3025, 0x3033, 0x3038, 0x3028
EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_PBUFFER_BIT = 0x3040, 0x0008, 0x0001
# GLX enums
GLX_SCREEN, GLX_FBCONFIG_ID, GLX_VISUAL_ID = 0x800C, 0x8013, 0x800B


class NoGlContext(VrtherapyError):
    """No OpenGL context is current: the headset has nothing to share."""


@dataclass(frozen=True)
class GlContext:
    """The current OpenGL context, as a platform API names it."""

    api: Literal["egl", "glx", "wgl"]
    handles: dict  #: api-specific handles (display, context, config / drawable / visual ...)
    get_proc_address: GetProcAddress  #: GL function name -> address (0 when unknown)

    @property
    def extension(self) -> str:
        """The OpenXR extension providing this binding."""
        return "XR_MNDX_egl_enable" if self.api == "egl" else "XR_KHR_opengl_enable"


def _library(*names: str):
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def current_gl_context() -> GlContext:
    """The context current on this thread; NoGlContext when there is none."""
    if sys.platform.startswith("win"):
        return _current_wgl()
    egl = _current_egl()
    if egl is not None:
        return egl
    glx = _current_glx()
    if glx is not None:
        return glx
    raise NoGlContext("no OpenGL context is current (render a frame first)")


def _current_egl() -> GlContext | None:
    egl = _library("libEGL.so.1", "libEGL.so")
    if egl is None:
        return None
    for name in ("eglGetCurrentDisplay", "eglGetCurrentContext", "eglGetProcAddress"):
        getattr(egl, name).restype = c_void_p
    egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    display, context = egl.eglGetCurrentDisplay(), egl.eglGetCurrentContext()
    if not display or not context:
        return None
    config_id = c_int(0)
    egl.eglQueryContext(c_void_p(display), c_void_p(context), EGL_CONFIG_ID, byref(config_id))
    config = _egl_config(egl, display, [EGL_CONFIG_ID, config_id.value])
    surface_type = c_int(0)
    if config:
        egl.eglGetConfigAttrib(c_void_p(display), c_void_p(config), EGL_SURFACE_TYPE, byref(surface_type))
    if not config or not surface_type.value & EGL_PBUFFER_BIT:
        config = _egl_config(egl, display, [EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 8,
                                            EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, EGL_PBUFFER_BIT])  # fmt: skip
    if not config:
        raise NoGlContext("the EGL display offers no RGBA8 OpenGL config with pbuffer surfaces")
    address = egl.eglGetProcAddress
    return GlContext("egl", {"display": display, "context": context, "config": config,
                             "egl_get_proc_address": ctypes.cast(address, c_void_p).value},
                     lambda name: address(name) or 0)  # fmt: skip


def _egl_config(egl, display: int, attributes: list[int]) -> int | None:
    attribs = (c_int * (len(attributes) + 1))(*attributes, EGL_NONE)
    configs, count = (c_void_p * 1)(), c_int(0)
    ok = egl.eglChooseConfig(c_void_p(display), attribs, configs, 1, byref(count))
    return configs[0] if ok and count.value else None


def _current_glx() -> GlContext | None:
    gl = _library("libGL.so.1", "libGL.so")
    if gl is None:
        return None
    for name in ("glXGetCurrentDisplay", "glXGetCurrentContext", "glXGetProcAddressARB"):
        getattr(gl, name).restype = c_void_p
    gl.glXGetCurrentDrawable.restype = ctypes.c_ulong
    gl.glXGetProcAddressARB.argtypes = [ctypes.c_char_p]
    display, context = gl.glXGetCurrentDisplay(), gl.glXGetCurrentContext()
    if not display or not context:
        return None
    drawable = gl.glXGetCurrentDrawable()
    screen, fbconfig_id = c_int(0), c_int(0)
    gl.glXQueryContext(c_void_p(display), c_void_p(context), GLX_SCREEN, byref(screen))
    gl.glXQueryContext(c_void_p(display), c_void_p(context), GLX_FBCONFIG_ID, byref(fbconfig_id))
    gl.glXChooseFBConfig.restype = ctypes.POINTER(c_void_p)
    count = c_int(0)
    attribs = (c_int * 3)(GLX_FBCONFIG_ID, fbconfig_id.value, 0)
    configs = gl.glXChooseFBConfig(c_void_p(display), screen.value, attribs, byref(count))
    if not configs or count.value < 1:
        raise NoGlContext("the current GLX context's framebuffer config cannot be found")
    fbconfig = configs[0]
    visual_id = c_int(0)
    gl.glXGetFBConfigAttrib(c_void_p(display), c_void_p(fbconfig), GLX_VISUAL_ID, byref(visual_id))
    address = gl.glXGetProcAddressARB
    return GlContext("glx", {"display": display, "context": context, "drawable": drawable, "fbconfig": fbconfig,
                             "visualid": visual_id.value}, lambda name: address(name) or 0)  # fmt: skip


def _current_wgl() -> GlContext:
    opengl32 = ctypes.WinDLL("opengl32")  # type: ignore[attr-defined]
    opengl32.wglGetCurrentDC.restype = c_void_p
    opengl32.wglGetCurrentContext.restype = c_void_p
    opengl32.wglGetProcAddress.restype = c_void_p
    opengl32.wglGetProcAddress.argtypes = [ctypes.c_char_p]
    dc, context = opengl32.wglGetCurrentDC(), opengl32.wglGetCurrentContext()
    if not dc or not context:
        raise NoGlContext("no WGL context is current (render a frame first)")

    def get_proc_address(name: bytes) -> int:
        address = opengl32.wglGetProcAddress(name)
        if address in (None, 0, 1, 2, 3, -1):  # OpenGL 1.1 functions come from opengl32.dll itself
            function = getattr(opengl32, name.decode(), None)
            return ctypes.cast(function, c_void_p).value or 0 if function is not None else 0
        return address

    return GlContext("wgl", {"dc": dc, "context": context}, get_proc_address)


def make_graphics_binding(context: GlContext):
    """The XrGraphicsBinding* structure for `context` (imports xr)."""
    from ctypes import cast

    import xr

    h = context.handles
    if context.api == "egl":
        from xr.platform.linux import EGLConfig, EGLContext, EGLDisplay

        binding = xr.GraphicsBindingEGLMNDX()
        binding.get_proc_address = cast(c_void_p(h["egl_get_proc_address"]), xr.PFN_xrEglGetProcAddressMNDX)
        binding.display = cast(c_void_p(h["display"]), EGLDisplay)
        binding.config = cast(c_void_p(h["config"]), EGLConfig)
        binding.context = cast(c_void_p(h["context"]), EGLContext)
        return binding
    if context.api == "glx":
        from OpenGL import GLX

        binding = xr.GraphicsBindingOpenGLXlibKHR()
        binding.x_display = cast(c_void_p(h["display"]), ctypes.POINTER(GLX.Display))
        binding.visualid = h["visualid"]
        binding.glx_fbconfig = cast(c_void_p(h["fbconfig"]), GLX.GLXFBConfig)
        binding.glx_drawable = h["drawable"]
        binding.glx_context = cast(c_void_p(h["context"]), GLX.GLXContext)
        return binding
    binding = xr.GraphicsBindingOpenGLWin32KHR()
    binding.h_dc = h["dc"]
    binding.h_glrc = h["context"]
    return binding
