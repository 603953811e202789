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
"""

from __future__ import annotations

import numpy as np
from panda3d.core import InternalName, NodePath

SNAP_M = 0.03  #: a limb this close above its surface is taken to rest on it
SAMPLES = 400  #: vertices used to find the skin's lowest point
_HAND_AND_FOREARM = {"arm": ("forearm", "forearm_twist", "wrist"), "leg": ("foot", "toes")}


def model_arrays(node: NodePath) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(V, 3) rest vertices, (V, 4) joint indices and (V, 4) weights read back from a limb model's node."""
    geom_node = node.node() if node.node().isGeomNode() else node.find("**/+GeomNode").node()
    vdata = geom_node.getGeom(0).getVertexData()
    fmt = vdata.getFormat()

    def column(name: InternalName, width: int) -> np.ndarray:
        # Panda3D may have split the columns over several arrays when it loaded the file.
        index = fmt.getArrayWith(name)
        array = fmt.getArray(index)
        data = np.frombuffer(memoryview(vdata.getArray(index)), dtype=np.float32).reshape(-1, array.getStride() // 4)
        start = array.getColumn(name).getStart() // 4
        return data[:, start : start + width].astype(np.float64)

    return (column(InternalName.getVertex(), 3), column(InternalName.make("joint_indices"), 4).astype(int),
            column(InternalName.make("joint_weights"), 4))  # fmt: skip


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
        self._vertices = np.concatenate([vertices[chosen], np.ones((len(chosen), 1))], axis=1)
        self._indices = indices[chosen, :3]
        self._weights = weights[chosen, :3]
        self.offset = 0.0  #: the vertical correction last applied (m)
        self.tip = 0.0  #: the hand's tip about the wrist last applied (radians)
        names = joint_names
        self._hand_first = names.index("wrist") if "wrist" in names else None
        self._hand = self._indices[:, 0] >= (self._hand_first if self._hand_first is not None else len(names))

    def lowest_points(self, matrices_rowmajor: np.ndarray) -> np.ndarray:
        """(N, 3) skinned sample points for the shader's (row-vector) joint matrices."""
        m = matrices_rowmajor[self._indices]  # (N, 3, 4, 4), row-vector convention
        blended = np.einsum("nk,nkij->nij", self._weights, m)
        return np.einsum("ni,nij->nj", self._vertices, blended)[:, :3]

    def correction(self, points: np.ndarray, surface_z: float, over_surface: np.ndarray | None = None) -> float:
        """Vertical offset (m) that puts the lowest of `points` (those over the surface) on it."""
        z = points[:, 2] if over_surface is None else points[over_surface, 2]
        if not len(z):
            return 0.0
        gap = float(z.min()) - surface_z
        if gap <= 0.0:
            return -gap
        fade = float(np.clip(2.0 - gap / SNAP_M, 0.0, 1.0))
        return -gap * fade

    @property
    def forearm(self) -> np.ndarray:
        """Which samples are on the forearm (not the hand)."""
        return ~self._hand

    def tip_hand(self, matrices_rowmajor: np.ndarray, rest_positions: np.ndarray, surface_z: float,
                 over_surface: np.ndarray | None = None, points: np.ndarray | None = None) -> float:  # fmt: skip
        """Lift a sinking hand by turning the forearm up about the elbow, or tip a hovering one down
        about the wrist (in place, on the row-vector matrices); returns the angle (radians, + = down)."""
        if self._hand_first is None:
            return 0.0
        wrist = self._hand_first
        if points is None:  # the sample points as these matrices place them
            points = self.lowest_points(matrices_rowmajor)
        use = np.ones(len(points), bool) if over_surface is None else over_surface
        hand, arm = use & self._hand, use & ~self._hand
        if not hand.any() or not arm.any():
            return 0.0
        arm_gap = float(points[arm, 2].min()) - surface_z
        hand_gap = float(points[hand, 2].min()) - surface_z
        elbow_w = rest_positions[wrist - 2] @ matrices_rowmajor[wrist - 2, :3, :3] + matrices_rowmajor[wrist - 2, 3, :3]
        wrist_w = rest_positions[wrist] @ matrices_rowmajor[wrist, :3, :3] + matrices_rowmajor[wrist, 3, :3]
        if hand_gap < 0.0:  # sinking: the forearm turns up about the elbow
            return self._turn(matrices_rowmajor, wrist - 2, elbow_w, wrist_w, points[hand], hand_gap)
        if arm_gap > 0.002:
            return 0.0
        along = wrist_w - elbow_w
        along[2] = 0.0
        norm = float(np.linalg.norm(along))
        if norm < 1e-6:
            return 0.0
        along /= norm
        low = points[hand][np.argmin(points[hand, 2])]
        reach = float(np.hypot(*(low - wrist_w)[:2]))
        if reach < 0.02:
            return 0.0
        fade = float(np.clip(2.0 - hand_gap / SNAP_M, 0.0, 1.0))
        angle = float(np.arcsin(min(hand_gap / reach, 0.5))) * fade
        _rotate_from(matrices_rowmajor, wrist, wrist_w, np.cross([0.0, 0.0, 1.0], along), angle)
        return angle

    @staticmethod
    def _turn(matrices: np.ndarray, first: int, pivot: np.ndarray, towards: np.ndarray, hand: np.ndarray,
              gap: float) -> float:  # fmt: skip
        """Turn joints `first`.. about `pivot` so the lowest `hand` point rises by -gap."""
        along = towards - pivot
        along[2] = 0.0
        norm = float(np.linalg.norm(along))
        low = hand[np.argmin(hand[:, 2])]
        reach = float(np.hypot(*(low - pivot)[:2]))
        if norm < 1e-6 or reach < 0.05:
            return 0.0
        angle = -float(np.arcsin(min(-gap / reach, 0.6)))
        _rotate_from(matrices, first, pivot, np.cross([0.0, 0.0, 1.0], along / norm), angle)
        return angle


def _rotate_from(matrices: np.ndarray, first: int, pivot: np.ndarray, axis: np.ndarray, angle: float) -> None:
    """Rotate joints `first`.. (row-vector matrices, in place) by `angle` about `axis` through `pivot`."""
    rotation = _axis_angle(axis, angle)
    about = np.eye(4)
    about[:3, :3] = rotation
    about[:3, 3] = pivot - rotation @ pivot  # column-vector form
    matrices[first:] = matrices[first:] @ about.T


def _axis_angle(axis: np.ndarray, angle: float) -> np.ndarray:
    k = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)
