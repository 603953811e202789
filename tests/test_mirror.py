"""Mirror math: reflection across the sagittal plane, proper rotations, involution, side swap."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vrtherapy.motion.mirror import MirrorPlane, mirror_sample, reflect_points, reflect_rotation
from vrtherapy.tracking.sample import ARM_POINTS, TrackedSample


def test_known_points_reflect_across_midline():
    plane = MirrorPlane()
    pts = np.array([[0.2, 0.4, 0.8], [0.0, 0.1, 1.0], [-0.35, 0.5, 0.75]])
    np.testing.assert_allclose(reflect_points(pts, plane), [[-0.2, 0.4, 0.8], [0.0, 0.1, 1.0], [0.35, 0.5, 0.75]])


def test_oblique_plane_reflection_is_distance_preserving_and_fixes_the_plane():
    plane = MirrorPlane(point=np.array([0.05, 0.0, 0.0]), normal=np.array([1.0, 0.2, 0.0]))
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(50, 3))
    out = reflect_points(pts, plane)
    d_in = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    d_out = np.linalg.norm(out[:, None] - out[None], axis=-1)
    np.testing.assert_allclose(d_in, d_out, atol=1e-12)
    on_plane = plane.point + np.cross(plane.normal, [0, 0, 1.0]) * 0.3
    np.testing.assert_allclose(reflect_points(on_plane, plane), on_plane, atol=1e-12)
    # signed distance to the plane flips
    np.testing.assert_allclose((out - plane.point) @ plane.normal, -(pts - plane.point) @ plane.normal, atol=1e-12)


def test_reflected_rotation_is_proper_and_mirrors_the_frame():
    plane = MirrorPlane()
    rot = Rotation.from_euler("xyz", [20, -35, 70], degrees=True).as_matrix()
    out = reflect_rotation(rot, plane)
    assert np.linalg.det(out) == pytest.approx(1.0)
    np.testing.assert_allclose(out.T @ out, np.eye(3), atol=1e-12)
    # Y and Z axes (along the segment, palmar side) are reflected; X is flipped back to stay right-handed.
    m = plane.reflection
    np.testing.assert_allclose(out[:, 1], m @ rot[:, 1])
    np.testing.assert_allclose(out[:, 2], m @ rot[:, 2])
    np.testing.assert_allclose(out[:, 0], -(m @ rot[:, 0]))


def test_mirroring_twice_returns_the_input():
    plane = MirrorPlane(point=np.array([0.02, 0.0, 0.0]), normal=np.array([0.98, 0.1, 0.05]))
    rng = np.random.default_rng(2)
    pts = rng.normal(size=(24, 3))
    np.testing.assert_allclose(reflect_points(reflect_points(pts, plane), plane), pts, atol=1e-12)
    rots = Rotation.random(10, random_state=3).as_matrix()
    np.testing.assert_allclose(reflect_rotation(reflect_rotation(rots, plane), plane), rots, atol=1e-12)
    sample = TrackedSample("arm", "right", 1.0, pts)
    twice = mirror_sample(mirror_sample(sample, plane), plane)
    assert twice.side == "right"
    np.testing.assert_allclose(twice.points, pts, atol=1e-12)


def test_mirror_sample_swaps_side_and_keeps_time():
    pts = np.tile([0.2, 0.3, 0.8], (len(ARM_POINTS), 1))
    out = mirror_sample(TrackedSample("arm", "right", 5.5, pts, confidence=0.8), MirrorPlane())
    assert out.side == "left" and out.t_capture == 5.5 and out.confidence == 0.8
    assert (out.points[:, 0] < 0).all()


def test_degenerate_plane_is_refused():
    with pytest.raises(ValueError):
        MirrorPlane(normal=np.zeros(3))


@pytest.mark.parametrize("normal", [(1.0, 0.0, 0.0), (0.97, 0.2, -0.1)])
def test_reflected_pose_puts_every_joint_at_the_mirror_image(normal):
    """Mirroring the pose (same angles, reflected root) equals reflecting the posed joints in space."""
    from vrtherapy.motion.kinematics import forward_kinematics, to_world
    from vrtherapy.motion.mirror import reflect_pose
    from vrtherapy.motion.pose import LimbPose
    from vrtherapy.motion.skeleton import build_arm_skeleton

    plane = MirrorPlane(point=np.array([0.01, 0.0, 0.0]), normal=np.array(normal))
    rng = np.random.default_rng(9)
    skeletons = {s: build_arm_skeleton(s) for s in ("left", "right")}
    sk = skeletons["right"]
    angles = np.where(sk.free, rng.uniform(sk.limits[..., 0], sk.limits[..., 1]), 0.0)
    root = Rotation.from_euler("z", 12, degrees=True).as_matrix()
    pose = LimbPose("right", angles, np.array([0.2, 0.0, 1.05]), root, 3.0)
    mirrored = reflect_pose(pose, plane)
    assert mirrored.side == "left" and mirrored.t_capture == 3.0
    assert np.linalg.det(mirrored.root_rotation) == pytest.approx(1.0)
    fr, pr = to_world(*forward_kinematics(sk, angles), pose.root_rotation, pose.root_position)
    fl, pl = to_world(*forward_kinematics(skeletons["left"], angles), mirrored.root_rotation, mirrored.root_position)
    np.testing.assert_allclose(pl, reflect_points(pr, plane), atol=1e-12)
    np.testing.assert_allclose(fl, reflect_rotation(fr, plane), atol=1e-12)
    back = reflect_pose(mirrored, plane)
    np.testing.assert_allclose(back.root_rotation, root, atol=1e-12)
    np.testing.assert_allclose(back.root_position, pose.root_position, atol=1e-12)
