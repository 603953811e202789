"""The pain question asked before and after a session: a small state object, testable without rendering.

"How strong is your phantom pain right now? 0 = no pain, 10 = worst imaginable" (an 11-point numeric
rating scale). Answered from the keyboard, or later a headset controller, through the same methods:

  * a number key 0-9 chooses that score; `1` then `0` chooses 10 (so 10 needs no special key, and a
    patient who meant 1 and pressed 0 afterwards can simply press another number: after 10, a number
    key starts afresh);
  * up / down arrows (a controller's thumbstick) step the score by one within 0-10; from an empty entry
    either starts at 0 (a slip of the thumb never proposes the worst score);
  * Backspace clears; Enter confirms (only a chosen score can be confirmed).

A score given on the command line (`--pain-before N`) answers the question without showing it.
"""

from __future__ import annotations

from typing import Literal

PainWhen = Literal["before", "after"]

PAIN_QUESTION = "How strong is your phantom pain right now?"
#: For a patient whose limb is there (after a stroke) or whose condition is not known: no "phantom".
LIMB_PAIN_QUESTION = "How strong is the pain in your affected arm or leg right now?"
PAIN_SCALE = "0 = no pain, 10 = worst imaginable"
PAIN_HINT = "Press a number (1 then 0 for 10), then Enter."
PAIN_MIN, PAIN_MAX = 0, 10
#: The keys the question understands (Panda3D's key event names).
PAIN_KEYS: tuple[str, ...] = tuple(str(d) for d in range(10)) + ("enter", "backspace", "arrow_up", "arrow_down")


def pain_question(condition: str | None) -> str:
    """The question's wording for a patient's condition (the records' `condition`): "phantom" pain only
    after an amputation; limb-neutral after a stroke, or when the condition is not known."""
    return PAIN_QUESTION if condition is not None and "amput" in condition.lower() else LIMB_PAIN_QUESTION


def check_pain(value: object, what: str = "pain") -> int:
    """The score as an int, or ValueError naming `what`: whole numbers from 0 to 10 only."""
    if isinstance(value, bool) or not isinstance(value, int) or not PAIN_MIN <= value <= PAIN_MAX:
        raise ValueError(f"{what}: must be a whole number from {PAIN_MIN} to {PAIN_MAX}, got {value!r}")
    return value


class PainRating:
    """One pain question being answered."""

    def __init__(self, when: PainWhen) -> None:
        self.when = when
        self._entry = ""
        self.confirmed: int | None = None

    @property
    def value(self) -> int | None:
        """The score chosen so far (not yet confirmed), or None."""
        return int(self._entry) if self._entry else None

    @property
    def done(self) -> bool:
        return self.confirmed is not None

    def digit(self, d: int) -> None:
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 9:
            raise ValueError(f"digit: must be 0-9, got {d!r}")
        if self.done:
            return
        self._entry = "10" if (self._entry == "1" and d == 0) else str(d)

    def step(self, delta: int) -> None:
        if self.done:
            return
        current = self.value
        start = PAIN_MIN if current is None else current + delta
        self._entry = str(min(PAIN_MAX, max(PAIN_MIN, start)))

    def clear(self) -> None:
        if not self.done:
            self._entry = ""

    def set(self, score: int) -> None:
        self._entry = str(check_pain(score))

    def confirm(self) -> int | None:
        """Confirm the chosen score; returns it (None, and nothing happens, when none is chosen)."""
        if not self.done and self._entry:
            self.confirmed = int(self._entry)
        return self.confirmed

    def key(self, name: str) -> None:
        """Handle a Panda3D key event name: "0"-"9", "enter", "backspace", "arrow_up", "arrow_down"."""
        if len(name) == 1 and name.isdigit():
            self.digit(int(name))
        elif name == "enter":
            self.confirm()
        elif name == "backspace":
            self.clear()
        elif name in ("arrow_up", "arrow_down"):
            self.step(1 if name == "arrow_up" else -1)

    @property
    def display(self) -> str:
        """What the HUD shows as the answer: the chosen score, or a dash."""
        return "–" if self._entry == "" else self._entry
