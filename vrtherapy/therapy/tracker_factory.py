"""`--tracker SPEC` -> the sample source it names.

    synthetic                        the synthetic patient performing the playlist
    replay:FILE                      a recording (`vrtherapy record`), in real time
    mediapipe:0                      MediaPipe on camera 0
    mediapipe:clip.mp4               ... on a video file (in real time; frames dropped if inference lags)
    mediapipe:photos/                ... on a folder of images (every image, as fast as possible)
    mediapipe:SOURCE,mirrored        the camera delivers mirror images (a selfie view)
    mediapipe:SOURCE,view=top        the camera looks down on the table instead of facing the patient
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from vrtherapy.errors import VrtherapyError
from vrtherapy.motion.hand_only import arm_points_from_hand
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.tracking.base import SampleSource
from vrtherapy.tracking.sample import LimbKind, Side

KINDS = ("synthetic", "replay", "mediapipe")


@dataclass(frozen=True)
class TrackerSpec:
    kind: str
    target: str = ""  #: the recording, camera index, video, image or folder
    mirrored: bool = False
    view: str = "front"


def parse_tracker_spec(spec: str) -> TrackerSpec:
    kind, _, rest = spec.partition(":")
    if kind not in KINDS:
        raise VrtherapyError(f"--tracker: unknown tracker {spec!r} (use synthetic, replay:FILE or mediapipe:SOURCE)")
    if kind == "synthetic":
        if rest:
            raise VrtherapyError(f"--tracker: {spec!r}: the synthetic tracker takes no source")
        return TrackerSpec(kind)
    if not rest:
        raise VrtherapyError(f"--tracker: {spec!r} needs a source, e.g. {kind}:" + ("FILE" if kind == "replay" else "0"))
    if kind == "replay":
        return TrackerSpec(kind, rest)
    target, *options = rest.split(",")
    mirrored, view = False, "front"
    for option in options:
        if option == "mirrored":
            mirrored = True
        elif option in ("view=front", "view=top"):
            view = option.split("=", 1)[1]
        else:
            raise VrtherapyError(f"--tracker: {spec!r}: unknown option {option!r} (mirrored, view=front or view=top)")
    return TrackerSpec(kind, target, mirrored, view)


def open_source(spec: str | TrackerSpec, side: Side, limb: LimbKind = "arm", *,
                schedule: Sequence[tuple[str, float]] = (), dims: ArmDimensions | None = None,
                rate_hz: float = 30.0, realtime: bool = True) -> SampleSource:  # fmt: skip
    """The source tracking the intact `side` `limb`; `schedule` is what the synthetic patient performs."""
    parsed = parse_tracker_spec(spec) if isinstance(spec, str) else spec
    if parsed.kind == "replay":
        from vrtherapy.tracking.replay import ReplaySource

        source = ReplaySource(Path(parsed.target), realtime=realtime)
        if source.limb != limb:
            raise VrtherapyError(f"--tracker: {parsed.target} holds a {source.limb}; this session needs a {limb}")
        if source.side != side:
            raise VrtherapyError(f"--tracker: {parsed.target} tracked the {source.side} {limb}; "
                                 f"the intact side here is {side}")  # fmt: skip
        return source
    if parsed.kind == "mediapipe":
        from vrtherapy.tracking.frame_sources import ImageFolderSource, open_frame_source
        from vrtherapy.tracking.mediapipe_source import CameraSettings, MediaPipeSource

        frames = open_frame_source(parsed.target, parsed.mirrored, realtime=realtime)
        camera = CameraSettings(parsed.view, parsed.mirrored)  # type: ignore[arg-type]
        hand_to_arm = partial(arm_points_from_hand, dims=dims or ArmDimensions())
        return MediaPipeSource(frames, side, limb, camera, hand_to_arm,
                               still_images=isinstance(frames, ImageFolderSource))  # fmt: skip
    from vrtherapy.therapy import synthetic_patient as synthetic

    plan = synthetic.build_schedule(list(schedule))
    motion = synthetic.SyntheticArmMotion(side, plan, dims) if limb == "arm" else synthetic.SyntheticLegMotion(side, plan)
    return synthetic.SyntheticSource(motion, rate_hz)
