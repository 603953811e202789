"""Controller buttons -> session commands (pause/resume, skip, stop, recentre). Pure Python.

The menu button toggles pause and resume when released; held for `HOLD_TO_STOP_S` it stops the session
instead (so a stop is never one accidental press). The "next" button skips to the next exercise, the
thumbstick press recentres the view. Commands are handed to callbacks by name; the display wires them
to the session runner's `pause()/resume()/skip()/stop()` where the runner has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Command = Literal["pause", "resume", "skip", "stop", "recentre"]
HOLD_TO_STOP_S = 2.0


@dataclass(frozen=True)
class Buttons:
    """One frame's button states (either hand)."""

    menu: bool = False
    next: bool = False
    recentre: bool = False


@dataclass
class ButtonCommands:
    """Turns successive `Buttons` into commands, on press/release edges."""

    paused: bool = False
    _menu_since: float | None = None
    _stop_sent: bool = False
    _last: Buttons = field(default_factory=Buttons)

    def update(self, buttons: Buttons, now: float) -> list[Command]:
        out: list[Command] = []
        last, self._last = self._last, buttons
        if buttons.menu and not last.menu:
            self._menu_since, self._stop_sent = now, False
        if buttons.menu and self._menu_since is not None and not self._stop_sent and now - self._menu_since >= HOLD_TO_STOP_S:
            self._stop_sent = True
            out.append("stop")
        if not buttons.menu and last.menu:
            if not self._stop_sent:
                self.paused = not self.paused
                out.append("pause" if self.paused else "resume")
            self._menu_since = None
        if buttons.next and not last.next:
            out.append("skip")
        if buttons.recentre and not last.recentre:
            out.append("recentre")
        return out
