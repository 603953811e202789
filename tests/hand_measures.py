"""Measures of a posed hand on its skinned mesh (as the shader draws it), shared by the hand-shape tests:
fingertips to the palm, the thumb to a finger's phalanx. `arm` is (skeleton, mesh, ArmBody)."""

import numpy as np

from vrtherapy.limbs.self_intersection import distance_to_part
from vrtherapy.limbs.skinning import pose_vertices
from vrtherapy.motion.kinematics import forward_kinematics, inverse_bind_matrices, skinning_matrices
from vrtherapy.motion.skeleton import FINGERS


def posed(arm, angles):
    skeleton, mesh, _ = arm
    frames, positions = forward_kinematics(skeleton, angles)
    m = skinning_matrices(frames, positions, inverse_bind_matrices(skeleton))
    return m, pose_vertices(mesh, m, skeleton)


def fingertips_to_palm_mm(arm, angles) -> dict[str, float]:
    """Per finger: the signed distance (mm, negative inside) from its end phalanx's skin to the palm's."""
    skeleton, mesh, body = arm
    m, p = posed(arm, angles)
    dominant = mesh.joint_indices[:, 0]
    return {f: 1000 * float(distance_to_part(body, "palm", m, p[dominant == skeleton.index(f"{f}_distal")]).min())
            for f in FINGERS}  # fmt: skip


def thumb_to_finger_mm(arm, angles, finger: str, segment: int = 1) -> float:
    """Signed distance (mm, negative: inside) from the thumb's skin to a finger's phalanx (0 proximal,
    1 middle, 2 end)."""
    skeleton, mesh, body = arm
    m, p = posed(arm, angles)
    thumb = np.isin(mesh.joint_indices[:, 0], [skeleton.index(f"thumb_{s}") for s in ("metacarpal", "proximal", "distal")])
    return 1000 * float(distance_to_part(body, f"{finger}-{segment}", m, p[thumb]).min())
