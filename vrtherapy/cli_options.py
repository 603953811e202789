"""The command line's numeric options and the ranges a session can run with, stated once as data.

Each range is taken from where the bound lives when it has a home (the longest session from the
playlist's `max_minutes` cap, the hold before easing to rest from `LossSettings`, pain scores from
`therapy.pain`) and stated here otherwise, with its reason. A value outside its range, or not a
plain number, is one line naming the option and the range: `--fps: 0.001 is outside 10 to 240
frames per second`.

Numbers are read strictly: ASCII digits only (Python's `float()` reads "١٠" as 10 and takes "nan",
"inf" and "1e999"), so what is accepted is what the person meant to type.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.therapy.pain import PAIN_MAX, PAIN_MIN
from vrtherapy.therapy.playlist import Playlist

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    unit: str
    integer: bool = False

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.low:g} to {self.high:g}{unit}"

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def _metadata(cls: type, name: str) -> dict[str, Any]:
    return dict(next(f for f in dataclasses.fields(cls) if f.name == name).metadata)


def _hold_range() -> Range:
    hold = _metadata(LossSettings, "hold_s")
    return Range(float(hold.get("min", hold.get("ge", 0.0))), float(hold["max"]), "seconds")


#: A session runs from one second to the longest a playlist may cap one at (`Playlist.max_minutes`).
SESSION_SECONDS = Range(1.0, float(_metadata(Playlist, "max_minutes")["max"]) * 60.0, "seconds")
#: Below 10 frames a second the mirrored limb no longer moves with the patient's (and a frame every
#: 1000 s is a hang); 240 is the fastest monitors and headsets refresh.
FPS = Range(10.0, 240.0, "frames per second")
#: From a quarter of 720p (the HUD's large type still fits) to 4K; a frame larger than that cannot be
#: drawn and read back in time on a software renderer.
WIDTH = Range(320, 3840, "pixels", integer=True)
HEIGHT = Range(180, 2160, "pixels", integer=True)
#: How long a limb out of view holds its pose before easing to rest (`LossSettings.hold_s`).
REST_AFTER = _hold_range()
PAIN = Range(PAIN_MIN, PAIN_MAX, "(0 no pain, 10 worst imaginable)", integer=True)
#: The console's TCP port; 0 asks the system for any free one.
PORT = Range(0, 65535, "(0: any free port)", integer=True)

#: Every numeric option of every command with its range (the records commands check theirs in `records.cli`).
OPTION_RANGES: dict[str, Range | tuple[Range, Range]] = {
    "--seconds": SESSION_SECONDS,
    "--fps": FPS,
    "--size": (WIDTH, HEIGHT),
    "--rest-after": REST_AFTER,
    "--pain-before": PAIN,
    "--pain-after": PAIN,
    "--port": PORT,
}


def read_number(text: str, bound: Range) -> float:
    """`text` as a number within `bound`; ValueError with the reason otherwise."""
    pattern = _INTEGER if bound.integer else _NUMBER
    if not pattern.fullmatch(text.strip()) or len(text.strip()) > 30:
        kind = "a whole number" if bound.integer else "a number"
        raise ValueError(f"{text!r} is not {kind} (use the digits 0-9); allowed: {bound}")
    value = int(text) if bound.integer else float(text)
    if not math.isfinite(value) or not bound.contains(value):
        raise ValueError(f"{text.strip()} is outside {bound}")
    return value


def number(option: str) -> Callable[[str], float]:
    """An argparse `type` for `option`, checked against its range in OPTION_RANGES."""
    bound = OPTION_RANGES[option]
    assert isinstance(bound, Range), option

    def parse(text: str) -> float:
        try:
            value = read_number(text, bound)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return int(value) if bound.integer else value

    parse.__name__ = option.lstrip("-")  # argparse names the type in its own messages
    return parse


def frame_size(text: str) -> tuple[int, int]:
    """`--size WIDTHxHEIGHT` within OPTION_RANGES["--size"]."""
    width, height = OPTION_RANGES["--size"]  # type: ignore[misc]
    parts = text.lower().split("x")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"{text!r}: use WIDTHxHEIGHT, e.g. 960x540 (width {width}, height {height})")
    try:
        return int(read_number(parts[0], width)), int(read_number(parts[1], height))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: width must be {width}, height {height}") from None
