"""The headset joined to a therapy session: starting it on the session's Panda3D base (or saying in one
line why the desktop is used instead), and wiring its events and controller input to whatever runs the
session.

The session side is given as a function taking the headset's commands (`connect_session`): the
therapy layer above translates them into the session controller's commands
(`therapy/headset_commands.py`), so the headset speaks the same commands as the desktop keys and the
console without importing them. `connect_runner` wires an object with plain methods (tests).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from vrtherapy.xr.commands import Command, PainScore
from vrtherapy.xr.stereo_display import XrStereoDisplay
from vrtherapy.xr.xr_session import HeadsetOptions

#: Headset commands as the older runner's method calls (name, argument).
RUNNER_CALLS: dict[str, tuple[str, str | None]] = {
    "pause": ("pause", None), "resume": ("resume", None), "skip": ("skip", None), "stop": ("request_stop", None),
    "pain_up": ("pain_key", "arrow_up"), "pain_down": ("pain_key", "arrow_down"), "pain_confirm": ("pain_key", "enter"),
    "pain_skip": ("skip_pain_question", None),
}  # fmt: skip


def open_headset_display(base, scene, eye, requested: str, intact_side, dims, fallback_mode: str,
                         say: Callable[[str], None] = print, **options) -> tuple[XrStereoDisplay | None, str | None]:  # fmt: skip
    """Start the headset for a session already set up on `base`. Returns the display, or (with
    `--display auto`) None and the one-line note saying why the desktop is used instead; with
    `--display xr` a failure raises DisplayUnavailable (one line).

    VRTHERAPY_XR_SPACE=stage uses the room-scale STAGE space (default: seated LOCAL);
    VRTHERAPY_XR_DEBUG=1 prints the runtime's warnings and errors (XR_EXT_debug_utils);
    VRTHERAPY_XR_RECONNECT_S=SECONDS: how long a lost runtime is tried again before the desktop takes over
    (default 15)."""
    from vrtherapy.errors import DisplayUnavailable, VrtherapyError

    options.setdefault("debug", os.environ.get("VRTHERAPY_XR_DEBUG", "") not in ("", "0"))
    options.setdefault("reference", os.environ.get("VRTHERAPY_XR_SPACE", "local"))
    if options["reference"] not in ("local", "stage"):
        raise DisplayUnavailable(f"VRTHERAPY_XR_SPACE: {options['reference']!r} is not a reference space (local or stage)")
    window = os.environ.get("VRTHERAPY_XR_RECONNECT_S")
    if window is not None and "reconnect_window_s" not in options:
        options["reconnect_window_s"] = _reconnect_window(window)
    if dims is None:
        from vrtherapy.motion.skeleton import ArmDimensions

        dims = ArmDimensions()
    display = XrStereoDisplay(base, scene, HeadsetOptions(intact_side=intact_side, dims=dims, eye_position=tuple(eye.position),
                                                          look_at=tuple(eye.look_at), **options), say, fallback_mode)  # fmt: skip
    try:
        display.start()
    except Exception as exc:
        reason = (str(exc) if isinstance(exc, VrtherapyError)
                  else f"the OpenXR runtime failed to start ({type(exc).__name__}: {exc})")  # fmt: skip
        display._stop_presenting() if display.active else (display.headset.close() if display.headset else None)
        base.camNode.setActive(True)
        if requested == "xr":
            raise DisplayUnavailable(f"--display xr: {reason}") from None
        return None, f"headset: {reason}; using the {fallback_mode} display instead"
    return display, None


def _reconnect_window(text: str) -> float:
    from vrtherapy.errors import DisplayUnavailable

    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0.0 <= seconds <= 600.0:  # also refuses nan
        raise DisplayUnavailable(f"VRTHERAPY_XR_RECONNECT_S: {text!r} is not a number of seconds from 0 to 600")
    return seconds


def connect_session(display: XrStereoDisplay, send: Callable[[Command], None], asking_pain: Callable[[], bool]) -> None:
    """Headset events -> the session: pause/resume with the headset off and on, controller commands and pain
    answers (`send`), and the end of the session when the runtime exits. `asking_pain`: whether a pain
    question is up (the controller and the pointing hand then answer it). The session's own command types
    live above the headset (`therapy.headset_commands` translates)."""
    display.on_pause, display.on_resume = (lambda: send("pause")), (lambda: send("resume"))
    display.on_exit = lambda: send("stop")
    display.on_command = send
    display.asking_pain = asking_pain
    if display.paused:
        display.on_pause()  # nothing is in the headset yet: the exercise waits for the patient


def connect_runner(display: XrStereoDisplay, runner) -> None:
    """`connect_session` for an object with methods `pause()`, `resume()`, `skip()`, `request_stop()`,
    `pain_key(key)` (and a `pain` attribute while asking)."""
    connect_session(display, _runner_sender(runner), lambda: getattr(runner, "pain", None) is not None)


def _runner_sender(runner) -> Callable[[Command], None]:
    def send(command: Command) -> None:
        if isinstance(command, PainScore):  # the runner takes keys: the digits, then Enter
            for key in [*str(command.score), "enter"]:
                runner.pain_key(key)
            return
        name, argument = RUNNER_CALLS.get(command, ("", None))
        method = getattr(runner, name, None)
        if callable(method):
            method() if argument is None else method(argument)

    return send
