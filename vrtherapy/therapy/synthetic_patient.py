"""A synthetic intact limb doing the standard exercises: realistic motion with no camera (the test patient).

Motion is scripted in joint angles (the same anatomical angles as the skeletons: flexion, deviation,
twist per joint, degrees here), played through the patient's intact-limb skeleton, and handed over as
MediaPipe-shaped landmarks with capture timestamps, so real trackers drop in behind the same interface:
an arm as shoulder, elbow, wrist + 21 hand points (`SyntheticArmMotion`), a leg as hip, knee, ankle,
heel and foot_index (`SyntheticLegMotion`), world metres.

Every exercise is performed at the catalogue's `rep_seconds` per repetition, so the number of
repetitions in a schedule is known (`repetitions_done`): the rep counter is tested against it.

What makes it realistic rather than a test pattern: minimum-jerk movements with dwell at the end
points, the couplings of a real limb (the last finger joint follows the middle one; fingers tapping or
lifting drag their neighbours a little; a fist extends the wrist slightly; a straightening knee pulls
the foot up), a range that drifts from repetition to repetition, body sway, physiological tremor
(~9 Hz) and tracker noise (~1 mm for the hand, ~3 mm for the body-pose leg points).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from vrtherapy.errors import TrackerError
from vrtherapy.frames import SEATED_RIGHT_HIP, SEATED_RIGHT_SHOULDER
from vrtherapy.motion.calibration import OPEN_SPREAD_DEG, SEATED_LEG_DEG, relaxed_arm_degrees
from vrtherapy.motion.hand_shapes import FIST_FINGERS_DEG, FIST_THUMB_DEG
from vrtherapy.motion.kinematics import landmarks_from_pose
from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import FINGERS, ArmDimensions, Skeleton, build_arm_skeleton
from vrtherapy.therapy.exercises import get_exercise
from vrtherapy.tracking.sample import ARM_POINTS, LEG_POINTS, LimbKind, Side, TrackedSample

#: Seated posture: right shoulder position (world metres); the left one is its mirror image.
RIGHT_SHOULDER = SEATED_RIGHT_SHOULDER
#: Seated posture: right hip joint (world metres) on the chair; the legs as `SEATED_LEG_DEG` says.
RIGHT_HIP = SEATED_RIGHT_HIP


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


def out_and_over(phase: float, up: float, down: float) -> float:
    """One way, then the other: 0 -> `up` -> 0 in the first half of the cycle, 0 -> -`down` -> 0 in
    the second (dorsi- then plantarflexion, inversion then eversion, toes lifted then curled)."""
    if phase < 0.5:
        return up * there_and_back(2 * phase)
    return -down * there_and_back(2 * phase - 1.0)


class _Angles:
    """Named access to a (J, 3) degree array."""

    def __init__(self, skeleton: Skeleton, relaxed: np.ndarray) -> None:
        self.index = {n: i for i, n in enumerate(skeleton.names)}
        self.deg = np.zeros((len(skeleton.names), 3))
        self.relaxed = relaxed

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
Motion = Callable[[_Angles, float, float], None]


# -- the arm ---------------------------------------------------------------------------------------


def _fist(a: _Angles, phase: float, amp: float) -> None:
    c = min(there_and_back(phase) * amp, 1.0)  # a fingertip stops at the palm: no rep closes past the fist
    for f in FINGERS:  # from an open hand to the fist every view draws (`motion.hand_shapes`)
        mcp, pip, dip = FIST_FINGERS_DEG[f]
        a.finger(f, -5 + (mcp + 5) * c, 4 + (pip - 4) * c, 2 + (dip - 2) * c, spread=_OPEN_SPREAD[f] * (1 - c))
    base, deviation, middle, end = FIST_THUMB_DEG
    a.set("thumb_metacarpal", -5 + (base + 5) * c, 22 + (deviation - 22) * c)
    a.set("thumb_proximal", 2 + (middle - 2) * c)
    a.set("thumb_distal", 5 + (end - 5) * c)
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
    for f, e in zip(FINGERS, enslaved, strict=False):
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


def _lateral_pinch(a: _Angles, phase: float, amp: float) -> None:
    """Key pinch: fingers loosely curled, the thumb swings in against the side of the index finger."""
    c = there_and_back(phase) * amp
    for i, f in enumerate(FINGERS):
        a.finger(f, 45 + 6 * i, 62 + 5 * i, spread=0.2 * _OPEN_SPREAD[f])
    a.set("thumb_metacarpal", 4 + 22 * c, 30 - 34 * c)
    a.set("thumb_proximal", 4 + 14 * c)
    a.set("thumb_distal", 6 + 16 * c)
    a.add("index_proximal", flexion=-4 * c)  # the index finger braces against the thumb


def _tip_pinch(a: _Angles, phase: float, amp: float) -> None:
    """Index tip to thumb tip (an O); the middle finger follows the index a little."""
    c = there_and_back(phase) * amp
    a.finger("index", 10 + 38 * c, 12 + 52 * c, 6 + 38 * c, spread=_OPEN_SPREAD["index"] * (1 - c))
    for k, f in enumerate(FINGERS[1:]):
        follow = (0.25, 0.12, 0.08)[k] * c
        a.finger(f, 10 + 38 * follow, 14 + 50 * follow, spread=_OPEN_SPREAD[f] * 0.8)
    a.set("thumb_metacarpal", 8 + 30 * c, 28 - 12 * c)
    a.set("thumb_proximal", 6 + 18 * c)
    a.set("thumb_distal", 8 + 22 * c)


def _finger_lifts(a: _Angles, phase: float, amp: float, *, start: float = 0.0) -> None:
    """Palm flat on the table; each repetition lifts one finger at the knuckle, index to little in turn
    (`phase` is within one lift; which finger comes from the repetition number, via `start`)."""
    k = int(start) % 4
    lift = there_and_back(phase, move=0.35) * amp
    for i, f in enumerate(FINGERS):
        share = 1.0 if i == k else (0.25 if abs(i - k) == 1 else 0.0)  # neighbours come along a little
        a.finger(f, 4 - 30 * share * lift, 6 - 4 * share * lift, spread=0.5 * _OPEN_SPREAD[f])


def _rest(a: _Angles, phase: float, amp: float) -> None:
    a.add("wrist", flexion=2 * np.sin(2 * np.pi * phase))


MOTIONS: dict[str, Motion] = {
    "rest": _rest,
    "fist_open_close": _fist,
    "wrist_flexion_extension": _wrist_flexion,
    "pronation_supination": _pronation,
    "finger_tapping": _finger_tapping,
    "thumb_opposition": _thumb_opposition,
    "lateral_pinch": _lateral_pinch,
    "tip_pinch": _tip_pinch,
    "finger_lifts": _finger_lifts,
}
#: Motions that differ from one repetition to the next take the repetition number as `start`.
_BY_REPETITION = {"finger_lifts"}


# -- the leg ---------------------------------------------------------------------------------------


def _ankle_dorsi_plantar(a: _Angles, phase: float, amp: float) -> None:
    a.add("foot", out_and_over(phase, 26 * amp, 18 * amp))


def _ankle_inversion(a: _Angles, phase: float, amp: float) -> None:
    tilt = out_and_over(phase, 24 * amp, 14 * amp)
    a.add("foot", 0.1 * abs(tilt), 0.25 * tilt, tilt)  # the forefoot turns in along with the sole


def _toe_curl(a: _Angles, phase: float, amp: float) -> None:
    a.set("toes", -out_and_over(phase, 32 * amp, 28 * amp))  # lifted (extension) first, then curled


def _knee_extension(a: _Angles, phase: float, amp: float) -> None:
    c = there_and_back(phase, move=0.3) * amp  # a long hold with the leg out straight
    a.add("shank", -50 * c)
    a.add("thigh", 4 * c)  # the thigh lifts off the chair a little
    a.add("foot", 20 * c)  # the foot comes up with a straightening knee


def _hip_abduction(a: _Angles, phase: float, amp: float) -> None:
    c = there_and_back(phase) * amp
    a.add("thigh", 0.0, 22 * c, -4 * c)
    a.add("foot", twist=-4 * c)  # the sole stays flat as the knee goes out


def _rest_feet(a: _Angles, phase: float, amp: float) -> None:
    a.add("foot", flexion=1.5 * np.sin(2 * np.pi * phase))


LEG_MOTIONS: dict[str, Motion] = {
    "rest_feet": _rest_feet,
    "ankle_dorsi_plantar": _ankle_dorsi_plantar,
    "ankle_inversion_eversion": _ankle_inversion,
    "toe_curl_extension": _toe_curl,
    "knee_extension": _knee_extension,
    "hip_abduction": _hip_abduction,
}


class _SyntheticLimb:
    """An intact limb of a seated patient following an exercise schedule; a pure function of time
    apart from the tracker noise, which comes from a seeded generator."""

    limb: LimbKind
    motions: dict[str, Motion]
    n_points: int
    #: landmarks from this index on shake with the hand's or foot's tremor
    tremor_from: int
    _sway_scale = 1.0

    def __init__(self, side: Side, schedule: Sequence[ScheduledExercise], skeleton: Skeleton, relaxed: np.ndarray,
                 root: np.ndarray, noise_m: float, seed: int) -> None:  # fmt: skip
        unknown = [s.exercise_id for s in schedule if s.exercise_id not in self.motions]
        if unknown:
            raise TrackerError(f"the synthetic {self.limb} cannot perform {', '.join(unknown)}")
        self.side = side
        self.schedule = tuple(schedule)
        self.skeleton = skeleton
        self.noise_m = noise_m
        self._rng = np.random.default_rng(seed)
        self._root = root * (1.0 if side == "right" else np.array([-1.0, 1.0, 1.0]))
        self._angles = _Angles(skeleton, relaxed)

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
        a.deg[:] = a.relaxed
        item = self.exercise_at(t)
        if item is not None:
            period = get_exercise(item.exercise_id).rep_seconds
            local = t - item.start
            phase = (local / period) % 1.0
            # Range and tempo drift a little from one repetition to the next, as a person's do.
            amp = 1.0 + 0.07 * np.sin(2 * np.pi * local / 7.3 + 0.8)
            if item.exercise_id in _BY_REPETITION:
                self.motions[item.exercise_id](a, phase, amp, start=local // period)  # type: ignore[call-arg]
            else:
                self.motions[item.exercise_id](a, phase, amp)
        return np.radians(a.deg)

    def root_position_at(self, t: float) -> np.ndarray:
        sway = 0.004 * np.array([np.sin(2 * np.pi * 0.21 * t), 0.5 * np.sin(2 * np.pi * 0.13 * t + 1.0), 0.0])
        return self._root + sway * self._sway_scale

    def pose_at(self, t: float) -> LimbPose:
        return LimbPose(self.side, self.angles_at(t), self.root_position_at(t), np.eye(3), t)

    def sample_at(self, t: float, t_capture: float | None = None) -> TrackedSample:
        """Landmarks at time t, with tremor and tracker noise; `t_capture` stamps the sample."""
        points = landmarks_from_pose(self.skeleton, self.pose_at(t), self.n_points)
        if self.noise_m > 0:
            tremor = 0.0004 * np.sin(2 * np.pi * 9.0 * t) * np.array([0.3, 0.5, 1.0])
            points[self.tremor_from:] += tremor
            points += self._rng.normal(0.0, self.noise_m, points.shape)
        return TrackedSample(self.limb, self.side, t if t_capture is None else t_capture, points, source="synthetic")


class SyntheticArmMotion(_SyntheticLimb):
    """The intact arm: shoulder, elbow, wrist and 21 hand landmarks (`ARM_POINTS`)."""

    limb = "arm"
    motions = MOTIONS
    n_points = len(ARM_POINTS)
    tremor_from = 3

    def __init__(self, side: Side, schedule: Sequence[ScheduledExercise], dims: ArmDimensions | None = None,
                 noise_m: float = 0.0012, seed: int = 0) -> None:  # fmt: skip
        skeleton = build_arm_skeleton(side, dims)
        super().__init__(side, schedule, skeleton, relaxed_arm_degrees(skeleton.names), RIGHT_SHOULDER, noise_m, seed)


class SyntheticLegMotion(_SyntheticLimb):
    """The intact leg of a seated patient: hip, knee, ankle, heel, foot_index (`LEG_POINTS`)."""

    limb = "leg"
    motions = LEG_MOTIONS
    n_points = len(LEG_POINTS)
    tremor_from = 2
    _sway_scale = 0.5  # the pelvis sways less than the shoulders

    def __init__(self, side: Side, schedule: Sequence[ScheduledExercise], dims: LegDimensions | None = None,
                 noise_m: float = 0.003, seed: int = 0) -> None:  # fmt: skip
        skeleton = build_leg_skeleton(side, dims)
        seated = np.array([SEATED_LEG_DEG.get(n, (0.0, 0.0, 0.0)) for n in skeleton.names])
        super().__init__(side, schedule, skeleton, seated, RIGHT_HIP, noise_m, seed)


SyntheticMotion = SyntheticArmMotion | SyntheticLegMotion


class SyntheticSource:
    """A SampleSource ticking a synthetic limb at a webcam-like rate in real time.

    `motion_time` says where in its schedule the patient is (default: seconds since the first
    sample); a session passes its own exercise clock, so the test patient waits while the session
    asks a question or is paused, as a person would.
    """

    def __init__(self, motion: SyntheticMotion, rate_hz: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 motion_time: Callable[[], float] | None = None) -> None:  # fmt: skip
        self.motion = motion
        self.side = motion.side
        self.limb = motion.limb
        self.name = "synthetic"
        self.rate_hz = rate_hz
        self._clock, self._sleep = clock, sleep
        self._motion_time = motion_time
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
        t = t_capture - self._t0 if self._motion_time is None else self._motion_time()
        return self.motion.sample_at(t, t_capture=t_capture)

    def close(self) -> None:
        pass
