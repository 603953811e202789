"""Forward kinematics: joint angles -> bone frames, joint positions and skinning matrices.

Chaining the transforms down the tree runs as a numba-compiled loop (`kernels.chain`): numpy would
need a step per level of the tree (or log2 of them by pointer doubling), each costing more than the
whole compiled pass. The tests hold the compiled chain to a plain walk down the tree over scipy's
rotations.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.frames import to_homogeneous
from vrtherapy.motion.kernels import chain, chain_into_shader
from vrtherapy.motion.skeleton import FOREARM_TWIST_SHARE, Skeleton


def forward_kinematics(skeleton: Skeleton, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(J, 3) angles -> (J, 3, 3) bone frames and (J, 3) joint positions in the limb root frame."""
    chained = chain_transforms(skeleton, angles, np.eye(4))
    return chained[:, :3, :3], chained[:, :3, 3]


def chain_transforms(skeleton: Skeleton, angles: np.ndarray, root: np.ndarray) -> np.ndarray:
    """(J, 4, 4) bone transforms (frame and origin) below a (4, 4) root transform."""
    twist_joint, wrist = skeleton.twist_pair or (-1, -1)
    return chain(np.ascontiguousarray(angles, dtype=np.float64), skeleton.side_sign, skeleton.rest_rotations_c,
                  skeleton.offsets_c, skeleton.parents, twist_joint, wrist, FOREARM_TWIST_SHARE, root)  # fmt: skip


def to_world(
    frames: np.ndarray, positions: np.ndarray, root_rotation: np.ndarray, root_position: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Root-frame bone frames/positions -> world."""
    return root_rotation @ frames, positions @ root_rotation.T + root_position


def inverse_bind_matrices(skeleton: Skeleton) -> np.ndarray:
    """(J, 4, 4) inverses of the rest-pose bone transforms in the limb root frame."""
    frames, positions = skeleton.rest_globals
    rt = np.swapaxes(frames, 1, 2)
    return to_homogeneous(rt, -(rt @ positions[:, :, None])[:, :, 0])


def skinning_matrices(frames: np.ndarray, positions: np.ndarray, inverse_bind: np.ndarray) -> np.ndarray:
    """(J, 4, 4) transforms taking rest-pose mesh vertices (root frame) to their posed place."""
    return to_homogeneous(frames, positions) @ inverse_bind


def write_shader_joint_matrices(skeleton: Skeleton, pose, inverse_bind: np.ndarray, out: np.ndarray) -> None:
    """Skinning matrices for `pose` straight into the world (the root transform rides the chain), written
    into a float32 (>= J, 4, 4) shader array in Panda3D's row-vector layout: the per-frame joint update in
    one compiled call."""
    twist_joint, wrist = skeleton.twist_pair or (-1, -1)
    chain_into_shader(np.ascontiguousarray(pose.angles, dtype=np.float64), skeleton.side_sign,
                       skeleton.rest_rotations_c, skeleton.offsets_c, skeleton.parents, twist_joint, wrist,
                       FOREARM_TWIST_SHARE, np.ascontiguousarray(pose.root_rotation, dtype=np.float64),
                       np.ascontiguousarray(pose.root_position, dtype=np.float64), inverse_bind, out)  # fmt: skip


def landmarks_from_pose(skeleton: Skeleton, pose, n_points: int) -> np.ndarray:
    """World positions of the tracker landmarks a skeleton in `pose` would produce ((n_points, 3))."""
    frames, positions = forward_kinematics(skeleton, pose.angles)
    _, world = to_world(frames, positions, pose.root_rotation, pose.root_position)
    points = np.zeros((n_points, 3))
    has = skeleton.landmark >= 0
    points[skeleton.landmark[has]] = world[has]
    if skeleton.limb == "arm" and skeleton.twist_pair is not None:
        points[2] = world[skeleton.twist_pair[1]]  # the body-pose wrist sits at the hand's wrist
    return points
