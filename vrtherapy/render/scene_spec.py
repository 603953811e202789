"""What the therapy room looks like: frozen dataclasses loaded from a scene TOML file.

Everything is in the world frame of `vrtherapy.frames` (metres; Z up; +Y forward, away from the seated
patient; +X the patient's right; origin on the floor under the centre of the seat). Colours are
(red, green, blue) with components from 0 to 1. `load_scene` reads a file such as
`scenes/clinic_room.toml`; every field has a default, so a scene file only lists what it changes
(the shipped one lists everything, as documentation for clinicians).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from vrtherapy.config import InvalidValue, load_toml
from vrtherapy.resources import scenes_dir

Vec3 = tuple[float, float, float]
Color = tuple[float, float, float]
#: Surface materials (procedural textures, `render/materials.py`) a scene file may name.
Material = Literal["plain", "wood", "veneer", "plaster", "fabric", "laminate", "landscape"]
#: What a furniture entry is drawn as (`render/furniture.py` builds each from a few shapes inside its box).
FurnitureKind = Literal["box", "cabinet", "shelf", "chair", "stool", "plant", "window", "door", "picture", "clock",
                        "lamp", "rug", "vase"]  # fmt: skip
#: Which way a piece's front faces: towards the patient's seat ("auto"), or along one axis.
Facing = Literal["auto", "+x", "-x", "+y", "-y"]

DEFAULT_SCENE_FILE = "clinic_room.toml"


def _color(default: Color) -> Any:
    return field(default=default, metadata={"min": 0.0, "max": 1.0})


def _ranged(default: float, lo: float, hi: float) -> Any:
    return field(default=default, metadata={"min": lo, "max": hi})


def _positive(default: float) -> Any:
    return field(default=default, metadata={"gt": 0.0})


@dataclass(frozen=True)
class RoomSpec:
    """An axis-aligned box room, centred left-right on the patient."""

    width: float = _ranged(4.0, 1.5, 20.0)  # along X
    depth: float = _ranged(4.5, 1.5, 20.0)  # along Y
    height: float = _ranged(2.7, 2.0, 6.0)
    behind: float = _positive(1.5)  # from the seat centre back to the wall behind the patient
    wall_color: Color = _color((0.92, 0.88, 0.82))
    floor_color: Color = _color((0.70, 0.60, 0.48))
    ceiling_color: Color = _color((0.94, 0.93, 0.91))
    skirting_height: float = _ranged(0.08, 0.0, 0.3)  # 0 leaves it out
    skirting_color: Color = _color((0.95, 0.94, 0.92))
    floor_material: Material = "wood"
    wall_material: Material = "plain"
    #: How strongly soft light is shaded where walls meet and around furniture (0: evenly lit everywhere).
    soft_shadows: float = _ranged(1.0, 0.0, 1.0)

    @property
    def front_y(self) -> float:
        return self.depth - self.behind


@dataclass(frozen=True)
class TableSpec:
    """The table the hands rest on, centred left-right on the patient."""

    height: float = _ranged(0.74, 0.5, 1.1)  # floor to the top surface
    width: float = _ranged(1.2, 0.4, 3.0)
    depth: float = _ranged(0.8, 0.3, 2.0)
    near_edge_y: float = _ranged(0.20, 0.0, 1.0)  # seat centre to the table's near edge
    thickness: float = _ranged(0.03, 0.01, 0.1)  # of the top slab
    color: Color = _color((0.55, 0.63, 0.69))
    leg_color: Color = _color((0.42, 0.43, 0.45))
    material: Material = "plain"


@dataclass(frozen=True)
class EyeSpec:
    """The patient's seated viewpoint for the desktop and offscreen views (a headset tracks its own)."""

    position: Vec3 = (0.0, -0.05, 1.20)
    look_at: Vec3 = (0.0, 0.55, 0.78)
    fov_deg: float = _ranged(60.0, 40.0, 110.0)  # vertical

    def __post_init__(self) -> None:
        if math.dist(self.position, self.look_at) < 1e-3:
            raise InvalidValue("look_at", "must differ from position")


@dataclass(frozen=True)
class LightSpec:
    """An ambient light, or a directional light shining along `direction` (need not be unit length)."""

    kind: Literal["ambient", "directional"]
    color: Color = _color((1.0, 1.0, 1.0))
    direction: Vec3 | None = None

    def __post_init__(self) -> None:
        if self.kind == "directional":
            if self.direction is None:
                raise InvalidValue("direction", "a directional light needs a direction [x, y, z]")
            if math.hypot(*self.direction) < 1e-6:
                raise InvalidValue("direction", "must not be [0, 0, 0]")
        elif self.direction is not None:
            raise InvalidValue("direction", "only a directional light has a direction")


