"""The generated leg + foot mesh: closed skin, outward normals, weights, mirror symmetry, fit, skinning, files."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from vrtherapy.frames import SAGITTAL_REFLECTION
from vrtherapy.limbs.leg_mesh import HIP_CUT_DEPTH, LegBody, generate_leg_mesh
from vrtherapy.limbs.mesh_generator import LimbMesh
from vrtherapy.limbs.model_io import default_model_path, load_limb_model, save_limb_model
from vrtherapy.limbs.skinning import skin_vertices
from vrtherapy.motion.calibration import SEATED_LEG_DEG
from vrtherapy.motion.kinematics import forward_kinematics, inverse_bind_matrices, skinning_matrices
from vrtherapy.motion.leg_skeleton import LEG_JOINTS, LegDimensions, build_leg_skeleton
from vrtherapy.motion.skeleton import Skeleton

PIXEL = 0.002  #: side-view raster cell for silhouettes (metres)


@pytest.fixture(scope="module")
def right() -> tuple[Skeleton, LimbMesh]:
    skeleton = build_leg_skeleton("right")
    return skeleton, generate_leg_mesh(skeleton)


@pytest.fixture(scope="module")
def left() -> tuple[Skeleton, LimbMesh]:
    skeleton = build_leg_skeleton("left")
    return skeleton, generate_leg_mesh(skeleton)


def posed(skeleton: Skeleton, mesh: LimbMesh, **flexion_deg: float) -> np.ndarray:
    """Skinned vertices with the named joints flexed by the given degrees."""
    angles = np.zeros((len(skeleton.names), 3))
    for joint, degrees in flexion_deg.items():
        angles[skeleton.index(joint), 0] = np.radians(degrees)
    frames, positions = forward_kinematics(skeleton, angles)
    return skin_vertices(mesh, skinning_matrices(frames, positions, inverse_bind_matrices(skeleton)))


def edge_use(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.sort(triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    return np.unique(edges, axis=0, return_counts=True)


def boundary_loops(triangles: np.ndarray) -> list[list[int]]:
    """The mesh's boundary edges chained into closed loops of vertex ids."""
    edges, uses = edge_use(triangles)
    boundary = edges[uses == 1]
    neighbours: dict[int, list[int]] = {}
    for a, b in boundary:
        neighbours.setdefault(int(a), []).append(int(b))
        neighbours.setdefault(int(b), []).append(int(a))
    assert all(len(n) == 2 for n in neighbours.values()), "boundary vertices on exactly two boundary edges"
    loops, unvisited = [], set(neighbours)
    while unvisited:
        start = unvisited.pop()
        loop, previous, current = [start], start, neighbours[start][0]
        while current != start:
            unvisited.discard(current)
            loop.append(current)
            previous, current = current, next(n for n in neighbours[current] if n != previous)
        loops.append(loop)
    return loops


