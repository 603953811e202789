"""Building the therapy room of a `SceneSpec` in Panda3D, and placing the desktop camera at the eye.

Kept cheap for Mesa's software GL: vertex colours, tinted by a small procedural texture per material
(`materials.py`: wood floor, veneer, plaster walls, fabric, laminate, a landscape through the window),
Panda3D's fixed-function per-vertex lighting (ambient + directional lights only), no shadow maps: the
soft shading of corners and round furniture is baked into the floor's and walls' vertex colours once
(`room_shading.py`). Furniture is built by kind from a few shapes (`furniture.py`), and everything
static is flattened into one draw call per material.
"""

from __future__ import annotations

from panda3d.core import (
    AmbientLight,
    DirectionalLight,
    Lens,
    NodePath,
    Point3,
    TextureStage,
    Vec3,
    Vec4,
)

from vrtherapy.render.furniture import add_furniture
from vrtherapy.render.materials import MATERIALS, material_texture, texture_gain
from vrtherapy.render.room_mesh import RoomMesh
from vrtherapy.render.room_shading import add_shaded_surfaces
from vrtherapy.render.scene_spec import EyeSpec, LightSpec, SceneSpec, TableSpec

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


class _Meshes:
    """One mesh per (material, lit or emissive): each becomes one draw call."""

    def __init__(self) -> None:
        self.meshes: dict[tuple[str, bool], RoomMesh] = {}

    def get(self, material: str, emissive: bool = False) -> RoomMesh:
        key = (material, emissive)
        if key not in self.meshes:
            name = f"room-{material}{'-emissive' if emissive else ''}"
            self.meshes[key] = RoomMesh(name, MATERIALS[material], texture_gain(material))
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
        add_furniture(item, meshes.get)

    room = spec.room
    half_w = room.width / 2
    floor, walls = meshes.get(room.floor_material), meshes.get(room.wall_material)
    add_shaded_surfaces(floor, walls, spec, with_table, room.ceiling_color)
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
