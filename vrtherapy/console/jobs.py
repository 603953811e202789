"""Work that takes more than a moment (a report, an export), run off the web server's thread with its
progress for the page to show.

A job runs on a worker thread and reports `(fraction, step)` as it goes; the page polls it and draws a
progress bar; its files land in a private folder of their own and are downloaded by name. One worker:
report generation is CPU-bound (matplotlib), and a clinic day needs one report at a time, not a race
with the live session for the station's cores.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vrtherapy.errors import VrtherapyError

Progress = Callable[[float, str], None]
_STEP = re.compile(r"\[(\d+)/(\d+)\]\s*(.*)")
MAX_JOBS = 50  #: finished jobs kept (their files too); older ones are forgotten


@dataclass(frozen=True)
class JobState:
    id: str
    kind: str
    patient_id: str
    who: str
    status: str = "running"  #: running, done, failed
    fraction: float = 0.0
    step: str = "starting"
    files: tuple[str, ...] = ()
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "patient_id": self.patient_id, "status": self.status,
                "fraction": round(self.fraction, 3), "step": self.step, "files": list(self.files),
                "error": self.error}  # fmt: skip


@dataclass
class Jobs:
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vrtherapy-console-")))
    _states: dict[str, JobState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="console-job"))

    def submit(self, kind: str, patient_id: str, who: str, work: Callable[[Path, Progress], list[Path]]) -> JobState:
        """Start `work(folder, progress)`; it returns the files it wrote into `folder`."""
        job = JobState(id=secrets.token_hex(8), kind=kind, patient_id=patient_id, who=who)
        folder = self.root / job.id
        folder.mkdir(mode=0o700)
        with self._lock:
            self._states[job.id] = job
            while len(self._states) > MAX_JOBS:
                self._states.pop(next(iter(self._states)))

        def progress(fraction: float, step: str) -> None:
            self._update(job.id, fraction=min(max(fraction, 0.0), 1.0), step=step)

        def run() -> None:
            try:
                files = work(folder, progress)
            except VrtherapyError as exc:
                self._update(job.id, status="failed", error=str(exc))
            except Exception as exc:  # a bug: the page says so rather than waiting forever
                self._update(job.id, status="failed", error=f"{type(exc).__name__}: {exc}")
            else:
                names = tuple(str(p.relative_to(folder)) for p in files)
                self._update(job.id, status="done", fraction=1.0, step="ready", files=names)

        self._pool.submit(run)
        return job

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            if job_id in self._states:
                self._states[job_id] = replace(self._states[job_id], **changes)

    def get(self, job_id: str) -> JobState | None:
        with self._lock:
            return self._states.get(job_id)

    def file(self, job_id: str, name: str) -> Path | None:
        """A finished job's file by name (only names the job listed: no path tricks)."""
        job = self.get(job_id)
        if job is None or name not in job.files:
            return None
        return self.root / job_id / name


def step_progress(progress: Progress) -> Callable[[str], None]:
    """Adapts the records layer's "[i/n] step" lines to (fraction, step)."""

    def say(line: str) -> None:
        match = _STEP.match(line)
        if match:
            i, n, step = int(match[1]), int(match[2]), match[3]
            progress((i - 1) / max(n, 1), step)
        else:
            progress(0.0, line)

    return say
