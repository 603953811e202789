"""`vrtherapy record`: run a tracker and write every sample it hands over to a recording.

Any tracker `--tracker` names (`therapy.tracker_factory`): the synthetic patient, or MediaPipe on a camera
(for `seconds`), a video file or a folder of images (every frame, as fast as MediaPipe goes, so a
recording made from the same images twice holds the same landmarks). The synthetic patient performs
the playlist named, or the tracked limb's own default one (the arm demo, or the lower-limb playlist);
a playlist for the other limb is refused in one line.

Everything is checked before the file is created; a recording that fills the disk or reaches
`MAX_SAMPLES` ends there and keeps every complete sample.
"""

from __future__ import annotations

import time
from pathlib import Path

from vrtherapy.errors import VrtherapyError
from vrtherapy.therapy.playlist import DEFAULT_PLAYLIST_FOR_LIMB, load_playlist
from vrtherapy.therapy.setup import limb_kind, patient_script
from vrtherapy.therapy.tracker_factory import open_source, parse_tracker_spec
from vrtherapy.tracking.recording import MAX_SAMPLES, RecordingWriter
from vrtherapy.tracking.sample import LimbKind, Side
from vrtherapy.tracking.tracking_advice import usable_report

LIVE_DEFAULT_S = 10.0


def record(tracker: str, side: Side, playlist: str | None, seconds: float | None, output: Path,
           limb: LimbKind = "arm", say=lambda _line: None, keep_partial: bool = False) -> int:  # fmt: skip
    """Record `tracker` into `output` for at most `seconds` (None: a whole video or folder of images, or
    LIVE_DEFAULT_S of a live source); returns the number of samples written.

    Ends by saying how many samples tracked the limb; under half, the recording is not kept (it would
    replay as a limb missing most of the time) and VrtherapyError says why and what to change, unless
    `keep_partial`."""
    spec = parse_tracker_spec(tracker)
    if spec.kind == "replay":
        raise VrtherapyError("--tracker: a recording is already a recording (copy the file instead)")
    if output.exists():
        raise VrtherapyError(f"--output: {output} exists; recordings are never overwritten")
    live = spec.kind == "synthetic" or spec.target.isdigit()
    if seconds is None and live:
        seconds = LIVE_DEFAULT_S  # a live source has no end of its own
    schedule: list[tuple[str, float]] = []
    if spec.kind == "synthetic":
        chosen = load_playlist(playlist or DEFAULT_PLAYLIST_FOR_LIMB[limb])
        if limb_kind(chosen.limb) != limb:
            raise VrtherapyError(f"--playlist: {chosen.name!r} is for the {chosen.limb} limb; --limb {limb} needs "
                                 f"a playlist for the {limb} (e.g. {DEFAULT_PLAYLIST_FOR_LIMB[limb]})")  # fmt: skip
        schedule = patient_script(chosen)
        playlist = playlist or DEFAULT_PLAYLIST_FOR_LIMB[limb]
    source = open_source(spec, side, limb, schedule=schedule, realtime=live)
    metadata = getattr(source, "metadata", {"tracker": tracker, "playlist": playlist})
    deadline = None if seconds is None else time.monotonic() + seconds
    usable = 0
    try:
        with RecordingWriter(output, limb, side, metadata) as writer:
            while deadline is None or time.monotonic() < deadline:
                sample = source.next_sample()
                if sample is None:
                    break
                writer.write(sample)
                usable += sample.confidence > 0 and bool(sample.valid.any())
                if writer.full:
                    say(f"vrtherapy: the recording holds {MAX_SAMPLES} samples, as many as one may; it ends here")
                    break
                if writer.count % 100 == 0:
                    say(f"vrtherapy: {writer.count} samples recorded")
            count = writer.count
    finally:
        source.close()
    advisor = getattr(source, "advisor", None)
    line, too_few = usable_report(usable, count, side, limb, advisor.overall() if advisor is not None else "")
    if too_few and not keep_partial:
        output.unlink(missing_ok=True)
        raise VrtherapyError(f"{output} not kept: {line}; record again, or pass --keep-partial to keep it")
    say(f"vrtherapy: {line}")
    return count
