"""The arm's anatomy as a signed distance field on the rest skeleton, and the chains its skin weights follow.

The upper arm and forearm are one lofted tube of elliptical cross-section, the palm a rounded slab with
thenar and hypothenar pads, each phalanx a tapered round cone with slight knuckle bulges. Digits are
smooth-unioned with the palm; neighbouring fingers blend into each other only inside the interdigital
web just past the knuckles, so further out they stay apart. `mesh_generator.py` surfaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.interpolate import PchipInterpolator

from vrtherapy.limbs.sdf import ellipsoid, polygon_sdf, round_cone, smin, smoothstep
from vrtherapy.limbs.surfacing import sdf_normals
from vrtherapy.motion.skeleton import FINGERS, ArmDimensions, Skeleton

#: Height along the upper arm (root frame y, metres) of the open cut below the shoulder.
SHOULDER_CUT_Y = 0.04
DEFAULT_VOXEL = 0.0026  #: marching-cubes grid spacing across the hand (metres); finer costs frame rate under software GL

_RING_SPACING = 0.0075  #: distance between rings of the upper-arm/forearm tube
_RING_VERTICES = 56
_VOXEL_STRETCH_ALONG_ARM = 1.4  #: the hand grid is coarser along the fingers than across them
_ZIP_BEFORE_WRIST = 0.055  #: the marching-cubes part starts this far above the wrist

# Digit radii in metres at (base joint, next joint, next, tip) for the default hand (palm breadth 0.082).
FINGER_RADII: dict[str, tuple[float, float, float, float]] = {
    "index": (0.0094, 0.0086, 0.0079, 0.0071),
    "middle": (0.0097, 0.0089, 0.0081, 0.0073),
    "ring": (0.0091, 0.0084, 0.0077, 0.0069),
    "little": (0.0080, 0.0073, 0.0067, 0.0061),
    "thumb": (0.0128, 0.0108, 0.0102, 0.0089),
}
_WEB_DEPTH = 0.016  #: how far past the knuckles the webs between fingers reach
_WEB_BLEND = 0.008  #: fillet size between neighbouring fingers inside the web
_DIGIT_THICKNESS = 0.9  #: palmar-dorsal thickness of a digit relative to its width
DIGITS: tuple[str, ...] = ("thumb",) + FINGERS

# Arm tube profile: (fraction along the segment, semi-axis along x, semi-axis along z, centre z).
# At rest x is lateral/medial and z is the front (upper arm) or the radial side (forearm, thumb up).
_UPPER_ARM_PROFILE = np.array([
    (0.00, 0.052, 0.056, 0.000),
    (0.13, 0.050, 0.053, 0.000),
    (0.35, 0.045, 0.049, 0.002),
    (0.55, 0.043, 0.048, 0.004),
    (0.78, 0.041, 0.0425, 0.004),
    (0.93, 0.0415, 0.0405, 0.003),
])  # fmt: skip
_FOREARM_PROFILE = np.array([
    (0.03, 0.042, 0.040, 0.003),
    (0.15, 0.040, 0.042, 0.003),
    (0.35, 0.036, 0.041, 0.002),
    (0.60, 0.029, 0.036, 0.001),
    (0.85, 0.022, 0.030, 0.000),
    (1.00, 0.0195, 0.028, 0.000),
])  # fmt: skip
_WRIST_CAP = 0.035  #: past the wrist the tube closes in a half-ellipsoid this long, inside the palm

# Palm outline, in hand-design coordinates (distal, radial) for the default hand with the wrist at the
# origin: this convex core polygon grown by _PALM_ROUNDING. Growing a convex polygon gives a smooth
# outline; a polygon's own corners would crease the skin.
_PALM_CORE = np.array([
    (0.026, -0.013), (0.040, -0.021), (0.060, -0.022), (0.068, -0.017), (0.077, -0.004),
    (0.080, 0.008), (0.076, 0.018), (0.060, 0.021), (0.030, 0.017), (0.026, 0.012),
])  # fmt: skip
_PALM_ROUNDING = 0.016
# Palm half-thickness and palmar offset of its mid-plane along the palm (distal metres).
_PALM_THICKNESS = np.array([(0.000, 0.0150, 0.000), (0.025, 0.0155, 0.002), (0.060, 0.0143, 0.002),
                            (0.096, 0.0132, 0.001)])  # fmt: skip

# Blend half-widths (metres) of the skin weights across each joint.
_ELBOW_BLEND = 0.045
_WRIST_BLEND = 0.014
_CMC_BLEND = 0.020
_KNUCKLE_BLEND = 0.010
_FINGER_BLENDS = (0.0060, 0.0050)  #: proximal and distal interphalangeal joints
_THUMB_BLENDS = (0.0080, 0.0060)  #: thumb MCP and IP
_REGION_BLEND = 0.004  #: palm <-> digit soft membership width (in SDF metres)

# Nails, on the dorsal side of each distal phalanx (default hand; scaled with the hand's breadth).
NAIL_EDGE = 0.0020  #: width of the soft edge of the nail weight (metres; about the hand grid's vertex spacing)
_NAIL_LENGTH = 0.58  #: nail length as a fraction of the distal phalanx's length
_NAIL_TIP_GAP = 0.0018  #: skin left between the nail's free edge and the fingertip
_NAIL_WIDTH = 0.80  #: nail width relative to the digit's width under it



@dataclass(frozen=True)
class Chain:
    """A digit: bone joints, its axis at rest, and its joints' positions along that axis."""

    name: str
    joints: tuple[int, ...]  # skinning bones in order: hand bone, then the moving segments
    origin: np.ndarray  # (3,) the first moving joint (knuckle / thumb CMC)
    axis: np.ndarray  # (3,) unit, distal
    stations: np.ndarray  # joint positions along the axis relative to `origin` (first is 0)
    blends: tuple[float, ...]  # blend half-width across each station


