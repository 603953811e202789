"""Controller buttons -> session commands (pause/resume, skip, stop, recentre) and answers to the pain
question. Pure Python.

During the session: the menu button toggles pause and resume when released; held for `HOLD_TO_STOP_S`
it stops the session instead (so a stop is never one accidental press). The "next" button skips to
the next exercise, the thumbstick press recentres the view.

While a pain question is on the HUD the same controller answers it, one-handed with either hand:
thumbstick (or trackpad) up/down steps the score by one (held, it repeats), the trigger confirms the
score shown, "next" skips the question; holding menu still stops. The first step from an empty entry
gives 0, never the worst score. A tracked hand answers by pointing at a number (`pain_pointer`), which
arrives as a `PainScore`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ButtonCommand = Literal["pause", "resume", "skip", "stop", "recentre", "pain_up", "pain_down", "pain_confirm",
                        "pain_skip"]  # fmt: skip


@dataclass(frozen=True)
class PainScore:
    """A whole answer to the pain question, chosen by pointing at its tile (`pain_pointer`)."""

    score: int


Command = ButtonCommand | PainScore
HOLD_TO_STOP_S = 2.0
STICK_ON, STICK_OFF = 0.6, 0.3  #: thumbstick deflection that counts as a push, and its release (hysteresis)
TRIGGER_ON, TRIGGER_OFF = 0.8, 0.4
REPEAT_AFTER_S, REPEAT_EVERY_S = 0.6, 0.3  #: a held thumbstick steps again after this, then this often


@dataclass(frozen=True)
class Buttons:
    """One frame's controller input (either hand)."""

    menu: bool = False
    next: bool = False
    recentre: bool = False
    stick_y: float = 0.0  #: thumbstick or trackpad, -1 (down) .. 1 (up), the larger deflection of the two hands
    trigger: float = 0.0  #: 0..1, the more pressed of the two


@dataclass
class ButtonCommands:
    """Turns successive `Buttons` into commands, on press/release edges."""

    paused: bool = False
    _menu_since: float | None = None
    _stop_sent: bool = False
    _last: Buttons = field(default_factory=Buttons)
    _stick: int = 0  #: -1, 0, 1: the push being held
    _stick_next: float = 0.0
    _trigger: bool = False

    def update(self, buttons: Buttons, now: float, asking_pain: bool = False) -> list[ButtonCommand]:
        out: list[ButtonCommand] = []
        last, self._last = self._last, buttons
        if buttons.menu and not last.menu:
            self._menu_since, self._stop_sent = now, False
        if buttons.menu and self._menu_since is not None and not self._stop_sent and now - self._menu_since >= HOLD_TO_STOP_S:
            self._stop_sent = True
            out.append("stop")
        if not buttons.menu and last.menu:
            if not self._stop_sent and not asking_pain:
                self.paused = not self.paused
                out.append("pause" if self.paused else "resume")
            self._menu_since = None
        if buttons.next and not last.next:
            out.append("pain_skip" if asking_pain else "skip")
        if buttons.recentre and not last.recentre:
            out.append("recentre")
        out += self._stick_steps(buttons.stick_y, now, asking_pain)
        pressed = buttons.trigger >= TRIGGER_ON or (self._trigger and buttons.trigger > TRIGGER_OFF)
        if pressed and not self._trigger and asking_pain:
            out.append("pain_confirm")
        self._trigger = pressed
        return out

    def _stick_steps(self, y: float, now: float, asking_pain: bool) -> list[ButtonCommand]:
        push = 1 if y >= STICK_ON else -1 if y <= -STICK_ON else (self._stick if abs(y) > STICK_OFF else 0)
        step: list[ButtonCommand] = []
        if push != 0 and asking_pain and (push != self._stick or now >= self._stick_next):
            step = ["pain_up" if push > 0 else "pain_down"]
            self._stick_next = now + (REPEAT_AFTER_S if push != self._stick else REPEAT_EVERY_S)
        self._stick = push
        return step
