"""Skin detail carried per vertex for the skin shader: creases, lunulae, palms and soles, flush.

A smooth limb reads as clay or a mannequin; skin has knuckle wrinkles, palm lines and finger creases,
pale half-moons at the base of the nails, lighter palms and soles (markedly so on darker skin) and
redder knuckles, fingertips, knees and heels. All of it is generated here from the parametric
anatomy, no images:

* `skin` (V, 4): x = signed distance (millimetres) to the nearest crease line, y = that crease's kind
  and strength (> 0: one fine line, palm lines and flexion creases; < 0: a set of dorsal knuckle
  wrinkles), z = signed distance (mm) to the edge of the nail's lunula (negative inside), w = how
  palmar/plantar the skin is (0..1).
* `tint` (V,): flush, 0..1.

Distances rather than darkness are stored so that the shader can draw lines far thinner than the
triangles (a distance interpolates linearly across a triangle; darkness would blur into a band), and
anti-alias them with the pixel's footprint.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.limbs.arm_body import _NAIL_LENGTH, _NAIL_TIP_GAP, DIGITS, FINGER_RADII, ArmBody
from vrtherapy.limbs.sdf import smoothstep
from vrtherapy.motion.skeleton import FINGERS

_FAR_MM = 8.0  #: distances are clamped here: no crease further away than this matters

# Palm lines in hand-design coordinates (radial, distal) metres for the default hand (wrist at origin).
_PALM_LINES = (
    ((-0.043, 0.067), (-0.025, 0.071), (-0.006, 0.075), (0.008, 0.080), (0.015, 0.086)),  # distal transverse (heart)
    ((0.037, 0.063), (0.018, 0.059), (-0.004, 0.054), (-0.026, 0.048)),  # proximal transverse (head)
    ((0.037, 0.062), (0.024, 0.052), (0.013, 0.039), (0.008, 0.024), (0.008, 0.008)),  # thenar (life)
    ((-0.028, -0.004), (0.0, -0.006), (0.028, -0.004)),  # wrist creases
    ((-0.026, -0.014), (0.0, -0.016), (0.026, -0.014)),
)
_PALM_LINE_STRENGTH = (0.85, 0.75, 0.85, 0.55, 0.45)
_DIGITAL_CREASE = 0.016  #: the palmar crease at a finger's base lies this far past the knuckle (m)


def _polyline_distance(pts: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Unsigned distance from (N, 2) points to an open polyline."""
    d = np.full(len(pts), np.inf)
    for a, b in zip(line[:-1], line[1:], strict=True):  # a few segments, each vectorised over the points
        e = b - a
        t = np.clip((pts - a) @ e / (e @ e), 0.0, 1.0)
        d = np.minimum(d, np.linalg.norm(pts - a - t[:, None] * e, axis=1))
    return d


class _Nearest:
    """The nearest crease found so far per vertex: signed distance (mm) and kind/strength."""

    def __init__(self, n: int) -> None:
        self.dist = np.full(n, _FAR_MM)
        self.kind = np.zeros(n)

    def offer(self, dist_mm: np.ndarray, kind: np.ndarray | float, mask: np.ndarray) -> None:
        kind = np.broadcast_to(kind, dist_mm.shape)
        better = mask & (np.abs(dist_mm) < np.abs(self.dist))
        self.dist = np.where(better, dist_mm, self.dist)
        self.kind = np.where(better, kind, self.kind)


