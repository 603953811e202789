"""Generates the skinned arm + hand mesh of the virtual limb from the parametric skeleton.

Hand-written rather than shipped as an artist's model: the mesh has to follow each patient's
`ArmDimensions`, carry skin weights for exactly our joint set, and be free to redistribute.

The shape is a signed distance field (negative inside) of anatomical primitives placed on the rest
skeleton: the upper arm and forearm as one lofted tube of elliptical cross-section, the palm as a
rounded slab with thenar and hypothenar pads, each phalanx as a tapered round cone with slight
knuckle bulges. Digits are smooth-unioned with the palm; neighbouring fingers blend into each other
only inside the interdigital web just past the knuckles, so further out they stay apart.

Surfacing spends the vertices where the detail is: the upper arm and forearm are simple tubes and are
meshed directly as rings; the lower forearm and the hand are polygonised by marching cubes on a fine
grid that starts on a plane across the forearm, and the two parts are zipped together along that
plane. The mesh is open only at the cut across the top of the upper arm.

Each vertex also carries a `nail` weight (0..1): 1 on the fingernails and the thumbnail, on the dorsal
side of each distal phalanx near its tip, falling off over about a millimetre at the nail's edge so the
skin shader (`render/shaders/skin.frag.glsl`) can tint and gloss the nails without a texture.

The right arm is generated; the left is its reflection across x = 0 (the left skeleton is the
reflection of the right), so the two are exact mirror images.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.interpolate import PchipInterpolator
from skimage.measure import marching_cubes

from vrtherapy.frames import SAGITTAL_REFLECTION
from vrtherapy.motion.skeleton import FINGERS, ArmDimensions, Skeleton, build_arm_skeleton

#: Height along the upper arm (root frame y, metres) of the open cut below the shoulder.
SHOULDER_CUT_Y = 0.04
DEFAULT_VOXEL = 0.0026  #: marching-cubes grid spacing across the hand (metres); finer costs frame rate under software GL

_RING_SPACING = 0.0075  #: distance between rings of the upper-arm/forearm tube
_RING_VERTICES = 56
_VOXEL_STRETCH_ALONG_ARM = 1.4  #: the hand grid is coarser along the fingers than across them
_SNAP_FRACTION = 0.15
_ZIP_BEFORE_WRIST = 0.055  #: the marching-cubes part starts this far above the wrist

# Digit radii in metres at (base joint, next joint, next, tip) for the default hand (palm breadth 0.082).
_FINGER_RADII: dict[str, tuple[float, float, float, float]] = {
    "index": (0.0094, 0.0086, 0.0079, 0.0071),
    "middle": (0.0097, 0.0089, 0.0081, 0.0073),
    "ring": (0.0091, 0.0084, 0.0077, 0.0069),
    "little": (0.0080, 0.0073, 0.0067, 0.0061),
    "thumb": (0.0128, 0.0108, 0.0102, 0.0089),
}
_WEB_DEPTH = 0.016  #: how far past the knuckles the webs between fingers reach
_WEB_BLEND = 0.008  #: fillet size between neighbouring fingers inside the web
_DIGIT_THICKNESS = 0.9  #: palmar-dorsal thickness of a digit relative to its width
_DIGITS: tuple[str, ...] = ("thumb",) + FINGERS

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
_NAIL_SQUARENESS = 2.6  #: superellipse exponent of the outline (2 = ellipse; higher = squarer sides)


@dataclass(frozen=True, eq=False)
class LimbMesh:
    """A skinned limb mesh in its limb root frame and rest pose (column layout as the GPU wants it)."""

    vertices: np.ndarray  # (V, 3) float32
    normals: np.ndarray  # (V, 3) float32, unit, outward
    uvs: np.ndarray  # (V, 2) float32: u = angle around the arm / 2pi, v = metres along the arm
    triangles: np.ndarray  # (T, 3) int32, counter-clockwise seen from outside
    joint_indices: np.ndarray  # (V, 4) int32, by descending weight; unused slots 0
    joint_weights: np.ndarray  # (V, 4) float32, sum 1, descending; unused slots 0
    #: (V,) float32 in 0..1: how much of a (finger or toe) nail a vertex is on; None = no nails anywhere.
    nail: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.nail is None:
            object.__setattr__(self, "nail", np.zeros(len(self.vertices), np.float32))

    @property
    def vertex_count(self) -> int:
        return len(self.vertices)

    @property
    def triangle_count(self) -> int:
        return len(self.triangles)


def generate_arm_mesh(skeleton: Skeleton, voxel: float = DEFAULT_VOXEL) -> LimbMesh:
    """The arm + hand mesh for `skeleton` (any side), `voxel` = grid spacing across the hand."""
    if skeleton.side == "left":
        return mirror_mesh(generate_arm_mesh(build_arm_skeleton("right", skeleton.dimensions), voxel))
    body = _ArmBody(skeleton)
    vertices, triangles = _surface(body, voxel)
    normals = body.normals(vertices)
    indices, weights = _skin_weights(body, vertices)
    return LimbMesh(
        vertices=vertices.astype(np.float32),
        normals=normals.astype(np.float32),
        uvs=_cylindrical_uvs(vertices).astype(np.float32),
        triangles=triangles.astype(np.int32),
        joint_indices=indices.astype(np.int32),
        joint_weights=weights.astype(np.float32),
        nail=_nail_weights(body, vertices).astype(np.float32),
    )


def mirror_mesh(mesh: LimbMesh) -> LimbMesh:
    """The mesh reflected across x = 0 (right <-> left), winding flipped to keep faces outward."""
    return LimbMesh(
        vertices=(mesh.vertices @ SAGITTAL_REFLECTION.T).astype(np.float32),
        normals=(mesh.normals @ SAGITTAL_REFLECTION.T).astype(np.float32),
        uvs=mesh.uvs.copy(),
        triangles=np.ascontiguousarray(mesh.triangles[:, ::-1]),
        joint_indices=mesh.joint_indices.copy(),
        joint_weights=mesh.joint_weights.copy(),
        nail=mesh.nail.copy(),
    )


# --- signed distance primitives (vectorised over (N, 3) points) -------------------------------------


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _smin(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum: a union whose crease is filleted over about `k` metres."""
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


