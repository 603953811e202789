"""The on-screen guidance: exercise name, instruction, countdown or repetitions, session progress, calm notices,
and a centre card for what needs the patient's attention (a question, "Paused", the reminder to rest).

Drawn in Panda3D's 2D overlay with large, high-contrast type on soft dark panels, sized to be read in a
headset as well as on a desktop window and in the offscreen frames a therapist reviews: the smallest
text is about 5 % of the view's height, the counter and the answer to a question far larger.
"""

from __future__ import annotations

from direct.gui.OnscreenText import OnscreenText
from panda3d.core import CardMaker, NodePath, TextNode, TransparencyAttrib

from vrtherapy.render.hud_state import HudState, format_countdown

__all__ = ["Hud", "HudState", "format_countdown"]

PANEL_BOTTOM = 0.55  #: the top panel spans from here to the top of the view (aspect2d units)


#: Where the last line of a notice sits.
NOTICE_Y = -0.86


class Hud:
    def __init__(self, overlay: NodePath, aspect_ratio: float) -> None:
        self.root = overlay.attachNewNode("hud")
        left, right = -aspect_ratio, aspect_ratio
        self._card(self.root, "hud-panel", (left, right, PANEL_BOTTOM, 1.0), (0.10, 0.13, 0.16, 0.62))
        self._title = self._text(pos=(left + 0.06, 0.88), scale=0.10, align=TextNode.ALeft)
        self._instruction = self._text(pos=(left + 0.06, 0.76), scale=0.068, align=TextNode.ALeft,
                                       wordwrap=(right - left - 0.95) / 0.068)  # fmt: skip
        self._countdown = self._text(pos=(right - 0.06, 0.82), scale=0.15, align=TextNode.ARight)
        self._counter_label = self._text(pos=(right - 0.06, 0.69), scale=0.065, align=TextNode.ARight,
                                         fg=(0.85, 0.92, 0.90, 1))  # fmt: skip
        # Wrapped: a notice saying what to change (wrong-side hand, camera setting) runs to two or three lines.
        self._notice = self._text(pos=(0.0, NOTICE_Y), scale=0.075, align=TextNode.ACenter, fg=(1.0, 0.93, 0.75, 1),
                                  wordwrap=(right - left - 0.3) / 0.075)  # fmt: skip
        bar = CardMaker("hud-progress")
        bar.setFrame(0.0, 1.0, 0.0, 1.0)
        self._bar_back = self.root.attachNewNode(bar.generate())
        self._bar_back.setPos(left, 0, PANEL_BOTTOM)
        self._bar_back.setScale(right - left, 1, 0.016)
        self._bar_back.setColor(0.3, 0.35, 0.4, 0.6)
        self._bar_back.setTransparency(TransparencyAttrib.MAlpha)
        self._bar = self.root.attachNewNode(bar.generate())
        self._bar.setPos(left, 0, PANEL_BOTTOM)
        self._bar.setColor(0.55, 0.80, 0.70, 1.0)
        self._width = right - left
        # The centre card, hidden unless something needs the patient's attention.
        self._centre = self.root.attachNewNode("hud-centre")
        half = min(1.45, aspect_ratio - 0.08)
        color = (0.10, 0.13, 0.16, 0.80)
        # a tall card when there is an answer to show, a short one for a message alone
        self._tall = self._card(self._centre, "hud-centre-tall", (-half, half, -0.66, 0.46), color)
        self._short = self._card(self._centre, "hud-centre-short", (-half, half, -0.24, 0.46), color)
        self._banner = self._text(pos=(0.0, 0.32), scale=0.11, align=TextNode.ACenter,
                                  wordwrap=2 * (half - 0.08) / 0.11, parent=self._centre)  # fmt: skip
        self._banner_detail = self._text(pos=(0.0, 0.07), scale=0.068, align=TextNode.ACenter,
                                         wordwrap=2 * (half - 0.08) / 0.068, parent=self._centre,
                                         fg=(0.88, 0.92, 0.94, 1))  # fmt: skip
        self._answer = self._text(pos=(0.0, -0.56), scale=0.36, align=TextNode.ACenter, parent=self._centre,
                                  fg=(0.75, 0.95, 0.85, 1))  # fmt: skip
        self._centre.hide()
        self._shown: tuple | None = None
        self._state = HudState()
        self.update(self._state)

    @staticmethod
    def _card(parent: NodePath, name: str, frame: tuple[float, float, float, float], color) -> NodePath:
        maker = CardMaker(name)
        maker.setFrame(*frame)
        card = parent.attachNewNode(maker.generate())
        card.setColor(*color)
        card.setTransparency(TransparencyAttrib.MAlpha)
        return card

    def _text(self, pos, scale, align, wordwrap=None, fg=(1, 1, 1, 1), parent: NodePath | None = None) -> OnscreenText:
        return OnscreenText(text="", pos=pos, scale=scale, align=align, fg=fg, shadow=(0, 0, 0, 0.6),
                            wordwrap=wordwrap, parent=parent or self.root, mayChange=True)  # fmt: skip

    def update(self, state: HudState) -> None:
        """Show `state`, regenerating only the texts that changed (text layout is the costly part)."""
        countdown = state.counter or ("" if state.seconds_left is None else format_countdown(state.seconds_left))
        bar = round(min(max(state.progress, 0.0), 1.0) * 500) / 500  # steps finer than a pixel
        shown = (state.title, state.instruction, countdown, state.notice, bar, state.counter_label,
                 state.banner, state.banner_detail, state.answer)  # fmt: skip
        widgets = {0: self._title, 1: self._instruction, 2: self._countdown, 3: self._notice,
                   5: self._counter_label, 6: self._banner, 7: self._banner_detail, 8: self._answer}  # fmt: skip
        for i, widget in widgets.items():
            if self._shown is None or shown[i] != self._shown[i]:
                widget.setText(shown[i])
                if widget is self._notice:  # grow upwards from the bottom edge
                    rows = max(1, self._notice.textNode.getNumRows())
                    self._notice.setPos(0.0, NOTICE_Y + (rows - 1) * 0.075 * 1.2)
        if self._shown is None or bar != self._shown[4]:
            self._bar.setScale(max(1e-4, self._width * bar), 1, 0.016)
        centre = (bool(state.banner or state.answer), bool(state.answer))
        if self._shown is None or centre != (bool(self._shown[6] or self._shown[8]), bool(self._shown[8])):
            self._centre.show() if centre[0] else self._centre.hide()
            self._tall.show() if centre[1] else self._tall.hide()
            self._short.hide() if centre[1] else self._short.show()
        self._shown, self._state = shown, state

    @property
    def shown(self) -> HudState:
        """What the HUD shows now."""
        return self._state

    def destroy(self) -> None:
        self.root.removeNode()
