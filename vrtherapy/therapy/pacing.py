"""Frame pacing as a session paces its frames: sleep until the next frame is due; a frame more than one
period late starts the schedule afresh instead of rendering a burst of frames to catch up (a burst
would show the patient a jerk, and a benchmark a rate the session never runs at). The session's loop
(`driver.py`) and the benchmarks that measure it under its pace use this one rule."""

from __future__ import annotations

import time
from collections.abc import Callable

#: The frame rate a session runs at unless told otherwise (`--fps`).
SESSION_FPS = 30.0


class FramePacer:
    """`wait()` after each frame sleeps until the next is due, `fps` frames a second from `start()`."""

    def __init__(self, fps: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.period = 1.0 / fps
        self._clock, self._sleep = clock, sleep
        self._next = clock()

    def start(self) -> float:
        """Begin the schedule now; returns the time it began."""
        self._next = self._clock()
        return self._next

    def wait(self) -> None:
        self._next += self.period
        delay = self._next - self._clock()
        if delay > 0:
            self._sleep(delay)
        elif delay < -self.period:
            self._next = self._clock()  # more than a frame late: start afresh, no burst of frames
