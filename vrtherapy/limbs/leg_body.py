"""The leg's anatomy on the rest skeleton: the thigh-and-shank tube (rings) and the foot's distance field.

The tube's cross-section is an ellipse lofted along the leg plus anatomical bumps and hollows as
angular Gaussians (kneecap, vastus medialis, calf heads, Achilles tendon, ...). The foot is a rounded
slab with a domed top and an arch, a heel pad, five toes as tapered round cones, and the ankle bones.
`leg_mesh.py` surfaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from vrtherapy.limbs.sdf import ellipsoid, polygon_sdf, round_cone, smin, smoothstep
from vrtherapy.motion.leg_skeleton import LegDimensions
from vrtherapy.motion.skeleton import Skeleton

#: Depth below the hip joint (metres along the thigh) of the open cut at the top of the thigh.
HIP_CUT_DEPTH = 0.05
DEFAULT_VOXEL = 0.0032  #: marching-cubes grid spacing across the foot (metres)

#: Root frame -> design frame (x, -z, y): a proper rotation taking the leg's axis (-z) to +y.
_DESIGN = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])

_RING_SPACING = 0.012  #: distance between the tube's rings ...
_KNEE_RING_SPACING = 0.007  #: ... closing in to this over the knee, where the shape changes and the skin bends
_RING_VERTICES = 56
_VOXEL_STRETCH_ALONG_FOOT = 1.45  #: the foot grid is coarser heel-to-toe than across and up
_ZIP_ABOVE_ANKLE = 0.055  #: the marching-cubes part starts this far above the ankle joint
_KNEE_SPREAD = 0.06  #: a measured knee width reshapes the tube this far (Gaussian sigma, m) above and below
_ANKLE_CAP = 0.035  #: below the ankle the tube closes in a half-ellipsoid this long, inside the foot

# Tube profile, right leg at rest: (fraction along the segment, half-width along x, half-depth along y,
# centre x, centre y) in metres for the default leg. +x is lateral (outer side), +y the front.
_THIGH_PROFILE = np.array([
    (0.00, 0.083, 0.084, 0.010, -0.016),
    (0.12, 0.080, 0.080, 0.010, -0.014),
    (0.30, 0.074, 0.074, 0.008, -0.010),
    (0.50, 0.067, 0.066, 0.005, -0.006),
    (0.70, 0.060, 0.058, 0.002, -0.004),
    (0.86, 0.053, 0.052, 0.000, -0.002),
    (1.00, 0.050, 0.050, 0.000, -0.003),
])  # fmt: skip
_SHANK_PROFILE = np.array([
    (0.08, 0.048, 0.049, 0.000, -0.007),
    (0.20, 0.051, 0.055, -0.002, -0.016),
    (0.32, 0.054, 0.058, -0.002, -0.022),
    (0.50, 0.047, 0.052, -0.002, -0.018),
    (0.70, 0.038, 0.043, -0.001, -0.010),
    (0.88, 0.033, 0.037, 0.000, -0.006),
    (1.00, 0.032, 0.035, 0.000, -0.004),
])  # fmt: skip

# Radial bumps (+) and hollows (-) on the tube: (amplitude m, angle deg from +x towards +y (front = 90,
# medial = 180, back = 270), angular sigma deg, joint it is placed from, offset down the leg from that
# joint m, sigma along the leg m).
_BUMPS = (
    (0.0085, 90, 28, "knee", -0.022, 0.022),  # kneecap (sits above the joint line when standing)
    (0.0040, 90, 16, "knee", 0.055, 0.020),  # patellar tendon and tibial tuberosity
    (-0.0040, 50, 16, "knee", 0.012, 0.014),  # hollows either side of the patellar tendon
    (-0.0040, 130, 16, "knee", 0.012, 0.014),
    (0.0070, 145, 28, "knee", -0.075, 0.035),  # vastus medialis, the inner bulge above the knee
    (0.0060, 95, 40, "knee", -0.230, 0.090),  # quadriceps: the front of the thigh is full, not conical
    (-0.0050, 270, 30, "knee", 0.000, 0.028),  # hollow at the back of the knee
    (0.0095, 240, 32, "knee", 0.145, 0.055),  # medial calf head (the larger and lower one)
    (0.0065, 300, 28, "knee", 0.120, 0.045),  # lateral calf head
    (-0.0040, 150, 24, "knee", 0.210, 0.090),  # flat inner face of the shin bone
    (-0.0050, 222, 18, "ankle", -0.030, 0.025),  # hollows beside the Achilles tendon
    (-0.0050, 318, 18, "ankle", -0.030, 0.025),
    (0.0020, 270, 14, "ankle", -0.045, 0.030),  # Achilles tendon
)

# Foot, in foot-design coordinates for the default foot (foot_length 0.26, foot_breadth 0.10,
# ankle_height 0.075): (lateral x, forward from the back of the heel, up from the sole) metres.
# Plan-view outline of the foot's body = this convex polygon (forward, lateral), its corners cut
# (_OUTLINE_SMOOTHING rounds of Chaikin's subdivision, which keeps it convex), grown by _FOOT_ROUNDING;
# a coarse polygon's corners would crease the skin.
_FOOT_CORE = np.array([
    (0.018, 0.000), (0.022, 0.010), (0.034, 0.016), (0.150, 0.034), (0.168, 0.031), (0.197, -0.004),
    (0.203, -0.021), (0.192, -0.029), (0.040, -0.013), (0.024, -0.010), (0.018, -0.006),
])  # fmt: skip
_FOOT_ROUNDING = 0.018
_OUTLINE_SMOOTHING = 2  #: 11 corners -> 44 gentle ones
# Along the foot (forward m): top of the slab above the sole on its ridge, how fast the top falls off
# towards the outer edge (1/m), and the height the sole lifts into the arch on the inner side.
_FOOT_TOP = np.array([
    (0.000, 0.050, 3.0, 0.000),
    (0.040, 0.064, 7.0, 0.004),
    (0.080, 0.080, 10.0, 0.016),
    (0.110, 0.076, 10.0, 0.024),
    (0.140, 0.067, 8.0, 0.015),
    (0.170, 0.050, 5.0, 0.003),
    (0.195, 0.037, 3.5, 0.000),
    (0.225, 0.028, 3.0, 0.000),
])  # fmt: skip
_FOOT_RIDGE_X = -0.008  #: the top of the foot is highest over the second metatarsal
#: Towards the toes the top follows the oblique line of the toes' bases: it comes down earlier on the
#: outer side (forward metres per lateral metre).
_TOE_LINE_SLOPE = 0.5
_HEEL = ((0.002, 0.038, 0.031), (0.031, 0.035, 0.031))  #: heel pad ellipsoid: centre, radii
_BIG_TOE_JOINT = ((-0.031, 0.186, 0.022), (0.013, 0.017, 0.016))  #: the first metatarsal head's bulge

# Toes, big toe first: (x, forward, up) of the base (inside the ball), the middle joint and the end of
# the last cone (the tip lies one radius further on), and radii at those three points.
_TOES = (
    ((-0.026, 0.190, 0.025), (-0.026, 0.226, 0.0180), (-0.025, 0.2475, 0.0125), (0.0150, 0.0142, 0.0132)),
    ((0.003, 0.183, 0.020), (0.004, 0.212, 0.0215), (0.005, 0.2350, 0.0100), (0.0100, 0.0096, 0.0092)),
    ((0.0205, 0.174, 0.019), (0.0215, 0.200, 0.0200), (0.0225, 0.2200, 0.0095), (0.0091, 0.0087, 0.0083)),
    ((0.0345, 0.162, 0.018), (0.0365, 0.185, 0.0185), (0.0375, 0.2020, 0.0090), (0.0082, 0.0077, 0.0072)),
    ((0.0450, 0.149, 0.016), (0.0475, 0.171, 0.0165), (0.0480, 0.1865, 0.0085), (0.0072, 0.0066, 0.0061)),
)
_TOE_THICKNESS = 0.84  #: top-to-bottom thickness of a toe relative to its width
# Toenails (foot-design metres; big toe first): length, width relative to the toe's, gap left to the tip.
_TOENAIL_LENGTH = (0.0150, 0.0088, 0.0080, 0.0070, 0.0056)
_TOENAIL_WIDTH = (0.74, 0.72, 0.72, 0.70, 0.66)
_TOENAIL_TIP_GAP = (0.0028, 0.0022, 0.0022, 0.0020, 0.0020)
_TOENAIL_EDGE = 0.0024  #: soft edge of the toenail weight (wider than a fingernail's: the foot grid is coarser)
_DESIGN_BALL = 0.72 * 0.26  #: where the toes above were placed behind the ball joint
# Ankle bones (root-frame offsets from the ankle joint, metres, for the default leg): centre, radii.
# The outer (lateral) malleolus is lower and further back than the inner one.
_MALLEOLI = (
    ((-0.024, 0.006, 0.010), (0.009, 0.013, 0.018)),
    ((0.026, -0.010, -0.002), (0.009, 0.013, 0.022)),
)

# Blend half-widths (metres) of the skin weights across each joint.
_KNEE_BLEND = 0.05
_ANKLE_BLEND = 0.02
_BALL_BLEND = 0.012
#: The toes' joint line runs obliquely across the ball: further back on the outer side (per metre of x).
_BALL_OBLIQUITY = 0.3


def _wrap(angle: np.ndarray) -> np.ndarray:
    return np.mod(angle + np.pi, 2.0 * np.pi) - np.pi


@dataclass(frozen=True, eq=False)
class _Toe:
    points: np.ndarray  # (3, 3) foot-design coordinates: base, middle joint, end of the last cone
    radii: np.ndarray  # (3,)


class LegBody:
    """The right leg's anatomy on a given rest skeleton: the tube, the foot's SDF and the joints skinning needs.

    Root frame: x lateral, y forward, z up, hip joint at the origin; `t` is depth below the hip. The
    foot is designed in foot coordinates (`to_foot`) scaled by the foot's dimensions.
    """

    def __init__(self, skeleton: Skeleton) -> None:
        if skeleton.side != "right":
            raise ValueError("LegBody is designed on the right leg")
        self.skeleton = skeleton
        dims: LegDimensions = skeleton.dimensions
        self.dims = dims
        frames, positions = skeleton.rest_globals
        self.idx = {n: i for i, n in enumerate(skeleton.names)}
        self.knee_t = float(-positions[self.idx["shank"], 2])
        self.ankle_t = float(-positions[self.idx["foot"], 2])
        self.ankle = positions[self.idx["foot"]]
        self.knee = positions[self.idx["shank"]]
        self.heel = positions[self.idx["heel"]]
        self.ball = positions[self.idx["toes"]]
        self.toe_axis = frames[self.idx["toes"]][:, 1]
        self.girth = 0.5 * (dims.thigh / 0.43 + dims.shank / 0.42)  #: cross-section scale of thigh and shank
        self.foot_scale = np.array([dims.foot_breadth / 0.10, dims.foot_length / 0.26, dims.ankle_height / 0.075])
        self.cut_t = HIP_CUT_DEPTH * dims.thigh / 0.43
        self.zip_t = self.ankle_t - _ZIP_ABOVE_ANKLE * dims.shank / 0.42
        self._build_profile()
        self._build_foot()

    # thigh and shank tube -------------------------------------------------------------------------
    def _build_profile(self) -> None:
        d = self.dims
        ts = np.concatenate([_THIGH_PROFILE[:, 0] * d.thigh, d.thigh + _SHANK_PROFILE[:, 0] * d.shank])
        table = np.concatenate([_THIGH_PROFILE[:, 1:], _SHANK_PROFILE[:, 1:]]) * self.girth
        # A repeated last station makes the profile level at the ankle, where the end cap takes over.
        ts = np.append(ts, self.ankle_t + 0.01)
        table = np.concatenate([table, table[-1:]])
        self._profile = PchipInterpolator(ts, table, axis=0, extrapolate=False)
        self._profile_range = (ts[0], self.ankle_t)
        # The knee's width is measured (LegDimensions.knee_width), not scaled with the bones' lengths:
        # the profile's half-widths are scaled near the joint line so the knee is as wide as measured.
        self._knee_scale = d.knee_width / (2.0 * float(self._profile(self.knee_t)[0]))
        bumps = np.array([b[:3] + b[4:] for b in _BUMPS], dtype=float)
        at = np.array([self.knee_t if b[3] == "knee" else self.ankle_t for b in _BUMPS])
        self._bump_amp = bumps[:, 0] * self.girth
        self._bump_angle = np.radians(bumps[:, 1])
        self._bump_angle_sigma = np.radians(bumps[:, 2])
        self._bump_t = at + bumps[:, 3] * d.shank / 0.42
        self._bump_t_sigma = bumps[:, 4] * d.shank / 0.42

    def profile(self, t: np.ndarray) -> np.ndarray:
        """(N, 4) half-width, half-depth, centre x, centre y of the tube at depths t below the hip."""
        prof = self._profile(np.clip(t, *self._profile_range))
        near_knee = np.exp(-0.5 * ((t - self.knee_t) / _KNEE_SPREAD) ** 2)
        prof[:, :2] *= (1.0 + (self._knee_scale - 1.0) * near_knee)[:, None]
        return prof

    def radius(self, t: np.ndarray, phi: np.ndarray, prof: np.ndarray | None = None) -> np.ndarray:
        """Tube radius at depth t and angle phi (from +x towards +y) around the profile's centre."""
        prof = self.profile(t) if prof is None else prof
        a, b = prof[:, 0], prof[:, 1]
        r = a * b / np.hypot(b * np.cos(phi), a * np.sin(phi))
        along = (t[:, None] - self._bump_t) / self._bump_t_sigma
        around = _wrap(phi[:, None] - self._bump_angle) / self._bump_angle_sigma
        return r + (self._bump_amp * np.exp(-0.5 * (along * along + around * around))).sum(axis=1)

    def rings(self, ts: np.ndarray, n_around: int) -> np.ndarray:
        """(R, K, 3) root-frame ring points at depths ts, K per ring from +x towards +y."""
        phi = 2.0 * np.pi * np.arange(n_around) / n_around
        t = np.repeat(ts, n_around)
        ph = np.tile(phi, len(ts))
        prof = self.profile(t)
        r = self.radius(t, ph, prof)
        pts = np.stack([prof[:, 2] + r * np.cos(ph), prof[:, 3] + r * np.sin(ph), -t], axis=1)
        return pts.reshape(len(ts), n_around, 3)

    def ring_angle(self, p: np.ndarray) -> np.ndarray:
        """Angle (0 .. 2pi from +x towards +y) of root-frame points around the tube's centre."""
        prof = self.profile(-p[:, 2])
        return np.mod(np.arctan2(p[:, 1] - prof[:, 3], p[:, 0] - prof[:, 2]), 2.0 * np.pi)

    def tube_sdf(self, p: np.ndarray) -> np.ndarray:
        """The thigh and shank, closed below the ankle by a half-ellipsoid (approximate distance)."""
        t = -p[:, 2]
        prof = self.profile(t)
        dx, dy = p[:, 0] - prof[:, 2], p[:, 1] - prof[:, 3]
        rho = np.hypot(dx, dy)
        r = self.radius(t, np.arctan2(dy, dx), prof)
        past = np.maximum(t - self.ankle_t, 0.0) / (_ANKLE_CAP * self.girth)
        # Level at the ankle, so the cap joins the tube smoothly.
        return (np.hypot(rho / r, past) - 1.0) * r

    # foot -----------------------------------------------------------------------------------------
    def _build_foot(self) -> None:
        shift = self.dims.ball_fraction * 0.26 - _DESIGN_BALL  # move the toes' bases with the ball
        toes = []
        for design_base, design_mid, design_end, radii in _TOES:
            base, mid, end = np.array(design_base), np.array(design_mid), np.array(design_end)
            new_base = base + (0.0, shift, 0.0)
            frac = (mid[1] - base[1]) / (end[1] - base[1])  # the middle joint keeps its place along the toe
            toes.append(_Toe(np.stack([new_base, new_base + frac * (end - new_base), end]), np.array(radii)))
        self.toes = tuple(toes)
        outline = _FOOT_CORE
        for _ in range(_OUTLINE_SMOOTHING):
            nxt = np.roll(outline, -1, axis=0)
            outline = np.stack([0.75 * outline + 0.25 * nxt, 0.25 * outline + 0.75 * nxt], axis=1).reshape(-1, 2)
        self.outline = outline
        self._foot_top = PchipInterpolator(_FOOT_TOP[:, 0], _FOOT_TOP[:, 1:], axis=0, extrapolate=False)
        self._foot_range = (_FOOT_TOP[0, 0], _FOOT_TOP[-1, 0])

    def to_foot(self, p: np.ndarray) -> np.ndarray:
        """Root-frame points -> foot-design coordinates (x lateral, forward from the heel, up from the sole)."""
        return (p - self.heel) / self.foot_scale

    def slab_sdf(self, f: np.ndarray) -> np.ndarray:
        """The foot's body: rounded outline, domed top, sole lifting into the inner arch."""
        d2 = polygon_sdf(f[:, [1, 0]], self.outline) - _FOOT_ROUNDING
        oblique = _TOE_LINE_SLOPE * smoothstep((f[:, 1] - 0.10) / 0.06) * (f[:, 0] - _FOOT_RIDGE_X)
        top, fall, arch = self._foot_top(np.clip(f[:, 1] + oblique, *self._foot_range)).T
        top = top - fall * (f[:, 0] - _FOOT_RIDGE_X) ** 2
        bottom = arch * smoothstep((0.012 - f[:, 0]) / 0.045)
        half, mid = 0.5 * (top - bottom), 0.5 * (top + bottom)
        rim = 0.92 * half
        a = d2 + rim
        b = np.abs(f[:, 2] - mid) - (half - rim)
        inside = np.minimum(np.maximum(a, b), 0.0)
        # A superelliptic (3-norm) rim: its curvature fades into the top and sides instead of jumping,
        # which a round rim's does, leaving a visible line along the foot.
        outside = np.cbrt(np.maximum(a, 0.0) ** 3 + np.maximum(b, 0.0) ** 3)
        return inside + outside - rim

    def toes_sdf(self, f: np.ndarray) -> np.ndarray:
        """Union of the five toes; each flattened top-to-bottom."""
        squash = np.array([1.0, 1.0, 1.0 / _TOE_THICKNESS])
        q = f * squash
        d = np.min([round_cone(q, toe.points[i] * squash, toe.points[i + 1] * squash, toe.radii[i], toe.radii[i + 1])
                    for toe in self.toes for i in range(2)], axis=0)  # fmt: skip
        return d * _TOE_THICKNESS

    def foot_sdf(self, p: np.ndarray) -> np.ndarray:
        f = self.to_foot(p)
        heel = ellipsoid(f - np.array(_HEEL[0]), np.array(_HEEL[1]))
        joint = ellipsoid(f - np.array(_BIG_TOE_JOINT[0]), np.array(_BIG_TOE_JOINT[1]))
        body = smin(smin(self.slab_sdf(f), heel, 0.02), joint, 0.012)
        return smin(body, self.toes_sdf(f), 0.009) * self.foot_scale.min()

    def sdf(self, p: np.ndarray) -> np.ndarray:
        leg = self.tube_sdf(p)
        q = p - self.ankle
        g = self.girth
        for centre, radii in _MALLEOLI:
            leg = smin(leg, ellipsoid(q - np.array(centre) * g, np.array(radii) * g), 0.014 * g)
        return smin(leg, self.foot_sdf(p), 0.02 * self.foot_scale.min())

    def sdf_chunked(self, p: np.ndarray, chunk: int = 300_000) -> np.ndarray:
        return np.concatenate([self.sdf(p[i : i + chunk]) for i in range(0, len(p), chunk)])

    def foot_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Root-frame box around everything below the zip plane, with a margin."""
        s = self.foot_scale
        core = self.outline[:, [1, 0]]  # (lateral, forward)
        lo_f = np.array([core[:, 0].min() - _FOOT_ROUNDING, -0.005, 0.0])
        hi_f = np.array([core[:, 0].max() + _FOOT_ROUNDING, 0.0, 0.09])
        for toe in self.toes:
            lo_f = np.minimum(lo_f, toe.points.min(axis=0) - toe.radii[0])
            hi_f = np.maximum(hi_f, toe.points.max(axis=0) + toe.radii[0])
        lo, hi = self.heel + lo_f * s, self.heel + hi_f * s
        ring = self.rings(np.array([self.zip_t]), _RING_VERTICES)[0]
        lo, hi = np.minimum(lo, ring.min(axis=0)), np.maximum(hi, ring.max(axis=0))
        margin = 0.012 * s.max()
        lo, hi = lo - margin, hi + margin
        hi[2] = -self.zip_t
        return lo, hi
