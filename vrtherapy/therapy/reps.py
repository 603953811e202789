"""Counting repetitions and measuring range of motion and movement time from the tracked limb's joint angles.

The input is the intact limb's own movement, frame by frame: the retargeted joint angles
(`PosePipeline.movement`), the same numbers on either side. An exercise's `RepSignal`
(`therapy/exercises.py`) turns them into one value per frame; a repetition is counted with
hysteresis: for an "up" signal, it rises above the high threshold, then falls back below the low one
("down": the other way round). Between the thresholds nothing changes state, so tracking noise and
tremor, far smaller than the gap, cannot count twice.

  * A counter that starts with the signal already past the repetition's threshold (the limb was still
    there from the exercise before) waits for it to come back to rest first: a half movement is not
    a repetition.
  * Movement time of a repetition: from the last frame on the rest side before the threshold was
    crossed to the first frame back on the rest side.
  * Thresholds relative to rest (knee, ankle: their resting angle depends on how the patient sits)
    are offsets from the signal's median over the exercise's first `BASELINE_S`, when the patient is
    still at rest.
  * Range of motion of a repetition: the 5th-95th percentile span of the ROM joint's angle over the
    whole cycle, from the end of the previous repetition (or the start) to the end of this one, so
    both ends of a movement that goes one way and then the other are in it; percentiles keep a
    single glitch out. With no repetition completed, the span over everything seen.

`RepCounter.update` is O(1) per frame (one small matrix product and a comparison); percentiles are
taken once per repetition. `count_repetitions` does the same counting vectorised over a recording, and
the two agree exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrtherapy.therapy.exercises import AXES, RepSignal

ROM_PERCENTILES = (5.0, 95.0)
#: For signals with thresholds relative to rest: the rest value is the median over this first stretch.
BASELINE_S = 0.25

_REST, _MOVING, _WAITING = 0, 1, 2


@dataclass(frozen=True)
class RepSummary:
    """What an exercise's counter measured."""

    reps: int
    rom_deg: float | None  #: mean over repetitions of each one's range of motion
    movement_time_s: float | None  #: mean over repetitions
    rep_roms_deg: tuple[float, ...] = ()
    rep_times_s: tuple[float, ...] = ()


