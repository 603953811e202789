"""Recordings of tracked motion: a documented, versioned file, written as it happens.

Format (`.vtrec`, UTF-8 JSON lines):

    line 1, the header:
      {"format": "vrtherapy-recording", "version": 1, "limb": "arm", "side": "right",
       "points": ["shoulder", "elbow", ...], "source": {...what recorded it...}}
    every further line, one sample:
      {"t": 12.345678, "p": [[x, y, z], ...], "v": [true, ...], "c": 0.97}
      t: capture time in seconds (any origin, never going back); p: world-frame positions in metres
      (frames.py), one per header point, null where the tracker had none; v: whether the tracker saw
      each point; c: the tracker's confidence, 0 to 1.

Each line is written to the file as it is made (no buffer), so a crash loses at most the sample being
written; a write that fails (a full disk) cuts the file back to its last complete sample and says so.
Floats are written with Python's shortest round-tripping repr, so replay reproduces landmarks bit for
bit; only standard JSON is written (no NaN). A recording holds a patient's motion: the file is
owner-only from the moment it is created, and so are the folders made for it.

Reading checks everything before anything plays, each problem one line naming the file and line: not
a recording, another version, a corrupt sample, a time that is not finite or goes backwards, a seen
point that is not a finite position, no sample in which the limb was seen. A last line cut off (the
recording was interrupted) is left out and noted, and the complete samples before it are kept. The
file's size is checked before it is read, and lines and samples are counted as they are read (`MAX_*`).
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from vrtherapy.errors import TrackerError
from vrtherapy.private_files import create_private
from vrtherapy.summary_file import json_safe
from vrtherapy.tracking.sample import ARM_POINTS, LEG_POINTS, LimbKind, Side, TrackedSample

FORMAT = "vrtherapy-recording"
VERSION = 1
POINTS = {"arm": ARM_POINTS, "leg": LEG_POINTS}

#: The most samples one recording holds: over three hours at 30 per second (a session is at most three).
MAX_SAMPLES = 400_000
#: The longest line, bytes: an arm sample is about 1.6 KB.
MAX_LINE_BYTES = 16 * 1024
#: The largest recording read, bytes: MAX_SAMPLES arm samples with room to spare.
MAX_RECORDING_BYTES = 1024 * 1024 * 1024
#: The longest time between two samples, seconds; longer is not one recording (and replay would wait it out).
MAX_GAP_S = 60.0
#: A seen point further than this from the origin, metres, is not on a seated patient.
MAX_DISTANCE_M = 100.0


@dataclass(frozen=True)
class RecordingHeader:
    limb: LimbKind
    side: Side
    points: tuple[str, ...]
    source: dict


@dataclass(frozen=True)
class Recording:
    header: RecordingHeader
    samples: tuple[TrackedSample, ...]
    #: One line each for what was wrong but not fatal (a cut-off last sample); the caller says them.
    notes: tuple[str, ...] = ()


class RecordingWriter:
    """Appends samples to a new, owner-only recording file (never overwriting one)."""

    def __init__(self, path: Path, limb: str, side: str, source: dict | None = None) -> None:
        self.path = Path(path)
        self.count = 0
        self._fd: int | None = create_private(self.path)  # FileExistsError: never overwrite a recording
        self._end = 0  # bytes of complete lines
        header = {"format": FORMAT, "version": VERSION, "limb": limb, "side": side,
                  "points": list(POINTS[limb]), "source": json_safe(source or {})}  # fmt: skip
        try:
            self._write(header)
        except TrackerError:
            self.close()
            self.path.unlink(missing_ok=True)
            raise

    @property
    def full(self) -> bool:
        """The recording holds MAX_SAMPLES: it can take no more (a reader would refuse it)."""
        return self.count >= MAX_SAMPLES

    def write(self, sample: TrackedSample) -> None:
        if self.full:
            raise TrackerError(f"{self.path}: a recording holds at most {MAX_SAMPLES} samples")
        if not math.isfinite(sample.t_capture):
            raise TrackerError(f"{self.path}: the tracker gave a sample without a finite time ({sample.t_capture})")
        confidence = sample.confidence if math.isfinite(sample.confidence) else 0.0
        points = sample.points
        coordinates: list = points.tolist() if np.isfinite(points).all() else [
            [x if math.isfinite(x) else None for x in row] for row in points.tolist()]  # fmt: skip
        self._write({"t": sample.t_capture, "p": coordinates, "v": sample.valid.tolist(), "c": confidence})
        self.count += 1

    def _write(self, record: dict) -> None:
        data = (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        assert self._fd is not None, "the recording is closed"
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            os.ftruncate(self._fd, self._end)  # frees space, so it works on a full disk too
            raise TrackerError(f"{self.path}: cannot write ({exc.strerror or exc}); the recording keeps its "
                               f"{self.count} complete samples") from None  # fmt: skip
        self._end += len(data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_recording(path: Path) -> tuple[RecordingHeader, list[TrackedSample]]:
    """Header and samples of a recording; TrackerError (one line) if the file is unusable."""
    recording = load_recording(path)
    return recording.header, list(recording.samples)


@contextmanager
def _open_recording(path: Path) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """The recording opened for reading, with its status; TrackerError (one line) when it cannot be, or
    is not a regular file."""
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise TrackerError(f"{path}: is a folder, not a recording")
            if not stat.S_ISREG(info.st_mode):
                raise TrackerError(f"{path}: not a regular file")
            yield f, info
    except FileNotFoundError:
        raise TrackerError(f"{path}: recording not found") from None
    except IsADirectoryError:
        raise TrackerError(f"{path}: is a folder, not a recording") from None
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read the recording ({exc.strerror or exc})") from None


def load_recording(path: Path) -> Recording:
    """The whole recording, checked (module docstring); TrackerError (one line) if it is unusable."""
    path = Path(path)
    with _open_recording(path) as (f, info):
        if info.st_size > MAX_RECORDING_BYTES:
            raise TrackerError(f"{path}: {info.st_size / 2**20:.0f} MB, more than the "
                               f"{MAX_RECORDING_BYTES / 2**20:.0f} MB a recording may hold")  # fmt: skip
        return _read(path, f)


def read_header(path: Path) -> RecordingHeader:
    """Only the header of a recording (what it holds, not its samples); TrackerError if it is not one."""
    path = Path(path)
    with _open_recording(path) as (f, _):
        first = f.readline(MAX_LINE_BYTES + 1)
    if not first:
        raise TrackerError(f"{path}: empty file, not a vrtherapy recording")
    return _header(path, _json(path, 1, first))


def _read(path: Path, f: BinaryIO) -> Recording:
    first = f.readline(MAX_LINE_BYTES + 1)
    if not first:
        raise TrackerError(f"{path}: empty file, not a vrtherapy recording")
    if len(first) > MAX_LINE_BYTES:
        raise TrackerError(f"{path}: line 1: the header is too long")
    header = _header(path, _json(path, 1, first))  # not a recording at all: said as such
    if not first.endswith(b"\n"):
        raise TrackerError(f"{path}: line 1: the recording is cut off after its header (no samples)")
    samples: list[TrackedSample] = []
    notes: list[str] = []
    number = 1
    while line := f.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(samples) >= MAX_SAMPLES:
            raise TrackerError(f"{path}: line {number}: more than the {MAX_SAMPLES} samples a recording may hold")
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_BYTES:
                raise TrackerError(f"{path}: line {number}: longer than {MAX_LINE_BYTES} bytes, not a sample")
            try:
                samples.append(_sample(path, number, line, header, samples))
            except TrackerError:  # the end of an interrupted recording: keep what came before it
                notes.append(f"{path}: line {number}: the last sample is cut off (the recording was interrupted); "
                             f"using the {len(samples)} complete samples before it")  # fmt: skip
            break
        samples.append(_sample(path, number, line, header, samples))
    if not samples:
        raise TrackerError(f"{path}: the recording holds no samples")
    if not any(s.valid.any() for s in samples):
        raise TrackerError(f"{path}: no usable sample: the tracker never saw the {header.limb} in {len(samples)} samples")
    return Recording(header, tuple(samples), tuple(notes))


def _json(path: Path, number: int, line: bytes) -> Any:
    try:
        return json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise TrackerError(f"{path}: line {number}: not UTF-8 text") from None
    except RecursionError:
        raise TrackerError(f"{path}: line {number}: nested too deeply to be a recording line") from None
    except ValueError as exc:
        what = "not a vrtherapy recording (no JSON header)" if number == 1 else f"corrupt sample ({exc})"
        raise TrackerError(f"{path}: line {number}: {what}") from None


def _sample(path: Path, number: int, line: bytes, header: RecordingHeader, before: list[TrackedSample]) -> TrackedSample:
    record = _json(path, number, line)
    n = len(header.points)

    def refuse(problem: str) -> TrackerError:
        return TrackerError(f"{path}: line {number}: {problem}")

    if not isinstance(record, dict) or not {"t", "p", "v"} <= record.keys():
        raise refuse("corrupt sample (a sample needs t, p and v)")
    t, p, v, c = record["t"], record["p"], record["v"], record.get("c", 1.0)
    if not _is_number(t) or not math.isfinite(t):
        raise refuse(f"the time {t!r} is not a finite number of seconds")
    if before and t < before[-1].t_capture:
        raise refuse(f"the time goes backwards ({t} s after {before[-1].t_capture} s)")
    if before and t - before[-1].t_capture > MAX_GAP_S:
        raise refuse(f"{t - before[-1].t_capture:.0f} s pass between two samples (at most {MAX_GAP_S:.0f})")
    if not _is_number(c) or not 0.0 <= c <= 1.0:
        raise refuse(f"the confidence {c!r} is not a number from 0 to 1")
    if not isinstance(v, list) or len(v) != n or not all(isinstance(x, bool) for x in v):
        raise refuse(f"corrupt sample (v must be {n} true/false values)")
    if not isinstance(p, list) or len(p) != n or not all(
            isinstance(row, list) and len(row) == 3 and all(x is None or _is_number(x) for x in row) for row in p):
        raise refuse(f"corrupt sample (expected {n} points of 3 numbers)")  # fmt: skip
    points = np.array([[np.nan if x is None else x for x in row] for row in p], dtype=float)
    valid = np.array(v, dtype=bool)
    seen = points[valid]
    if not np.isfinite(seen).all():
        raise refuse("a point marked as seen has no finite position")
    if seen.size and np.abs(seen).max() > MAX_DISTANCE_M:
        raise refuse(f"a point marked as seen is more than {MAX_DISTANCE_M:.0f} m away")
    return TrackedSample(header.limb, header.side, float(t), points, valid, float(c), source=str(path))


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _header(path: Path, head: Any) -> RecordingHeader:
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise TrackerError(f"{path}: line 1: not a vrtherapy recording")
    if head.get("version") != VERSION:
        raise TrackerError(f"{path}: line 1: recording format version {head.get('version')!r}, this vrtherapy reads {VERSION}")
    limb, side, points = head.get("limb"), head.get("side"), head.get("points")
    if limb not in ("arm", "leg") or side not in ("left", "right") or not isinstance(points, list) \
            or tuple(points) != POINTS[limb]:
        raise TrackerError(f"{path}: line 1: header names an unknown limb, side or point layout")
    source = head.get("source", {})
    if not isinstance(source, dict):
        raise TrackerError(f"{path}: line 1: the header's source must be a JSON object")
    return RecordingHeader(limb, side, POINTS[limb], dict(source))