class ArmBody:
    """The right arm's anatomy on a given rest skeleton: SDF components and skinning chains."""

    def __init__(self, skeleton: Skeleton) -> None:
        if skeleton.side != "right":
            raise ValueError("ArmBody is designed on the right arm")
        self.skeleton = skeleton
        self.dims: ArmDimensions = skeleton.dimensions
        frames, positions = skeleton.rest_globals
        self.frames, self.positions = frames, positions
        self.idx = {n: i for i, n in enumerate(skeleton.names)}
        dims = self.dims
        self.sx = dims.palm_breadth / 0.082  # hand-design scale across the hand
        self.sy = dims.palm_length / 0.095  # ... and along it
        self.girth = 0.5 * (dims.upper_arm / 0.30 + dims.forearm / 0.25)
        self.elbow_y = float(positions[self.idx["forearm"], 1])
        self.twist_y = float(positions[self.idx["forearm_twist"], 1])
        self.wrist_y = float(positions[self.idx["wrist"], 1])
        self.wrist = positions[self.idx["wrist"]]
        self.hand_frame = frames[self.idx["wrist"]]  # columns: radial, distal, palmar
        self.zip_y = self.wrist_y - _ZIP_BEFORE_WRIST * self.sy
        self._build_profile()
        self._build_digits()

    # arm tube -------------------------------------------------------------------------------------
    def _build_profile(self) -> None:
        up, fo = self.dims.upper_arm, self.dims.forearm
        ys = np.concatenate([_UPPER_ARM_PROFILE[:, 0] * up, up + _FOREARM_PROFILE[:, 0] * fo])
        table = np.concatenate([_UPPER_ARM_PROFILE[:, 1:], _FOREARM_PROFILE[:, 1:]]) * self.girth
        # A repeated last station makes the profile level at the wrist, where the end cap takes over.
        ys = np.append(ys, self.wrist_y + 0.01)
        table = np.concatenate([table, table[-1:]])
        self._profile = PchipInterpolator(ys, table, axis=0, extrapolate=False)
        self._profile_range = (ys[0], ys[-1])

    def tube_profile(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Semi-axes (x, z) and centre z of the arm tube at heights y (clamped to the table)."""
        values = self._profile(np.clip(y, *self._profile_range))
        return values[:, 0], values[:, 1], values[:, 2]

    def tube_sdf(self, p: np.ndarray) -> np.ndarray:
        """The arm up to the wrist, closed past it by a half-ellipsoid (approximate distance)."""
        y = p[:, 1]
        ax, az, cz = self.tube_profile(np.minimum(y, self.wrist_y))
        # Past the wrist the cross-section shrinks as an ellipsoid's would; level, so smooth, at the wrist.
        past = np.maximum(y - self.wrist_y, 0.0) / (_WRIST_CAP * self.sy)
        radii = np.stack([ax, np.full_like(ax, _WRIST_CAP * self.sy), az], axis=1)
        q = np.stack([p[:, 0], past * radii[:, 1], p[:, 2] - cz], axis=1)
        return ellipsoid(q, radii)

    # hand -----------------------------------------------------------------------------------------
    def to_hand(self, p: np.ndarray) -> np.ndarray:
        """Root-frame points -> hand-local (radial, distal, palmar) metres, wrist at the origin."""
        return (p - self.wrist) @ self.hand_frame

    def _build_digits(self) -> None:
        idx, pos, frm = self.idx, self.positions, self.frames
        sx = self.sx
        self.digit_cones: dict[str, list[tuple[np.ndarray, np.ndarray, float, float]]] = {}
        self.digit_frames: dict[str, np.ndarray] = {}
        self.digit_bulges: dict[str, list[tuple[np.ndarray, float]]] = {}
        self.chains: dict[str, Chain] = {}
        for digit in DIGITS:
            segs = ("metacarpal", "proximal", "distal", "tip") if digit == "thumb" else (
                "proximal", "intermediate", "distal", "tip")
            joints = [idx[f"{digit}_{s}"] for s in segs]
            pts = pos[joints]
            frame = frm[joints[0]]
            axis = frame[:, 1]
            radii = np.array(FINGER_RADII[digit]) * sx
            # The tip joint is the fingertip's skin: end the last cone one radius short of it.
            ends = pts.copy()
            ends[-1] = pts[-1] - axis * radii[-1]
            self.digit_cones[digit] = [(ends[i], ends[i + 1], radii[i], radii[i + 1]) for i in range(3)]
            self.digit_frames[digit] = frame
            bulges = [(pts[1], radii[1] * 1.02), (pts[2], radii[2] * 1.015)]
            if digit != "thumb":  # the knuckle: the metacarpal head, a little dorsal of the joint
                bulges.append((pts[0] - frame[:, 2] * 0.0025 * sx, radii[0] * 1.02))
            self.digit_bulges[digit] = bulges
            stations = (pts[:3] - pts[0]) @ axis
            if digit == "thumb":
                blends = (_CMC_BLEND * self.sy, *(b * sx for b in _THUMB_BLENDS))
            else:
                blends = (_KNUCKLE_BLEND * self.sy, *(b * sx for b in _FINGER_BLENDS))
            # The hand's rigid part (wrist, palm, metacarpals) is skinned to the wrist joint alone.
            bones = (idx["wrist"], *joints[:3])
            self.chains[digit] = Chain(digit, bones, pts[0].copy(), axis.copy(), stations, blends)

        knuckles = self.to_hand(np.array([self.chains[f].origin for f in FINGERS]))
        order = np.argsort(knuckles[:, 0])
        self.knuckle_line = (knuckles[order, 0], knuckles[order, 1])  # (radial, distal), ascending

        # Palm pads, in hand-design coordinates (radial, distal, palmar) scaled to this hand.
        scale = np.array([self.sx, self.sy, self.sx])
        thumb_dir = self.to_hand(pos[idx["thumb_proximal"]][None])[0] - self.to_hand(
            pos[idx["thumb_metacarpal"]][None])[0]
        thumb_dir /= np.linalg.norm(thumb_dir)
        along = np.array([thumb_dir[0], thumb_dir[1], 0.0])
        along /= np.linalg.norm(along)
        across = np.cross([0.0, 0.0, 1.0], along)
        self.thenar_rot = np.stack([along, across, [0.0, 0.0, 1.0]], axis=1)
        self.thenar_centre = np.array([0.019, 0.034, 0.007]) * scale
        self.thenar_radii = np.array([0.030, 0.016, 0.013]) * self.sx
        self.hypothenar_centre = np.array([-0.026, 0.042, 0.005]) * scale
        self.hypothenar_radii = np.array([0.011, 0.034, 0.011]) * scale
        self.palm_core = _PALM_CORE * np.array([self.sy, self.sx])
        self.palm_rounding = _PALM_ROUNDING * self.sx
        table = _PALM_THICKNESS * np.array([self.sy, self.sx, self.sx])
        # Smooth (C1) along the palm: a piecewise-linear thickness would crease the skin at each station.
        self._palm_thickness = PchipInterpolator(table[:, 0], table[:, 1:], axis=0, extrapolate=False)
        self._palm_range = (table[0, 0], table[-1, 0])

    def palm_sdf(self, q: np.ndarray) -> np.ndarray:
        """The palm slab (rounded outline, rim rounded through its thickness) in hand coordinates."""
        d2 = polygon_sdf(q[:, [1, 0]], self.palm_core) - self.palm_rounding
        half, mid = self._palm_thickness(np.clip(q[:, 1], *self._palm_range)).T
        rim = np.minimum(0.85 * half, self.palm_rounding * 0.97)  # keeps the rim outside the core
        a = d2 + rim
        b = np.abs(q[:, 2] - mid) - (half - rim)
        inside = np.minimum(np.maximum(a, b), 0.0)
        return inside + np.hypot(np.maximum(a, 0.0), np.maximum(b, 0.0)) - rim

    def digit_sdf(self, digit: str, p: np.ndarray) -> np.ndarray:
        frame = self.digit_frames[digit]
        origin = self.digit_cones[digit][0][0]
        local = (p - origin) @ frame
        local[:, 2] /= _DIGIT_THICKNESS  # flatten the cross-section palmar-dorsally
        d = np.min([round_cone(local, (a - origin) @ frame, (b - origin) @ frame, r1, r2)
                    for a, b, r1, r2 in self.digit_cones[digit]], axis=0)  # fmt: skip
        for centre, r in self.digit_bulges[digit]:
            lc = (centre - origin) @ frame
            lc[2] /= _DIGIT_THICKNESS
            d = smin(d, np.linalg.norm(local - lc, axis=1) - r, 0.004 * self.sx)
        return d * _DIGIT_THICKNESS  # back to (approximately) metres

    def components(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """Per-region distances: 'arm' (tube), 'palm' (slab + pads + wrist), one per digit (the thumb's
        includes the thenar pad), and 'web_blend': the fillet size between neighbouring fingers."""
        q = self.to_hand(p)
        tube = self.tube_sdf(p)
        palm = self.palm_sdf(q)
        hypothenar = ellipsoid(q - self.hypothenar_centre, self.hypothenar_radii)
        thenar = ellipsoid((q - self.thenar_centre) @ self.thenar_rot, self.thenar_radii)
        palm = smin(palm, hypothenar, 0.010 * self.sx)
        palm_region = smin(palm, tube, 0.010 * self.sx)
        out = {"arm": tube, "palm": palm_region}
        for digit in DIGITS:
            out[digit] = self.digit_sdf(digit, p)
        out["thumb"] = smin(out["thumb"], thenar, 0.012 * self.sx)
        past_knuckles = q[:, 1] - np.interp(q[:, 0], *self.knuckle_line)
        out["web_blend"] = _WEB_BLEND * self.sx * smoothstep((_WEB_DEPTH * self.sy - past_knuckles) / (
            0.6 * _WEB_DEPTH * self.sy)) + 1e-6
        return out

    def sdf(self, p: np.ndarray, comps: dict[str, np.ndarray] | None = None) -> np.ndarray:
        c = comps if comps is not None else self.components(p)
        # Neighbouring fingers blend into each other only within the web, just past the knuckles;
        # further out they stay apart however close they come.
        web = c["web_blend"]
        fingers = c[FINGERS[0]]
        for finger in FINGERS[1:]:
            fingers = smin(fingers, c[finger], web)
        palm = c["palm"]
        return np.minimum(smin(palm, c["thumb"], 0.014 * self.sx), smin(palm, fingers, 0.008 * self.sx))

    def sdf_chunked(self, p: np.ndarray, chunk: int = 400_000) -> np.ndarray:
        return np.concatenate([self.sdf(p[i : i + chunk]) for i in range(0, len(p), chunk)])

    def normals(self, p: np.ndarray, eps: float = 1e-4) -> np.ndarray:
        return sdf_normals(self.sdf_chunked, p, eps)

    @cached_property
    def hand_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Box around everything above the zip plane, with a margin."""
        hand = self.positions[self.idx["wrist"] :]
        ax, az, cz = self.tube_profile(np.array([self.zip_y]))
        lo = np.minimum(hand.min(axis=0), [-ax[0], self.zip_y, cz[0] - az[0]])
        hi = np.maximum(hand.max(axis=0), [ax[0], self.zip_y, cz[0] + az[0]])
        margin = 0.025 * self.sx
        lo, hi = lo - margin, hi + margin
        lo[1] = self.zip_y
        return lo, hi
