"""Limb skeletons: joint hierarchy, rest pose, degrees of freedom and anatomical joint limits.

The right arm is designed in its rest pose (arm straight forward, horizontal, thumb up, palm facing the
body's midline: the clinical neutral of forearm rotation); the left arm is derived from it by
reflection across the sagittal plane, so the two are exact mirror images and the same joint angles mean
the same anatomical motion on either side (`rotations.py`).

Joint angles are (flexion, deviation, twist) in radians per joint, relative to the rest pose:
  * flexion: positive towards the palm / the front of the arm (elbow bending, fist closing);
  * deviation: positive radially (towards the thumb side);
  * twist: positive = supination (palm turning up when the forearm rests on a table).
The shoulder uses the same Euler sequence as every joint; it locks at +-90 degrees of deviation (the
arm straight out sideways, level), so deviation is limited to 80 degrees. A swing-twist shoulder is a
better model for reaching movements and belongs with the motion pipeline's joint limits.
The wrist joint carries the whole forearm rotation (pronation/supination); the renderer spreads part of
it onto the `forearm_twist` joint so the skin twists along the forearm, not only at the wrist.

Hand joints follow OpenXR's XR_EXT_hand_tracking set (palm, wrist, 4 thumb, 5 per finger).

Joint-limit table (degrees, right-side conventions; left mirrors them):

| joint              | flexion      | deviation   | twist      |
|--------------------|--------------|-------------|------------|
| upper_arm          | -140 .. 90   | -80 .. 80   | -100 .. 100|
| forearm (elbow)    |    0 .. 150  | fixed       | fixed      |
| wrist              |  -70 .. 80   | -35 .. 25   | -90 .. 90  |
| thumb_metacarpal   |  -20 .. 55   | -30 .. 40   | fixed      |
| thumb_proximal     |  -10 .. 60   | fixed       | fixed      |
| thumb_distal       |  -20 .. 80   | fixed       | fixed      |
| finger proximal    |  -30 .. 90   | -25 .. 25   | fixed      |
| finger intermediate|   -5 .. 110  | fixed       | fixed      |
| finger distal      |  -10 .. 80   | fixed       | fixed      |
| palm, metacarpals, tips, forearm_twist | fixed (forearm_twist is derived from the wrist) |
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

import numpy as np

from vrtherapy.frames import BONE_HANDEDNESS_FIX, SAGITTAL_REFLECTION
from vrtherapy.motion.kernels import chain
from vrtherapy.motion.rotations import frame_from_y_and_z_hint, normalize
from vrtherapy.tracking.sample import HAND_OFFSET, LimbKind, Side

FINGERS: tuple[str, ...] = ("index", "middle", "ring", "little")
FINGER_SEGMENTS: tuple[str, ...] = ("metacarpal", "proximal", "intermediate", "distal", "tip")
THUMB_SEGMENTS: tuple[str, ...] = ("metacarpal", "proximal", "distal", "tip")

ARM_JOINTS: tuple[str, ...] = (
    ("upper_arm", "forearm", "forearm_twist", "wrist", "palm")
    + tuple(f"thumb_{s}" for s in THUMB_SEGMENTS)
    + tuple(f"{f}_{s}" for f in FINGERS for s in FINGER_SEGMENTS)
)

#: Part of the forearm's rotation shown at mid-forearm rather than at the wrist.
FOREARM_TWIST_SHARE = 0.5

_FREE_LIMITS_DEG: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "upper_arm": ((-140, 90), (-80, 80), (-100, 100)),
    "forearm": ((0, 150), (0, 0), (0, 0)),
    "wrist": ((-70, 80), (-35, 25), (-90, 90)),
    "thumb_metacarpal": ((-20, 55), (-30, 40), (0, 0)),
    "thumb_proximal": ((-10, 60), (0, 0), (0, 0)),
    "thumb_distal": ((-20, 80), (0, 0), (0, 0)),
    **{f"{f}_proximal": ((-30, 90), (-25, 25), (0, 0)) for f in FINGERS},
    **{f"{f}_intermediate": ((-5, 110), (0, 0), (0, 0)) for f in FINGERS},
    **{f"{f}_distal": ((-10, 80), (0, 0), (0, 0)) for f in FINGERS},
}


def _landmark_of(joint: str) -> int:
    """Index into ARM_POINTS of the landmark sitting at `joint`'s origin, or -1."""
    hand = {
        "wrist": 0,
        "thumb_metacarpal": 1, "thumb_proximal": 2, "thumb_distal": 3, "thumb_tip": 4,
    }  # fmt: skip
    for i, finger in enumerate(FINGERS):
        for j, seg in enumerate(("proximal", "intermediate", "distal", "tip")):
            hand[f"{finger}_{seg}"] = 5 + 4 * i + j
    if joint == "upper_arm":
        return 0
    if joint == "forearm":
        return 1
    return HAND_OFFSET + hand[joint] if joint in hand else -1


