"""Forward kinematics: joint angles -> bone frames, joint positions and skinning matrices.

Vectorised over joints: the transforms are chained down the tree by pointer doubling, four numpy
steps for an arm's nine levels.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.frames import to_homogeneous
from vrtherapy.motion.rotations import euler_to_matrix
from vrtherapy.motion.skeleton import FOREARM_TWIST_SHARE, Skeleton


def rendered_angles(skeleton: Skeleton, angles: np.ndarray) -> np.ndarray:
    """Spread the wrist's forearm rotation over the forearm_twist joint as the skin should show it."""
    if skeleton.twist_pair is None:
        return angles
    twist_joint, wrist = skeleton.twist_pair
    out = angles.copy()
    twist = angles[wrist, 2]
    out[twist_joint, 2] = FOREARM_TWIST_SHARE * twist
    out[wrist, 2] = (1.0 - FOREARM_TWIST_SHARE) * twist
    return out


def local_rotations(skeleton: Skeleton, angles: np.ndarray) -> np.ndarray:
    """(J, 3, 3) local rotations: rest rotation then the joint's own motion."""
    return skeleton.rest_rotations @ euler_to_matrix(rendered_angles(skeleton, angles), skeleton.side_sign)


def forward_kinematics(skeleton: Skeleton, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(J, 3) angles -> (J, 3, 3) bone frames and (J, 3) joint positions in the limb root frame."""
    chained = chain_transforms(skeleton, angles, np.eye(4))
    return chained[:, :3, :3], chained[:, :3, 3]


def chain_transforms(skeleton: Skeleton, angles: np.ndarray, root: np.ndarray) -> np.ndarray:
    """(J, 4, 4) bone transforms (frame and origin) below a (4, 4) root transform.

    Chains the local transforms by pointer doubling: after step k every joint holds the product of
    up to 2**k transforms above it, so a tree of depth D takes ceil(log2 D) vectorised steps.
    """
    n = len(skeleton.names)
    transforms = np.empty((n + 2, 4, 4))
    transforms[:n] = skeleton.local_transform_template
    transforms[:n, :3, :3] = local_rotations(skeleton, angles)
    transforms[n] = root  # above the limb's root joint
    transforms[n + 1] = np.eye(4)  # above that, so the root is not multiplied by itself
    for ancestors in skeleton.doubling_ancestors:
        transforms = transforms[ancestors] @ transforms
    return transforms[:n]


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


def world_skinning_matrices(skeleton: Skeleton, pose, inverse_bind: np.ndarray) -> np.ndarray:
    """Skinning matrices for `pose` straight into the world (the root transform rides the chain)."""
    root = np.eye(4)
    root[:3, :3] = pose.root_rotation
    root[:3, 3] = pose.root_position
    return chain_transforms(skeleton, pose.angles, root) @ inverse_bind


def landmarks_from_pose(skeleton: Skeleton, pose, n_points: int) -> np.ndarray:
    """World positions of the tracker landmarks a skeleton in `pose` would produce ((n_points, 3))."""
    frames, positions = forward_kinematics(skeleton, pose.angles)
    _, world = to_world(frames, positions, pose.root_rotation, pose.root_position)
    points = np.zeros((n_points, 3))
    has = skeleton.landmark >= 0
    points[skeleton.landmark[has]] = world[has]
    if skeleton.limb == "arm":
        points[2] = world[skeleton.twist_pair[1]]  # the body-pose wrist sits at the hand's wrist
    return points
