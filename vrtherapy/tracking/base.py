"""The tracker protocol and the thread that runs a tracker beside the frame loop.

A `SampleSource` blocks until its next capture (a camera frame, a synthetic tick, the next recorded
sample). `ThreadedTracker` runs a source on its own thread and keeps only the newest sample, so the
frame loop takes `latest()` without ever waiting for tracking.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Protocol

from vrtherapy.tracking.sample import Side, TrackedSample


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class SampleSource(Protocol):
    name: str
    side: Side

    def next_sample(self) -> TrackedSample | None:
        """Block until the next capture; None when the source has ended."""

    def close(self) -> None: ...


class Tracker(Protocol):
    name: str
    side: Side
    #: why the tracker stopped on its own (its source failed), or None
    error: BaseException | None

    @property
    def running(self) -> bool:
        """True while it can still deliver new samples."""

    def start(self) -> None: ...

    def latest(self) -> TrackedSample | None:
        """The newest sample, without waiting (None before the first)."""

    def stop(self) -> None: ...


class ThreadedTracker:
    """Runs a SampleSource on a daemon thread and hands over its newest sample."""

    def __init__(self, source: SampleSource, say: Callable[[str], None] | None = None) -> None:
        """`say` gets the source's advice (`tracking_advice`) each time it changes to a new line:
        the terminal's copy of what the HUD shows (default: standard error)."""
        self.source = source
        self._say = say or _to_stderr
        self._said = ""
        self.name = source.name
        self.side = source.side
        self._lock = threading.Lock()
        self._latest: TrackedSample | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"tracker-{source.name}", daemon=True)
        self.samples_received = 0
        self.samples_usable = 0  #: samples in which the limb was tracked
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def latest(self) -> TrackedSample | None:
        with self._lock:
            return self._latest

    @property
    def advice(self) -> str:
        """What the source says is wrong with what it sees ("" when all is well, or if it cannot tell)."""
        return str(getattr(self.source, "advice", ""))

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.source.close()

    def _run(self) -> None:
        # A source that competes with rendering for the CPU (MediaPipe) asks for a lower priority, so
        # on a busy machine tracking slows down rather than the frame rate; threads it starts from
        # here (MediaPipe's own) inherit it.
        niceness = getattr(self.source, "thread_niceness", 0)
        if niceness and hasattr(os, "setpriority"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        try:
            while not self._stop.is_set():
                sample = self.source.next_sample()
                if sample is None:
                    return
                with self._lock:
                    self._latest = sample
                    self.samples_received += 1
                    self.samples_usable += sample.confidence > 0 and bool(sample.valid.any())
                advice = self.advice
                if advice != self._said:
                    self._said = advice
                    if advice:
                        self._say(f"vrtherapy: {advice}")
        except BaseException as exc:  # reported by the session, which must keep rendering
            self.error = exc
