"""How the virtual limb looks: skin-tone presets (and custom colours), sleeve edge, nails.

Patients accept a virtual limb more readily when it matches their own skin, so the tone is chosen
per patient. Presets span the Fitzpatrick range I-VI; any sRGB colour can be given instead.

Finger- and toenails are drawn by default (they make the limb read as a human hand or foot). Unless a
colour is given, the nails take a soft pinkish off-white mixed with the skin tone: close to the skin on
fair tones (a nail is mostly the pink nail bed seen through the plate), clearly lighter than the skin
on darker ones.
"""

from __future__ import annotations

from dataclasses import dataclass

SKIN_TONES: dict[str, tuple[float, float, float]] = {
    "porcelain": (0.96, 0.80, 0.71),  # Fitzpatrick I
    "fair": (0.91, 0.72, 0.60),  # II
    "medium": (0.82, 0.61, 0.47),  # III
    "olive": (0.69, 0.50, 0.35),  # IV
    "brown": (0.50, 0.34, 0.23),  # V
    "deep": (0.31, 0.21, 0.15),  # VI
}
DEFAULT_SKIN_TONE = "medium"

NAIL_BASE_COLOR = (0.93, 0.80, 0.78)  #: the pinkish off-white the nail colour leans towards
NAIL_SKIN_SHARE = 0.5  #: how much of the skin tone shows in the derived nail colour


PALM_BASE_COLOR = (0.88, 0.66, 0.56)  #: the pinkish tone palms and soles lean towards


def palm_color_for(skin_color: tuple[float, float, float]) -> tuple[float, float, float]:
    """Palms and soles: a little pinker than fair skin, markedly lighter than dark skin (they carry far
    less melanin)."""
    luma = 0.299 * skin_color[0] + 0.587 * skin_color[1] + 0.114 * skin_color[2]
    share = 0.15 + 0.55 * max(0.0, 1.0 - luma / 0.75)
    r, g, b = (s + (p - s) * share for s, p in zip(skin_color, PALM_BASE_COLOR, strict=True))
    return (r, g, b)


def nail_color_for(skin_color: tuple[float, float, float]) -> tuple[float, float, float]:
    """The default nail colour over `skin_color`: mostly NAIL_BASE_COLOR, tinted by the skin."""
    r, g, b = (NAIL_SKIN_SHARE * s + (1.0 - NAIL_SKIN_SHARE) * n for s, n in zip(skin_color, NAIL_BASE_COLOR, strict=True))
    return r, g, b


@dataclass(frozen=True)
class Appearance:
    skin_color: tuple[float, float, float] = SKIN_TONES[DEFAULT_SKIN_TONE]
    #: The shirt: sleeves on the arms and the body's top half (`render/body.py`).
    sleeve_color: tuple[float, float, float] = (0.32, 0.42, 0.52)
    #: Trousers: the body's lap and hips (and the legs' clothing edge).
    trouser_color: tuple[float, float, float] = (0.24, 0.26, 0.31)
    #: Distance from the hip (metres along the thigh) the trousers cover: rolled up above the knee.
    trouser_length: float = 0.30
    #: Distance from the shoulder (metres along the arm) that the sleeve covers; 0 = no sleeve.
    sleeve_length: float = 0.20
    #: Draw finger- and toenails.
    nails: bool = True
    #: Nail colour; None = derived from the skin colour (`nail_color_for`).
    nail_color: tuple[float, float, float] | None = None

    @property
    def nail_rgb(self) -> tuple[float, float, float]:
        """The nail colour in use: `nail_color`, or the one derived from the skin."""
        return self.nail_color if self.nail_color is not None else nail_color_for(self.skin_color)

    @property
    def palm_rgb(self) -> tuple[float, float, float]:
        """The colour of the palms and soles over this skin."""
        return palm_color_for(self.skin_color)

    @staticmethod
    def from_tone(tone: str, **kwargs) -> Appearance:
        """A preset name or a custom colour as '#rrggbb'."""
        return Appearance(skin_color=parse_skin_tone(tone), **kwargs)


def parse_skin_tone(tone: str) -> tuple[float, float, float]:
    if tone in SKIN_TONES:
        return SKIN_TONES[tone]
    text = tone.lstrip("#")
    if len(text) == 6:
        try:
            r, g, b = (int(text[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
            return (r, g, b)
        except ValueError:
            pass
    raise ValueError(f"skin tone {tone!r}: use one of {', '.join(SKIN_TONES)} or a colour like '#c8956d'")
