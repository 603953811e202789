"""What the HUD shows, as plain data: the texts and numbers `render/hud.py` draws.

Kept apart from the Panda3D widgets so the session's logic (`therapy/hud_view.py`) can say what
the patient sees without importing Panda3D, and tests can compare it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HudState:
    title: str = ""
    instruction: str = ""
    seconds_left: float | None = None
    progress: float = 0.0  #: 0..1 of the whole session
    notice: str = ""  #: e.g. "Tracking paused: move your hand back into view"
    #: Shown large in the top right instead of the countdown, e.g. repetitions "3 / 10".
    counter: str = ""
    #: A smaller line under the counter or countdown: "repetitions", "rest", "4 done".
    counter_label: str = ""
    #: The centre card: a large message ("Paused", a question, the reminder to rest) ...
    banner: str = ""
    #: ... a smaller explanation under it ...
    banner_detail: str = ""
    #: ... and a very large answer (the pain score being chosen).
    answer: str = ""


def format_countdown(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"
