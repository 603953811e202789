"""How the virtual limb looks: skin-tone presets (and custom colours), sleeve edge.

Patients accept a virtual limb more readily when it matches their own skin, so the tone is chosen
per patient. Presets span the Fitzpatrick range I-VI; any sRGB colour can be given instead.
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


@dataclass(frozen=True)
class Appearance:
    skin_color: tuple[float, float, float] = SKIN_TONES[DEFAULT_SKIN_TONE]
    sleeve_color: tuple[float, float, float] = (0.32, 0.42, 0.52)
    #: Distance from the shoulder (metres along the arm) that the sleeve covers; 0 = no sleeve.
    sleeve_length: float = 0.20

    @staticmethod
    def from_tone(tone: str, **kwargs) -> "Appearance":
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
