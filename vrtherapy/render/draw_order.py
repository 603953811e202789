"""The order a hand's triangles are drawn in, so that a finger's anti-aliased outline blends over the skin
behind it and not over the table.

On software GL the skin shader fades the last pixel of an outline into what is already drawn behind it
(`antialias.py`). Within one limb that is right only when the skin behind was drawn first: drawn later,
it fails the depth test against the faded pixel, and the table shows through as pale speckles along a
finger lying over the palm, or along the thumb of a fist. Sorting triangles every frame would cost
more than drawing them; but which part of a hand lies behind which depends mostly on one thing, whether
the palm faces the eye. Seen from the back of the hand, curled fingertips lie behind the knuckles and
the palm; seen from the palm, in front of it; the thumb of a fist or a pinch crosses in front of the
fingers either way. So the hand carries two index orders, made once from each triangle's dominant
joint, and `DrawOrder.face` picks one per frame from the palm's facing (a dot product), swapping the
drawn primitive only when the facing flips.
"""

from __future__ import annotations

import numpy as np
from panda3d.core import GeomEnums, GeomTriangles, NodePath

from vrtherapy.motion.skeleton import Skeleton
from vrtherapy.render.contact import vertex_column

#: Draw rank of each part, from the back of the hand: fingertips first, then the middle and first
#: segments, the hand and the arm, the thumb last; from the palm the fingers come after the hand, tips last.
_PALM_AWAY = {"distal": 0, "intermediate": 1, "proximal": 2, "body": 3, "thumb": 4}
_PALM_TOWARDS = {"body": 0, "proximal": 1, "intermediate": 2, "distal": 3, "thumb": 4}


def _part_ranks(skeleton: Skeleton, palm_away: bool) -> np.ndarray:
    """Draw rank per joint (see `_PALM_AWAY`)."""
    table = _PALM_AWAY if palm_away else _PALM_TOWARDS

    def part(name: str) -> str:
        digit, _, segment = name.partition("_")
        if digit == "thumb":
            return "thumb"
        return segment if segment in ("distal", "intermediate", "proximal") else "body"

    return np.array([table[part(name)] for name in skeleton.names])


class DrawOrder:
    """Two orders of one limb model's triangles (see the module docstring), swapped as the palm turns."""

    def __init__(self, node: NodePath, skeleton: Skeleton) -> None:
        self.node = node
        geom = node.node().getGeom(0)
        indices = memoryview(geom.getPrimitive(0).getVertices())
        triangles: np.ndarray = np.frombuffer(indices, dtype=_index_dtype(geom)).reshape(-1, 3)
        dominant = vertex_column(node, "joint_indices", 1)[:, 0].astype(int)
        self._original = geom.getPrimitive(0)
        self._orders: dict[bool, GeomTriangles] = {}
        for palm_away in (True, False):
            rank = _part_ranks(skeleton, palm_away)[dominant][triangles].min(axis=1)
            ordered = triangles[np.argsort(rank, kind="stable")]
            prim = GeomTriangles(geom.getPrimitive(0).getUsageHint())
            prim.setIndexType(GeomEnums.NT_uint32)
            prim.modifyVertices().modifyHandle().copyDataFrom(np.ascontiguousarray(ordered, dtype=np.uint32).ravel())
            self._orders[palm_away] = prim
        # The palm's rest position and its outward normal, from the mesh (the palmar skin of the hand).
        palmar = vertex_column(node, "skin", 4)[:, 3] > 0.8
        hand = np.isin(dominant, [skeleton.index(n) for n in ("wrist", "palm") if n in skeleton.names])
        on_palm = palmar & hand
        self._palm_joint = skeleton.index("wrist")
        self._palm_centre = vertex_column(node, "vertex", 3)[on_palm].mean(axis=0)
        normal = vertex_column(node, "normal", 3)[on_palm].mean(axis=0)
        self._palm_normal = normal / np.linalg.norm(normal)
        self.palm_away: bool | None = None

    def face(self, matrices_rowmajor: np.ndarray, eye: np.ndarray) -> None:
        """Draw in the order for how the palm faces `eye` (world point) with these shader matrices."""
        m = matrices_rowmajor[self._palm_joint].astype(float)
        centre = self._palm_centre @ m[:3, :3] + m[3, :3]
        palm_away = bool((self._palm_normal @ m[:3, :3]) @ (eye - centre) < 0.0)
        if palm_away != self.palm_away:
            self.node.node().modifyGeom(0).setPrimitive(0, self._orders[palm_away])
            self.palm_away = palm_away


def _index_dtype(geom) -> type:
    return {GeomEnums.NT_uint8: np.uint8, GeomEnums.NT_uint16: np.uint16}.get(geom.getPrimitive(0).getIndexType(), np.uint32)