@dataclass(frozen=True)
class ArmDimensions:
    """Segment lengths of an arm in metres (defaults: an average adult).

    `phalanges` lists (proximal, intermediate, distal) per finger in FINGERS order and
    (metacarpal, proximal, distal) for the thumb.
    """

    upper_arm: float = 0.30
    forearm: float = 0.25
    palm_length: float = 0.095  #: wrist to middle-finger knuckle
    palm_breadth: float = 0.082  #: across the knuckles, skin to skin
    thumb: tuple[float, float, float] = (0.046, 0.032, 0.028)
    phalanges: tuple[tuple[float, float, float], ...] = (
        (0.041, 0.024, 0.020),
        (0.045, 0.028, 0.021),
        (0.042, 0.027, 0.021),
        (0.034, 0.019, 0.019),
    )

    @property
    def hand_length(self) -> float:
        """Wrist crease to middle fingertip."""
        return self.palm_length + sum(self.phalanges[1])


#: The limb's measurements a skeleton was built from: `ArmDimensions` or `leg_skeleton.LegDimensions`.
D = TypeVar("D")


@dataclass(frozen=True, eq=False)
class Skeleton(Generic[D]):
    """A limb's joint tree in its rest pose, relative to the limb's root frame.

    Arrays are indexed by joint. `offsets[j]` is joint j's origin in its parent's bone frame (for the
    root: in the root frame); `rest_rotations[j]` is j's bone frame relative to its parent's.
    """

    side: Side
    names: tuple[str, ...]
    parents: np.ndarray  # (J,) int, -1 for the root
    offsets: np.ndarray  # (J, 3)
    rest_rotations: np.ndarray  # (J, 3, 3)
    free: np.ndarray  # (J, 3) bool: which of (flexion, deviation, twist) the joint can move
    limits: np.ndarray  # (J, 3, 2) radians, [low, high]
    landmark: np.ndarray  # (J,) index into the tracker's points, -1 where none
    dimensions: D  #: ArmDimensions or LegDimensions
    limb: LimbKind = "arm"

    @property
    def side_sign(self) -> float:
        return 1.0 if self.side == "right" else -1.0

    def index(self, name: str) -> int:
        return self.names.index(name)

    @cached_property
    def rest_rotations_c(self) -> np.ndarray:
        """`rest_rotations` as a contiguous float64 array, as the compiled kinematics take it."""
        return np.ascontiguousarray(self.rest_rotations, dtype=np.float64)

    @cached_property
    def offsets_c(self) -> np.ndarray:
        return np.ascontiguousarray(self.offsets, dtype=np.float64)

    @cached_property
    def rest_globals(self) -> tuple[np.ndarray, np.ndarray]:
        """(J, 3, 3) bone frames and (J, 3) joint positions at rest, in the limb root frame."""
        twist_joint, wrist = self.twist_pair or (-1, -1)
        chained = chain(np.zeros((len(self.names), 3)), self.side_sign, self.rest_rotations_c, self.offsets_c,
                        self.parents, twist_joint, wrist, FOREARM_TWIST_SHARE, np.eye(4))  # fmt: skip
        return chained[:, :3, :3], chained[:, :3, 3]

    @cached_property
    def twist_pair(self) -> tuple[int, int] | None:
        """(forearm_twist joint, wrist joint) for an arm; None for a limb without a twist joint."""
        if "forearm_twist" not in self.names:
            return None
        return self.index("forearm_twist"), self.index("wrist")


def build_arm_skeleton(side: Side = "right", dims: ArmDimensions | None = None) -> Skeleton[ArmDimensions]:
    """The arm + hand skeleton for `side`, sized by `dims`."""
    dims = dims or ArmDimensions()
    names, parents, positions, frames = _design_right_arm(dims)
    return assemble_skeleton("arm", side, names, parents, positions, frames, _FREE_LIMITS_DEG,
                             [_landmark_of(n) for n in names], dims)  # fmt: skip


