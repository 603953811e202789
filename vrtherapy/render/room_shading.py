"""Soft light baked into the room: floor and walls shaded where light from everywhere is partly blocked.

Why: with ambient and directional lights only, a floor is evenly lit right up to the walls and under a
cabinet, so furniture looks pasted on and the room flat. In a room lit by soft daylight the floor darkens
gently towards the walls and under and around furniture, and the walls towards their corners. The room
is static, so this is computed once, on the vertices of a finely divided floor and walls (their colours
interpolate smoothly across each cell), and costs nothing per frame. An estimate, not a simulation:
each darkening falls off exponentially with the distance to the wall, floor or piece that causes it.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.render.room_mesh import Color, RoomMesh, Shape
from vrtherapy.render.scene_spec import SceneSpec

#: Kinds that block no light (flat on the floor, on the ceiling, or a view of the outside).
_NO_SHADOW = {"rug", "lamp", "window"}
FLOOR_CELL_M = 0.10
WALL_CELL_M = 0.20


def plane_grid(origin: np.ndarray, u: np.ndarray, v: np.ndarray, cell: float) -> Shape:
    """The parallelogram `origin` + [0, 1] `u` + [0, 1] `v` as a grid of about `cell`-sized quads, facing u x v."""
    nu = max(1, int(np.ceil(np.linalg.norm(u) / cell)))
    nv = max(1, int(np.ceil(np.linalg.norm(v) / cell)))
    a, b = np.meshgrid(np.linspace(0.0, 1.0, nu + 1), np.linspace(0.0, 1.0, nv + 1), indexing="ij")
    points = origin + a.reshape(-1, 1) * u + b.reshape(-1, 1) * v
    normal = np.cross(u, v)
    normal /= np.linalg.norm(normal)
    i, j = np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij")
    p00 = (i * (nv + 1) + j).ravel()
    p10, p01, p11 = p00 + nv + 1, p00 + 1, p00 + nv + 2
    triangles = np.concatenate([np.stack([p00, p10, p11], 1), np.stack([p00, p11, p01], 1)])
    return Shape(points, np.tile(normal, (len(points), 1)), triangles)


def _blockers(spec: SceneSpec, with_table: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes that shade the floor and walls near them: lows (M, 3), highs (M, 3), strengths (M,)."""
    lows, highs, strengths = [], [], []
    for item in spec.furniture:
        if item.emissive or item.kind in _NO_SHADOW:
            continue
        half = np.asarray(item.size) / 2
        lows.append(np.asarray(item.center) - half)
        highs.append(np.asarray(item.center) + half)
        standing = item.center[2] - half[2] < 0.05
        if min(item.size) < 0.06:  # flat on a wall (a picture, a clock): a faint shadow round it
            strengths.append(0.10)
        else:
            strengths.append(0.45 if standing and item.kind not in ("chair", "stool") else 0.25)
    if with_table and spec.table_shown:
        t = spec.table
        lows.append(np.array([-t.width / 2, t.near_edge_y, 0.0]))
        highs.append(np.array([t.width / 2, t.near_edge_y + t.depth, t.height]))
        strengths.append(0.22)  # open underneath: a light shadow
    if not lows:
        return np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)
    return np.array(lows), np.array(highs), np.array(strengths)


#: The room's surfaces, by the axis they are across (0: x, 1: y, 2: z).
SURFACE_AXIS = {"floor": 2, "ceiling": 2, "side wall": 0, "end wall": 1}


def occlusion(points: np.ndarray, spec: SceneSpec, surface: str, with_table: bool = True) -> np.ndarray:
    """How much soft light reaches each point (N,) on the room's `surface` (a `SURFACE_AXIS` key): 1 in
    the open, less near where it meets another surface and near furniture, scaled by `soft_shadows`."""
    room = spec.room
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    own = SURFACE_AXIS[surface]
    shade = np.ones(len(points))
    # corners: where two surfaces meet (the floor's edges, a wall's foot and top, vertical corners)
    for axis, distance, depth, reach in ((0, room.width / 2 - np.abs(x), 0.14, 0.22),
                                         (1, np.minimum(y + room.behind, room.front_y - y), 0.14, 0.22),
                                         (2, z, 0.16, 0.18), (2, room.height - z, 0.10, 0.25)):  # fmt: skip
        if axis != own:
            shade *= 1.0 - depth * np.exp(-distance / reach)
    lows, highs, strengths = _blockers(spec, with_table)
    if len(lows):
        gap = np.maximum(0.0, np.maximum(lows[None] - points[:, None], points[:, None] - highs[None]))
        distance = np.linalg.norm(gap, axis=2)  # (N, M), 0 under a piece
        shade *= np.prod(1.0 - strengths[None] * np.exp(-distance / 0.12), axis=1)
    return 1.0 - room.soft_shadows * (1.0 - shade)


def add_shaded_surfaces(floor: RoomMesh, walls: RoomMesh, spec: SceneSpec, with_table: bool,
                        top: Color) -> None:  # fmt: skip
    """The floor into `floor` and the four walls and the ceiling (colour `top`) into `walls`, facing
    into the room, their vertex colours darkened by `occlusion`."""
    room = spec.room
    w, back, front, h = room.width / 2, -room.behind, room.front_y, room.height
    ex, ey, ez = np.eye(3)
    floor_shape = plane_grid(np.array([-w, back, 0.0]), 2 * w * ex, (front - back) * ey, FLOOR_CELL_M)
    shade = occlusion(floor_shape.points, spec, "floor", with_table)
    floor.add(floor_shape, np.asarray(room.floor_color)[None] * shade[:, None])
    sides = (
        (np.array([-w, back, 0.0]), (front - back) * ey, "side wall"),  # left, facing +x
        (np.array([w, front, 0.0]), (back - front) * ey, "side wall"),  # right, facing -x
        (np.array([w, back, 0.0]), -2 * w * ex, "end wall"),  # behind, facing +y
        (np.array([-w, front, 0.0]), 2 * w * ex, "end wall"),  # ahead, facing -y
    )
    for origin, u, surface in sides:
        shape = plane_grid(origin, u, h * ez, WALL_CELL_M)
        shade = occlusion(shape.points, spec, surface, with_table)
        walls.add(shape, np.asarray(room.wall_color)[None] * shade[:, None])
    ceiling = plane_grid(np.array([-w, back, h]), (front - back) * ey, 2 * w * ex, 0.5)
    walls.add(ceiling, np.asarray(top)[None] * occlusion(ceiling.points, spec, "ceiling", with_table)[:, None])
