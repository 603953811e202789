"""Building the therapy room of a `SceneSpec` in Panda3D, and placing the desktop camera at the eye.

Kept cheap for Mesa's software GL: flat-coloured boxes (vertex colours, no textures), Panda3D's
fixed-function per-vertex lighting (ambient + directional lights only, so a flat face is evenly lit
and needs no finer mesh), no shadows, and everything static flattened into a couple of draw calls.
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
    Vec3,
    Vec4,
)

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
    """Triangles with per-vertex normal and colour, collected into one Geom."""

    def __init__(self, name: str) -> None:
        self.vdata = GeomVertexData(name, GeomVertexFormat.getV3n3c4(), Geom.UHStatic)
        self.vertex = GeomVertexWriter(self.vdata, "vertex")
        self.normal = GeomVertexWriter(self.vdata, "normal")
        self.color = GeomVertexWriter(self.vdata, "color")
        self.triangles = GeomTriangles(Geom.UHStatic)
        self.count = 0

    def quad(self, origin: Vec3, u: Vec3, v: Vec3, color: Color) -> None:
        """The parallelogram origin, origin+u, origin+u+v, origin+v; it faces along u x v."""
        normal = u.cross(v).normalized()
        for corner in (origin, origin + u, origin + u + v, origin + v):
            self.vertex.addData3(corner)
            self.normal.addData3(normal)
            self.color.addData4(*color, 1.0)
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
    ) -> None:
        """An axis-aligned box from corner `lo` to corner `hi`; `inward` faces it inside (a room)."""
        size = [high - low for low, high in zip(lo, hi, strict=False)]
        for axis in range(3):
            b, c = (axis + 1) % 3, (axis + 2) % 3
            u, v = Vec3(0, 0, 0), Vec3(0, 0, 0)
            u[b], v[c] = size[b], size[c]  # u x v points along +axis
            for high_side in (False, True):
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


def build_room(spec: SceneSpec, parent: NodePath, with_table: bool = True) -> NodePath:
    """Build the room, table, furniture and lights under `parent`; return the room's node.

    The lights live under the returned node but are switched on for all of `parent`, so whatever is
    later attached under `parent` (the limbs) is lit by them too. `with_table=False` leaves the table
    out (lower-limb sessions: it would hide the legs).
    """
    room_np = parent.attachNewNode("room")
    lit = _Mesh("room-lit")
    glowing = _Mesh("room-emissive")

    # Nearest first: under software GL, early depth testing then skips the hidden floor and walls.
    if with_table:
        _add_table(lit, spec.table)

    for item in spec.furniture:
        lo = [c - s / 2 for c, s in zip(item.center, item.size, strict=False)]
        hi = [c + s / 2 for c, s in zip(item.center, item.size, strict=False)]
        (glowing if item.emissive else lit).box(lo, hi, item.color)

    room = spec.room
    half_w = room.width / 2
    lit.box((-half_w, -room.behind, 0.0), (half_w, room.front_y, room.height), room.wall_color,
            bottom=room.floor_color, top=room.ceiling_color, inward=True)
    if room.skirting_height > 0:
        t, h = SKIRTING_THICKNESS_M, room.skirting_height
        for lo, hi in (
            ((-half_w, -room.behind, 0.0), (-half_w + t, room.front_y, h)),
            ((half_w - t, -room.behind, 0.0), (half_w, room.front_y, h)),
            ((-half_w, -room.behind, 0.0), (half_w, -room.behind + t, h)),
            ((-half_w, room.front_y - t, 0.0), (half_w, room.front_y, h)),
        ):
            lit.box(lo, hi, room.skirting_color)

    static = room_np.attachNewNode("static")
    static.attachNewNode(lit.node())
    if glowing.count:
        static.attachNewNode(glowing.node()).setLightOff(1)
    static.flattenStrong()

    lights = room_np.attachNewNode("lights")
    for i, light in enumerate(spec.lights):
        parent.setLight(lights.attachNewNode(_make_light(light, f"{light.kind}-{i}")))
    return room_np


def _add_table(mesh: _Mesh, table: TableSpec) -> None:
    top_z = table_top_height(table)
    x0, x1 = -table.width / 2, table.width / 2
    y0, y1 = table.near_edge_y, table.near_edge_y + table.depth
    mesh.box((x0, y0, top_z - table.thickness), (x1, y1, top_z), table.color)
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
