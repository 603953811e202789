"""Furniture a patient recognises, made from a few shapes each: the `kind` of a scene's `[[furniture]]` entry.

Why: plain boxes read as a computer model, not a room, and a room that reads as real helps the patient
accept the virtual limb in it. Each kind fills the entry's box (`center`, `size`) with its parts: a plant
is a pot with leaves, a cabinet has a plinth, door and drawer fronts and handles, a chair legs, a seat
and a back, a picture a frame, a clock a face with hands... Edges are bevelled where that is cheap, so
they catch the light. Main parts take the entry's `color`, `material` and `emissive`; trim parts (pot,
handles, frames, legs) are plain, lit, in `trim_color` (or the kind's own). Every piece is built facing
-Y in its own frame (origin on the floor under its middle, x across, y front to back) and turned a
quarter at a time to face `facing` (by default the patient's seat). Random details (leaves, books) are
seeded by the entry's name, so a room looks the same every time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vrtherapy.render.room_mesh import Color, RoomMesh, Shape, box_shape, ellipsoid_shape, lathe_shape
from vrtherapy.render.scene_spec import BoxSpec

MeshFor = Callable[[str, bool], RoomMesh]

#: Trim colour of each kind when the scene gives none.
DEFAULT_TRIM: dict[str, Color] = {
    "cabinet": (0.62, 0.62, 0.64),  # brushed-metal handles
    "shelf": (0.62, 0.62, 0.64),
    "chair": (0.50, 0.38, 0.26),  # wooden frame
    "stool": (0.50, 0.38, 0.26),
    "plant": (0.72, 0.47, 0.36),  # terracotta pot
    "window": (0.95, 0.94, 0.92),  # painted frame
    "door": (0.95, 0.94, 0.92),  # architrave
    "picture": (0.36, 0.27, 0.20),  # dark wooden frame
    "clock": (0.22, 0.22, 0.24),
    "lamp": (0.88, 0.88, 0.86),
}
_TURNS = {"-y": 0, "+x": 1, "+y": 2, "-x": 3}  # quarter turns about +Z that bring the local front (-Y) there


class Piece:
    """One entry's parts, placed: shapes made in the piece's frame go to the room's meshes turned and moved."""

    def __init__(self, item: BoxSpec, mesh_for: MeshFor) -> None:
        self.item = item
        self.mesh_for = mesh_for
        facing = item.facing if item.facing != "auto" else auto_facing(item.center)
        turns = _TURNS[facing]
        c, s = np.rint(np.cos(turns * np.pi / 2)), np.rint(np.sin(turns * np.pi / 2))
        self.matrix = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        sx, sy, sz = item.size
        self.width, self.depth, self.height = (sx, sy, sz) if turns % 2 == 0 else (sy, sx, sz)
        self.offset = np.array([item.center[0], item.center[1], item.center[2] - sz / 2])
        self.trim = item.trim_color if item.trim_color is not None else DEFAULT_TRIM.get(item.kind, item.color)
        self.rng = np.random.default_rng(sum(ord(ch) * (i + 1) for i, ch in enumerate(item.name)))

    def add(self, shape: Shape, color: Color | np.ndarray, trim: bool = False) -> None:
        mesh = self.mesh_for("plain", False) if trim else self.mesh_for(self.item.material, self.item.emissive)
        mesh.add(shape.moved(self.matrix, self.offset), color)

    def box(self, lo: tuple[float, float, float], hi: tuple[float, float, float], color: Color | None = None,
            bevel: float = 0.0, trim: bool = False) -> None:  # fmt: skip
        default = self.trim if trim else self.item.color
        self.add(box_shape(lo, hi, bevel), color if color is not None else default, trim)

    def ellipsoid(self, centre: np.ndarray, radii: tuple[float, float, float], color: Color | np.ndarray,
                  turn: np.ndarray | None = None, trim: bool = False, segments: int = 8, rings: int = 6) -> None:  # fmt: skip
        shape = ellipsoid_shape(radii, segments, rings)
        self.add(shape.moved(turn if turn is not None else np.eye(3), centre), color, trim)

    def lathe(self, profile: list[tuple[float, float]], color: Color, at: tuple[float, float, float] = (0, 0, 0),
              turn: np.ndarray | None = None, trim: bool = False, segments: int = 16) -> None:  # fmt: skip
        shape = lathe_shape(profile, segments)
        self.add(shape.moved(turn if turn is not None else np.eye(3), at), color, trim)


