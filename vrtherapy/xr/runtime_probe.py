"""Is an OpenXR runtime with a head-mounted display usable here? One line says why not.

The OpenXR loader prints its own multi-line complaints to stderr when no runtime is installed;
`XR_LOADER_DEBUG=none` keeps the terminal to our one line.
"""

from __future__ import annotations

import os


def probe_openxr_runtime() -> str | None:
    """None when an OpenXR runtime offers a head-mounted display; otherwise a one-line reason."""
    os.environ.setdefault("XR_LOADER_DEBUG", "none")
    try:
        import xr
    except ImportError as exc:
        return f"pyopenxr is not installed ({exc})"
    try:
        extensions = {e.extension_name.decode() if isinstance(e.extension_name, bytes) else e.extension_name
                      for e in xr.enumerate_instance_extension_properties()}
    except xr.RuntimeUnavailableError:
        return "no OpenXR runtime is installed or active (XR_RUNTIME_JSON / active_runtime.json)"
    except xr.XrException as exc:
        return f"the OpenXR runtime failed to start ({type(exc).__name__})"
    wanted = {"XR_KHR_opengl_enable", "XR_MNDX_egl_enable"}
    if not wanted & extensions:
        return "the OpenXR runtime offers no OpenGL graphics binding (XR_KHR_opengl_enable / XR_MNDX_egl_enable)"
    try:
        instance = xr.create_instance(xr.InstanceCreateInfo(
            application_info=xr.ApplicationInfo(application_name="vrtherapy-probe"),
            enabled_extension_names=sorted(wanted & extensions)))
    except xr.XrException as exc:
        return f"the OpenXR runtime refused an instance ({type(exc).__name__})"
    try:
        xr.get_system(instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY))
    except xr.FormFactorUnavailableError:
        return "the OpenXR runtime is running but no headset is connected"
    except xr.XrException as exc:
        return f"the OpenXR runtime has no head-mounted display ({type(exc).__name__})"
    finally:
        xr.destroy_instance(instance)
    return None
