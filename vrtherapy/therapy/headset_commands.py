"""The headset's input as session commands: controller buttons, thumbstick and trigger, and the pointing
hand's answers (`xr/commands.py`, `xr/pain_pointer.py`) become the `SessionController` commands the
desktop keys and the console give, submitted with the source "headset" so the record says who did it.

Here, above the headset package, because the layers point down: `xr/` knows nothing of the session.
"""

from __future__ import annotations

from typing import Any

from vrtherapy.therapy import commands as cmd
from vrtherapy.therapy.controller import SessionController

#: Headset command name -> the session command it gives.
HEADSET_COMMANDS: dict[str, cmd.Command] = {
    "pause": cmd.Pause(), "resume": cmd.Resume(), "skip": cmd.Skip(), "stop": cmd.Stop(),
    "pain_up": cmd.PainKey("arrow_up"), "pain_down": cmd.PainKey("arrow_down"), "pain_confirm": cmd.PainKey("enter"),
    "pain_skip": cmd.SkipPainQuestion(),
}  # fmt: skip


def connect_headset(display: Any, controller: SessionController) -> None:
    """Wire a started headset display (`xr.stereo_display.XrStereoDisplay`) to the session."""
    from vrtherapy.xr.commands import PainScore
    from vrtherapy.xr.headset_driver import connect_session

    def send(command: object) -> None:
        if isinstance(command, PainScore):
            controller.submit(cmd.PainAnswer(command.score), "headset")
        elif isinstance(command, str) and command in HEADSET_COMMANDS:
            controller.submit(HEADSET_COMMANDS[command], "headset")

    connect_session(display, send, lambda: controller.state().pain is not None)