def side_silhouette(
    points: np.ndarray, triangles: np.ndarray, origin: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Boolean (y, z) image of the triangles projected on the Y-Z plane (a side view), 2 mm cells.

    Each triangle is sampled on a barycentric lattice finer than a cell, so the image has no holes.
    """
    n = 8
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = i + j <= n
    bary = np.stack([i[keep], j[keep], n - i[keep] - j[keep]], axis=1) / n  # (S, 3)
    yz = points[:, 1:]
    samples = np.einsum("sk,tkd->tsd", bary, yz[triangles]).reshape(-1, 2)
    cells = np.floor((samples - origin) / PIXEL).astype(int)
    inside = np.all((cells >= 0) & (cells < shape), axis=1)
    image = np.zeros(shape, bool)
    image[cells[inside, 0], cells[inside, 1]] = True
    return image


def test_arrays_layout_and_vertex_budget(right):
    _, mesh = right
    v = mesh.vertex_count
    assert mesh.vertices.shape == (v, 3) and mesh.vertices.dtype == np.float32
    assert mesh.normals.shape == (v, 3) and mesh.uvs.shape == (v, 2)
    assert mesh.joint_indices.shape == (v, 4) and mesh.joint_weights.shape == (v, 4)
    assert mesh.nail.shape == (v,) and mesh.nail.dtype == np.float32
    assert 6_000 <= v <= 12_500, "vertex budget for software GL skinning"
    assert mesh.triangles.min() >= 0 and mesh.triangles.max() < v
    assert np.all((mesh.uvs[:, 0] >= 0.0) & (mesh.uvs[:, 0] <= 1.0)) and mesh.uvs[:, 1].min() >= -1e-6


def test_skin_weights_have_at_most_three_influences(right):
    skeleton, mesh = right
    w, idx = mesh.joint_weights, mesh.joint_indices
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(w >= 0.0) and np.all(np.diff(w, axis=1) <= 1e-7)
    assert np.all(w[:, 3] == 0.0), "the GPU skinning shader takes at most three influences"
    assert idx.min() >= 0 and idx.max() < len(skeleton.names)
    used = set(np.unique(idx[w > 0.0]))
    assert used == {skeleton.index(n) for n in ("thigh", "shank", "foot", "toes")}, "heel/toes_tip get no weight"


def test_skin_is_closed_except_one_loop_at_the_thigh_cut(right):
    _, mesh = right
    _, uses = edge_use(mesh.triangles)
    assert uses.max() == 2, "no edge shared by more than two triangles"
    loops = boundary_loops(mesh.triangles)
    assert len(loops) == 1
    np.testing.assert_allclose(mesh.vertices[loops[0], 2], -HIP_CUT_DEPTH, atol=1e-6)
    assert mesh.vertices[:, 2].max() <= -HIP_CUT_DEPTH + 1e-6


def test_normals_are_unit_and_point_outwards(right):
    skeleton, mesh = right
    v = mesh.vertices.astype(float)
    np.testing.assert_allclose(np.linalg.norm(mesh.normals, axis=1), 1.0, atol=1e-5)
    # Counter-clockwise winding seen from outside: face normals agree with the vertex normals ...
    t = v[mesh.triangles]
    face_n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    assert np.mean(np.einsum("ij,ij->i", face_n, mesh.normals[mesh.triangles].sum(axis=1)) > 0.0) > 0.999
    # ... and the skin, capped at the cut, encloses a positive, leg-sized volume (litres).
    cap_centre = v[boundary_loops(mesh.triangles)[0]].mean(axis=0)
    volume = np.einsum("ij,ij->i", t[:, 0] - cap_centre, np.cross(t[:, 1] - cap_centre, t[:, 2] - cap_centre)).sum() / 6
    assert 6.0 < volume * 1000 < 14.0
    # On the thigh and shank, normals point away from the bone.
    _, joints = skeleton.rest_globals
    leg = v[:, 2] > joints[skeleton.index("foot"), 2] + 0.03
    radial = v[leg] - np.array([0.0, 0.0, 1.0]) * v[leg, 2:3]
    assert np.mean(np.einsum("ij,ij->i", mesh.normals[leg], radial) > 0.0) > 0.99


def test_left_mesh_is_the_mirror_image_of_the_right(right, left):
    (_, r), (_, lm) = right, left
    distances, nearest = cKDTree(lm.vertices).query(r.vertices @ SAGITTAL_REFLECTION.T)
    assert distances.max() < 1e-3
    np.testing.assert_allclose(lm.joint_weights[nearest], r.joint_weights, atol=1e-6)
    assert np.array_equal(lm.joint_indices[nearest], r.joint_indices)
    np.testing.assert_allclose(lm.normals[nearest], r.normals @ SAGITTAL_REFLECTION.T, atol=1e-5)


def test_mesh_follows_the_leg_dimensions():
    dims = LegDimensions(shank=0.40, foot_length=0.245)
    skeleton = build_leg_skeleton("right", dims)
    mesh = generate_leg_mesh(skeleton)
    v = mesh.vertices
    # The sole lies ankle_height below the ankle, so the skin's extent gives the knee-to-ankle length.
    knee_to_ankle = -v[:, 2].min() - dims.thigh - dims.ankle_height
    assert knee_to_ankle == pytest.approx(0.40, abs=0.01)
    # The skin's weights hand over at the knee and the ankle: the two handovers are a shank apart.
    names = np.array(skeleton.names)
    top = names[mesh.joint_indices[:, 0]]
    knee_z = 0.5 * (v[top == "thigh", 2].min() + v[top == "shank", 2].max())
    ankle_z = 0.5 * (v[top == "shank", 2].min() + v[top == "foot", 2].max())
    assert knee_z - ankle_z == pytest.approx(0.40, abs=0.01)
    # The foot (below the ankle) runs heel to toe over the requested length.
    _, joints = skeleton.rest_globals
    foot = v[v[:, 2] < joints[skeleton.index("foot"), 2] - 0.03]
    assert np.ptp(foot[:, 1]) == pytest.approx(dims.foot_length, abs=0.01)
    # The ankle is slim and the knee broad, where the skeleton puts them.
    def width(z: float) -> float:
        ring = v[np.abs(v[:, 2] - z) < 0.007]  # at least one ring of the tube
        return float(np.ptp(ring[:, 0]))

    assert 0.055 < width(ankle_z + 0.06) < 0.08
    assert 0.09 < width(knee_z) < 0.115


def test_rest_pose_skinning_is_the_identity(right):
    skeleton, mesh = right
    np.testing.assert_allclose(posed(skeleton, mesh), mesh.vertices, atol=1e-6)


def test_ankle_flexion_changes_the_foot_silhouette(right):
    skeleton, mesh = right
    _, joints = skeleton.rest_globals
    ankle = joints[skeleton.index("foot")]
    up = posed(skeleton, mesh, foot=20.0)  # dorsiflexion
    down = posed(skeleton, mesh, foot=-40.0)  # plantarflexion
    # Side view of everything below mid-shank.
    low = np.all(mesh.vertices[mesh.triangles, 2] < ankle[2] + 0.2, axis=1)
    tris = mesh.triangles[low]
    origin = np.array([-0.15, ankle[2] - 0.3])
    shape = (int(0.5 / PIXEL), int(0.55 / PIXEL))
    a = side_silhouette(up, tris, origin, shape)
    b = side_silhouette(down, tris, origin, shape)
    assert a.sum() > 1000 and b.sum() > 1000
    iou = (a & b).sum() / (a | b).sum()
    assert iou < 0.8
    tip = np.linalg.norm(mesh.vertices - joints[skeleton.index("toes_tip")], axis=1) < 0.03
    assert tip.sum() > 20
    assert up[tip, 2].mean() > mesh.vertices[tip, 2].mean() + 0.04, "toes rise in dorsiflexion"
    assert down[tip, 2].mean() < mesh.vertices[tip, 2].mean() - 0.05, "toes drop in plantarflexion"


def test_knee_flexion_swings_the_foot_back_and_leaves_the_thigh(right):
    skeleton, mesh = right
    after = posed(skeleton, mesh, shank=90.0)
    _, joints = skeleton.rest_globals
    knee, ankle = joints[skeleton.index("shank")], joints[skeleton.index("foot")]
    v = mesh.vertices.astype(float)
    thigh = v[:, 2] > knee[2] + 0.06
    assert thigh.sum() > 1000 and np.abs(after[thigh] - v[thigh]).max() < 1e-6
    # Below the ankle the skin turns rigidly about the knee: down becomes back, forward becomes down.
    foot = v[:, 2] < ankle[2] - 0.02
    turn = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    np.testing.assert_allclose(after[foot], knee + (v[foot] - knee) @ turn.T, atol=1e-5)
    ankle_skin = np.abs(v[:, 2] - ankle[2]) < 0.01
    swing = after[ankle_skin].mean(axis=0) - v[ankle_skin].mean(axis=0)
    shank = knee[2] - ankle[2]
    assert -swing[1] == pytest.approx(shank, abs=0.03) and swing[2] == pytest.approx(shank, abs=0.03)


def test_default_leg_models_load_with_the_leg_joints(showbase):
    for side in ("right", "left"):
        path = default_model_path(side, "leg")
        assert path.name == f"{side}_leg.bam" and path.stat().st_size < 2_000_000
        model = load_limb_model(path, showbase.loader)
        assert (model.side, model.limb) == (side, "leg")
        assert model.joint_names == LEG_JOINTS
        assert model.dimensions == LegDimensions()
        assert 6_000 <= model.vertex_count <= 12_500
    assert load_limb_model(default_model_path("right"), showbase.loader).limb == "arm"


def test_saved_leg_model_round_trips(right, showbase, tmp_path):
    skeleton, mesh = right
    path = tmp_path / "leg.bam"
    save_limb_model(mesh, skeleton, path)
    model = load_limb_model(path, showbase.loader)
    assert (model.side, model.limb, model.joint_names, model.vertex_count) == (
        "right", "leg", LEG_JOINTS, mesh.vertex_count)  # fmt: skip
    assert model.dimensions == skeleton.dimensions


def test_toenails_sit_on_top_of_the_toes_near_their_tips(right):
    skeleton, mesh = right
    assert np.all((mesh.nail >= 0.0) & (mesh.nail <= 1.0))
    frames, joints = skeleton.rest_globals
    toes = skeleton.index("toes")
    ball, axis, underside = joints[toes], frames[toes][:, 1], frames[toes][:, 2]
    on_nail = mesh.nail > 0.0
    v = mesh.vertices[on_nail].astype(float)
    assert np.all(mesh.joint_indices[on_nail, 0] == toes), "toenails move with the toes"
    # The toes' joint line runs obliquely, further back on the outer side (+x), 0.3 m per metre.
    assert np.all((v - ball) @ axis + 0.3 * v[:, 0] > 0.01), "toenails are out on the toes, past the ball"
    assert np.all(mesh.normals[on_nail & (mesh.nail > 0.5)] @ -underside > 0.3), "on top of the toes"
    # Every toe has a nail near its end, the big toe the largest.
    body = LegBody(skeleton)
    nail = mesh.vertices[mesh.nail > 0.5].astype(float)
    ends = np.array([body.heel + toe.points[2] * body.foot_scale for toe in body.toes])
    nearest = np.argmin(np.linalg.norm(nail[:, None, :] - ends[None], axis=2), axis=1)
    near_end = np.linalg.norm(nail - ends[nearest], axis=1) < 0.016
    assert near_end.all(), "toenails sit at the ends of the toes"
    counts = np.bincount(nearest, minlength=5)
    assert counts[0] >= 15 and counts[0] == counts.max() and counts[1:].min() >= 3, counts


def test_left_and_right_toenails_mirror_each_other(right, left):
    (_, r), (_, lm) = right, left
    _, nearest = cKDTree(lm.vertices).query(r.vertices @ SAGITTAL_REFLECTION.T)
    np.testing.assert_allclose(lm.nail[nearest], r.nail, atol=1e-6)


def heights_through(mesh: LimbMesh, x: float, y: float) -> np.ndarray:
    """Heights where the vertical line through (x, y) crosses the skin's triangles."""
    tri = mesh.vertices[mesh.triangles].astype(float)  # (T, 3, 3)
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    e1, e2, p = (b - a)[:, :2], (c - a)[:, :2], np.array([x, y]) - a[:, :2]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    ok = np.abs(det) > 1e-12
    u = np.where(ok, (p[:, 0] * e2[:, 1] - p[:, 1] * e2[:, 0]) / np.where(ok, det, 1.0), -1.0)
    w = np.where(ok, (e1[:, 0] * p[:, 1] - e1[:, 1] * p[:, 0]) / np.where(ok, det, 1.0), -1.0)
    hit = (u >= 0.0) & (w >= 0.0) & (u + w <= 1.0)
    return (a[:, 2] + u * (b - a)[:, 2] + w * (c - a)[:, 2])[hit]


def toe_sizes(skeleton: Skeleton, mesh: LimbMesh) -> tuple[np.ndarray, np.ndarray]:
    """Per toe (big toe first), measured on the mesh: its thickness (top to bottom of the skin on the
    vertical line through its axis 70 % of the way from its middle joint to its end) and how far forward
    its tip reaches."""
    body, v = LegBody(skeleton), mesh.vertices.astype(float)
    thickness, reach = [], []
    for toe in body.toes:
        near_end = body.heel + (0.3 * toe.points[1] + 0.7 * toe.points[2]) * body.foot_scale
        thickness.append(np.ptp(heights_through(mesh, near_end[0], near_end[1])))
        end = body.heel + toe.points[2] * body.foot_scale
        reach.append(v[(np.abs(v[:, 0] - end[0]) < 0.0025) & (v[:, 2] < end[2] + 0.02), 1].max())
    return np.array(thickness), np.array(reach)


def test_toes_are_graded_big_toe_largest_little_toe_smallest(right):
    thickness, reach = toe_sizes(*right)
    assert_graded(thickness, reach)


def assert_graded(thickness: np.ndarray, reach: np.ndarray) -> None:
    # Each toe is no thicker than the one inside it (to half a millimetre: the foot's grid is 3 mm), the
    # big toe by far the thickest and the little toe clearly thinner than the second.
    assert np.all(np.diff(thickness) < 0.0005), thickness
    assert thickness[0] > 1.4 * thickness[1] and thickness[1] > 1.25 * thickness[4], thickness
    assert np.all(np.diff(reach) < -0.01), reach  # big toe furthest forward, each next one > 1 cm shorter


def test_measured_foot_length_and_knee_width_size_the_mesh(right):
    skeleton, mesh = right
    dims = LegDimensions(foot_length=0.285, knee_width=0.115)
    big_skeleton = build_leg_skeleton("right", dims)
    big = generate_leg_mesh(big_skeleton)

    def foot_length(sk: Skeleton, m: LimbMesh) -> float:
        _, joints = sk.rest_globals
        return float(np.ptp(m.vertices[m.vertices[:, 2] < joints[sk.index("foot"), 2] - 0.03, 1]))

    def width(m: LimbMesh, z: float) -> float:  # across the ring of the tube nearest to height z
        zs = m.vertices[:, 2]
        ring = np.abs(zs - zs[np.argmin(np.abs(zs - z))]) < 0.001
        return float(np.ptp(m.vertices[ring, 0]))

    assert foot_length(big_skeleton, big) - foot_length(skeleton, mesh) == pytest.approx(0.025, abs=0.004)
    assert width(mesh, -dims.thigh) == pytest.approx(LegDimensions().knee_width, abs=0.005)
    assert width(big, -dims.thigh) == pytest.approx(0.115, abs=0.005)
    # Away from the knee the thigh and shank keep their girth.
    for z in (-0.2, -0.7):
        assert width(big, z) == pytest.approx(width(mesh, z), abs=0.002)
    # The toes are graded on any foot.
    assert_graded(*toe_sizes(big_skeleton, big))


def test_seated_foot_on_the_posed_mesh_is_as_long_as_measured(right):
    # The foot the patient sees is the posed one: seated (hip and knee bent, the ankle flat on the
    # floor), heel to toe tip along the floor matches the measured foot length within 4 %.
    skeleton, mesh = right
    seated = posed(skeleton, mesh, **{j: SEATED_LEG_DEG[j][0] for j in ("thigh", "shank", "foot")})
    _, joints = skeleton.rest_globals
    on_foot = mesh.vertices[:, 2] < joints[skeleton.index("foot"), 2] - 0.03
    along = seated[on_foot, :2]
    heel_to_toe = np.ptp(along @ np.array([0.0, 1.0]))
    assert heel_to_toe == pytest.approx(LegDimensions().foot_length, rel=0.04)
    assert np.ptp(seated[on_foot, 2]) < 0.11  # flat on the floor: no higher than the foot is tall
