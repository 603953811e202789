"""Choosing and opening the display: OpenXR headset -> desktop window -> offscreen.

`choose_display` decides (and says in one line why it fell back); `open_showbase` opens Panda3D's one
ShowBase for the process with the chosen window type. Offscreen uses Panda3D's headless EGL pipe
(`p3headlessgl`, which Mesa's software GL serves with no display and no GPU) and falls back to
`pandagl`'s offscreen buffer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from vrtherapy.errors import DisplayUnavailable

DisplayMode = Literal["auto", "xr", "window", "offscreen"]
DISPLAY_MODES: tuple[str, ...] = ("auto", "xr", "window", "offscreen")

_QUIET_PRC = """
audio-library-name null
notify-level warning
notify-level-display error
notify-level-device fatal
print-pipe-types false
sync-video false
textures-power-2 none
"""


@dataclass(frozen=True)
class DisplayChoice:
    """The display actually used, and one line per fallback taken on the way."""

    mode: Literal["xr", "window", "offscreen"]
    notes: tuple[str, ...] = ()


def has_desktop_display() -> bool:
    """True when a desktop session is there to open a window in."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def choose_display(
    requested: str,
    *,
    xr_probe: Callable[[], str | None],
    desktop_available: Callable[[], bool] = has_desktop_display,
) -> DisplayChoice:
    """Resolve `requested` to a display mode.

    `xr_probe` returns None when an OpenXR runtime with a headset is usable, else a one-line reason
    (`xr.runtime_probe.probe_openxr_runtime`: the headset layer sits above rendering, so it is handed in).
    An explicitly requested mode that cannot be had raises `DisplayUnavailable`; `auto` falls back.
    """
    if requested not in DISPLAY_MODES:
        raise DisplayUnavailable(
            f"--display: unknown display mode {requested!r} (choose from {', '.join(DISPLAY_MODES)})"
        )
    notes: list[str] = []
    if requested in ("auto", "xr"):
        reason = xr_probe()
        if reason is None:
            return DisplayChoice("xr")
        if requested == "xr":
            raise DisplayUnavailable(f"--display xr: {reason}")
        notes.append(f"headset: {reason}; using the desktop instead")
    if requested in ("auto", "window"):
        if desktop_available():
            return DisplayChoice("window", tuple(notes))
        if requested == "window":
            raise DisplayUnavailable("--display window: no desktop display (DISPLAY is not set)")
        notes.append("window: no desktop display; rendering offscreen")
    return DisplayChoice("offscreen", tuple(notes))


def surface_for(mode: str) -> Literal["window", "offscreen"]:
    """What Panda3D opens for a display mode: a headset's session also gets the desktop mirror window
    when there is a desktop, else an offscreen buffer."""
    if mode == "window" or (mode == "xr" and has_desktop_display()):
        return "window"
    return "offscreen"


def open_showbase(mode: Literal["window", "offscreen"], size: tuple[int, int], title: str = "vrtherapy"):
    """Open the process's single Panda3D ShowBase (window or offscreen buffer) of `size` pixels."""
    from panda3d.core import loadPrcFileData

    loadPrcFileData("vrtherapy-quiet", _QUIET_PRC)
    # A desktop window asks for multisampling (a GPU gives it almost free; a software GL's window is
    # opened again without, `_drop_software_multisampling`); offscreen rendering is usually software
    # GL (render/antialias.py decides once the GL is known).
    multisample = "framebuffer-multisample 1\nmultisamples 4\n" if mode == "window" else "framebuffer-multisample 0\n"
    loadPrcFileData("vrtherapy-multisample", multisample)
    loadPrcFileData("vrtherapy-size", f"win-size {size[0]} {size[1]}\nwindow-title {title}\n")
    pipes = ["p3headlessgl", "pandagl"] if mode == "offscreen" else ["pandagl"]
    errors = []
    for pipe in pipes:
        window_type = "offscreen" if mode == "offscreen" else "onscreen"
        loadPrcFileData("vrtherapy-pipe", f"load-display {pipe}\nwindow-type {window_type}\n")
        try:
            from direct.showbase.ShowBase import ShowBase

            base = ShowBase(windowType="offscreen" if mode == "offscreen" else "onscreen")
        except Exception as exc:  # Panda3D raises a bare Exception when no window opens
            errors.append(f"{pipe}: {exc}")
            _destroy_partial_showbase()
            continue
        if base.win is not None:
            base.disableMouse()
            _drop_software_multisampling(base)
            return base
        errors.append(f"{pipe}: no graphics output")
        base.destroy()
    raise DisplayUnavailable(f"could not open a {mode} Panda3D display ({'; '.join(errors)})")


def _drop_software_multisampling(base) -> None:
    """A window on software GL (Mesa's llvmpipe on a GPU-less laptop) is given the multisamples it asked
    for, and pays for every one: the room drawn live at 960x540 took 20 ms a frame with 4 samples. Such a
    window is opened again without them; anti-aliasing then comes from `antialias.py`'s software path
    (the backdrop and the skin shader: 4 ms for the same frame)."""
    from panda3d.core import FrameBufferProperties, WindowProperties, loadPrcFileData

    from vrtherapy.render.antialias import is_software_gl

    if base.win.getFbProperties().getMultisamples() == 0 or not is_software_gl(base.win):
        return
    loadPrcFileData("vrtherapy-multisample", "framebuffer-multisample 0\nmultisamples 0\n")
    fbprops = FrameBufferProperties(base.win.getFbProperties())
    fbprops.setMultisamples(0)
    base.openMainWindow(props=WindowProperties(base.win.getProperties()), fbprops=fbprops, keepCamera=True)


def _destroy_partial_showbase() -> None:
    import builtins

    base = getattr(builtins, "base", None)
    if base is not None:
        base.destroy()