def _round_cone(p: np.ndarray, a: np.ndarray, b: np.ndarray, r1: float, r2: float) -> np.ndarray:
    """Exact distance to a sphere-swept cone from `a` (radius r1) to `b` (radius r2)."""
    ba = b - a
    l2 = float(ba @ ba)
    rr = r1 - r2
    a2 = l2 - rr * rr
    pa = p - a
    y = pa @ ba
    z = y - l2
    xv = pa * l2 - y[:, None] * ba
    x2 = _dot(xv, xv)
    y2, z2 = y * y * l2, z * z * l2
    k = np.sign(rr) * rr * rr * x2
    d_end = np.sqrt(x2 + z2) / l2 - r2
    d_start = np.sqrt(x2 + y2) / l2 - r1
    d_side = (np.sqrt(np.maximum(x2 * a2 / l2, 0.0)) + y * rr) / l2 - r1
    return np.where(np.sign(z) * a2 * z2 > k, d_end, np.where(np.sign(y) * a2 * y2 < k, d_start, d_side))


def _ellipsoid(q: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Approximate distance to an axis-aligned ellipsoid (q in its own frame)."""
    k0 = np.linalg.norm(q / radii, axis=1)
    k1 = np.linalg.norm(q / (radii * radii), axis=1)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


def _polygon_sdf(pts: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Signed distance from (N, 2) points to a closed simple polygon (negative inside)."""
    d = np.sum((pts - poly[0]) ** 2, axis=1)
    sign = np.ones(len(pts))
    for i in range(len(poly)):  # loops over the outline's edges, each step vectorised over the points
        vi, vj = poly[i], poly[i - 1]
        e = vj - vi
        w = pts - vi
        t = np.clip((w @ e) / (e @ e), 0.0, 1.0)
        b = w - t[:, None] * e
        d = np.minimum(d, np.sum(b * b, axis=1))
        c1 = pts[:, 1] >= vi[1]
        c2 = pts[:, 1] < vj[1]
        c3 = e[0] * w[:, 1] > e[1] * w[:, 0]
        sign = np.where((c1 & c2 & c3) | (~c1 & ~c2 & ~c3), -sign, sign)
    return sign * np.sqrt(d)


# --- the body ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    """A digit: bone joints, its axis at rest, and its joints' positions along that axis."""

    name: str
    joints: tuple[int, ...]  # skinning bones in order: hand bone, then the moving segments
    origin: np.ndarray  # (3,) the first moving joint (knuckle / thumb CMC)
    axis: np.ndarray  # (3,) unit, distal
    stations: np.ndarray  # joint positions along the axis relative to `origin` (first is 0)
    blends: tuple[float, ...]  # blend half-width across each station


class _ArmBody:
    """The right arm's anatomy on a given rest skeleton: SDF components and skinning chains."""

    def __init__(self, skeleton: Skeleton) -> None:
        if skeleton.side != "right":
            raise ValueError("_ArmBody is designed on the right arm")
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
        return _ellipsoid(q, radii)

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
        self.chains: dict[str, _Chain] = {}
        for digit in _DIGITS:
            segs = ("metacarpal", "proximal", "distal", "tip") if digit == "thumb" else (
                "proximal", "intermediate", "distal", "tip")
            joints = [idx[f"{digit}_{s}"] for s in segs]
            pts = pos[joints]
            frame = frm[joints[0]]
            axis = frame[:, 1]
            radii = np.array(_FINGER_RADII[digit]) * sx
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
            self.chains[digit] = _Chain(digit, bones, pts[0].copy(), axis.copy(), stations, blends)

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
        d2 = _polygon_sdf(q[:, [1, 0]], self.palm_core) - self.palm_rounding
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
        d = None
        for a, b, r1, r2 in self.digit_cones[digit]:
            la, lb = (a - origin) @ frame, (b - origin) @ frame
            dc = _round_cone(local, la, lb, r1, r2)
            d = dc if d is None else np.minimum(d, dc)
        for centre, r in self.digit_bulges[digit]:
            lc = (centre - origin) @ frame
            lc[2] /= _DIGIT_THICKNESS
            d = _smin(d, np.linalg.norm(local - lc, axis=1) - r, 0.004 * self.sx)
        return d * _DIGIT_THICKNESS  # back to (approximately) metres

    def components(self, p: np.ndarray) -> dict[str, np.ndarray]:
        """Per-region distances: 'arm' (tube), 'palm' (slab + pads + wrist), one per digit (the thumb's
        includes the thenar pad), and 'web_blend': the fillet size between neighbouring fingers."""
        q = self.to_hand(p)
        tube = self.tube_sdf(p)
        palm = self.palm_sdf(q)
        hypothenar = _ellipsoid(q - self.hypothenar_centre, self.hypothenar_radii)
        thenar = _ellipsoid((q - self.thenar_centre) @ self.thenar_rot, self.thenar_radii)
        palm = _smin(palm, hypothenar, 0.010 * self.sx)
        palm_region = _smin(palm, tube, 0.010 * self.sx)
        out = {"arm": tube, "palm": palm_region}
        for digit in _DIGITS:
            out[digit] = self.digit_sdf(digit, p)
        out["thumb"] = _smin(out["thumb"], thenar, 0.012 * self.sx)
        past_knuckles = q[:, 1] - np.interp(q[:, 0], *self.knuckle_line)
        out["web_blend"] = _WEB_BLEND * self.sx * _smoothstep((_WEB_DEPTH * self.sy - past_knuckles) / (
            0.6 * _WEB_DEPTH * self.sy)) + 1e-6
        return out

    def sdf(self, p: np.ndarray, comps: dict[str, np.ndarray] | None = None) -> np.ndarray:
        c = comps if comps is not None else self.components(p)
        # Neighbouring fingers blend into each other only within the web, just past the knuckles;
        # further out they stay apart however close they come.
        web = c["web_blend"]
        fingers = c[FINGERS[0]]
        for finger in FINGERS[1:]:
            fingers = _smin(fingers, c[finger], web)
        palm = c["palm"]
        return np.minimum(_smin(palm, c["thumb"], 0.014 * self.sx), _smin(palm, fingers, 0.008 * self.sx))

    def sdf_chunked(self, p: np.ndarray, chunk: int = 400_000) -> np.ndarray:
        return np.concatenate([self.sdf(p[i : i + chunk]) for i in range(0, len(p), chunk)])

    def normals(self, p: np.ndarray, eps: float = 1e-4) -> np.ndarray:
        return _sdf_normals(self.sdf_chunked, p, eps)

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


# --- surfacing -------------------------------------------------------------------------------------


def _surface(body: _ArmBody, voxel: float) -> tuple[np.ndarray, np.ndarray]:
    hand_v, hand_t, loop = _hand_surface(body, voxel)
    tube_v, tube_t, last_ring = _tube_surface(body)
    offset = len(tube_v)
    zip_t = _zip_rings(last_ring, loop + offset, np.concatenate([tube_v, hand_v]), body)
    vertices = np.concatenate([tube_v, hand_v])
    triangles = np.concatenate([tube_t, zip_t, hand_t + offset])
    return vertices, triangles


def _hand_surface(body: _ArmBody, voxel: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marching cubes above the zip plane: vertices, triangles, and the open loop's vertex ids."""
    lo, hi = body.hand_bounds
    spacing = np.array([voxel, voxel * _VOXEL_STRETCH_ALONG_ARM, voxel])
    return _marching_surface(body.sdf_chunked, lo, hi, spacing)


def _marching_surface(
    sdf: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, spacing: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marching cubes of `sdf` over the box lo..hi (grid `spacing`), open where the box starts on y = lo[1].

    Returns vertices, counter-clockwise triangles, and the ids of the open loop's vertices on that plane.
    The shape must reach no other face of the box.
    """
    voxel = float(spacing[0])
    counts = np.ceil((hi - lo) / spacing).astype(int) + 1
    axes = [lo[i] + spacing[i] * np.arange(counts[i]) for i in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    volume = sdf(grid).reshape(counts)
    # Samples almost on the surface make sliver triangles around their grid node: push them off it
    # (moves the surface by at most a fraction of a voxel).
    snap = _SNAP_FRACTION * voxel
    volume = np.where(np.abs(volume) < snap, np.where(volume < 0.0, -snap, snap), volume)
    verts, faces, _, _ = marching_cubes(-volume, 0.0, spacing=tuple(spacing), allow_degenerate=False)
    faces = faces[:, ::-1]  # skimage winds them clockwise seen from the higher (here: inside) values
    verts = verts.astype(float) + lo
    verts[:, 1] = np.where(verts[:, 1] < lo[1] + 1e-9, lo[1], verts[:, 1])
    verts, faces = _compact(verts, faces)
    loop = np.flatnonzero(verts[:, 1] == lo[1])
    return verts, faces, loop


def _sdf_normals(sdf: Callable[[np.ndarray], np.ndarray], p: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Unit outward normals at `p`: the central-difference gradient of a signed distance function."""
    offsets = np.eye(3) * eps
    stacked = np.concatenate([p + o for o in offsets] + [p - o for o in offsets])
    d = sdf(stacked).reshape(6, len(p))
    g = (d[:3] - d[3:]).T
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def _compact(verts: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop unreferenced vertices."""
    used = np.zeros(len(verts), bool)
    used[faces.ravel()] = True
    remap = np.cumsum(used) - 1
    return verts[used], remap[faces]


def _tube_surface(body: _ArmBody) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rings from the shoulder cut up to (not including) the zip plane, and the last ring's ids."""
    n_rings = int(np.ceil((body.zip_y - SHOULDER_CUT_Y) / _RING_SPACING))
    ys = np.linspace(SHOULDER_CUT_Y, body.zip_y, n_rings + 1)[:-1]
    ax, az, cz = body.tube_profile(ys)
    theta = 2.0 * np.pi * np.arange(_RING_VERTICES) / _RING_VERTICES
    x = ax[:, None] * np.cos(theta)
    z = cz[:, None] + az[:, None] * np.sin(theta)
    y = np.broadcast_to(ys[:, None], x.shape)
    return _ring_tube(np.stack([x, y, z], axis=-1))


def _ring_tube(rings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open tube through (R, K, 3) rings (each at one height y, increasing; its K points going round
    from +x towards +z): vertices, triangles, and the last ring's vertex ids."""
    n_rings, n_around = rings.shape[:2]
    verts = rings.reshape(-1, 3)
    r, k = np.meshgrid(np.arange(n_rings - 1), np.arange(n_around), indexing="ij")
    a = r * n_around + k
    b = (r + 1) * n_around + k
    c = r * n_around + (k + 1) % n_around
    d = (r + 1) * n_around + (k + 1) % n_around
    # Ring angle runs from +x towards +z, so (along the tube) x (around) points outwards.
    tris = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([b, d, c], -1).reshape(-1, 3)])
    last = (n_rings - 1) * n_around + np.arange(n_around)
    return verts, tris, last


def _ring_angle(points: np.ndarray, body: _ArmBody) -> np.ndarray:
    """Angle on the tube's ellipse (0 .. 2pi from +x towards +z) of points near the tube."""
    ax, az, cz = body.tube_profile(points[:, 1])
    return np.mod(np.arctan2((points[:, 2] - cz) / az, points[:, 0] / ax), 2.0 * np.pi)


def _zip_rings(ring: np.ndarray, loop: np.ndarray, verts: np.ndarray, body: _ArmBody) -> np.ndarray:
    """Triangle strip between two closed, star-shaped loops: `ring` below, `loop` above (ids)."""
    return _zip_loops(ring, loop, _ring_angle(verts[ring], body), _ring_angle(verts[loop], body))


def _zip_loops(ring: np.ndarray, loop: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
    """Triangle strip between closed loops `ring` (lower y) and `loop` (higher y) of vertex ids, given
    each vertex's angle around the tube (from +x towards +z) on a common centre."""
    a = ring[np.argsort(ta, kind="stable")]
    b = loop[np.argsort(tb, kind="stable")]
    ta, tb = np.sort(ta), np.sort(tb)
    na, nb = len(a), len(b)
    order = np.argsort(np.concatenate([ta, tb]), kind="stable")
    from_a = order < na
    seen_a = np.cumsum(from_a)  # A vertices reached so far (inclusive)
    seen_b = np.cumsum(~from_a)
    # Advancing along A from a[k-1] to a[k] makes (a[k-1], b_last, a[k]); along B (a_last, b[m-1], b[m]).
    ka = seen_a[from_a] - 1
    apex_b = (seen_b[from_a] - 1) % nb
    tri_a = np.stack([a[ka - 1], b[apex_b], a[ka]], axis=1)
    kb = seen_b[~from_a] - 1
    apex_a = (seen_a[~from_a] - 1) % na
    tri_b = np.stack([a[apex_a], b[kb - 1], b[kb]], axis=1)
    return np.concatenate([tri_a, tri_b])


# --- texture coordinates and skin weights --------------------------------------------------------


def _cylindrical_uvs(p: np.ndarray, cut_y: float = SHOULDER_CUT_Y) -> np.ndarray:
    """u: angle around the limb's axis (y) / 2pi, seam on -x (the arm's palm side), v: metres from the cut."""
    u = np.arctan2(p[:, 2], p[:, 0]) / (2.0 * np.pi) + 0.5
    return np.stack([u, p[:, 1] - cut_y], axis=1)


def _chain_weights(chain: _Chain, p: np.ndarray) -> np.ndarray:
    """(N, len(chain.joints)) partition of unity along a straight chain, smooth across each joint."""
    s = (p - chain.origin) @ chain.axis
    steps = np.stack(
        [_smoothstep((s - st + h) / (2.0 * h)) for st, h in zip(chain.stations, chain.blends, strict=False)], axis=1
    )
    steps = np.minimum.accumulate(steps, axis=1)  # keep the partition monotone if blends overlap
    upper = np.concatenate([np.ones((len(p), 1)), steps], axis=1)
    lower = np.concatenate([steps, np.zeros((len(p), 1))], axis=1)
    return upper - lower


def _skin_weights(body: _ArmBody, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-4 joint indices and normalised weights per vertex.

    The arm side blends upper_arm -> forearm across the elbow, and forearm -> forearm_twist linearly
    up to mid-forearm so pronation twists the skin progressively; across the wrist it hands over to the
    hand side. On the hand, each vertex belongs softly to the palm and to its nearest digit only (so a
    finger never follows its neighbour): digits use their own chain, the palm blends into the proximal
    phalanges near the knuckles with a lateral share between neighbouring knuckles.
    """
    idx = body.idx
    n_joints = len(body.skeleton.names)
    w = np.zeros((len(p), n_joints))
    y = p[:, 1]

    elbow = _smoothstep((y - body.elbow_y + _ELBOW_BLEND * body.girth) / (2 * _ELBOW_BLEND * body.girth))
    twist = np.clip((y - body.elbow_y) / (body.twist_y - body.elbow_y), 0.0, 1.0)
    wrist = _smoothstep((y - body.wrist_y + _WRIST_BLEND * body.sy) / (2 * _WRIST_BLEND * body.sy))
    arm_share = 1.0 - wrist
    w[:, idx["upper_arm"]] = arm_share * (1.0 - elbow)
    w[:, idx["forearm"]] = arm_share * elbow * (1.0 - twist)
    w[:, idx["forearm_twist"]] = arm_share * elbow * twist

    comps = body.components(p)
    digit_d = np.stack([comps[d] for d in _DIGITS], axis=1)
    nearest = np.argmin(digit_d, axis=1)
    d_digit = digit_d[np.arange(len(p)), nearest]
    digit_share = _smoothstep((comps["palm"] - d_digit + _REGION_BLEND) / (2.0 * _REGION_BLEND))
    palm_share = 1.0 - digit_share

    # Palm: the knuckle region follows the proximal phalanges, shared between neighbouring knuckles.
    q = body.to_hand(p)
    fingers = [body.chains[f] for f in FINGERS]
    knuckle_radial = np.array([body.to_hand(c.origin[None])[0, 0] for c in fingers])  # index .. little
    order = np.argsort(knuckle_radial)
    lateral = np.zeros((len(p), len(fingers)))
    for rank, f in enumerate(order):  # hat functions over the knuckles' radial positions
        one_hot = np.zeros(len(fingers))
        one_hot[rank] = 1.0
        lateral[:, f] = np.interp(q[:, 0], knuckle_radial[order], one_hot)
    palm_w = np.zeros((len(p), n_joints))
    taken = np.zeros(len(p))
    for f, chain in enumerate(fingers):
        share = lateral[:, f] * _chain_weights(chain, p)[:, 1:].sum(axis=1)
        palm_w[:, chain.joints[1]] = share
        taken += share
    palm_w[:, idx["wrist"]] = 1.0 - taken

    digit_w = np.zeros((len(p), n_joints))
    for k, digit in enumerate(_DIGITS):
        mine = nearest == k
        if mine.any():
            chain = body.chains[digit]
            digit_w[np.ix_(mine, chain.joints)] = _chain_weights(chain, p[mine])

    hand = palm_share[:, None] * palm_w + digit_share[:, None] * digit_w
    w += wrist[:, None] * hand
    return _top4(w)


def nail_weight(
    local: np.ndarray, start: float, end: float, half_width: np.ndarray | float, edge: float
) -> np.ndarray:
    """Soft nail mask of points given in a digit's frame (x across, y distal, z palmar; (N, 3)).

    The nail covers y in start..end and |x| up to `half_width` (per point or one value), in a
    superellipse outline, on the dorsal (-z) side only; it fades out over `edge` metres at its rim.
    """
    half_len = 0.5 * (end - start)
    u = (local[:, 1] - 0.5 * (start + end)) / half_len
    v = local[:, 0] / half_width
    rho = (np.abs(u) ** _NAIL_SQUARENESS + np.abs(v) ** _NAIL_SQUARENESS) ** (1.0 / _NAIL_SQUARENESS)
    dist = (rho - 1.0) * np.minimum(half_len, half_width)  # approximately metres outside the outline
    dorsal = _smoothstep((-local[:, 2] - 0.5 * np.abs(local[:, 0])) / edge)  # dorsal, not the sides
    return _smoothstep(0.5 - dist / edge) * dorsal


def _nail_weights(body: _ArmBody, p: np.ndarray) -> np.ndarray:
    """Per-vertex nail weight: a nail on the back of each distal phalanx, ending short of the tip."""
    nail = np.zeros(len(p))
    edge = NAIL_EDGE * body.sx
    for digit in _DIGITS:
        distal, tip = body.idx[f"{digit}_distal"], body.idx[f"{digit}_tip"]
        frame = body.frames[distal]  # +Y along the phalanx, +Z palmar
        local = (p - body.positions[distal]) @ frame
        length = float((body.positions[tip] - body.positions[distal]) @ frame[:, 1])
        end = length - _NAIL_TIP_GAP * body.sx
        start = end - _NAIL_LENGTH * length
        # The digit's half-width under the nail, from the last cone's radii.
        _, _, r_dip, r_tip = np.array(_FINGER_RADII[digit]) * body.sx
        along = np.clip(local[:, 1] / length, 0.0, 1.0)
        half_width = _NAIL_WIDTH * (r_dip + (r_tip - r_dip) * along)
        near = (np.abs(local[:, 0]) < 2.0 * r_dip) & (np.abs(local[:, 2]) < 2.0 * r_dip)
        nail = np.maximum(nail, np.where(near, nail_weight(local, start, end, half_width, edge), 0.0))
    return nail


def _top4(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = np.where(w < 1e-4, 0.0, w)
    order = np.argsort(-w, axis=1, kind="stable")[:, :4]
    top = np.take_along_axis(w, order, axis=1)
    top /= top.sum(axis=1, keepdims=True)
    order = np.where(top > 0.0, order, 0)
    return order, top