def auto_facing(center: tuple[float, float, float]) -> str:
    """The quarter (of +X, -X, +Y, -Y) from a piece at `center` towards the patient's seat (the origin)."""
    dx, dy = -center[0], -center[1]
    if abs(dx) > abs(dy):
        return "+x" if dx > 0 else "-x"
    return "+y" if dy > 0 else "-y"


def _shade(color: Color, k: float) -> Color:
    r, g, b = color
    return (min(1.0, r * k), min(1.0, g * k), min(1.0, b * k))


def add_furniture(item: BoxSpec, mesh_for: MeshFor) -> None:
    """Build `item`'s parts into the meshes `mesh_for(material, emissive)` returns."""
    piece = Piece(item, mesh_for)
    _BUILDERS[item.kind](piece, piece.width, piece.depth, piece.height)


def _plain_box(p: Piece, w: float, d: float, h: float) -> None:
    p.box((-w / 2, -d / 2, 0.0), (w / 2, d / 2, h))


def _cabinet(p: Piece, w: float, d: float, h: float) -> None:
    """Plinth, carcass, an overhanging top, a row of drawers over two (or more) doors, handles."""
    plinth, top_t, proud = min(0.08, 0.12 * h), 0.03, 0.015
    carcass = _shade(p.item.color, 0.82)
    p.box((-w / 2 + 0.03, -d / 2 + 0.04, 0.0), (w / 2 - 0.03, d / 2 - 0.02, plinth), _shade(p.item.color, 0.35))
    p.box((-w / 2 + 0.01, -d / 2 + proud, plinth), (w / 2 - 0.01, d / 2, h - top_t), carcass, bevel=0.004)
    p.box((-w / 2, -d / 2, h - top_t), (w / 2, d / 2, h), bevel=0.008)
    gap, front = 0.006, -d / 2
    doors = max(1, round(w / 0.5))
    drawer_h = 0.16 if h > 0.55 else 0.0
    z0, z1 = plinth + gap, h - top_t - gap
    rows = [(z1 - drawer_h + gap / 2, z1)] if drawer_h else []
    door_top = z1 - drawer_h - gap / 2 if drawer_h else z1
    x_edges = np.linspace(-w / 2 + 0.01 + gap, w / 2 - 0.01 - gap, doors + 1)
    for i in range(doors):
        xa, xb = x_edges[i] + gap / 2, x_edges[i + 1] - gap / 2
        p.box((xa, front, z0), (xb, front + proud, door_top), bevel=0.005)
        hx = xb - 0.05 if i % 2 == 0 else xa + 0.05  # handles near the meeting edges
        if doors == 1:
            hx = xb - 0.05
        _handle(p, hx, front, door_top - 0.12, vertical=True)
        for za, zb in rows:
            p.box((xa, front, za), (xb, front + proud, zb), bevel=0.005)
            _handle(p, (xa + xb) / 2, front, (za + zb) / 2, vertical=False)


def _handle(p: Piece, x: float, front: float, z: float, vertical: bool) -> None:
    """A bar handle on two short posts, standing off a front at y = `front`."""
    half, t = 0.06, 0.006
    along = np.array([0.0, 0.0, half]) if vertical else np.array([half, 0.0, 0.0])
    c = np.array([x, front - 0.028, z])
    p.box(tuple(c - along - t), tuple(c + along + t), bevel=0.002, trim=True)
    for end in (-0.8, 0.8):
        q = c + end * along
        p.box((q[0] - 0.004, front - 0.025, q[2] - 0.004), (q[0] + 0.004, front, q[2] + 0.004), trim=True)


