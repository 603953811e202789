"""The on-screen guidance: exercise name, instruction, countdown, session progress, calm notices.

Drawn in Panda3D's 2D overlay with large, high-contrast type on a soft dark panel, readable on a desktop
window and in the offscreen frames a therapist reviews.
"""

from __future__ import annotations

from dataclasses import dataclass

from direct.gui.OnscreenText import OnscreenText
from panda3d.core import CardMaker, NodePath, TextNode, TransparencyAttrib


@dataclass(frozen=True)
class HudState:
    title: str = ""
    instruction: str = ""
    seconds_left: float | None = None
    progress: float = 0.0  #: 0..1 of the whole session
    notice: str = ""  #: e.g. "Tracking paused: move your hand back into view"


def format_countdown(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Hud:
    def __init__(self, overlay: NodePath, aspect_ratio: float) -> None:
        self.root = overlay.attachNewNode("hud")
        left, right = -aspect_ratio, aspect_ratio
        panel = CardMaker("hud-panel")
        panel.setFrame(left, right, 0.68, 1.0)
        card = self.root.attachNewNode(panel.generate())
        card.setColor(0.10, 0.13, 0.16, 0.55)
        card.setTransparency(TransparencyAttrib.MAlpha)
        self._title = self._text(pos=(left + 0.06, 0.90), scale=0.075, align=TextNode.ALeft)
        self._instruction = self._text(pos=(left + 0.06, 0.81), scale=0.048, align=TextNode.ALeft,
                                       wordwrap=(right - left - 0.5) / 0.048)  # fmt: skip
        self._countdown = self._text(pos=(right - 0.06, 0.88), scale=0.09, align=TextNode.ARight)
        self._notice = self._text(pos=(0.0, -0.85), scale=0.055, align=TextNode.ACenter, fg=(1.0, 0.93, 0.75, 1))
        bar = CardMaker("hud-progress")
        bar.setFrame(0.0, 1.0, 0.0, 1.0)
        self._bar_back = self.root.attachNewNode(bar.generate())
        self._bar_back.setPos(left, 0, 0.68)
        self._bar_back.setScale(right - left, 1, 0.012)
        self._bar_back.setColor(0.3, 0.35, 0.4, 0.6)
        self._bar_back.setTransparency(TransparencyAttrib.MAlpha)
        self._bar = self.root.attachNewNode(bar.generate())
        self._bar.setPos(left, 0, 0.68)
        self._bar.setColor(0.55, 0.80, 0.70, 1.0)
        self._width = right - left
        self._shown: tuple | None = None
        self.update(HudState())

    def _text(self, pos, scale, align, wordwrap=None, fg=(1, 1, 1, 1)) -> OnscreenText:
        return OnscreenText(text="", pos=pos, scale=scale, align=align, fg=fg, shadow=(0, 0, 0, 0.6),
                            wordwrap=wordwrap, parent=self.root, mayChange=True)  # fmt: skip

    def update(self, state: HudState) -> None:
        """Show `state`, regenerating only the texts that changed (text layout is the costly part)."""
        countdown = "" if state.seconds_left is None else format_countdown(state.seconds_left)
        bar = round(min(max(state.progress, 0.0), 1.0) * 500) / 500  # steps finer than a pixel
        shown = (state.title, state.instruction, countdown, state.notice, bar)
        for widget, value, old in zip((self._title, self._instruction, self._countdown, self._notice),
                                      shown[:4], self._shown or ("",) * 4):  # fmt: skip
            if value != old or self._shown is None:
                widget.setText(value)
        if self._shown is None or bar != self._shown[4]:
            self._bar.setScale(max(1e-4, self._width * bar), 1, 0.012)
        self._shown = shown

    def destroy(self) -> None:
        self.root.removeNode()
