"""What a session (`demo`, `run --output`) leaves for a person to look at: a video, an animated preview,
key frames, a contact sheet.

Frames arrive while the session runs and are streamed to disk (the video is written as it goes; only
the small preview frames and one key frame per exercise are kept in memory). Every file is owner-only
from its creation: with a replayed recording, these pictures show a patient's own movements. The video is
H.264, lasts as long as the session and plays in a browser (`vrtherapy.video`); where no H.264 encoder is
found the pictures are still written and `video_note` says why there is no video.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from vrtherapy.private_files import private_folder, private_path
from vrtherapy.therapy.key_frames import KeyFrames
from vrtherapy.therapy.playlist import Playlist
from vrtherapy.therapy.session_state import SessionState
from vrtherapy.video import SessionVideo, VideoUnavailable

PREVIEW_WIDTH = 400
PREVIEW_FPS = 10.0


class DemoRecorder:
    """A FrameSink writing demo.mp4, preview.gif and one PNG per exercise into `folder`; `state` is the
    session's (its timeline chooses and labels the key frames)."""

    def __init__(self, folder: Path, playlist: Playlist, fps: float, state: Callable[[], SessionState]) -> None:
        self.folder = folder
        self.playlist = playlist
        self.fps = fps
        self._video: SessionVideo | None = None
        self.video_note: str | None = None  #: why there is no video, when there is none
        self._preview: list[Image.Image] = []
        self._next_preview_t = 0.0
        self.key_frames = KeyFrames(playlist, state)
        self.files: list[Path] = []

    def __call__(self, frame: int, t: float, rgb: np.ndarray) -> None:
        self._write_video(t, rgb)
        if t >= self._next_preview_t:
            import cv2

            h = round(rgb.shape[0] * PREVIEW_WIDTH / rgb.shape[1])
            self._preview.append(Image.fromarray(cv2.resize(rgb, (PREVIEW_WIDTH, h), interpolation=cv2.INTER_AREA)))
            self._next_preview_t += 1.0 / PREVIEW_FPS
        self.key_frames.offer(rgb)

    def _write_video(self, t: float, rgb: np.ndarray) -> None:
        if self._video is None and self.video_note is None:
            try:
                self._video = SessionVideo(private_path(self.folder / "demo.mp4"), self.fps)
                self.files.append(self._video.path)
            except VideoUnavailable as exc:  # the PNGs and the GIF still get written
                self.video_note = f"no video: {exc}"
        if self._video is not None:
            self._video.add(t, rgb)

    def video_summary(self) -> dict:
        """What summary.json says of the video: its file, codec and length, or why there is none."""
        if self._video is None:
            return {"file": None, "note": self.video_note or "no frames"}
        return {"file": self._video.path.name, "codec": "H.264", "seconds": round(self._video.duration_s, 3),
                "fps": self.fps}  # fmt: skip

    def finish(self, until_s: float | None = None) -> list[Path]:
        """Write what is kept in memory and close the video at `until_s` (the session's length)."""
        if self._video is not None:
            self._video.close(until_s)
        if self._preview:
            path = private_path(self.folder / "preview.gif")
            self._preview[0].save(path, save_all=True, append_images=self._preview[1:],
                                  duration=int(1000 / PREVIEW_FPS), loop=0)  # fmt: skip
            self.files.append(path)
        frames_dir = private_folder(self.folder / "frames")
        thumbs = []
        for key in self.key_frames.frames():
            path = private_path(frames_dir / f"{key.name}.png")
            Image.fromarray(key.rgb).save(path)
            self.files.append(path)
            thumbs.append(Image.fromarray(key.rgb))
        if thumbs:
            self.files.append(self._contact_sheet(thumbs))
        return self.files

    def _contact_sheet(self, images: list[Image.Image]) -> Path:
        cols = min(3, len(images))
        rows = -(-len(images) // cols)
        w = 480
        h = round(images[0].height * w / images[0].width)
        sheet = Image.new("RGB", (cols * w, rows * h), (255, 255, 255))
        for i, img in enumerate(images):
            sheet.paste(img.resize((w, h), Image.Resampling.LANCZOS), ((i % cols) * w, (i // cols) * h))
        path = private_path(self.folder / "contact_sheet.png")
        sheet.save(path)
        return path
