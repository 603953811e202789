"""A synthetic intact arm doing the standard hand exercises: realistic motion with no camera.

Motion is scripted in joint angles (the same anatomical angles as the skeleton: flexion, deviation,
twist per joint, degrees here), played through the patient's intact-arm skeleton, and handed over as
MediaPipe-shaped landmarks (shoulder, elbow, wrist + 21 hand points, world metres) with capture
timestamps, so real trackers drop in behind the same interface.

What makes it realistic rather than a test pattern: minimum-jerk movements with dwell at the end
points, the couplings of a real hand (the last finger joint follows the middle one; fingers tapping
drag their neighbours a little; a fist extends the wrist slightly), a tempo and range that drift from
repetition to repetition, body sway, physiological tremor (~9 Hz) and tracker noise (~1 mm).
"""

from __future__ import annotations

from dataclasses import dataclass
import time
from typing import Callable, Sequence

import numpy as np

from vrtherapy.motion.calibration import OPEN_SPREAD_DEG, relaxed_arm_degrees
from vrtherapy.motion.kinematics import landmarks_from_pose
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import FINGERS, ArmDimensions, Skeleton, build_arm_skeleton
from vrtherapy.therapy.exercises import get_exercise
from vrtherapy.tracking.sample import ARM_POINTS, Side, TrackedSample

#: Seated posture: right shoulder position (world metres); the left one is its mirror image.
RIGHT_SHOULDER = np.array([0.19, -0.03, 1.045])


@dataclass(frozen=True)
class ScheduledExercise:
    exercise_id: str
    start: float
    duration: float


def build_schedule(items: Sequence[tuple[str, float]]) -> tuple[ScheduledExercise, ...]:
    """[(exercise id, seconds), ...] -> back-to-back schedule starting at t = 0."""
    out, t = [], 0.0
    for exercise_id, duration in items:
        get_exercise(exercise_id)  # unknown ids fail here, not mid-session
        out.append(ScheduledExercise(exercise_id, t, float(duration)))
        t += float(duration)
    return tuple(out)


def min_jerk(x: np.ndarray | float) -> np.ndarray | float:
    """Minimum-jerk profile 0 -> 1 over x in [0, 1] (clipped)."""
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10 - 15 * x + 6 * x * x)


def there_and_back(phase: float, move: float = 0.4) -> float:
    """0 -> 1 -> 0 over one cycle: move out for `move` of it, dwell, move back, dwell."""
    dwell = (1.0 - 2 * move) / 2
    if phase < move:
        return float(min_jerk(phase / move))
    if phase < move + dwell:
        return 1.0
    return float(1.0 - min_jerk((phase - move - dwell) / move))


class _Angles:
    """Named access to a (J, 3) degree array."""

    def __init__(self, skeleton: Skeleton) -> None:
        self.index = {n: i for i, n in enumerate(skeleton.names)}
        self.deg = np.zeros((len(skeleton.names), 3))
        self.relaxed = relaxed_arm_degrees(skeleton.names)

    def set(self, joint: str, flexion: float | None = None, deviation: float | None = None,
            twist: float | None = None) -> None:  # fmt: skip
        j = self.index[joint]
        for k, v in enumerate((flexion, deviation, twist)):
            if v is not None:
                self.deg[j, k] = v

    def add(self, joint: str, flexion: float = 0.0, deviation: float = 0.0, twist: float = 0.0) -> None:
        self.deg[self.index[joint]] += (flexion, deviation, twist)

    def finger(self, finger: str, mcp: float, pip: float, dip: float | None = None, spread: float | None = None) -> None:
        self.set(f"{finger}_proximal", mcp, spread)
        self.set(f"{finger}_intermediate", pip)
        self.set(f"{finger}_distal", 0.7 * pip if dip is None else dip)


_OPEN_SPREAD = OPEN_SPREAD_DEG


def _relaxed(a: _Angles) -> None:
    """Arm resting on the table: palm down, fingers softly curved (the default neutral pose)."""
    a.deg[:] = a.relaxed


def _fist(a: _Angles, phase: float, amp: float) -> None:
    c = there_and_back(phase) * amp
    for f in FINGERS:
        a.finger(f, -5 + 84 * c, 4 + 94 * c, 2 + 62 * c, spread=_OPEN_SPREAD[f] * (1 - c))
    a.set("thumb_metacarpal", -5 + 42 * c, 22 - 20 * c)
    a.set("thumb_proximal", 2 + 48 * c)
    a.set("thumb_distal", 5 + 55 * c)
    a.add("wrist", flexion=-10 * c)  # grip synergy: the wrist extends as the fist closes


def _wrist_flexion(a: _Angles, phase: float, amp: float) -> None:
    a.set("wrist", -4 + 46 * amp * np.sin(2 * np.pi * phase))


def _pronation(a: _Angles, phase: float, amp: float) -> None:
    a.set("wrist", twist=-10 - 70 * amp * np.cos(2 * np.pi * phase))
    for f in FINGERS:
        a.finger(f, 5.0, 8.0, spread=0.8 * _OPEN_SPREAD[f])