@dataclass(frozen=True)
class BoxSpec:
    """A piece of furniture or decoration filling the box `center`, `size`: a plain box, or a `kind` of
    furniture built from a few shapes (a plant: pot and leaves; a cabinet: plinth, doors, handles; ...).

    `emissive` parts ignore the lights and show their colour as is (a window's daylight, a lamp).
    `material` textures the main parts (their colour tints the texture; `landscape` is a view through a
    window); trim parts (pot, handles, frames, chair legs) are plain, in `trim_color` (None: the kind's
    own). `facing` is the way the front faces ("auto": towards the patient's seat).
    """

    name: str
    center: Vec3
    size: Vec3 = field(metadata={"gt": 0.0})  # along X, Y, Z
    color: Color = _color((0.8, 0.8, 0.8))
    emissive: bool = False
    material: Material = "plain"
    kind: FurnitureKind = "box"
    facing: Facing = "auto"
    trim_color: Color | None = field(default=None, metadata={"min": 0.0, "max": 1.0})


LOWER_EYE_POSITION: Vec3 = (0.0, 0.17, 1.16)
LOWER_EYE_LOOK_AT: Vec3 = (0.0, 1.1, 0.0)
LOWER_EYE_FOV_DEG = 62.0


def _default_lights() -> tuple[LightSpec, ...]:
    return (
        LightSpec("ambient", (0.50, 0.49, 0.48)),
        LightSpec("directional", (0.42, 0.40, 0.36), (0.45, -0.35, -0.82)),
        LightSpec("directional", (0.30, 0.30, 0.32), (-0.30, 0.80, -0.50)),
        LightSpec("directional", (0.30, 0.28, 0.25), (0.0, 0.0, 1.0)),
    )


@dataclass(frozen=True)
class SceneSpec:
    name: str
    background: Color = _color((0.92, 0.88, 0.82))  # the clear colour, seen only through gaps
    room: RoomSpec = field(default_factory=RoomSpec)
    table: TableSpec = field(default_factory=TableSpec)
    eye: EyeSpec = field(default_factory=EyeSpec)
    #: The view for lower-limb sessions: the seated patient leaning forward a little to watch both
    #: feet. The table is moved aside for them (it would hide the legs).
    eye_lower: EyeSpec = field(default_factory=lambda: EyeSpec(LOWER_EYE_POSITION, LOWER_EYE_LOOK_AT, LOWER_EYE_FOV_DEG))
    lights: tuple[LightSpec, ...] = field(default_factory=_default_lights)
    furniture: tuple[BoxSpec, ...] = ()
    #: The scene file lower-limb (leg and foot) sessions use instead of this one: a file name in
    #: the shipped `scenes/` folder or a path; "" = this scene for both.
    lower_limb_scene: str = ""
    #: Leave the table out (a lower-limb room: it would hide the legs).
    table_shown: bool = True

    def __post_init__(self) -> None:
        room, table = self.room, self.table
        if table.width >= room.width:
            raise InvalidValue("table.width", f"the table ({table.width} m) is wider than the room ({room.width} m)")
        if table.near_edge_y + table.depth >= room.front_y:
            raise InvalidValue("table.depth", f"the table's far edge is beyond the front wall (y = {room.front_y} m)")
        if table.height >= room.height:
            raise InvalidValue("table.height", f"the table is taller than the room ({room.height} m)")
        for i, item in enumerate(self.furniture):  # a slip of a metre would hide a piece behind a wall
            x, y, z = item.center
            if not (abs(x) < room.width / 2 and -room.behind < y < room.front_y and 0.0 <= z < room.height):
                raise InvalidValue(f"furniture[{i}].center", f"{item.name!r} is outside the room")
        for name in ("eye", "eye_lower"):
            x, y, z = getattr(self, name).position
            if not (abs(x) < room.width / 2 and -room.behind < y < room.front_y and 0.0 < z < room.height):
                raise InvalidValue(f"{name}.position", "the eye is outside the room")


def default_scene_path() -> Path:
    return scenes_dir() / DEFAULT_SCENE_FILE


def load_scene(path: Path | str | None = None) -> SceneSpec:
    """Load a scene file (the shipped clinic room when `path` is None); raises `ConfigError`."""
    return load_toml(default_scene_path() if path is None else Path(path), SceneSpec)


def scene_for_limb(spec: SceneSpec, limb: str) -> SceneSpec:
    """The scene a session of `limb` ("arm" or "leg") is drawn in: `spec`, or for the legs the scene
    its `lower_limb_scene` names (a bare file name is looked up in the shipped scenes folder)."""
    if limb != "leg" or not spec.lower_limb_scene:
        return spec
    path = Path(spec.lower_limb_scene)
    if not path.is_absolute() and len(path.parts) == 1:
        path = scenes_dir() / path
    return load_scene(path)
