"""Calibration: the body's midline, the intact arm's measurements and its neutral pose, per patient.

  * The sagittal (mirror) plane comes from the torso seen by a webcam (shoulders, hips, head) or from
    the headset's pose (a seated patient's head sits over the midline).
  * Segment lengths are medians over a few seconds of still frames, so that the virtual limb is built
    to the intact limb's size; a hand that keeps moving is refused rather than measured badly.
  * The neutral pose (the joint angles of the relaxed limb) is what partial and blended mirror modes
    hold the other joints at.
  * The range: each digit's flexion open and in a fist (the calibrated scale, `finger_curl`), or the
    ankle's flexion with the toes up and down.
`vrtherapy calibrate` (`therapy/calibrate.py`) measures these and stores them with the patient's
records; `vrtherapy run` uses the latest one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from vrtherapy.errors import ConfigError
from vrtherapy.motion.leg_skeleton import LegDimensions
from vrtherapy.motion.mirror import MirrorPlane
from vrtherapy.motion.skeleton import FINGERS, ArmDimensions, build_arm_skeleton
from vrtherapy.tracking.sample import ARM_POINTS, HAND_OFFSET, LEG_POINTS, TrackedSample

CALIBRATION_VERSION = 1
#: Landmark speed (m/s) under which a frame counts as still enough to measure.
STILL_SPEED = 0.05
MIN_STILL_FRAMES = 15
#: Share of the capture that must be still: a hand that moved most of the time is measured again.
STILL_SHARE = 0.5


@dataclass(frozen=True)
class Calibration:
    """One patient's calibration; `limb` says which of `arm`/`leg` was measured."""

    intact_side: Literal["left", "right"]
    limb: Literal["arm", "leg"] = "arm"
    plane_point: tuple[float, float, float] = (0.0, 0.0, 0.0)
    plane_normal: tuple[float, float, float] = (1.0, 0.0, 0.0)
    arm: ArmDimensions = field(default_factory=ArmDimensions)
    leg: LegDimensions = field(default_factory=LegDimensions)
    neutral_angles: tuple[tuple[float, float, float], ...] = ()  #: radians, one row per joint
    #: arm: (open, fist) flexion per digit, thumb first, on the calibrated scale; leg: one (toes down,
    #: toes up) pair of ankle flexion in degrees
    flexion_range: tuple[tuple[float, float], ...] = ()
    version: int = CALIBRATION_VERSION

    def __post_init__(self) -> None:
        from vrtherapy.config import InvalidValue
        from vrtherapy.motion.leg_skeleton import LEG_JOINTS
        from vrtherapy.motion.skeleton import ARM_JOINTS

        rows = tuple(tuple(float(v) for v in row) for row in np.asarray(self.neutral_angles, float).reshape(-1, 3))
        object.__setattr__(self, "neutral_angles", rows)
        if self.version != CALIBRATION_VERSION:
            raise InvalidValue("version", f"calibration version {self.version}, this vrtherapy reads {CALIBRATION_VERSION}")
        if not np.linalg.norm(self.plane_normal) > 1e-6:
            raise InvalidValue("plane_normal", "must be a non-zero direction")
        joints = len(ARM_JOINTS if self.limb == "arm" else LEG_JOINTS)
        if rows and len(rows) != joints:
            raise InvalidValue("neutral_angles", f"has {len(rows)} joints; an {self.limb} has {joints}")
        ranges = tuple(tuple(float(v) for v in pair) for pair in np.asarray(self.flexion_range, float).reshape(-1, 2))
        object.__setattr__(self, "flexion_range", ranges)
        wanted = 5 if self.limb == "arm" else 1
        if ranges and len(ranges) != wanted:
            raise InvalidValue("flexion_range", f"has {len(ranges)} ranges; an {self.limb} has {wanted}")

    @property
    def plane(self) -> MirrorPlane:
        return MirrorPlane(np.array(self.plane_point), np.array(self.plane_normal))

    @property
    def dimensions(self) -> ArmDimensions | LegDimensions:
        return self.arm if self.limb == "arm" else self.leg


#: Spread of the fingers, degrees of radial deviation at the knuckles, in a relaxed open hand.
OPEN_SPREAD_DEG = {"index": 6.0, "middle": 0.0, "ring": -5.0, "little": -10.0}


