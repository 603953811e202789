"""Recordings of tracked motion: a documented, versioned file, written as it happens.

Format (`.vtrec`, UTF-8 JSON lines):

    line 1, the header:
      {"format": "vrtherapy-recording", "version": 1, "limb": "arm", "side": "right",
       "points": ["shoulder", "elbow", ...], "source": {...what recorded it...}}
    every further line, one sample:
      {"t": 12.345678, "p": [[x, y, z], ...], "v": [true, ...], "c": 0.97}
      t: capture time in seconds (any origin); p: world-frame positions in metres (frames.py), one per
      header point; v: whether the tracker saw each point; c: the tracker's confidence.

Each line is flushed as it is written, so a crash loses at most the sample being written. Floats are
written with Python's shortest round-tripping repr, so replay reproduces landmarks bit for bit. A file
that is not a recording, has another version, or is cut off mid-line is refused with one line naming
the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vrtherapy.errors import TrackerError
from vrtherapy.tracking.sample import ARM_POINTS, LEG_POINTS, TrackedSample

FORMAT = "vrtherapy-recording"
VERSION = 1
POINTS = {"arm": ARM_POINTS, "leg": LEG_POINTS}


@dataclass(frozen=True)
class RecordingHeader:
    limb: str
    side: str
    points: tuple[str, ...]
    source: dict


class RecordingWriter:
    """Appends samples to a new recording file."""

    def __init__(self, path: Path, limb: str, side: str, source: dict | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("x", encoding="utf-8")  # never overwrite a recording
        header = {"format": FORMAT, "version": VERSION, "limb": limb, "side": side,
                  "points": list(POINTS[limb]), "source": source or {}}  # fmt: skip
        self._write(header)
        self.count = 0

    def write(self, sample: TrackedSample) -> None:
        self._write({"t": sample.t_capture, "p": sample.points.tolist(), "v": sample.valid.tolist(),
                     "c": sample.confidence})  # fmt: skip
        self.count += 1

    def _write(self, record: dict) -> None:
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_recording(path: Path) -> tuple[RecordingHeader, list[TrackedSample]]:
    """Header and samples of a recording; TrackerError (one line) if the file is unusable."""
    header, samples = None, []
    for header, sample in _records(Path(path)):
        if sample is not None:
            samples.append(sample)
    assert header is not None
    return header, samples


def _records(path: Path) -> Iterator[tuple[RecordingHeader, TrackedSample | None]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TrackerError(f"{path}: recording not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrackerError(f"{path}: cannot read the recording ({exc})") from None
    if text and not text.endswith("\n"):
        lines = text.count("\n") + 1
        raise TrackerError(f"{path}: line {lines}: the recording is cut off (truncated file)")
    lines = text.splitlines()
    if not lines:
        raise TrackerError(f"{path}: empty file, not a vrtherapy recording")
    header = _header(path, lines[0])
    yield header, None
    n = len(header.points)
    for number, line in enumerate(lines[1:], start=2):
        try:
            record = json.loads(line)
            points = np.array(record["p"], dtype=float)
            valid = np.array(record["v"], dtype=bool)
            if points.shape != (n, 3) or valid.shape != (n,):
                raise ValueError(f"expected {n} points")
            sample = TrackedSample(header.limb, header.side, float(record["t"]), points, valid,
                                   float(record.get("c", 1.0)), source=str(path))  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise TrackerError(f"{path}: line {number}: corrupt sample ({exc})") from None
        yield header, sample


def _header(path: Path, line: str) -> RecordingHeader:
    try:
        head = json.loads(line)
    except ValueError:
        raise TrackerError(f"{path}: line 1: not a vrtherapy recording (no JSON header)") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise TrackerError(f"{path}: line 1: not a vrtherapy recording")
    if head.get("version") != VERSION:
        raise TrackerError(f"{path}: line 1: recording format version {head.get('version')!r}, this vrtherapy reads {VERSION}")
    limb, side = head.get("limb"), head.get("side")
    if limb not in POINTS or side not in ("left", "right") or tuple(head.get("points", ())) != POINTS[limb]:
        raise TrackerError(f"{path}: line 1: header names an unknown limb, side or point layout")
    return RecordingHeader(limb, side, POINTS[limb], dict(head.get("source") or {}))
