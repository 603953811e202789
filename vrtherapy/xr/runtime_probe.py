"""Is an OpenXR runtime with a head-mounted display usable here? One line says why not.

The OpenXR loader prints its own multi-line complaints to stderr when no runtime is installed
(`XR_LOADER_DEBUG=none` quiets it), and a runtime's client library may print a banner of its own when
its service is not running (Monado does, straight to file descriptor 2): the probe's native stderr goes
to /dev/null, so the terminal gets our one line.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """File descriptor 2 to /dev/null for the duration (C libraries write there directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def probe_openxr_runtime() -> str | None:
    """None when an OpenXR runtime offers a head-mounted display; otherwise a one-line reason."""
    os.environ.setdefault("XR_LOADER_DEBUG", "none")
    with quiet_native_stderr():
        return _probe()


def _probe() -> str | None:
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
    except xr.RuntimeFailureError:
        return "the OpenXR runtime refused an instance (RuntimeFailureError: is its service running?)"
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
