"""A stand-in for the console's web thread in tests: while a session runs, it collects every new JPEG the
live view's stream holds, as the page's viewer would take the newest one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def collecting_jpegs(stream: Any, poll_s: float = 0.02) -> Iterator[list[bytes]]:
    """Yield a list that fills with each new JPEG of `stream` (a `console.live` frame stream) until the block ends."""
    jpegs: list[bytes] = []
    stop = threading.Event()

    def viewer() -> None:
        seen = 0
        while not stop.wait(poll_s):
            seq, jpeg = stream.jpeg
            if jpeg and seq != seen:
                seen = seq
                jpegs.append(jpeg)

    thread = threading.Thread(target=viewer)
    thread.start()
    try:
        yield jpegs
    finally:
        stop.set()
        thread.join()