def arm_skin_detail(body: ArmBody, p: np.ndarray, nearest_digit: np.ndarray, digit_share: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(V, 4) skin and (V,) tint of the arm's vertices `p`; `nearest_digit` indexes DIGITS per vertex and
    `digit_share` is how much each belongs to its digit rather than the palm (from the skin weights)."""
    n = len(p)
    creases = _Nearest(n)
    q = body.to_hand(p)
    mm = 1000.0
    palm_mid = np.interp(q[:, 1], [0.0, 0.025, 0.06, 0.096], [0.0, 0.002 * body.sx, 0.002 * body.sx, 0.001 * body.sx])
    palmar_hand = smoothstep((q[:, 2] - palm_mid) / (0.010 * body.sx))
    on_palm = (digit_share < 0.5) & (q[:, 1] > -0.03 * body.sy)
    scale = np.array([body.sx, body.sy])
    for line, strength in zip(_PALM_LINES, _PALM_LINE_STRENGTH, strict=True):
        d = _polyline_distance(q[:, :2], np.array(line) * scale) * mm
        creases.offer(d, strength * palmar_hand, on_palm & (palmar_hand > 0.05))

    tint = np.zeros(n)
    # The palm's lighter skin: wider at its edges than the creases' side test (a sharp edge read as a
    # pale blotch round the wrist on dark skin), and ending at the wrist's creases, not on the forearm.
    palmar = (smoothstep((q[:, 2] - palm_mid + 0.004 * body.sx) / (0.020 * body.sx))
              * smoothstep((q[:, 1] + 0.010 * body.sy) / (0.022 * body.sy)))
    lunula = np.full(n, _FAR_MM)
    for k, digit in enumerate(DIGITS):
        chain = body.chains[digit]
        frame = body.digit_frames[digit]  # x across, y distal, z palmar
        local = (p - chain.origin) @ frame
        s = local[:, 1]
        mine = (nearest_digit == k) & (digit_share > 0.5)
        radii = np.array(FINGER_RADII[digit]) * body.sx
        side = local[:, 2] / radii[1]
        palmar_side = smoothstep((side + 0.1) / 0.5)
        dorsal_side = smoothstep((-side - 0.1) / 0.5)
        palmar = np.where(mine, palmar_side, palmar)
        stations = chain.stations
        # Creases are deepest across the middle of the digit's face and fade towards its sides; they
        # bow a little towards the tip in the middle, as real ones do.
        across = local[:, 0] / radii[1]
        centre = np.exp(-0.5 * (across / 0.55) ** 2)
        bow = 0.0012 * body.sx * (1.0 - np.clip(across * across, 0.0, 1.0))
        if digit == "thumb":
            palmar_stations = [stations[1] + 0.002 * body.sy, stations[2]]
        else:
            palmar_stations = [_DIGITAL_CREASE * body.sy, stations[1] - 0.0012, stations[1] + 0.0012, stations[2] - 0.001]
        for st in palmar_stations:
            creases.offer((s - st - bow) * mm, 0.7 * palmar_side * centre, mine & (palmar_side > 0.05))
        # Dorsal knuckle wrinkles over the middle and last joints (and the thumb's).
        for st, strength in ((stations[1], 0.55), (stations[2], 0.35)):
            creases.offer((s - st + bow) * mm, -strength * dorsal_side * centre, mine & (dorsal_side > 0.05))
        # Flush: fingertip pads and the backs of the knuckles are redder.
        tip = body.positions[body.idx[f"{digit}_tip"]]
        tip_s = float((tip - chain.origin) @ chain.axis)
        tint = np.where(mine, np.maximum(tint, 0.8 * smoothstep((s - tip_s + 0.014 * body.sy) / (0.012 * body.sy))), tint)
        for st in stations[1:3]:
            bump = np.exp(-0.5 * ((s - st) / (0.004 * body.sx)) ** 2) * dorsal_side
            tint = np.where(mine, np.maximum(tint, 0.6 * bump), tint)
        # Lunula: a pale half-moon at the base of the nail (clearly on the thumb, smaller on the fingers).
        distal = body.idx[f"{digit}_distal"]
        dframe = body.frames[distal]
        dl = (p - body.positions[distal]) @ dframe
        length = float((tip - body.positions[distal]) @ dframe[:, 1])
        end = length - _NAIL_TIP_GAP * body.sx
        start = end - _NAIL_LENGTH * length
        radius = (0.42 if digit == "thumb" else 0.36) * radii[2]
        centre = start - radius * (0.25 if digit == "thumb" else 0.2)
        dist = (np.hypot(dl[:, 0], dl[:, 1] - centre) - radius) * mm
        near = np.abs(dl[:, 0]) < 2.0 * radii[2]
        lunula = np.where(near & (np.abs(dist) < np.abs(lunula)), dist, lunula)
    # The knuckles of the hand (metacarpal heads) redden too.
    for finger in FINGERS:
        origin = body.chains[finger].origin
        d = np.linalg.norm(p - origin, axis=1)
        tint = np.maximum(tint, 0.5 * np.exp(-0.5 * (d / (0.008 * body.sx)) ** 2) * (1.0 - palmar_hand))
    tint = np.maximum(tint, 0.35 * palmar_hand * (digit_share < 0.5) * (q[:, 1] > 0.0))  # the palm
    skin = np.stack([np.clip(creases.dist, -_FAR_MM, _FAR_MM), creases.kind, np.clip(lunula, -_FAR_MM, _FAR_MM),
                     np.clip(palmar, 0.0, 1.0)], axis=1)  # fmt: skip
    return skin, np.clip(tint, 0.0, 1.0)


def leg_skin_detail(p: np.ndarray, foot: np.ndarray, joint_d: np.ndarray, tip_d: np.ndarray, knee: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(V, 4) skin and (V,) tint of the leg's vertices: wrinkles over each toe's middle joint, the sole
    lighter, flush on the knee, heel and toe tips. `foot` is (V, 3) foot-design coordinates (metres;
    z = height above the sole), `joint_d` / `tip_d` each toe vertex's distance along its toe past the
    middle joint / back from the tip (NaN off the toes), `knee` the knee joint."""
    n = len(p)
    creases = _Nearest(n)
    on_toe = ~np.isnan(joint_d)
    top = smoothstep((foot[:, 2] - 0.014) / 0.008)
    creases.offer(np.nan_to_num(joint_d, nan=_FAR_MM / 1000.0) * 1000.0, -0.7 * top, on_toe)
    sole = 1.0 - smoothstep((foot[:, 2] - 0.004) / 0.010)
    tint = 0.45 * np.exp(-0.5 * (np.linalg.norm(p - knee, axis=1) / 0.05) ** 2)
    heel = np.exp(-0.5 * ((foot[:, 1] - 0.02) / 0.03) ** 2) * (1.0 - smoothstep((foot[:, 2] - 0.03) / 0.02))
    tint = np.maximum(tint, 0.5 * heel)
    tint = np.maximum(tint, 0.5 * np.where(on_toe, 1.0 - smoothstep(np.nan_to_num(tip_d, nan=1.0) / 0.012), 0.0))
    skin = np.stack([np.clip(creases.dist, -_FAR_MM, _FAR_MM), creases.kind, np.full(n, _FAR_MM), sole], axis=1)
    return skin, np.clip(tint, 0.0, 1.0)