def relaxed_arm_degrees(names: Sequence[str]) -> np.ndarray:
    """The default neutral pose, (J, 3) degrees: forearm resting on a table, palm down, fingers softly
    curved. Used until a patient's own neutral pose is calibrated."""
    table: dict[str, tuple[float, float, float]] = {
        "upper_arm": (-62.0, 4.0, 0.0),
        "forearm": (62.0, 0.0, 0.0),
        "wrist": (-4.0, 0.0, -80.0),
        "thumb_metacarpal": (-8.0, 14.0, 0.0),  # the thumb lies beside the palm on the table, not under it
        "thumb_proximal": (10.0, 0.0, 0.0),
        "thumb_distal": (12.0, 0.0, 0.0),
    }
    for finger in FINGERS:
        table[f"{finger}_proximal"] = (12.0, 0.3 * OPEN_SPREAD_DEG[finger], 0.0)
        table[f"{finger}_intermediate"] = (16.0, 0.0, 0.0)
        table[f"{finger}_distal"] = (0.7 * 16.0, 0.0, 0.0)
    return np.array([table.get(n, (0.0, 0.0, 0.0)) for n in names])


#: A seated patient's legs as the lower-limb view shows them, degrees: the thighs sloping a little down
#: to the knees and turned out (the knees about 30 cm apart, as a seated person's are), the knees bent
#: 45 degrees and the feet flat on the floor in front of them, so the shins show between knees and feet
#: (with the feet under the knees they hide behind them), and the ankle keeps room to lift the toes and
#: to point them (its limits: -50..25; with the feet further forward it starts near full pointing).
#: The synthetic patient sits so, and the screenshots.
SEATED_LEG_DEG = {"thigh": (81.0, 0.0, 8.0), "shank": (45.0, 0.0, 0.0), "foot": (-36.0, 0.0, 0.0)}


def relaxed_leg_degrees(names: Sequence[str]) -> np.ndarray:
    """The default neutral pose of a seated patient's leg, (J, 3) degrees: hip and knee bent at right
    angles, the foot flat on the floor."""
    table = {"thigh": (90.0, 0.0, 0.0), "shank": (90.0, 0.0, 0.0)}
    return np.array([table.get(n, (0.0, 0.0, 0.0)) for n in names])


def sagittal_plane_from_head(head_position, head_rotation) -> MirrorPlane:
    """The midline plane under a seated patient's head: through the head, normal along the head's
    right-pointing axis levelled to the horizontal (world frame; see `frames.py`)."""
    right = np.asarray(head_rotation, float)[:, 0].copy()
    right[2] = 0.0
    return MirrorPlane(np.asarray(head_position, float), right)


def still_frames(samples: Sequence[TrackedSample], window_s: float = 0.25) -> list[TrackedSample]:
    """Samples at which no landmark has moved faster than STILL_SPEED over the last `window_s`.

    Speeds over a window, not between consecutive frames: tracker noise between two frames 33 ms
    apart already reads as several cm/s.
    """
    if not samples:
        return []
    t = np.array([s.t_capture for s in samples])
    points = np.stack([s.points for s in samples])
    earlier = np.searchsorted(t, t - window_s, side="right") - 1  # last sample at least window_s before
    ok = earlier >= 0
    idx = np.flatnonzero(ok)
    moved = np.linalg.norm(points[idx] - points[earlier[idx]], axis=2).max(axis=1)
    speed = moved / (t[idx] - t[earlier[idx]])
    return [samples[i] for i in idx[speed < STILL_SPEED]]


def _seen_points(samples: Sequence[TrackedSample]) -> np.ndarray:
    """(F, N, 3) landmark positions, NaN where the tracker did not see a point."""
    return np.stack([np.where(s.valid[:, None], s.points, np.nan) for s in samples])


def _plausible(lengths: np.ndarray, what: str) -> float:
    """The median of a segment's lengths over frames where both ends were seen; refuses nonsense."""
    seen = lengths[np.isfinite(lengths)]
    if len(seen) < MIN_STILL_FRAMES:
        raise ConfigError(f"calibration: {what} was not seen often enough to measure; keep the whole limb in view")
    value = float(np.median(seen))
    if not 0.004 <= value <= 0.7:
        raise ConfigError(f"calibration: {what} measured {value:.3f} m, which cannot be right; measure again")
    return value


