"""Contact: a resting limb touches its surface (hands and forearms the table, feet the floor), and no
skin ever shows through it.

A hand hovering a centimetre above the table while the instruction says "rest both hands on the
table" breaks the illusion, and so does a fingertip sinking into it during tapping. The tracked pose
is right about the limb's shape but only roughly right about its height (webcam depth, calibration),
so at the render edge the limb is moved vertically as a whole:

* skin below the surface is lifted out of it (always);
* a limb resting within `SNAP_M` above the surface is lowered onto it; between `SNAP_M` and
  `2 * SNAP_M` the correction fades out, so a limb lifted on purpose rises smoothly, never jumps;
* on a table, the arm is placed by its forearm alone; then a hand that would sink into the table
  (fingers curled under a fist, a tapping finger) is lifted by turning the forearm up about the elbow,
  as a real wrist rises, and a hand that hovers just above it while the forearm rests is tipped down
  about the wrist until it touches too (`tip_hand`): palm and forearm both rest, as on a real table.

The lowest point of the skin is found on a few hundred of the mesh's own vertices, skinned on the CPU
with the same joint matrices the shader gets (linear blend: within a fraction of a millimetre of the
shader's dual quaternions where these vertices lie, away from the folds).

The per-frame arithmetic is the compiled kernel `motion/kernels.rest_on_surface`: written in numpy it
was a few dozen small array calls per limb per frame (about 0.15 ms each), much of the session's own
per-frame work; this module gathers the samples and hands them over. `tests/contact_oracle.py` keeps
the numpy version the kernel is held to.
"""

from __future__ import annotations

import numpy as np
from panda3d.core import InternalName, NodePath

from vrtherapy.motion.kernels import rest_on_surface

SNAP_M = 0.03  #: a limb this close above its surface is taken to rest on it
SAMPLES = 400  #: vertices used to find the skin's lowest point
_HAND_AND_FOREARM = {"arm": ("forearm", "forearm_twist", "wrist"), "leg": ("foot", "toes")}
_NO_AREA = np.zeros(4)


def vertex_column(node: NodePath, name: str, width: int) -> np.ndarray:
    """(V, width) float64 values of one vertex column of a limb model's node (its single Geom)."""
    geom_node = node.node() if node.node().isGeomNode() else node.find("**/+GeomNode").node()
    vdata = geom_node.getGeom(0).getVertexData()
    fmt = vdata.getFormat()
    column = InternalName.make(name)
    # Panda3D may have split the columns over several arrays when it loaded the file.
    index = fmt.getArrayWith(column)
    array = fmt.getArray(index)
    data = np.frombuffer(memoryview(vdata.getArray(index)), dtype=np.float32).reshape(-1, array.getStride() // 4)
    start = array.getColumn(column).getStart() // 4
    return data[:, start : start + width].astype(np.float64)


def model_arrays(node: NodePath) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(V, 3) rest vertices, (V, 4) joint indices and (V, 4) weights read back from a limb model's node."""
    return (vertex_column(node, "vertex", 3), vertex_column(node, "joint_indices", 4).astype(int),
            vertex_column(node, "joint_weights", 4))  # fmt: skip


class Contact:
    """Keeps one limb's skin on its side of a horizontal surface (see the module docstring)."""

    def __init__(self, node: NodePath, joint_names: tuple[str, ...], limb: str) -> None:
        vertices, indices, weights = model_arrays(node)
        touching = [joint_names.index(n) for n in _HAND_AND_FOREARM[limb] if n in joint_names]
        # The parts that rest on the surface: forearm and hand (arm), foot and toes (leg).
        first = np.min(touching)
        candidates = np.flatnonzero(indices[:, 0] >= first)
        step = max(1, len(candidates) // SAMPLES)
        chosen = candidates[::step]
        #: the samples: homogeneous rest positions (N, 4), their three strongest joints and weights (N, 3)
        self.vertices = np.ascontiguousarray(np.concatenate([vertices[chosen], np.ones((len(chosen), 1))], axis=1))
        self.indices = np.ascontiguousarray(indices[chosen, :3])
        self.weights = np.ascontiguousarray(weights[chosen, :3])
        self.offset = 0.0  #: the vertical correction last applied (m)
        self.tip = 0.0  #: the hand's tip about the wrist last applied (radians; + = down, - = forearm raised)
        #: the wrist's joint index (the hand's first joint), -1 for a leg
        self.wrist = joint_names.index("wrist") if "wrist" in joint_names else -1
        #: which samples are on the hand (not the forearm)
        self.is_hand = self.indices[:, 0] >= (self.wrist if self.wrist >= 0 else len(joint_names))

    def rest(self, matrices_rowmajor: np.ndarray, rest_positions: np.ndarray, surface_z: float,
             area: tuple[float, float, float, float] | None) -> None:  # fmt: skip
        """Move the limb (the shader's row-vector joint matrices, in place) onto the surface at
        `surface_z`; `area` = (x_min, x_max, y_min, y_max) of a table top, where only skin over it
        counts and palm and forearm both rest (see the module docstring)."""
        self.offset, self.tip = rest_on_surface(
            matrices_rowmajor, len(matrices_rowmajor), self.vertices, self.indices, self.weights, self.is_hand,
            float(surface_z), _NO_AREA if area is None else np.asarray(area, float), area is not None,
            rest_positions, self.wrist, SNAP_M,
        )
