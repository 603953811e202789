"""Real hands from photographs (HaGRID tiles in ../shared/data, labelled by eye) through the live webcam
path, as the tests of the drawn hand need them: one photograph, one tracked sample, then the session's
pose pipeline (mirror, retarget)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.motion.pipeline import FramePoses, MirrorSettings, PosePipeline
from vrtherapy.tracking.frame_sources import ImageFolderSource
from vrtherapy.tracking.mediapipe_detect import MediaPipeDetector
from vrtherapy.tracking.mediapipe_source import MediaPipeSource

HAGRID = "people/hagrid/hagrid_samples_{}.jpg"


def drawn_from_photo(shared_data: Path, name: str, side: str, align: bool = True) -> FramePoses:
    """The poses a live session draws for the `side` hand in HaGRID tile `name`. `align`: the palm lined
    up with a forearm resting on the table (the finger angles alone, as `track` measures them); else
    turned as photographed."""
    source = MediaPipeSource(ImageFolderSource(shared_data / HAGRID.format(name)), side,  # type: ignore[arg-type]
                             hand_to_arm=partial(arm_points_from_hand, align=align), still_images=True,
                             detector=MediaPipeDetector(pose=False, still_images=True))  # fmt: skip
    try:
        sample = source.next_sample()
    finally:
        source.close()
    assert sample is not None and sample.confidence > 0, f"{name}: the {side} hand was not tracked"
    return PosePipeline(MirrorSettings(intact_side=side)).process(sample)  # type: ignore[arg-type]