def _enough_still_frames(samples: Sequence[TrackedSample]) -> list[TrackedSample]:
    """The still frames, if the hand was still for most of the capture; else a clear request."""
    still = still_frames(samples)
    if len(still) < max(MIN_STILL_FRAMES, STILL_SHARE * len(samples)):
        raise ConfigError(
            f"calibration: the hand was still in only {len(still)} of {len(samples)} frames; "
            "hold the hand still and relaxed on the table for a few seconds"
        )
    return still


def measure_arm(samples: Sequence[TrackedSample]) -> ArmDimensions:
    """The intact arm's segment lengths: medians over its still frames."""
    still = _enough_still_frames(samples)
    p = _seen_points(still)
    h = HAND_OFFSET

    def length(a: int, b: int) -> float:
        return _plausible(np.linalg.norm(p[:, b] - p[:, a], axis=1), f"{ARM_POINTS[a]} to {ARM_POINTS[b]}")

    rest = _default_landmark_spans()
    knuckles = [h + 5, h + 9, h + 13, h + 17]
    palm_length = _plausible(np.linalg.norm(p[:, knuckles].mean(axis=1) - p[:, h], axis=1), "wrist to knuckles")
    return ArmDimensions(
        upper_arm=length(0, 1),
        forearm=length(1, h),
        palm_length=palm_length * rest["palm_length"],
        palm_breadth=length(h + 5, h + 17) * rest["palm_breadth"],
        thumb=(length(h + 1, h + 2), length(h + 2, h + 3), length(h + 3, h + 4)),
        phalanges=tuple((length(h + m, h + m + 1), length(h + m + 1, h + m + 2), length(h + m + 2, h + m + 3))
                        for m in (5, 9, 13, 17)),  # fmt: skip
    )


def _default_landmark_spans() -> dict[str, float]:
    """How the palm's landmark spans relate to the palm measurements, from the default skeleton."""
    sk = build_arm_skeleton("right")
    _, pos = sk.rest_globals
    lm = {n: pos[sk.index(n)] for n in ("wrist", "index_proximal", "middle_proximal", "ring_proximal", "little_proximal")}
    knuckles = np.mean([lm[f"{f}_proximal"] for f in FINGERS], axis=0)
    dims = sk.dimensions
    return {
        "palm_length": dims.palm_length / float(np.linalg.norm(knuckles - lm["wrist"])),
        "palm_breadth": dims.palm_breadth / float(np.linalg.norm(lm["index_proximal"] - lm["little_proximal"])),
    }


def measure_leg(samples: Sequence[TrackedSample]) -> LegDimensions:
    """The intact leg's segment lengths (hip, knee, ankle, heel, foot_index landmarks), medians over
    its still frames. The foot's length runs from the heel landmark to the toe tip; the ankle's height
    and the heel's offset keep their proportions to it."""
    p = _seen_points(_enough_still_frames(samples))

    def length(a: str, b: str) -> float:
        return _plausible(np.linalg.norm(p[:, LEG_POINTS.index(b)] - p[:, LEG_POINTS.index(a)], axis=1), f"{a} to {b}")

    default = LegDimensions()
    heel_to_toe = length("heel", "foot_index")
    rest_heel_to_toe = float(np.hypot(default.foot_length, 0.012))  # as designed in leg_skeleton
    scale = heel_to_toe / rest_heel_to_toe
    return LegDimensions(
        thigh=length("hip", "knee"),
        shank=length("knee", "ankle"),
        ankle_height=default.ankle_height * scale,
        heel_back=default.heel_back * scale,
        foot_length=default.foot_length * scale,
        foot_breadth=default.foot_breadth * scale,
    )


def neutral_angles(samples: Sequence[TrackedSample], retargeter) -> np.ndarray:
    """The relaxed pose: median joint angles over the still frames."""
    still = _enough_still_frames(samples)
    return np.median(np.stack([retargeter.solve(s).angles for s in still]), axis=0)
