"""The console's pairing code in a corner of the station's session window, so a therapist with a tablet can
pair while a session is already up (the terminal shows it too).

Drawn in Panda3D's 2D overlay of the desktop window only: in the headset the eyes have cameras of their
own and never see it. The text is laid out again only when the code changes (after each pairing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CodeBadge:
    def __init__(self, base: Any, code: Callable[[], str]) -> None:
        from direct.gui.OnscreenText import OnscreenText
        from panda3d.core import TextNode

        self._code, self._shown = code, ""
        self._text = OnscreenText(text="", parent=base.a2dBottomRight, pos=(-0.04, 0.045), scale=0.05,
                                  align=TextNode.ARight, fg=(0.92, 0.95, 0.94, 0.9), shadow=(0, 0, 0, 0.5),
                                  mayChange=True)  # fmt: skip
        self.update()

    def update(self) -> None:
        code = self._code()
        if code != self._shown:
            self._shown = code
            self._text.setText(f"Console pairing code {code[:3]} {code[3:]}")

    def destroy(self) -> None:
        self._text.destroy()