def _shelf(p: Piece, w: float, d: float, h: float) -> None:
    """An open bookcase: sides, top, back, shelves, and rows of books of varied sizes and colours."""
    t = 0.02
    p.box((-w / 2, -d / 2, 0.0), (-w / 2 + t, d / 2, h), bevel=0.003)
    p.box((w / 2 - t, -d / 2, 0.0), (w / 2, d / 2, h), bevel=0.003)
    p.box((-w / 2, -d / 2, h - t), (w / 2, d / 2, h), bevel=0.004)
    p.box((-w / 2 + t, d / 2 - 0.01, 0.0), (w / 2 - t, d / 2, h - t), _shade(p.item.color, 0.7))
    levels = max(2, round(h / 0.34))
    zs = np.linspace(0.06, h - t, levels + 1)[:-1]
    p.box((-w / 2 + t, -d / 2 + 0.01, 0.0), (w / 2 - t, d / 2 - 0.01, 0.06), _shade(p.item.color, 0.6))
    palette = np.array([(0.55, 0.22, 0.20), (0.20, 0.32, 0.48), (0.78, 0.70, 0.52), (0.30, 0.45, 0.35),
                        (0.85, 0.82, 0.76), (0.45, 0.30, 0.45), (0.72, 0.50, 0.25), (0.25, 0.25, 0.28)])  # fmt: skip
    for z in zs:
        p.box((-w / 2 + t, -d / 2 + 0.01, z), (w / 2 - t, d / 2 - 0.01, z + t), bevel=0.003)
        space = (zs[1] - zs[0]) - t - 0.03
        x = -w / 2 + t + 0.02 + p.rng.uniform(0, 0.1)
        while x < w / 2 - t - 0.06:
            if p.rng.random() < 0.12:  # a gap now and then
                x += p.rng.uniform(0.05, 0.15)
                continue
            bw = p.rng.uniform(0.018, 0.045)
            bh = space * p.rng.uniform(0.62, 0.95)
            bd = min(d - 0.05, p.rng.uniform(0.15, 0.24))
            color = palette[p.rng.integers(len(palette))] * p.rng.uniform(0.85, 1.1)
            p.box((x, -d / 2 + 0.03, z + t), (x + bw, -d / 2 + 0.03 + bd, z + t + bh), tuple(np.minimum(color, 1.0)),
                  bevel=0.002, trim=True)  # fmt: skip
            x += bw + 0.002


SEAT_TOP_FRACTION = 0.445  #: a chair's seat top, as a share of its height (0.40 m for a 0.90 m chair)


def _chair(p: Piece, w: float, d: float, h: float) -> None:
    """Four legs, rails, a cushioned seat and a padded backrest between the back legs, which rise to the top."""
    leg, seat_t = 0.04, 0.05
    seat_top = SEAT_TOP_FRACTION * h
    back_y = d / 2 - leg  # the back legs' front face
    for sx in (-1, 1):
        x0 = sx * (w / 2 - 0.03) - leg / 2
        p.box((x0, -d / 2 + 0.01, 0.0), (x0 + leg, -d / 2 + 0.01 + leg, seat_top - seat_t), bevel=0.005, trim=True)
        p.box((x0, back_y, 0.0), (x0 + leg, d / 2, h), bevel=0.006, trim=True)
        p.box((x0 + 0.01, -d / 2 + 0.05, seat_top - seat_t - 0.06), (x0 + leg - 0.01, back_y, seat_top - seat_t - 0.01),
              trim=True)  # fmt: skip
    p.box((-w / 2 + 0.03, -d / 2 + 0.02, seat_top - seat_t - 0.06), (w / 2 - 0.03, -d / 2 + 0.04, seat_top - seat_t),
          trim=True)  # fmt: skip
    p.box((-w / 2, -d / 2, seat_top - seat_t), (w / 2, d / 2 - 0.005, seat_top), bevel=0.018)
    p.box((-w / 2 + 0.04, back_y - 0.035, seat_top + 0.2 * (h - seat_top)), (w / 2 - 0.04, back_y, h - 0.04),
          bevel=0.012)  # fmt: skip
    p.box((-w / 2 + 0.03, back_y - 0.005, h - 0.05), (w / 2 - 0.03, d / 2, h - 0.01), bevel=0.005, trim=True)


def _stool(p: Piece, w: float, d: float, h: float) -> None:
    """A padded footstool on four short turned legs."""
    legs_h = min(0.12, 0.35 * h)
    p.box((-w / 2, -d / 2, legs_h), (w / 2, d / 2, h), bevel=min(0.05, 0.2 * (h - legs_h)))
    for sx in (-1, 1):
        for sy in (-1, 1):
            at = (sx * (w / 2 - 0.05), sy * (d / 2 - 0.05), 0.0)
            p.lathe([(0.014, 0.0), (0.02, legs_h * 0.7), (0.022, legs_h + 0.005)], p.trim, at, trim=True, segments=8)


