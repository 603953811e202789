"""Soft contact shadows on the table under each virtual hand and forearm.

Without shadows a hand above a table reads as floating; a soft dark ellipse under the palm and the
forearm, fading as the limb lifts, is what tells the eye the hand rests on the table. Two blurred cards
per limb, moved each frame: far cheaper than shadow mapping under software GL.
"""

from __future__ import annotations

import numpy as np
from panda3d.core import CardMaker, NodePath, Texture, TransparencyAttrib

#: Height above the table (m) at which a shadow has faded out completely.
FADE_HEIGHT = 0.14
MAX_OPACITY = 0.5


def _blur_texture(size: int = 64) -> Texture:
    r = np.linalg.norm(np.mgrid[-1 : 1 : size * 1j, -1 : 1 : size * 1j], axis=0)
    alpha = (np.clip(1.0 - r, 0.0, 1.0) ** 1.6 * 255).astype(np.uint8)
    tex = Texture("contact-shadow")
    tex.setup2dTexture(size, size, Texture.T_unsigned_byte, Texture.F_alpha)
    tex.setRamImage(alpha.tobytes())
    tex.setWrapU(Texture.WM_clamp)
    tex.setWrapV(Texture.WM_clamp)
    return tex


class ContactShadows:
    """Shadow cards for one limb: under the hand (wrist to knuckles) and under the forearm."""

    def __init__(self, parent: NodePath, table_height: float,
                 table_area: tuple[float, float, float, float] | None = None,
                 texture: Texture | None = None) -> None:  # fmt: skip
        """`table_area`: (x_min, x_max, y_min, y_max) of the table top, where shadows can fall."""
        self.table_height = table_height
        self.table_area = table_area
        texture = texture or _blur_texture()
        card = CardMaker("shadow")
        card.setFrame(-0.5, 0.5, -0.5, 0.5)
        self.root = parent.attachNewNode("contact-shadows")
        self.root.setTexture(texture)
        self.root.setTransparency(TransparencyAttrib.MAlpha)
        self.root.setDepthWrite(False)
        self.root.setLightOff(1)
        self.root.setBin("transparent", 0)
        self.root.setTwoSided(True)
        self.cards = [self.root.attachNewNode(card.generate()) for _ in range(2)]
        for c in self.cards:
            c.setP(-90)  # lie flat, facing up
        self.root.hide()

    def update(self, segments: np.ndarray | None, widths: tuple[float, float] = (0.10, 0.085)) -> None:
        """`segments`: (2, 2, 3) world start/end points of the hand and of the forearm; None hides."""
        if segments is None:
            self.root.hide()
            return
        self.root.show()
        for card, (start, end), width in zip(self.cards, segments, widths, strict=False):
            mid = (start + end) / 2
            height = mid[2] - self.table_height
            on_table = self.table_area is None or (
                self.table_area[0] <= mid[0] <= self.table_area[1] and self.table_area[2] <= mid[1] <= self.table_area[3]
            )
            # Fades as the limb lifts; nothing for a limb below the table top or off the table.
            opacity = MAX_OPACITY * float(np.clip(1.0 - height / FADE_HEIGHT, 0.0, 1.0)) if height > -0.02 and on_table else 0.0
            length = float(np.hypot(end[0] - start[0], end[1] - start[1])) + width * 0.6
            card.setPos(mid[0], mid[1], self.table_height + 0.0015)
            card.setH(float(np.degrees(np.arctan2(-(end[0] - start[0]), end[1] - start[1]))))
            card.setScale(width, 1.0, max(length, width))
            card.setColor(0.0, 0.0, 0.0, opacity)

    def destroy(self) -> None:
        self.root.removeNode()
