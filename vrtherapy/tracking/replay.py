"""Replaying a recording as a tracker (`--tracker replay:FILE`), in real time or as fast as possible.

Samples are re-stamped onto this run's clock with their recorded spacing, so the latency accounting
of a replayed session measures this run (capture of each replayed movement to the frame showing it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from vrtherapy.tracking.recording import load_recording
from vrtherapy.tracking.sample import TrackedSample


class ReplaySource:
    """A SampleSource playing back a recording file (read and checked whole before anything plays)."""

    def __init__(self, path: Path, realtime: bool = True, loop: bool = False,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        recording = load_recording(path)
        self.header, self.samples = recording.header, list(recording.samples)
        self.notes = recording.notes  #: what was wrong but not fatal, one line each, for the caller to say
        self.name = f"replay:{Path(path).name}"
        self.side = self.header.side
        self.limb = self.header.limb
        self.realtime, self.loop = realtime, loop
        self._clock, self._sleep = clock, sleep
        self._i = 0
        self._t0: float | None = None

    def next_sample(self) -> TrackedSample | None:
        if self._i >= len(self.samples):
            if not self.loop or not self.samples:
                return None
            self._i, self._t0 = 0, None
        recorded = self.samples[self._i]
        first = self.samples[0].t_capture
        now = self._clock()
        if self._t0 is None:
            self._t0 = now
        due = self._t0 + (recorded.t_capture - first)
        if self.realtime and due > now:
            self._sleep(due - now)
        self._i += 1
        stamp = due if self.realtime else self._clock()
        return recorded.replace(t_capture=stamp)

    def close(self) -> None:
        pass