class SignalKernel:
    """A RepSignal compiled against a skeleton's joint order: joint angles -> signal, ROM angle."""

    def __init__(self, signal: RepSignal, joint_names: Sequence[str]) -> None:
        names = list(joint_names)
        missing = [j for j in signal.joints if j not in names]
        if missing:
            raise ValueError(f"{signal.label}: the skeleton has no joint {', '.join(missing)}")
        self.signal = signal
        width = len(names) * 3
        axis = AXES.index(signal.axis)
        self._weights = np.zeros((len(signal.parts), width))
        for p, part in enumerate(signal.parts):
            for joint in part:
                self._weights[p, names.index(joint) * 3 + axis] += signal.scale
        self._rom = None if signal.rom_joint is None else names.index(signal.rom_joint) * 3 + AXES.index(signal.rom_axis)
        combiners: dict[str, Callable[..., Any]] = {"mean": np.mean, "min": np.min, "max": np.max}
        self._combine = combiners[signal.combine]
        # Counting runs on `sign * value`, so "down" signals use the same comparisons as "up" ones.
        self.sign = 1.0 if signal.direction == "up" else -1.0
        self.enter = self.sign * (signal.high if signal.direction == "up" else signal.low)
        self.leave = self.sign * (signal.low if signal.direction == "up" else signal.high)

    def values(self, angles_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(T, J, 3) degrees -> (T,) signal and (T,) ROM angle; also (J, 3) -> scalars."""
        flat = np.asarray(angles_deg, float).reshape(*np.shape(angles_deg)[:-2], -1)
        value = self._combine(flat @ self._weights.T, axis=-1)
        return value, value if self._rom is None else flat[..., self._rom]


class RepCounter:
    """Streaming repetition counter for one exercise: feed it each new tracked pose."""

    def __init__(self, signal: RepSignal, joint_names: Sequence[str], capacity: int = 1024) -> None:
        self.kernel = SignalKernel(signal, joint_names)
        self.reps = 0
        self._state: int | None = None
        self._rest_t = 0.0  # time of the latest frame on the rest side
        self._moving_since = 0.0
        self._t_first: float | None = None
        self._pending: list[float] = []
        self.baseline: float | None = None if signal.relative else 0.0  #: the rest value thresholds are from
        self._rom = np.empty(capacity)  # this exercise's ROM angles so far (grows by doubling)
        self._n = 0
        self._cycle_start = 0
        self._rep_roms: list[float] = []
        self._rep_times: list[float] = []
        self.last_value: float | None = None  #: the signal at the latest update

    def update(self, t: float, angles_rad: np.ndarray) -> bool:
        """Take the joint angles (J, 3, radians) seen at time t; True when a repetition just completed."""
        value, rom = self.kernel.values(np.degrees(angles_rad))
        return self.update_values(t, float(value), float(rom))

    def update_values(self, t: float, value: float, rom: float) -> bool:
        k = self.kernel
        if self._n == len(self._rom):
            self._rom = np.concatenate([self._rom, np.empty(len(self._rom))])
        self._rom[self._n] = rom
        self.last_value = value
        self._n += 1
        if self.baseline is None:  # still finding the rest value
            self._t_first = t if self._t_first is None else self._t_first
            self._pending.append(value)
            if t - self._t_first < BASELINE_S:
                return False
            self.baseline = float(np.median(self._pending))
        v = k.sign * (value - self.baseline)
        if self._state is None:
            self._state = _WAITING if v >= k.enter else _REST
            self._rest_t = t  # at rest from the start, unless already past the threshold
        if v <= k.leave:
            done = self._state == _MOVING
            if done:
                self._complete(t)
            self._state, self._rest_t = _REST, t
            return done
        if v >= k.enter and self._state == _REST:
            self._state = _MOVING
            self._moving_since = self._rest_t
        return False

    def _complete(self, t: float) -> None:
        self.reps += 1
        self._rep_times.append(t - self._moving_since)
        self._rep_roms.append(_span(self._rom[self._cycle_start:self._n]))
        self._cycle_start = self._n

    @property
    def moving(self) -> bool:
        """True while a repetition is under way (past its threshold, not yet back)."""
        return self._state == _MOVING

    def summary(self) -> RepSummary:
        if self._rep_roms:
            rom: float | None = float(np.mean(self._rep_roms))
            time: float | None = float(np.mean(self._rep_times))
        else:
            rom = _span(self._rom[: self._n]) if self._n >= 2 else None
            time = None
        return RepSummary(self.reps, rom, time, tuple(self._rep_roms), tuple(self._rep_times))


def _span(values: np.ndarray) -> float:
    lo, hi = np.percentile(values, ROM_PERCENTILES)
    return float(hi - lo)


def count_repetitions(signal: RepSignal, values: np.ndarray, times: np.ndarray | None = None) -> int:
    """Repetitions in a whole recording of signal `values` (T,) seen at `times` (needed for thresholds
    relative to rest), vectorised; same rules as RepCounter."""
    sign = 1.0 if signal.direction == "up" else -1.0
    enter = sign * (signal.high if signal.direction == "up" else signal.low)
    leave = sign * (signal.low if signal.direction == "up" else signal.high)
    values = np.asarray(values, float)
    if signal.relative:
        if times is None:
            raise ValueError(f"{signal.label}: thresholds relative to rest need the sample times")
        settled = np.nonzero(np.asarray(times) - times[0] >= BASELINE_S)[0]
        if settled.size == 0:
            return 0
        k = int(settled[0])
        values = values[k:] - np.median(values[: k + 1])
    v = sign * values
    if v.size == 0:
        return 0
    zone = np.where(v <= leave, 0, np.where(v >= enter, 1, -1))  # -1: between the thresholds
    last = np.maximum.accumulate(np.where(zone >= 0, np.arange(v.size), -1))
    held = np.where(last >= 0, zone[np.maximum(last, 0)], 0)  # the zone last visited; rest at first
    returns = int(np.count_nonzero((held[:-1] == 1) & (held[1:] == 0)))
    return returns - int(held[0] == 1 and returns > 0)  # a start already past the threshold is no repetition
