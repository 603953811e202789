"""`vrtherapy record`: run a tracker for a while and write what it hands over to a recording."""

from __future__ import annotations

import time
from pathlib import Path

from vrtherapy.errors import VrtherapyError
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.tracking.base import ThreadedTracker
from vrtherapy.tracking.recording import RecordingWriter
from vrtherapy.tracking.synthetic import SyntheticArmMotion, SyntheticSource, build_schedule


def record(tracker: str, side: str, playlist: str, seconds: float, output: Path) -> int:
    """Record `seconds` of `tracker` into `output`; returns the number of samples written."""
    if tracker != "synthetic":
        raise VrtherapyError(f"--tracker: cannot record {tracker!r} (this version records: synthetic)")
    if output.exists():
        raise VrtherapyError(f"--output: {output} exists; recordings are never overwritten")
    items = load_playlist(playlist).exercises
    motion = SyntheticArmMotion(side, build_schedule([(e.id, e.duration_s) for e in items]))  # type: ignore[arg-type]
    source = ThreadedTracker(SyntheticSource(motion))
    with RecordingWriter(output, "arm", side, {"tracker": tracker, "playlist": playlist}) as writer:
        source.start()
        last = None
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                sample = source.latest()
                if sample is not None and sample is not last:
                    writer.write(sample)
                    last = sample
                time.sleep(0.002)
        finally:
            source.stop()
        return writer.count