def assemble_skeleton(limb: LimbKind, side: Side, names: tuple[str, ...], parents: list[int], positions: np.ndarray,
                      frames: np.ndarray, limits_deg: dict[str, Any], landmarks: list[int], dims: D) -> Skeleton[D]:  # fmt: skip
    """A Skeleton from a right limb's rest design (global joint positions and bone frames).

    The left limb is the right one reflected across the sagittal plane, its bone frames kept
    right-handed, so both sides share one set of anatomical joint-angle conventions.
    """
    if side == "left":
        positions = positions @ SAGITTAL_REFLECTION.T
        frames = SAGITTAL_REFLECTION @ frames @ BONE_HANDEDNESS_FIX
    parents_arr = np.array(parents)
    if any(p >= j for j, p in enumerate(parents)):
        raise ValueError("a skeleton lists every joint after its parent (the kinematics rely on it)")
    parent_frames = np.where(parents_arr[:, None, None] < 0, np.eye(3), frames[parents_arr])
    parent_positions = np.where(parents_arr[:, None] < 0, 0.0, positions[parents_arr])
    offsets = np.einsum("jki,jk->ji", parent_frames, positions - parent_positions)
    rest_rotations = np.swapaxes(parent_frames, 1, 2) @ frames
    limits = np.zeros((len(names), 3, 2))
    for j, name in enumerate(names):
        if name in limits_deg:
            limits[j] = np.radians(limits_deg[name])
    free = limits[:, :, 1] > limits[:, :, 0]
    return Skeleton(
        side=side,
        names=names,
        parents=parents_arr,
        offsets=offsets,
        rest_rotations=rest_rotations,
        free=free,
        limits=limits,
        landmark=np.array(landmarks),
        dimensions=dims,
        limb=limb,
    )


def _design_right_arm(dims: ArmDimensions) -> tuple[tuple[str, ...], list[int], np.ndarray, np.ndarray]:
    """Rest positions and bone frames (columns X, Y, Z) of the right arm, shoulder at the origin."""
    names = ARM_JOINTS
    idx = {n: i for i, n in enumerate(names)}
    parents = [-1] * len(names)
    pos = np.zeros((len(names), 3))
    frm = np.zeros((len(names), 3, 3))

    arm_frame = np.eye(3)  # X lateral, Y forward, Z up (the front of the arm)
    wrist_y = dims.upper_arm + dims.forearm
    for name, y, parent in (
        ("upper_arm", 0.0, None),
        ("forearm", dims.upper_arm, "upper_arm"),
        ("forearm_twist", dims.upper_arm + dims.forearm / 2, "forearm"),
    ):
        pos[idx[name]] = (0.0, y, 0.0)
        frm[idx[name]] = arm_frame
        parents[idx[name]] = -1 if parent is None else idx[parent]

    # Hand frame: X radial (thumb up), Y distal, Z palmar (towards the midline for the right hand).
    hand_frame = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    wrist = np.array([0.0, wrist_y, 0.0])

    def hand_point(x: float, y: float, z: float = 0.0) -> np.ndarray:
        # Hand-local design coordinates scaled to this hand's palm.
        sx = dims.palm_breadth / 0.082
        sy = dims.palm_length / 0.095
        return wrist + hand_frame @ np.array([x * sx, y * sy, z * sx])

    pos[idx["wrist"]] = wrist
    frm[idx["wrist"]] = hand_frame
    parents[idx["wrist"]] = idx["forearm_twist"]
    pos[idx["palm"]] = hand_point(0.002, 0.050)
    frm[idx["palm"]] = hand_frame
    parents[idx["palm"]] = idx["wrist"]

    def place_chain(digit: str, segments: tuple[str, ...], start: list[np.ndarray], frame: np.ndarray,
                    lengths: tuple[float, ...]) -> None:  # fmt: skip
        """A straight digit hanging from the wrist: joints at `start` then along the frame's Y."""
        chain = list(start)
        for length in lengths:
            chain.append(chain[-1] + frame[:, 1] * length)
        parent = idx["wrist"]
        for seg, p in zip(segments, chain, strict=False):
            j = idx[f"{digit}_{seg}"]
            pos[j], frm[j], parents[j] = p, frame, parent
            parent = j

    palmar = hand_frame[:, 2]
    bases = {"index": (0.012, 0.018), "middle": (0.002, 0.018), "ring": (-0.009, 0.016), "little": (-0.018, 0.014)}
    knuckles = {"index": (0.026, 0.090), "middle": (0.006, 0.095), "ring": (-0.013, 0.089), "little": (-0.030, 0.079)}
    for finger, lengths in zip(FINGERS, dims.phalanges, strict=False):
        base, knuckle = hand_point(*bases[finger]), hand_point(*knuckles[finger])
        place_chain(finger, FINGER_SEGMENTS, [base, knuckle], frame_from_y_and_z_hint(knuckle - base, palmar), lengths)

    # Thumb at rest lies beside the index finger, angled radially and palmar, its pad facing the palm.
    thumb_dir = normalize(hand_frame @ np.array([0.50, 0.82, 0.28]))
    thumb_frame = frame_from_y_and_z_hint(thumb_dir, hand_frame @ np.array([-0.75, 0.0, 0.66]))
    place_chain("thumb", THUMB_SEGMENTS, [hand_point(0.021, 0.020, 0.012)], thumb_frame, dims.thumb)
    return names, parents, pos, frm