def _plant(p: Piece, w: float, d: float, h: float) -> None:
    """A tapered pot with a rim and soil, and a rounded crown of leaves filling the rest of the box: on a
    tall plant broad leaves along a few leaning stems (a rubber plant), on a low one long leaves arching
    out of the pot (a rosette)."""
    r = 0.30 * min(w, d)
    pot_h = min(0.32 * h, 2.2 * r)
    p.lathe([(0.0, 0.0), (0.75 * r, 0.0), (0.75 * r, 0.01), (r, pot_h - 0.04), (1.08 * r, pot_h - 0.04),
             (1.08 * r, pot_h), (0.96 * r, pot_h), (0.96 * r, pot_h - 0.02), (0.0, pot_h - 0.02)], p.trim, trim=True)  # fmt: skip
    green = np.asarray(p.item.color, float)
    parts: list[tuple[Shape, np.ndarray]] = []
    crown = h - pot_h
    if h > 1.6 * min(w, d):
        for i in range(6):
            lean = np.array([np.cos(i * 2.4 + 0.5), np.sin(i * 2.4 + 0.5), 0.0]) * p.rng.uniform(0.1, 0.3)
            top = np.array([0.0, 0.0, 1.0]) * crown * p.rng.uniform(0.7, 1.0) + lean * crown
            parts.append((_rod(np.zeros(3), top, 0.008), np.minimum(green * 0.55 + [0.08, 0.05, 0.0], 1.0)))
            leaves = 11
            for j in range(leaves):
                t = 0.2 + 0.8 * j / (leaves - 1)
                at = top * t
                size = crown * 0.28 * (1.2 - 0.5 * t)
                azimuth = i * 1.3 + j * 2.39996
                droop = p.rng.uniform(-0.7, 0.3) + 0.5 * t
                shade = green * p.rng.uniform(0.78, 1.12) * (0.8 + 0.25 * t)  # the inner, lower leaves in shade
                parts.append(_leaf(at, azimuth, droop, size, 0.6, shade, p.rng.uniform(-0.7, 0.7)))
    else:
        for i in range(26):
            azimuth = i * 2.39996 + p.rng.uniform(-0.3, 0.3)  # golden angle: evenly around
            rise = p.rng.uniform(0.3, 1.35)  # radians above horizontal
            size = crown * p.rng.uniform(0.55, 0.8)
            parts.append(_leaf(np.zeros(3), azimuth, rise, size, 0.22, green * p.rng.uniform(0.8, 1.15)))
    # scaled to fill the box above the pot: as wide and deep as the box, its top at the box's top
    points = np.concatenate([shape.points for shape, _ in parts])
    reach = np.abs(points[:, :2]).max(axis=0)
    scale = np.diag([w / 2 / reach[0], d / 2 / reach[1], crown / max(points[:, 2].max(), 1e-6)])
    for shape, color in parts:
        p.add(shape.moved(scale, (0.0, 0.0, pot_h - 0.02)), np.minimum(color, 1.0))


