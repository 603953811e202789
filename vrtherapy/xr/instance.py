"""The OpenXR instance and system: extensions, debug messages, the headset, its views and blend mode.

Extensions asked for, when the runtime offers them: the graphics binding Panda3D's GL context needs
(XR_MNDX_egl_enable for EGL, XR_KHR_opengl_enable for GLX/WGL; the latter also for the GL version
check), XR_EXT_hand_tracking, XR_EXT_user_presence (headset on/off) and, in debug mode,
XR_EXT_debug_utils with a messenger printing the runtime's messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from ctypes import byref
from dataclasses import dataclass, field

import xr

from vrtherapy.errors import VrtherapyError
from vrtherapy.xr.graphics_binding import GlContext

OPAQUE, ADDITIVE, ALPHA_BLEND = 1, 2, 3  # XrEnvironmentBlendMode
BLEND_PREFERENCE = (OPAQUE, ALPHA_BLEND, ADDITIVE)  # the therapy room is a full virtual scene


class XrStartError(VrtherapyError):
    """The headset could not be started; the message is one line saying why."""


def choose_blend_mode(offered: Sequence[int]) -> int:
    """Opaque when offered (a virtual room), else the runtime's own first choice."""
    for mode in BLEND_PREFERENCE:
        if mode in offered:
            return mode
    if not offered:
        raise XrStartError("the OpenXR runtime offers no environment blend mode for a stereo view")
    return offered[0]


def wanted_extensions(offered: set[str], graphics_extension: str, debug: bool) -> list[str]:
    """The extensions to enable, given those offered; XrStartError when the graphics one is missing."""
    if graphics_extension not in offered:
        raise XrStartError(f"the OpenXR runtime has no {graphics_extension}, which Panda3D's OpenGL context needs")
    wanted = {graphics_extension}
    optional = ["XR_KHR_opengl_enable", "XR_EXT_hand_tracking", "XR_EXT_user_presence", "XR_KHR_convert_timespec_time"]
    if debug:
        optional.append("XR_EXT_debug_utils")
    wanted.update(name for name in optional if name in offered)
    return sorted(wanted)


@dataclass
class XrSystem:
    """An instance with its head-mounted display."""

    instance: object
    system_id: int
    extensions: list[str]
    system_name: str
    blend_mode: int
    view_sizes: list[tuple[tuple[int, int], tuple[int, int]]]  #: per eye: (recommended, maximum)
    hand_tracking: bool
    messenger: object = None
    _keep: list = field(default_factory=list)  #: ctypes callbacks that must outlive the instance

    def has(self, extension: str) -> bool:
        return extension in self.extensions

    def destroy(self) -> None:
        if self.messenger is not None:
            with contextlib.suppress(xr.XrException):
                xr.destroy_debug_utils_messenger_ext(self.messenger)
            self.messenger = None
        if self.instance is not None:
            xr.destroy_instance(self.instance)
            self.instance = None


def create_system(context: GlContext, debug: bool = False, say: Callable[[str], None] = print,
                  app_name: str = "vrtherapy") -> XrSystem:  # fmt: skip
    """Instance + HMD system + stereo views; XrStartError (one line) when any of it is missing."""
    try:
        offered = {_text(e.extension_name) for e in xr.enumerate_instance_extension_properties()}
    except xr.XrException as exc:
        raise XrStartError(f"no usable OpenXR runtime ({type(exc).__name__})") from None
    extensions = wanted_extensions(offered, context.extension, debug)
    keep: list = []
    next_chain = None
    if "XR_EXT_debug_utils" in extensions:
        next_chain = _messenger_info(say, keep)
    try:
        instance = xr.create_instance(xr.InstanceCreateInfo(
            application_info=xr.ApplicationInfo(application_name=app_name, engine_name="Panda3D"),
            enabled_extension_names=extensions, next=next_chain))  # fmt: skip
    except xr.XrException as exc:
        raise XrStartError(f"the OpenXR runtime refused an instance ({type(exc).__name__})") from None
    system = XrSystem(instance, 0, extensions, "", OPAQUE, [], False, _keep=keep)
    try:
        _describe_system(system, say, debug)
    except xr.FormFactorUnavailableError:
        system.destroy()
        raise XrStartError("the OpenXR runtime is running but no headset is connected") from None
    except xr.XrException as exc:
        system.destroy()
        raise XrStartError(f"the OpenXR runtime's headset is not usable ({type(exc).__name__})") from None
    except XrStartError:
        system.destroy()
        raise
    return system


def _describe_system(system: XrSystem, say: Callable[[str], None], debug: bool) -> None:
    instance = system.instance
    if debug and system.has("XR_EXT_debug_utils"):
        system.messenger = xr.create_debug_utils_messenger_ext(instance, _messenger_info(say, system._keep))
    system.system_id = xr.get_system(instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY))
    hand = xr.SystemHandTrackingPropertiesEXT()
    properties = xr.SystemProperties(next=ctypes_pointer(hand) if system.has("XR_EXT_hand_tracking") else None)
    # pyopenxr's get_system_properties cannot chain the hand-tracking structure: the raw call can.
    result = xr.check_result(xr.raw_functions.xrGetSystemProperties(instance, system.system_id, byref(properties)))
    if result.is_exception():
        raise result
    system.system_name = _text(properties.system_name)
    system.hand_tracking = system.has("XR_EXT_hand_tracking") and bool(hand.supports_hand_tracking)
    stereo = xr.ViewConfigurationType.PRIMARY_STEREO
    if stereo not in list(xr.enumerate_view_configurations(instance, system.system_id)):
        raise XrStartError("the headset has no stereo view configuration")
    views = xr.enumerate_view_configuration_views(instance, system.system_id, stereo)
    if len(views) != 2:
        raise XrStartError(f"the headset's stereo view has {len(views)} views, not 2")
    system.view_sizes = [((v.recommended_image_rect_width, v.recommended_image_rect_height),
                          (v.max_image_rect_width, v.max_image_rect_height)) for v in views]  # fmt: skip
    blend_modes = xr.enumerate_environment_blend_modes(instance, system.system_id, stereo)
    system.blend_mode = choose_blend_mode([int(m) for m in blend_modes])
    if system.has("XR_KHR_opengl_enable"):  # required before xrCreateSession with a GL binding
        xr.get_opengl_graphics_requirements_khr(instance, system.system_id)


def ctypes_pointer(structure):
    from ctypes import c_void_p, cast, pointer

    return cast(pointer(structure), c_void_p)


def _messenger_info(say: Callable[[str], None], keep: list):
    def callback(severity, _types, data, _user) -> bool:  # pyopenxr hands over the structure itself
        level = "error" if int(severity) & int(xr.DebugUtilsMessageSeverityFlagsEXT.ERROR_BIT) else "warning"
        say(f"vrtherapy: OpenXR runtime {level}: {_text(data.message or b'')}")
        return False

    info = xr.DebugUtilsMessengerCreateInfoEXT(
        message_severities=xr.DebugUtilsMessageSeverityFlagsEXT.WARNING_BIT | xr.DebugUtilsMessageSeverityFlagsEXT.ERROR_BIT,
        user_callback=callback)  # fmt: skip
    keep.append(info)
    return info


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