def _finger_tapping(a: _Angles, phase: float, amp: float) -> None:
    lift = np.zeros(4)
    for k in range(4):
        local = phase * 4 - k
        lift[k] = np.sin(np.pi * local) ** 2 if 0 <= local < 1 else 0.0
    enslaved = lift + 0.2 * (np.roll(lift, 1) * (np.arange(4) > 0) + np.roll(lift, -1) * (np.arange(4) < 3))
    for f, e in zip(FINGERS, enslaved):
        a.finger(f, -12 + 38 * amp * e, 10 + 18 * e, spread=0.5 * _OPEN_SPREAD[f])


def _thumb_opposition(a: _Angles, phase: float, amp: float) -> None:
    k = min(int(phase * 4), 3)
    touch = np.sin(np.pi * (phase * 4 - k)) ** 2 * amp
    a.set("thumb_metacarpal", 10 + 38 * touch, 25 - (8 + 8 * k) * touch)
    a.set("thumb_proximal", 10 + 28 * touch)
    a.set("thumb_distal", 10 + (18 + 6 * k) * touch)
    for i, f in enumerate(FINGERS):
        bend = touch if i == k else 0.15 * touch
        a.finger(f, 10 + (35 + 8 * i) * bend, 15 + 45 * bend, spread=0.5 * _OPEN_SPREAD[f] * (1 - bend))


def _rest(a: _Angles, phase: float, amp: float) -> None:
    a.add("wrist", flexion=2 * np.sin(2 * np.pi * phase))


MOTIONS: dict[str, Callable[[_Angles, float, float], None]] = {
    "rest": _rest,
    "fist_open_close": _fist,
    "wrist_flexion_extension": _wrist_flexion,
    "pronation_supination": _pronation,
    "finger_tapping": _finger_tapping,
    "thumb_opposition": _thumb_opposition,
}


class SyntheticArmMotion:
    """The intact arm of a seated patient following an exercise schedule; a pure function of time
    apart from the tracker noise, which comes from a seeded generator."""

    def __init__(
        self,
        side: Side,
        schedule: Sequence[ScheduledExercise],
        dims: ArmDimensions | None = None,
        noise_m: float = 0.0012,
        seed: int = 0,
    ) -> None:
        self.side = side
        self.schedule = tuple(schedule)
        self.skeleton = build_arm_skeleton(side, dims)
        self.noise_m = noise_m
        self._rng = np.random.default_rng(seed)
        self._shoulder = RIGHT_SHOULDER * (1.0 if side == "right" else np.array([-1.0, 1.0, 1.0]))
        self._angles = _Angles(self.skeleton)

    @property
    def duration(self) -> float:
        return self.schedule[-1].start + self.schedule[-1].duration if self.schedule else 0.0

    def exercise_at(self, t: float) -> ScheduledExercise | None:
        for item in self.schedule:
            if item.start <= t < item.start + item.duration:
                return item
        return None

    def repetitions_done(self, item: ScheduledExercise, t: float) -> int:
        """Complete repetitions of `item` the synthetic patient has performed by time t."""
        return int(max(0.0, min(t, item.start + item.duration) - item.start) // get_exercise(item.exercise_id).rep_seconds)

    def angles_at(self, t: float) -> np.ndarray:
        """(J, 3) joint angles in radians at time t (seconds from the start of the schedule)."""
        a = self._angles
        _relaxed(a)
        item = self.exercise_at(t)
        if item is not None:
            period = get_exercise(item.exercise_id).rep_seconds
            local = t - item.start
            phase = (local / period) % 1.0
            # Range and tempo drift a little from one repetition to the next, as a person's do.
            amp = 1.0 + 0.07 * np.sin(2 * np.pi * local / 7.3 + 0.8)
            MOTIONS[item.exercise_id](a, phase, amp)
        return np.radians(a.deg)

    def root_position_at(self, t: float) -> np.ndarray:
        sway = 0.004 * np.array([np.sin(2 * np.pi * 0.21 * t), 0.5 * np.sin(2 * np.pi * 0.13 * t + 1.0), 0.0])
        return self._shoulder + sway

    def pose_at(self, t: float) -> LimbPose:
        return LimbPose(self.side, self.angles_at(t), self.root_position_at(t), np.eye(3), t)

    def sample_at(self, t: float, t_capture: float | None = None) -> TrackedSample:
        """Landmarks at time t, with tremor and tracker noise; `t_capture` stamps the sample."""
        points = landmarks_from_pose(self.skeleton, self.pose_at(t), len(ARM_POINTS))
        if self.noise_m > 0:
            tremor = 0.0004 * np.sin(2 * np.pi * 9.0 * t) * np.array([0.3, 0.5, 1.0])
            points[3:] += tremor
            points += self._rng.normal(0.0, self.noise_m, points.shape)
        return TrackedSample("arm", self.side, t if t_capture is None else t_capture, points, source="synthetic")


class SyntheticSource:
    """A SampleSource ticking a SyntheticArmMotion at a webcam-like rate in real time."""

    def __init__(self, motion: SyntheticArmMotion, rate_hz: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.motion = motion
        self.side = motion.side
        self.name = "synthetic"
        self.rate_hz = rate_hz
        self._clock, self._sleep = clock, sleep
        self._t0: float | None = None
        self._n = 0

    def next_sample(self) -> TrackedSample | None:
        now = self._clock()
        if self._t0 is None:
            self._t0 = now
        due = self._t0 + self._n / self.rate_hz
        if due > now:
            self._sleep(due - now)
        self._n += 1
        t_capture = self._clock()
        return self.motion.sample_at(t_capture - self._t0, t_capture=t_capture)

    def close(self) -> None:
        pass
