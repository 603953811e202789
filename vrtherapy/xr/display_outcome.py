"""What the headset did in one session, told once and true: which displays showed it, how many frames
each drew, and the one line for a fallback, for the terminal, `summary.json` and the session record.

Kept apart from the display so every consumer (demo summary, session record, tests) reads the same
account instead of rebuilding it from flags: `used` is the display the session ended on, `displays`
every display it was shown on, in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DisplayOutcome:
    """Filled in by the headset display as the session goes."""

    fallback_mode: str  #: where the session goes on without the headset: "window" or "offscreen"
    started_at: float = field(default_factory=time.monotonic)
    fell_back: str | None = None  #: why the headset was given up mid-session
    fell_back_after_s: float | None = None
    desktop_frames: int = 0  #: frames drawn on the fallback display after the fallback
    event_error: str | None = None
    #: Told each event ("headset_lost", "headset_reconnected", "display_fallback") with its details, e.g.
    #: to log it in the session record.
    on_event: Callable[[str, dict[str, Any]], None] = lambda kind, detail: None

    def event(self, kind: str, **detail: Any) -> None:
        """Pass an event on with the session time it happened at; a failing recorder never stops the headset."""
        detail["after_s"] = round(time.monotonic() - self.started_at, 3)
        try:
            self.on_event(kind, detail)
        except Exception as exc:  # the record keeper says why in its own line; the session goes on
            self.event_error = f"{type(exc).__name__}: {exc}"

    def fall_back(self, reason: str, say: Callable[[str], None]) -> None:
        """Record the fallback and say it in one line (once, however often it is reported)."""
        if self.fell_back is not None:
            return
        self.fell_back = reason
        self.fell_back_after_s = round(time.monotonic() - self.started_at, 3)
        say(f"vrtherapy: {self.line}")
        self.event("display_fallback", **{"from": "xr", "to": self.fallback_mode, "reason": reason})

    @property
    def line(self) -> str:
        return f"headset: {self.fell_back}; continuing on the {self.fallback_mode} display"

    def display_summary(self, headset_frames: int) -> dict[str, Any]:
        """`used`, `displays`, `fallbacks` and frames per display, for summary.json's `display` entry."""
        displays = ["xr"] + ([self.fallback_mode] if self.fell_back else [])
        frames = {"xr": headset_frames} | ({self.fallback_mode: self.desktop_frames} if self.fell_back else {})
        return {"used": displays[-1], "displays": displays, "fallbacks": [self.line] if self.fell_back else [],
                "frames_by_display": frames, "fell_back_after_s": self.fell_back_after_s}  # fmt: skip


def display_entry(requested: str, mode: str, notes: tuple[str, ...] | list[str], frames: int, headset=None) -> dict[str, Any]:
    """summary.json's `display`: what was asked for, the display(s) really used, every fallback line (at the
    start and mid-session) and the frames each display drew; with the headset, its own details."""
    entry: dict[str, Any] = {"requested": requested, "used": mode, "displays": [mode], "fallbacks": list(notes),
                             "frames_by_display": {mode: frames}}  # fmt: skip
    if headset is not None:
        own = headset.display_summary()
        entry.update(own, fallbacks=list(notes) + own["fallbacks"], headset=headset.summary())
    return entry
