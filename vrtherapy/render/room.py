"""Building the therapy room of a `SceneSpec` in Panda3D, and placing the desktop camera at the eye.

Kept cheap for Mesa's software GL: boxes with vertex colours, tinted by a small procedural texture per
material (`materials.py`: wood floor, plaster walls, fabric, laminate, a landscape through the window),
Panda3D's fixed-function per-vertex lighting (ambient + directional lights only, so a flat face is
evenly lit and needs no finer mesh), no shadows, and everything static flattened into one draw call
per material.
"""

from __future__ import annotations

from collections.abc import Sequence

from panda3d.core import (
    AmbientLight,
    DirectionalLight,
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    GeomVertexWriter,
    Lens,
    NodePath,
    Point3,
    TextureStage,
    Vec3,
    Vec4,
)

from vrtherapy.render.materials import MATERIALS, material_texture, texture_gain
from vrtherapy.render.scene_spec import Color, EyeSpec, LightSpec, SceneSpec, TableSpec

NEAR_PLANE_M = 0.05
FAR_PLANE_M = 100.0
TABLE_LEG_SIDE_M = 0.05
TABLE_LEG_INSET_M = 0.06
SKIRTING_THICKNESS_M = 0.012


def table_top_height(table: TableSpec) -> float:
    """Height of the table's top surface above the floor (metres)."""
    return table.height


def table_top_center(table: TableSpec) -> tuple[float, float, float]:
    """The middle of the table's top surface, in world coordinates."""
    return (0.0, table.near_edge_y + table.depth / 2, table_top_height(table))


class _Mesh:
    """Triangles with per-vertex normal, colour and texture coordinates, collected into one Geom.

    Texture coordinates project the world onto each face's plane, `repeat` metres per texture
    repeat (the texture keeps its scale across boxes); `repeat=None` stretches the texture once over
    each face, upright (a window's view).
    """

    def __init__(self, name: str, repeat: float | None = 1.0) -> None:
        self.vdata = GeomVertexData(name, GeomVertexFormat.getV3n3c4t2(), Geom.UHStatic)
        self.vertex = GeomVertexWriter(self.vdata, "vertex")
        self.normal = GeomVertexWriter(self.vdata, "normal")
        self.color = GeomVertexWriter(self.vdata, "color")
        self.texcoord = GeomVertexWriter(self.vdata, "texcoord")
        self.triangles = GeomTriangles(Geom.UHStatic)
        self.count = 0
        self.repeat = repeat
        self.gain = 1.0  #: colours are multiplied by this (up to 1.0) to make up for a texture's darkening

    def _uvs(self, corners: tuple[Vec3, ...], normal: Vec3) -> list[tuple[float, float]]:
        axis = max(range(3), key=lambda i: abs(normal[i]))
        # horizontal and vertical directions in the face's plane (world z is up on walls)
        a, b = ((0, 1) if axis == 2 else ((1 - axis) if axis < 2 else 0, 2))
        if self.repeat is None:
            lo_a, hi_a = min(c[a] for c in corners), max(c[a] for c in corners)
            lo_b, hi_b = min(c[b] for c in corners), max(c[b] for c in corners)
            flip = normal[axis] > 0 if axis == 0 else normal[axis] < 0
            return [(((hi_a - c[a]) if flip else (c[a] - lo_a)) / (hi_a - lo_a), (c[b] - lo_b) / (hi_b - lo_b))
                    for c in corners]  # fmt: skip
        return [(c[a] / self.repeat, c[b] / self.repeat) for c in corners]

    def quad(self, origin: Vec3, u: Vec3, v: Vec3, color: Color) -> None:
        """The parallelogram origin, origin+u, origin+u+v, origin+v; it faces along u x v."""
        normal = u.cross(v).normalized()
        corners = (origin, origin + u, origin + u + v, origin + v)
        for corner, uv in zip(corners, self._uvs(corners, normal), strict=True):
            self.vertex.addData3(corner)
            self.normal.addData3(normal)
            self.color.addData4(*(min(1.0, c * self.gain) for c in color), 1.0)
            self.texcoord.addData2(*uv)
        i = self.count
        self.triangles.addVertices(i, i + 1, i + 2)
        self.triangles.addVertices(i, i + 2, i + 3)
        self.count += 4

    def box(
        self,
        lo: Sequence[float],
        hi: Sequence[float],
        color: Color,
        *,
        bottom: Color | None = None,
        top: Color | None = None,
        inward: bool = False,
        skip_bottom: bool = False,
        only_bottom: bool = False,
    ) -> None:
        """An axis-aligned box from corner `lo` to corner `hi`; `inward` faces it inside (a room).
        `skip_bottom` / `only_bottom` leave out every face but, or only, the bottom one (a room's floor
        has its own material)."""
        size = [b - a for a, b in zip(lo, hi, strict=False)]
        for axis in range(3):
            b, c = (axis + 1) % 3, (axis + 2) % 3
            u, v = Vec3(0, 0, 0), Vec3(0, 0, 0)
            u[b], v[c] = size[b], size[c]  # u x v points along +axis
            for high_side in (False, True):
                is_bottom = axis == 2 and not high_side
                if (skip_bottom and is_bottom) or (only_bottom and not is_bottom):
                    continue
                origin = Vec3(*lo)
                origin[axis] += size[axis] if high_side else 0.0
                face_color = color
                if axis == 2:
                    face_color = (top if high_side else bottom) or color
                if high_side != inward:
                    self.quad(origin, u, v, face_color)
                else:
                    self.quad(origin, v, u, face_color)

    def node(self) -> GeomNode:
        geom = Geom(self.vdata)
        geom.addPrimitive(self.triangles)
        node = GeomNode(self.vdata.getName())
        node.addGeom(geom)
        return node


