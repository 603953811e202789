"""The pain-answer panel in the headset (Panda3D): tiles 0-10 and Skip in front of the patient while a
pain question is up, the pointed tile lit and filling as the patient holds it, a dot where the finger
points, and one line saying how to answer. The choosing itself is `pain_pointer.DwellChooser`.
"""

from __future__ import annotations

import math

import numpy as np
from panda3d.core import CardMaker, NodePath, TextNode, TransparencyAttrib

from vrtherapy.tracking.sample import TrackedSample
from vrtherapy.xr.pain_pointer import DwellChooser, Panel, Tile, pointing_ray

HINT = "Point at a number and hold it - or thumbstick up/down, trigger to confirm, B to skip"
TILE_COLOUR, LIT_COLOUR, FILL_COLOUR = (0.16, 0.22, 0.30, 0.92), (0.30, 0.45, 0.62, 0.97), (0.45, 0.80, 0.55, 1.0)


class PainPanelNode:
    """Drawn under `render`; `update` each frame while the display runs."""

    def __init__(self, render: NodePath, eye: tuple[float, float, float], look_at: tuple[float, float, float]) -> None:
        self.chooser = DwellChooser(Panel.facing(np.array(eye), np.array(look_at)))
        panel = self.chooser.panel
        self.root = render.attachNewNode("xr-pain-panel")
        self.root.setPos(*panel.centre)
        self.root.setH(math.degrees(math.atan2(panel.normal[0], -panel.normal[1])))
        for attribute in (self.root.setLightOff, self.root.setShaderOff):
            attribute(1)
        self.root.setTransparency(TransparencyAttrib.MAlpha)
        self.root.setBin("fixed", 60)
        self.root.setDepthTest(False)
        self.root.setDepthWrite(False)
        self._cards: dict[str, NodePath] = {}
        self._fills: dict[str, NodePath] = {}
        for tile in self.chooser.layout:
            self._cards[tile.label], self._fills[tile.label] = self._tile(tile)
        self._text(HINT, (0.0, -0.165), 0.02)
        ends = [t for t in self.chooser.layout if t.score in (0, 10)]
        for tile, words in zip(ends, ("no pain", "worst imaginable"), strict=True):  # the NRS anchors
            self._text(words, (tile.centre[0], tile.centre[1] - tile.size[1] / 2 - 0.025), 0.018)
        self._dot = self._card((-0.006, 0.006, -0.006, 0.006), (1.0, 0.95, 0.3, 1.0), "pointer")
        self.root.hide()

    def _card(self, frame: tuple[float, float, float, float], colour, name: str) -> NodePath:
        maker = CardMaker(name)
        maker.setFrame(*frame)
        card = self.root.attachNewNode(maker.generate())
        card.setColor(*colour)
        return card

    def _text(self, label: str, at: tuple[float, float], height: float) -> None:
        text = TextNode("xr-pain-text")
        text.setText(label)
        text.setAlign(TextNode.ACenter)
        text.setTextColor(1, 1, 1, 1)
        node = self.root.attachNewNode(text)
        node.setScale(height)
        node.setPos(at[0], -0.002, at[1] - height / 3)

    def _tile(self, tile: Tile) -> tuple[NodePath, NodePath]:
        (u, v), (w, h) = tile.centre, tile.size
        card = self._card((u - w / 2, u + w / 2, v - h / 2, v + h / 2), TILE_COLOUR, f"tile-{tile.label}")
        fill = self._card((0.0, w, v - h / 2, v - h / 2 + 0.008), FILL_COLOUR, f"fill-{tile.label}")
        fill.setX(u - w / 2)
        fill.setY(-0.001)
        self._text(tile.label, (u, v), 0.035 if tile.score is not None else 0.028)
        return card, fill

    def update(self, asking: bool, sample: TrackedSample | None, now: float) -> Tile | None:
        """Show or hide the panel and follow the pointing hand; the tile chosen this frame, if any."""
        if not asking:
            self.root.hide()
            self.chooser.update(None, now)
            return None
        self.root.show()
        hand = sample is not None and sample.source == "openxr-hand" and sample.valid is not None
        ray = pointing_ray(sample.points, sample.valid) if hand and sample is not None else None
        chosen = self.chooser.update(ray, now)
        pointed, progress = self.chooser.pointed, self.chooser.progress(now)
        for label, card in self._cards.items():
            lit = pointed is not None and pointed.label == label
            card.setColor(*(LIT_COLOUR if lit else TILE_COLOUR))
            self._fills[label].setSx(max(progress, 1e-3) if lit else 1e-3)
        if self.chooser.pointer is None:
            self._dot.hide()
        else:
            self._dot.show()
            self._dot.setPos(self.chooser.pointer[0], -0.003, self.chooser.pointer[1])
        return chosen

    def destroy(self) -> None:
        self.root.removeNode()