def _rod(a: np.ndarray, b: np.ndarray, radius: float) -> Shape:
    """A thin round rod from `a` to `b`."""
    axis = b - a
    length = float(np.linalg.norm(axis))
    z = axis / length
    x = np.cross(z, [0.0, 1.0, 0.0]) if abs(z[1]) < 0.9 else np.cross(z, [1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    turn = np.stack([x, np.cross(z, x), z], 1)
    return lathe_shape([(radius, 0.0), (radius * 0.7, length)], segments=5, caps=False).moved(turn, a)


def _leaf(base: np.ndarray, azimuth: float, rise: float, length: float, breadth: float,
          color: np.ndarray, roll: float = 0.0) -> tuple[Shape, np.ndarray]:  # fmt: skip
    """A leaf from `base`: a flattened ellipsoid `length` long, `breadth` times as broad, pointing out
    at `azimuth` and `rise` radians above the horizontal, its broad side up, rolled `roll` radians."""
    direction = np.array([np.cos(azimuth) * np.cos(rise), np.sin(azimuth) * np.cos(rise), np.sin(rise)])
    side = np.cross([0.0, 0.0, 1.0], direction)
    side /= np.linalg.norm(side)
    up = np.cross(direction, side)
    side, up = np.cos(roll) * side + np.sin(roll) * up, np.cos(roll) * up - np.sin(roll) * side
    turn = np.stack([direction, side, up], 1)
    shape = ellipsoid_shape((length / 2, breadth * length / 2, 0.012 + 0.02 * length), 6, 4)
    return shape.moved(turn, base + direction * length * 0.5), color


def _window(p: Piece, w: float, d: float, h: float) -> None:
    """The view (the entry's material, usually an emissive landscape) behind a painted frame with a
    mullion and a transom, over a sill that juts into the room."""
    sill_t, frame, bar, frame_d = 0.03, 0.06, 0.035, min(d, 0.05)
    back = d / 2
    p.box((-w / 2 + 0.05, back - 0.012, sill_t), (w / 2 - 0.05, back - 0.002, h))  # the view
    p.box((-w / 2, -d / 2, 0.0), (w / 2, back, sill_t), bevel=0.006, trim=True)
    x0, x1, z0 = -w / 2 + 0.05, w / 2 - 0.05, sill_t
    zt = z0 + 0.62 * (h - z0)  # the transom
    for lo, hi in (((x0, back - frame_d, z0), (x0 + frame, back, h)), ((x1 - frame, back - frame_d, z0), (x1, back, h)),
                   ((x0, back - frame_d, h - frame), (x1, back, h)), ((x0, back - frame_d, z0), (x1, back, z0 + frame)),
                   ((-bar / 2, back - frame_d + 0.01, z0), (bar / 2, back - 0.01, h)),
                   ((x0, back - frame_d + 0.01, zt), (x1, back - 0.01, zt + bar))):  # fmt: skip
        p.box(lo, hi, bevel=0.005, trim=True)


def _door(p: Piece, w: float, d: float, h: float) -> None:
    """A four-panel door leaf inside an architrave, with a lever handle."""
    arch, leaf_d = 0.07, min(d, 0.03)
    back = d / 2
    for lo, hi in (((-w / 2, -d / 2, 0.0), (-w / 2 + arch, back, h)), ((w / 2 - arch, -d / 2, 0.0), (w / 2, back, h)),
                   ((-w / 2, -d / 2, h - arch), (w / 2, back, h))):  # fmt: skip
        p.box(lo, hi, bevel=0.008, trim=True)
    x0, x1, top = -w / 2 + arch, w / 2 - arch, h - arch
    p.box((x0, back - leaf_d, 0.0), (x1, back, top), bevel=0.004)
    stile = 0.11
    mid = 0.45 * top
    for za, zb in ((0.12, mid - stile / 2), (mid + stile / 2, top - stile)):
        for xa, xb in ((x0 + stile, -stile / 4), (stile / 4, x1 - stile)):
            p.box((xa, back - leaf_d - 0.008, za), (xb, back - leaf_d + 0.002, zb), _shade(p.item.color, 1.06), bevel=0.01)
    hx, hz = x1 - 0.07, 0.48 * top
    metal = (0.62, 0.62, 0.64)
    p.box((hx - 0.015, back - leaf_d - 0.01, hz - 0.05), (hx + 0.015, back - leaf_d, hz + 0.05), metal, 0.003, True)
    p.box((hx - 0.12, back - leaf_d - 0.06, hz - 0.008), (hx + 0.01, back - leaf_d - 0.045, hz + 0.008), metal, 0.003,
          True)  # fmt: skip
    p.box((hx - 0.006, back - leaf_d - 0.06, hz - 0.006), (hx + 0.006, back - leaf_d, hz + 0.006), metal, 0.0, True)


_FACE_FORWARD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # lathe axis Z -> -Y (towards the room)


def _picture(p: Piece, w: float, d: float, h: float) -> None:
    """A bevelled frame around a mount and a calm abstract print (soft bands and a sun in the entry's colour)."""
    f, back = 0.045, d / 2
    x0, x1 = -w / 2 + f, w / 2 - f
    for lo, hi in (((-w / 2, -d / 2, 0.0), (x0, back, h)), ((x1, -d / 2, 0.0), (w / 2, back, h)),
                   ((x0, -d / 2, 0.0), (x1, back, f)), ((x0, -d / 2, h - f), (x1, back, h))):  # fmt: skip
        p.box(lo, hi, bevel=0.012, trim=True)
    face = -d / 2 + 0.008
    p.box((-w / 2 + f, face, f), (w / 2 - f, back, h - f), (0.94, 0.93, 0.90), trim=True)  # the mount
    m = 0.06
    x0, x1, z0, z1 = -w / 2 + f + m, w / 2 - f - m, f + m, h - f - m
    base = np.asarray(p.item.color, float)
    bands = 4
    for i in range(bands):  # landscape-like bands, lighter to the top
        za, zb = z0 + (z1 - z0) * i / bands, z0 + (z1 - z0) * (i + 1) / bands
        tone = tuple(np.minimum(base * (0.6 + 0.16 * i) + 0.04 * i, 1.0))
        p.box((x0, face - 0.002, za), (x1, face, zb), tone, trim=True)
    sun = (0.93, 0.80, 0.55)
    sx, sz = x0 + 0.7 * (x1 - x0), z0 + 0.78 * (z1 - z0)
    radius = 0.07 * min(x1 - x0, z1 - z0) + 0.02
    p.lathe([(0.0, 0.0), (radius, 0.0), (radius, 0.003), (0.0, 0.003)], sun, (sx, face - 0.002, sz), _FACE_FORWARD,
            trim=True)  # fmt: skip


def _clock(p: Piece, w: float, d: float, h: float) -> None:
    """A round wall clock: a rim, a pale face, twelve hour marks and the hands at ten past ten."""
    r, back = min(w, h) / 2, d / 2
    centre = (0.0, back, h / 2)
    p.lathe([(0.0, 0.0), (r, 0.0), (r, d), (0.9 * r, d), (0.9 * r, 0.6 * d), (0.0, 0.6 * d)], p.trim, centre,
            _FACE_FORWARD, trim=True, segments=24)  # fmt: skip
    face_y = back - 0.6 * d
    p.lathe([(0.0, 0.0), (0.9 * r, 0.0), (0.9 * r, 0.002), (0.0, 0.002)], p.item.color, (0.0, face_y, h / 2),
            _FACE_FORWARD, segments=24)  # fmt: skip
    face_y -= 0.002
    ink = (0.12, 0.12, 0.13)
    for i in range(12):
        a = i * np.pi / 6
        long = 0.14 if i % 3 == 0 else 0.07
        for k in np.linspace(0.78, 0.78 - long, 3):  # each mark a short row of squares along the radius
            cx, cz = np.sin(a) * k * r, h / 2 + np.cos(a) * k * r
            s = 0.012 * r if i % 3 else 0.02 * r
            p.box((cx - s, face_y - 0.002, cz - s), (cx + s, face_y, cz + s), ink, trim=True)
    for angle, length, width, lift in ((np.radians(-55), 0.45, 0.035, 0.006), (np.radians(60), 0.68, 0.022, 0.010)):
        direction = np.array([np.sin(angle), 0.0, np.cos(angle)])
        side = np.array([np.cos(angle), 0.0, -np.sin(angle)])
        turn = np.stack([side * width * r, [0.0, 0.002, 0.0], direction * length * r], 1)
        shape = box_shape((-1, -1, 0), (1, 1, 1)).moved(turn, (0.0, face_y - lift, h / 2))
        p.add(shape, ink, trim=True)


def _lamp(p: Piece, w: float, d: float, h: float) -> None:
    """A round ceiling light: a glowing diffuser (the entry's colour) in a slim rim."""
    r = min(w, d) / 2
    p.lathe([(0.0, 0.0), (0.92 * r, 0.0), (0.95 * r, 0.6 * h), (0.0, 0.6 * h)], p.item.color, segments=24)
    p.lathe([(0.93 * r, 0.3 * h), (r, 0.3 * h), (r, h), (0.93 * r, h)], p.trim, trim=True, segments=24)


def _rug(p: Piece, w: float, d: float, h: float) -> None:
    """A rug with a border in a deeper shade of its colour."""
    border, c = 0.09, _shade(p.item.color, 0.72)
    p.box((-w / 2, -d / 2, 0.0), (w / 2, d / 2, h), c, bevel=min(0.004, h / 3))
    p.box((-w / 2 + border, -d / 2 + border, h * 0.5), (w / 2 - border, d / 2 - border, h + 0.001))


def _vase(p: Piece, w: float, d: float, h: float) -> None:
    """A turned vase: foot, belly, neck, flared lip."""
    r = min(w, d) / 2
    p.lathe([(0.0, 0.0), (0.55 * r, 0.0), (0.9 * r, 0.2 * h), (r, 0.42 * h), (0.8 * r, 0.65 * h), (0.45 * r, 0.85 * h),
             (0.6 * r, h), (0.5 * r, h), (0.0, 0.9 * h)], p.item.color, segments=14)  # fmt: skip


_BUILDERS: dict[str, Callable[[Piece, float, float, float], None]] = {
    "box": _plain_box,
    "cabinet": _cabinet,
    "shelf": _shelf,
    "chair": _chair,
    "stool": _stool,
    "plant": _plant,
    "window": _window,
    "door": _door,
    "picture": _picture,
    "clock": _clock,
    "lamp": _lamp,
    "rug": _rug,
    "vase": _vase,
}