class _Meshes:
    """One mesh per (material, lit or emissive): each becomes one draw call."""

    def __init__(self) -> None:
        self.meshes: dict[tuple[str, bool], _Mesh] = {}

    def get(self, material: str, emissive: bool = False) -> _Mesh:
        key = (material, emissive)
        if key not in self.meshes:
            mesh = _Mesh(f"room-{material}{'-emissive' if emissive else ''}", MATERIALS[material])
            mesh.gain = texture_gain(material)
            self.meshes[key] = mesh
        return self.meshes[key]


def build_room(spec: SceneSpec, parent: NodePath, with_table: bool = True) -> NodePath:
    """Build the room, table, furniture and lights under `parent`; return the room's node.

    The lights live under the returned node but are switched on for all of `parent`, so whatever is
    later attached under `parent` (the limbs) is lit by them too. `with_table=False` leaves the table
    out (lower-limb sessions: it would hide the legs).
    """
    room_np = parent.attachNewNode("room")
    meshes = _Meshes()

    # Nearest first: under software GL, early depth testing then skips the hidden floor and walls.
    if with_table and spec.table_shown:
        _add_table(meshes, spec.table)

    for item in spec.furniture:
        item_lo = [c - s / 2 for c, s in zip(item.center, item.size, strict=False)]
        item_hi = [c + s / 2 for c, s in zip(item.center, item.size, strict=False)]
        meshes.get(item.material, item.emissive).box(item_lo, item_hi, item.color)

    room = spec.room
    half_w = room.width / 2
    lo, hi = (-half_w, -room.behind, 0.0), (half_w, room.front_y, room.height)
    meshes.get(room.wall_material).box(lo, hi, room.wall_color, top=room.ceiling_color, inward=True, skip_bottom=True)
    meshes.get(room.floor_material).box(lo, hi, room.floor_color, inward=True, only_bottom=True)
    if room.skirting_height > 0:
        t, h = SKIRTING_THICKNESS_M, room.skirting_height
        for lo, hi in (
            ((-half_w, -room.behind, 0.0), (-half_w + t, room.front_y, h)),
            ((half_w - t, -room.behind, 0.0), (half_w, room.front_y, h)),
            ((-half_w, -room.behind, 0.0), (half_w, -room.behind + t, h)),
            ((-half_w, room.front_y - t, 0.0), (half_w, room.front_y, h)),
        ):
            meshes.get("plain").box(lo, hi, room.skirting_color)

    static = room_np.attachNewNode("static")
    for (material, emissive), mesh in meshes.meshes.items():
        if not mesh.count:
            continue
        node = static.attachNewNode(mesh.node())
        texture = material_texture(material)
        if texture is not None:
            node.setTexture(TextureStage(f"material-{material}"), texture)
        if emissive:
            node.setLightOff(1)
    static.flattenStrong()

    lights = room_np.attachNewNode("lights")
    for i, light in enumerate(spec.lights):
        parent.setLight(lights.attachNewNode(_make_light(light, f"{light.kind}-{i}")))
    return room_np


def _add_table(meshes: _Meshes, table: TableSpec) -> None:
    top_z = table_top_height(table)
    x0, x1 = -table.width / 2, table.width / 2
    y0, y1 = table.near_edge_y, table.near_edge_y + table.depth
    meshes.get(table.material).box((x0, y0, top_z - table.thickness), (x1, y1, top_z), table.color)
    mesh = meshes.get("plain")
    leg_top = top_z - table.thickness
    for lx in (x0 + TABLE_LEG_INSET_M, x1 - TABLE_LEG_INSET_M - TABLE_LEG_SIDE_M):
        for ly in (y0 + TABLE_LEG_INSET_M, y1 - TABLE_LEG_INSET_M - TABLE_LEG_SIDE_M):
            mesh.box((lx, ly, 0.0), (lx + TABLE_LEG_SIDE_M, ly + TABLE_LEG_SIDE_M, leg_top), table.leg_color)


def _make_light(spec: LightSpec, name: str) -> AmbientLight | DirectionalLight:
    color = Vec4(*spec.color, 1.0)
    if spec.kind == "ambient":
        light = AmbientLight(name)
        light.setColor(color)
        return light
    if spec.direction is None:  # scene_spec refuses such a light; this keeps the type checker told
        raise ValueError(f"directional light {name!r} has no direction")
    light = DirectionalLight(name)
    light.setColor(color)
    light.setDirection(Vec3(*spec.direction))
    return light


def place_camera(camera: NodePath, lens: Lens, spec: EyeSpec) -> None:
    """Put `camera` at the eye, looking at `look_at` with Z up, and set `lens` to the eye's field of view.

    Positions are world coordinates (relative to the camera's scene root). `fov_deg` is applied to
    the window's smaller side (the vertical one for a landscape window) and survives resizes.
    """
    world = camera.getTop()
    camera.setPos(world, Point3(*spec.position))
    camera.lookAt(world, Point3(*spec.look_at), Vec3(0, 0, 1))
    lens.setMinFov(spec.fov_deg)
    lens.setNearFar(NEAR_PLANE_M, FAR_PLANE_M)
