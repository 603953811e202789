"""The clinic room renders: table ahead and below, wall above, lit as the scene's lights say."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from panda3d.core import GeomNode, LightAttrib, Point2, Point3

from vrtherapy.render.capture import grab_rgb
from vrtherapy.render.room import build_room, place_camera, table_top_center
from vrtherapy.render.scene_spec import BoxSpec, EyeSpec, LightSpec, RoomSpec, SceneSpec, TableSpec, load_scene

WALL = (0.90, 0.85, 0.75)
TABLE = (0.30, 0.50, 0.80)
# White lights, so a lit surface keeps its colour's direction (no channel reaches 1).
TEST_SCENE = SceneSpec(
    name="test",
    room=RoomSpec(wall_color=WALL, floor_color=(0.6, 0.45, 0.3), ceiling_color=(0.9, 0.9, 0.9)),
    table=TableSpec(color=TABLE),
    lights=(
        LightSpec("ambient", (0.4, 0.4, 0.4)),
        LightSpec("directional", (0.5, 0.5, 0.5), (0.3, -0.4, -0.86)),
        LightSpec("directional", (0.2, 0.2, 0.2), (0.0, 1.0, 0.0)),
    ),
)


@pytest.fixture
def eye_camera(showbase):
    """Lets a test move the shared camera and lens; puts them back afterwards."""
    cam, lens = showbase.cam, showbase.camLens
    saved = (cam.getMat(), lens.getFov(), lens.getNear(), lens.getFar())
    yield cam, lens
    cam.setMat(saved[0])
    lens.setFov(saved[1])
    lens.setNearFar(saved[2], saved[3])


def lit_color(spec: SceneSpec, base: tuple[float, float, float], normal: tuple[float, float, float]) -> np.ndarray:
    """What fixed-function per-vertex lighting gives a flat face, in 0..255."""
    light = np.zeros(3)
    for item in spec.lights:
        if item.kind == "ambient":
            light += item.color
        else:
            d = np.asarray(item.direction) / np.linalg.norm(item.direction)
            light += np.asarray(item.color) * max(0.0, -float(np.dot(normal, d)))
    return np.clip(np.asarray(base) * light, 0.0, 1.0) * 255.0


def pixel_of(showbase, point: tuple[float, float, float], image: np.ndarray) -> tuple[int, int]:
    """(row, column) where a world point lands in `image` (top row first)."""
    p_cam = showbase.cam.getRelativePoint(showbase.render, Point3(*point))
    p2 = Point2()
    assert showbase.camLens.project(p_cam, p2), f"{point} is not in view"
    h, w = image.shape[:2]
    return int((1.0 - p2.y) / 2.0 * h), int((p2.x + 1.0) / 2.0 * w)


def patch(image: np.ndarray, row: int, col: int, r: int = 2) -> np.ndarray:
    return image[row - r : row + r + 1, col - r : col + r + 1].reshape(-1, 3).astype(float).mean(axis=0)


def direction_similarity(rgb: np.ndarray, reference: tuple[float, float, float]) -> float:
    a, b = np.asarray(rgb, float), np.asarray(reference, float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def render(showbase, scene_root, eye_camera, spec: SceneSpec):
    room = build_room(spec, scene_root)
    place_camera(*eye_camera, spec.eye)
    return room, grab_rgb(showbase)


def test_table_below_wall_above(showbase, scene_root, eye_camera) -> None:
    _, image = render(showbase, scene_root, eye_camera, TEST_SCENE)
    h, w, _ = image.shape
    assert image.dtype == np.uint8 and (h, w) == (showbase.win.getYSize(), showbase.win.getXSize())
    assert image.reshape(-1, 3).std(axis=0).max() > 20, "the image is uniform"

    lower_middle = patch(image, int(0.7 * h), w // 2)
    upper_middle = patch(image, int(0.05 * h), w // 2)
    assert direction_similarity(lower_middle, TABLE) > 0.995 > direction_similarity(lower_middle, WALL)
    assert direction_similarity(upper_middle, WALL) > 0.995 > direction_similarity(upper_middle, TABLE)
    # Lit exactly as the lights say: table top faces up, the front wall faces the patient.
    np.testing.assert_allclose(lower_middle, lit_color(TEST_SCENE, TABLE, (0, 0, 1)), atol=4)
    np.testing.assert_allclose(upper_middle, lit_color(TEST_SCENE, WALL, (0, -1, 0)), atol=4)


def test_table_top_centre_projects_into_lower_middle(showbase, scene_root, eye_camera) -> None:
    _, image = render(showbase, scene_root, eye_camera, TEST_SCENE)
    h, w, _ = image.shape
    row, col = pixel_of(showbase, table_top_center(TEST_SCENE.table), image)
    assert h / 2 < row < h and abs(col - w / 2) <= 1
    assert direction_similarity(patch(image, row + 3, col), TABLE) > 0.995
    # The near edge of the table is lower in the image still, the far edge higher.
    near_row, _ = pixel_of(showbase, (0.0, TEST_SCENE.table.near_edge_y + 0.02, TEST_SCENE.table.height), image)
    far_row, _ = pixel_of(showbase, (0.0, 0.98, TEST_SCENE.table.height), image)
    assert far_row < row < near_row


def test_lights_reach_everything_under_parent(showbase, scene_root, eye_camera) -> None:
    room, _ = render(showbase, scene_root, eye_camera, TEST_SCENE)
    lights = room.find("lights").getChildren()
    assert lights.getNumPaths() == len(TEST_SCENE.lights)
    limb = scene_root.attachNewNode("limb-stand-in")
    on_limb = limb.getNetState().getAttrib(LightAttrib)
    assert all(on_limb.hasOnLight(light) for light in lights)


def test_static_geometry_is_a_few_draw_calls(showbase, scene_root) -> None:
    spec = load_scene()
    room = build_room(spec, scene_root)
    geom_nodes = room.findAllMatches("**/+GeomNode")
    # one draw call per surface material (lit or emissive) in use, however many boxes share it
    kinds = {(spec.table.material, False), (spec.room.floor_material, False), (spec.room.wall_material, False),
             ("plain", False)} | {(item.material, item.emissive) for item in spec.furniture}
    assert sum(path.node().getNumGeoms() for path in geom_nodes) <= len(kinds) <= 8
    assert len(spec.furniture) > len(kinds)
    assert all(isinstance(path.node(), GeomNode) for path in geom_nodes)


def test_emissive_box_ignores_lights(showbase, scene_root, eye_camera) -> None:
    glow = (0.2, 0.9, 0.4)
    front = TEST_SCENE.room.front_y
    spec = SceneSpec(
        name="glow",
        room=TEST_SCENE.room,
        table=TEST_SCENE.table,
        lights=TEST_SCENE.lights,
        furniture=(BoxSpec("panel", (0.0, front - 0.05, 0.9), (3.0, 0.02, 0.4), glow, emissive=True),),
    )
    _, image = render(showbase, scene_root, eye_camera, spec)
    row, col = pixel_of(showbase, (0.0, front - 0.07, 0.9), image)
    np.testing.assert_allclose(patch(image, row, col), np.asarray(glow) * 255, atol=2)


def test_shipped_room_renders_with_table_in_front(showbase, scene_root, eye_camera) -> None:
    spec = load_scene()
    _, image = render(showbase, scene_root, eye_camera, spec)
    row, col = pixel_of(showbase, table_top_center(spec.table), image)
    assert row > image.shape[0] / 2
    np.testing.assert_allclose(patch(image, row, col), lit_color(spec, spec.table.color, (0, 0, 1)), atol=4)


def test_soft_light_shades_the_floor_round_furniture_and_at_the_walls(showbase, scene_root, eye_camera) -> None:
    room = RoomSpec(floor_color=(0.6, 0.5, 0.4), floor_material="plain", skirting_height=0.0)
    cabinet = BoxSpec("cabinet", (1.0, 2.0, 0.4), (0.8, 0.45, 0.8), (0.7, 0.6, 0.5), kind="cabinet")
    eye = EyeSpec((0.0, 0.0, 1.6), (0.4, 2.0, 0.0), 70.0)
    floor = {}
    for strength in (1.0, 0.0):
        spec = SceneSpec("soft", room=dataclasses.replace(room, soft_shadows=strength), table=TEST_SCENE.table,
                         eye=eye, lights=TEST_SCENE.lights, furniture=(cabinet,), table_shown=False)  # fmt: skip
        build_room(spec, scene_root, with_table=False)
        place_camera(*eye_camera, spec.eye)
        image = grab_rgb(showbase)
        points = {"open": (-0.3, 1.6, 0.0), "by the cabinet": (1.0, 1.72, 0.0), "at the wall": (-0.3, 2.94, 0.0)}
        floor[strength] = {k: patch(image, *pixel_of(showbase, p, image), r=1).sum() for k, p in points.items()}
        scene_root.clearLight()
        for child in scene_root.getChildren():
            child.removeNode()
    shaded, even = floor[1.0], floor[0.0]
    assert abs(even["by the cabinet"] - even["open"]) < 6 and abs(even["at the wall"] - even["open"]) < 6
    assert shaded["open"] > 0.97 * even["open"]  # the open floor keeps its light
    assert shaded["by the cabinet"] < 0.85 * shaded["open"] and shaded["at the wall"] < 0.92 * shaded["open"]
