"""A skinned virtual limb in the scene, posed each frame from a LimbPose.

The mesh is skinned on the GPU (`shaders/skin.*.glsl`, dual quaternions and hinge creases). Each frame the
pose's joint angles go through forward kinematics to world-space skinning matrices, which are written
straight into the memory of the shader's joint-matrix array, and their dual quaternions into the
shader's dual-quaternion array, each by a compiled kernel (`motion/kernels.py`): no per-joint calls
into Panda3D, no numpy calls per joint.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
from panda3d.core import (
    NodePath,
    OmniBoundingVolume,
    PTA_float,
    PTA_LMatrix4f,
    PTA_LVecBase3f,
    PTA_LVecBase4f,
    Shader,
    TransparencyAttrib,
)

from vrtherapy.errors import ConfigError
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.limbs.hinges import hinge_tables
from vrtherapy.limbs.model_io import LimbModel
from vrtherapy.motion.kernels import dual_quaternions_into
from vrtherapy.motion.kinematics import inverse_bind_matrices, write_shader_joint_matrices
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import Skeleton
from vrtherapy.render.contact import Contact
from vrtherapy.render.draw_order import DrawOrder

MAX_JOINTS = 32  #: size of the joint array in skin.vert.glsl

#: Joints whose segments cast the contact shadows: (start, middle, end) -> the distal segment
#: middle->end and the proximal one start->middle. Arm: forearm and hand; leg: heel-ankle and foot.
_SHADOW_JOINTS = {"arm": ("forearm", "wrist", "middle_proximal"), "leg": ("heel", "foot", "toes_tip")}
#: The limb's direction from its root in the rest pose, along which the sleeve/trouser edge is measured.
_REST_AXIS = {"arm": (0.0, 1.0, 0.0), "leg": (0.0, 0.0, -1.0)}


def load_skin_shader() -> Shader:
    folder = resources.files("vrtherapy.render") / "shaders"
    return Shader.make(
        Shader.SL_GLSL,
        (folder / "skin.vert.glsl").read_text(),
        (folder / "skin.frag.glsl").read_text(),
    )


class LimbNode:
    """One limb model placed under `parent`, hidden until it receives a pose."""

    def __init__(self, model: LimbModel, skeleton: Skeleton, parent: NodePath, appearance: Appearance,
                 shader: Shader) -> None:  # fmt: skip
        if model.side != skeleton.side:
            raise ValueError(f"model is a {model.side} limb but the skeleton is {skeleton.side}")
        if model.dimensions != skeleton.dimensions:
            raise ConfigError(
                f"the {model.side} limb model was built for other arm measurements than this patient's "
                "(rebuild it with: vrtherapy models build)"
            )
        if len(skeleton.names) > MAX_JOINTS:
            raise ValueError(f"{len(skeleton.names)} joints exceed the shader's {MAX_JOINTS}")
        self.skeleton = skeleton
        self.node = model.node.copyTo(parent)
        self.node.setName(f"limb-{skeleton.side}")
        # The shader moves every vertex, so the rest-pose bounds mean nothing to the culler.
        self.node.node().setBounds(OmniBoundingVolume())
        self.node.node().setFinal(True)
        self.node.setShader(shader)
        self._pta = PTA_LMatrix4f.emptyArray(MAX_JOINTS)
        self._matrices = np.frombuffer(self._pta, dtype=np.float32).reshape(MAX_JOINTS, 4, 4)
        self._matrices[:] = np.eye(4, dtype=np.float32)
        self.node.setShaderInput("u_joints", self._pta)
        self._dq_pta = PTA_LVecBase4f.emptyArray(2 * MAX_JOINTS)
        self._dq = np.frombuffer(self._dq_pta, dtype=np.float32).reshape(MAX_JOINTS, 2, 4)
        self._dq[:] = (0.0, 0.0, 0.0, 1.0)
        self._dq[:, 1] = 0.0
        self.node.setShaderInput("u_dq", self._dq_pta)
        rest, axis, parent_axis, parents = hinge_tables(skeleton)
        for name, values, pta_type, width in (("u_joint_rest", rest, PTA_LVecBase3f, 3),
                                              ("u_joint_axis", axis, PTA_LVecBase3f, 3),
                                              ("u_joint_parent_axis", parent_axis, PTA_LVecBase3f, 3),
                                              ("u_joint_parent", parents, PTA_float, 1)):  # fmt: skip
            pta = pta_type.emptyArray(MAX_JOINTS)
            view = np.frombuffer(pta, dtype=np.float32).reshape(MAX_JOINTS, width)
            view[:] = 0.0
            view[: len(values)] = np.asarray(values, np.float32).reshape(len(values), width)
            self.node.setShaderInput(name, pta)
        self._joint_count = len(skeleton.names)
        self._inverse_bind = inverse_bind_matrices(skeleton)
        rest_positions = skeleton.rest_globals[1]
        # Where the contact shadows go (see _SHADOW_JOINTS).
        self._shadow_joints = [skeleton.index(n) for n in _SHADOW_JOINTS[skeleton.limb]]
        self._shadow_rest = np.append(rest_positions[self._shadow_joints], np.ones((3, 1)), axis=1)
        self._surface: tuple[float, tuple[float, float, float, float] | None] | None = None
        self._rest_positions = skeleton.rest_globals[1]
        self._contact: Contact | None = None
        #: a hand's triangles drawn in the order for how its palm faces the eye (`draw_order.py`)
        self._draw_order = DrawOrder(self.node, skeleton) if skeleton.limb == "arm" else None
        self.set_appearance(appearance)
        self.set_edge_antialiasing(False)
        self.node.hide()
        self.pose: LimbPose | None = None

    def set_edge_antialiasing(self, on: bool) -> None:
        """Fade the silhouette's last pixel into what lies behind (software GL's anti-aliasing): the
        limb is then drawn after everything opaque, blended."""
        self.node.setShaderInput("u_edge_aa", 1.0 if on else 0.0)
        if on:
            self.node.setTransparency(TransparencyAttrib.MAlpha)
            self.node.setBin("fixed", 10)
        else:
            self.node.clearTransparency()
            self.node.clearBin()

    def set_appearance(self, appearance: Appearance) -> None:
        self.node.setShaderInput("u_skin_color", appearance.skin_color)
        if self.skeleton.limb == "leg":
            self.node.setShaderInput("u_sleeve", (*appearance.trouser_color, appearance.trouser_length))
        else:
            self.node.setShaderInput("u_sleeve", (*appearance.sleeve_color, appearance.sleeve_length))
        self.node.setShaderInput("u_rest_axis", _REST_AXIS[self.skeleton.limb])
        self.node.setShaderInput("u_nail", (*appearance.nail_rgb, 1.0 if appearance.nails else 0.0))
        self.node.setShaderInput("u_palm_color", appearance.palm_rgb)

    def update(self, pose: LimbPose | None, eye: np.ndarray | None = None) -> bool:
        """Pose the limb (None hides it), seen from `eye` (world point; None: keep the draw order);
        False when the pose is the one already shown."""
        if pose is self.pose:
            return False  # the tracker runs slower than the display: many frames repeat a pose
        self.pose = pose
        if pose is None:
            self.node.hide()
            return True
        write_shader_joint_matrices(self.skeleton, pose, self._inverse_bind, self._matrices)
        if self._surface is not None:
            self._rest_on_surface()
        dual_quaternions_into(self._matrices, self._joint_count, self._dq)
        if self._draw_order is not None and eye is not None:
            self._draw_order.face(self._matrices, eye)
        self.node.show()
        return True

    def set_surface(self, height: float, area: tuple[float, float, float, float] | None = None) -> None:
        """Keep the limb on the horizontal surface at `height` (m): lowered onto it when resting just
        above, lifted out of it when sinking (`contact.py`). `area` = (x_min, x_max, y_min, y_max) of a
        table top: only skin over it counts."""
        self._surface = (height, area)
        if self._contact is None:
            self._contact = Contact(self.node, tuple(self.skeleton.names), self.skeleton.limb)

    def clear_surface(self) -> None:
        """Draw the pose as given, with no contact correction."""
        self._surface = None

    def _rest_on_surface(self) -> None:
        assert self._surface is not None and self._contact is not None
        height, area = self._surface
        self._contact.rest(self._matrices[: self._joint_count], self._rest_positions, height, area)

    def shadow_segments(self) -> np.ndarray | None:
        """(2, 2, 3) world segments casting contact shadows: the hand and forearm, or the foot."""
        if self.pose is None:
            return None
        world = self._matrices[self._shadow_joints].astype(float).transpose(0, 2, 1)  # back to column vectors
        elbow, wrist, knuckle = (world @ self._shadow_rest[:, :, None])[:, :3, 0]
        return np.array([[wrist, knuckle], [elbow, wrist]])

    def destroy(self) -> None:
        self.node.removeNode()
