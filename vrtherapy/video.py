"""Session videos a therapist can open anywhere: H.264 in MP4, as long as the session it shows.

Browsers play H.264 (in yuv420p, with the index at the front of the file for streaming); they do not
play OpenCV's `mp4v` (MPEG-4 part 2). PyAV, FFmpeg's bindings, ships libx264 inside its wheel, so no
system FFmpeg is needed.

Frames arrive when the renderer manages them, which offscreen on a software renderer is slower than
the video's frame rate; each frame is stamped with the session time it shows (on a 1/fps grid: a frame
lasts until the next one, and the last one is shown again at the session's end), so the video's clock
is the session's clock and a 20-minute session gives a 20-minute video whatever the renderer's speed.
Each frame is encoded once (no copies to fill the gaps), so a slow renderer is not slowed further.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    from av.video.stream import VideoStream

#: Encoders tried in order: x264 (PyAV's wheels), then Cisco's OpenH264 (some FFmpeg builds).
H264_ENCODERS = ("libx264", "libopenh264")
#: x264's quality setting: 23 is its default, visually clean for a rendered scene.
CRF = 23


class VideoUnavailable(RuntimeError):
    """No H.264 encoder here; the caller goes on without a video and says so."""


def h264_encoder() -> str:
    """The first H.264 encoder this machine's PyAV has; VideoUnavailable if none."""
    try:
        import av
    except ImportError as exc:
        raise VideoUnavailable(f"PyAV is not installed ({exc})") from None
    for name in H264_ENCODERS:
        if name in av.codecs_available:
            return name
    raise VideoUnavailable("this PyAV has no H.264 encoder")


class SessionVideo:
    """An H.264 MP4 at a constant `fps`, frames placed by their session time (`add(t, rgb)`)."""

    def __init__(self, path: Path, fps: float) -> None:
        import av

        self.path = Path(path)
        self.fps = fps
        self._encoder = h264_encoder()
        self._container = av.open(str(self.path), "w", options={"movflags": "+faststart"})
        self._stream: VideoStream | None = None
        self._last: np.ndarray | None = None
        self._last_slot = -1  # the grid slot (pts) of the last frame encoded

    def _open_stream(self, height: int, width: int) -> None:
        stream = cast("VideoStream", self._container.add_stream(self._encoder, rate=Fraction(self.fps).limit_denominator(1001)))
        stream.width, stream.height = width + width % 2, height + height % 2  # yuv420p needs even sizes
        stream.pix_fmt = "yuv420p"
        if self._encoder == "libx264":
            stream.options = {"crf": str(CRF), "preset": "veryfast", "bf": "0"}  # no reordering: each frame lasts to the next
        self._stream = stream

    def add(self, t: float, rgb: np.ndarray) -> None:
        """The (H, W, 3) uint8 frame shown from `t` seconds into the session (one already holding that
        slot of the grid keeps it)."""
        if self._stream is None:
            self._open_stream(*rgb.shape[:2])
        slot = max(0, round(t * self.fps))
        if slot > self._last_slot:
            self._encode(rgb, slot)
            self._last = rgb.copy()  # shown again at the end; the caller may reuse its buffer

    def close(self, until_s: float | None = None) -> None:
        """Show the last frame to `until_s` seconds (the session's end) and finish the file."""
        if self._last is not None:
            end = self._last_slot + 1 if until_s is None else round(until_s * self.fps)
            if end - 1 > self._last_slot:
                self._encode(self._last, end - 1)  # the last frame again, in the session's last slot
            assert self._stream is not None
            for packet in self._stream.encode():
                self._container.mux(packet)
        self._container.close()

    def _encode(self, rgb: np.ndarray, slot: int) -> None:
        import av

        assert self._stream is not None
        if rgb.shape[0] % 2 or rgb.shape[1] % 2:
            rgb = np.pad(rgb, ((0, rgb.shape[0] % 2), (0, rgb.shape[1] % 2), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = slot
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._last_slot = slot

    @property
    def duration_s(self) -> float:
        return (self._last_slot + 1) / self.fps
