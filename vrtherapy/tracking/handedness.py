"""Which hand is which: MediaPipe's handedness label and the person's own side.

MediaPipe Hands was trained on mirrored (selfie) images: its `Left`/`Right` label names the hand as it
appears in a mirror. On an ordinary camera image, where the person's right hand is on the image's left,
the label names the person's *other* hand (checked on labelled photographs in `../shared/data`).
MediaPipe Pose's landmark names (`LEFT_WRIST`, ...) follow the person's own sides on ordinary images.

vrtherapy's convention: every frame is un-mirrored where it is captured (`frame_sources`, per camera
`mirrored` setting), so downstream code only ever sees ordinary images and converts the label with
`own_side(label)`. `mirrored=True` is for callers holding a frame that is still a mirror image.
"""

from __future__ import annotations

from typing import Literal

from vrtherapy.tracking.sample import Side

MediaPipeLabel = Literal["Left", "Right"]


def own_side(label: str, mirrored: bool = False) -> Side:
    """The person's own side for MediaPipe's handedness label on an ordinary (or mirrored) image."""
    if label not in ("Left", "Right"):
        raise ValueError(f"unknown MediaPipe handedness label {label!r}")
    selfie_side: Side = "left" if label == "Left" else "right"
    if mirrored:
        return selfie_side
    return "right" if selfie_side == "left" else "left"
