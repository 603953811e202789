"""Measuring one exercise while it runs: repetitions, range of motion so far, the visuo-motor delay seen.

Kept apart from the session controller's running order: `ExerciseMeter` is fed the tracked limb's
movement and the delays the driver measured, and turns into an `ExerciseOutcome` when the exercise
ends. The range of motion so far is refreshed only when a repetition completes (percentiles are taken
once per repetition, never per frame).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from vrtherapy.motion.pose import LimbPose
from vrtherapy.therapy.playlist import PlaylistItem
from vrtherapy.therapy.reps import RepCounter
from vrtherapy.therapy.session_state import ExerciseOutcome
from vrtherapy.therapy.timeline import ExerciseEnded

#: Visuo-motor delay beyond which people stop feeling a seen limb move as their own (about 190 ms).
EMBODIMENT_WINDOW_MS = 190.0


class ExerciseMeter:
    """The measurements of the exercise under way."""

    def __init__(self, index: int, item: PlaylistItem, joint_names: Sequence[str], started_at: datetime) -> None:
        self.index, self.item, self.started_at = index, item, started_at
        signal = item.exercise.reps
        self._counter = RepCounter(signal, joint_names) if signal is not None else None
        self.rom_deg: float | None = None  #: mean over the repetitions done so far
        self._delays: list[float] = []

    @property
    def reps(self) -> int | None:
        """Repetitions counted so far (None: the exercise has none to count)."""
        return None if self._counter is None else self._counter.reps

    @property
    def flexion(self) -> float | None:
        """The finger flexion now, on the calibrated scale (0 straight, 1 curled), for exercises counted on
        it; None otherwise or before the first movement."""
        if self._counter is None or self._counter.kernel.signal.unit != "" or self._counter.last_value is None:
            return None
        return min(max(self._counter.last_value, 0.0), 1.0)

    def take(self, movement: LimbPose) -> None:
        """A new tracked movement (each capture once)."""
        if self._counter is not None and self._counter.update(movement.t_capture, movement.angles):
            rom = self._counter.summary().rom_deg
            self.rom_deg = None if rom is None else round(rom, 1)

    def shown(self, delay_s: float) -> None:
        """A movement reached the screen `delay_s` after it was captured."""
        self._delays.append(delay_s)

    def outcome(self, event: ExerciseEnded) -> ExerciseOutcome:
        summary = self._counter.summary() if self._counter is not None else None
        delays = np.array(self._delays) * 1000.0
        return ExerciseOutcome(
            index=event.index, exercise_id=self.item.id, started_at=self.started_at,
            duration_s=round(event.active_s, 3), completed=event.completed, reason=event.reason,
            reps=None if summary is None else summary.reps, target_reps=self.item.reps,
            rom_deg=None if summary is None or summary.rom_deg is None else round(summary.rom_deg, 1),
            movement_time_s=None if summary is None or summary.movement_time_s is None else round(summary.movement_time_s, 3),
            latency_ms_mean=round(float(delays.mean()), 2) if delays.size else None,
            latency_ms_p95=round(float(np.percentile(delays, 95)), 2) if delays.size else None,
        )  # fmt: skip


def delay_summary_ms(delays_s: Sequence[float]) -> dict[str, float | bool | None]:
    """Capture-to-display delay of the movements the patient saw, against the embodiment window."""
    if not delays_s:
        return {"mean": None, "p95": None, "max": None, "embodiment_window": EMBODIMENT_WINDOW_MS, "within_window": None}
    d = np.array(delays_s) * 1000.0
    p95 = float(np.percentile(d, 95))
    return {"mean": round(float(d.mean()), 2), "p95": round(p95, 2), "max": round(float(d.max()), 2),
            "embodiment_window": EMBODIMENT_WINDOW_MS, "within_window": p95 < EMBODIMENT_WINDOW_MS}  # fmt: skip
