"""Furniture kinds: each is built from several shapes that fill its box, turned to face the way it says."""

from __future__ import annotations

import typing

import numpy as np
import pytest
from panda3d.core import NodePath

from vrtherapy.render.furniture import add_furniture
from vrtherapy.render.room import build_room
from vrtherapy.render.room_mesh import RoomMesh
from vrtherapy.render.scene_spec import BoxSpec, FurnitureKind, load_scene, scene_for_limb

KINDS: tuple[str, ...] = typing.get_args(FurnitureKind)
#: Parts that may stand a little proud of a piece's box: handles, a lever, leaves tipping over.
PROUD_M = 0.035


def built(item: BoxSpec) -> dict[tuple[str, bool], RoomMesh]:
    meshes: dict[tuple[str, bool], RoomMesh] = {}

    def mesh_for(material: str, emissive: bool) -> RoomMesh:
        return meshes.setdefault((material, emissive), RoomMesh(f"{material}-{emissive}"))

    add_furniture(item, mesh_for)
    return meshes


def bounds(mesh: RoomMesh) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = NodePath(mesh.node()).getTightBounds()
    return np.array(lo), np.array(hi)


def centroid(mesh: RoomMesh) -> np.ndarray:
    lo, hi = bounds(mesh)
    return (lo + hi) / 2


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_fills_its_box(kind: str) -> None:
    size = {"rug": (1.2, 1.6, 0.01), "picture": (0.04, 0.7, 0.5), "clock": (0.34, 0.05, 0.34), "lamp": (0.5, 0.5, 0.06),
            "window": (1.4, 0.14, 1.1), "door": (0.07, 1.0, 2.1)}.get(kind, (0.6, 0.5, 0.9))  # fmt: skip
    center = (0.3, 1.5, size[2] / 2 + 0.2)
    facing = "+x" if size[0] < 0.1 else "auto"  # a door or a picture on a side wall
    item = BoxSpec("piece", center, size, kind=kind, facing=facing)  # type: ignore[arg-type]
    meshes = built(item)
    lo = np.min([bounds(m)[0] for m in meshes.values()], axis=0)
    hi = np.max([bounds(m)[1] for m in meshes.values()], axis=0)
    box_lo, box_hi = np.subtract(center, np.divide(size, 2)), np.add(center, np.divide(size, 2))
    assert np.all(lo >= box_lo - PROUD_M) and np.all(hi <= box_hi + PROUD_M), (lo, hi)
    # it fills its box: every side reached within a few centimetres (the plant's crown is rounded)
    slack = 0.2 * np.asarray(size) if kind in ("plant", "vase", "clock") else np.full(3, 0.03)
    assert np.all(lo <= box_lo + slack) and np.all(hi >= box_hi - slack), (lo, hi, box_lo, box_hi)
    triangles = sum(m.triangle_count for m in meshes.values())
    assert triangles == 12 if kind == "box" else triangles > 40  # a piece of furniture is more than a box


def test_facing_turns_the_front() -> None:
    """A cabinet's handles (trim; its body is wood) are on its front: towards the seat, or where `facing` says."""
    center = (1.2, 2.5, 0.4)
    for facing, axis, sign in (("auto", 1, -1), ("-y", 1, -1), ("+y", 1, 1), ("+x", 0, 1), ("-x", 0, -1)):
        item = BoxSpec("cabinet", center, (1.0, 1.0, 0.8), material="wood", kind="cabinet", facing=facing)  # type: ignore[arg-type]
        handles = centroid(built(item)[("plain", False)])
        assert sign * (handles[axis] - center[axis]) > 0.4, (facing, handles)
    # a wide cabinet turned to a side wall runs along that wall
    item = BoxSpec("cabinet", (1.7, 1.0, 0.4), (0.45, 1.1, 0.8), material="wood", kind="cabinet")
    lo, hi = bounds(built(item)[("plain", False)])
    assert hi[1] - lo[1] > 0.5 > hi[0] - lo[0]


def test_random_details_are_the_same_every_time() -> None:
    item = BoxSpec("fern", (0.0, 1.0, 0.6), (0.7, 0.7, 1.2), kind="plant")
    a, b = built(item)[("plain", False)].node(), built(item)[("plain", False)].node()
    assert NodePath(a).getTightBounds() == NodePath(b).getTightBounds()
    assert built(item)[("plain", False)].triangle_count == built(item)[("plain", False)].triangle_count


@pytest.mark.parametrize("limb", ["arm", "leg"])
def test_shipped_rooms_are_furnished_within_budget(scene_root, limb: str) -> None:
    spec = scene_for_limb(load_scene(), limb)
    kinds = {item.kind for item in spec.furniture}
    assert {"plant", "window"} <= kinds and len(kinds - {"box"}) >= 5
    room = build_room(spec, scene_root, with_table=limb == "arm")
    triangles = 0
    for path in room.findAllMatches("**/+GeomNode"):
        for geom in path.node().getGeoms():
            triangles += sum(geom.getPrimitive(i).getNumPrimitives() for i in range(geom.getNumPrimitives()))
    assert 3000 < triangles < 30000
