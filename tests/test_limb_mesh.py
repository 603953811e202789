"""The generated arm + hand mesh: closed skin, outward normals, weights, mirror symmetry, skinning, files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from vrtherapy.errors import ConfigError
from vrtherapy.frames import SAGITTAL_REFLECTION
from vrtherapy.limbs.mesh_generator import SHOULDER_CUT_Y, LimbMesh, generate_arm_mesh
from vrtherapy.limbs.model_io import (
    MODEL_FORMAT_VERSION,
    MODEL_TAG,
    default_model_path,
    load_limb_model,
    make_geom_node,
    save_limb_model,
)
from vrtherapy.limbs.skinning import skin_vertices
from vrtherapy.motion.kinematics import forward_kinematics, inverse_bind_matrices, skinning_matrices
from vrtherapy.motion.skeleton import ARM_JOINTS, FINGERS, ArmDimensions, Skeleton, build_arm_skeleton

DIGITS = ("thumb",) + FINGERS


@pytest.fixture(scope="module")
def right() -> tuple[Skeleton, LimbMesh]:
    skeleton = build_arm_skeleton("right")
    return skeleton, generate_arm_mesh(skeleton)


@pytest.fixture(scope="module")
def left() -> tuple[Skeleton, LimbMesh]:
    skeleton = build_arm_skeleton("left")
    return skeleton, generate_arm_mesh(skeleton)


def posed(skeleton: Skeleton, mesh: LimbMesh, angles: np.ndarray) -> np.ndarray:
    frames, positions = forward_kinematics(skeleton, angles)
    return skin_vertices(mesh, skinning_matrices(frames, positions, inverse_bind_matrices(skeleton)))


def zero_angles(skeleton: Skeleton) -> np.ndarray:
    return np.zeros((len(skeleton.names), 3))


def edge_use(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges and how many triangles use each."""
    edges = np.sort(triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    return np.unique(edges, axis=0, return_counts=True)


def nearest_bone_points(skeleton: Skeleton, points: np.ndarray) -> np.ndarray:
    """For each point, the closest point on any bone segment (joint -> child joint)."""
    _, joints = skeleton.rest_globals
    children = np.flatnonzero(skeleton.parents >= 0)
    a, b = joints[skeleton.parents[children]], joints[children]
    ab = b - a
    t = np.einsum("pbk,bk->pb", points[:, None, :] - a, ab) / np.maximum(np.einsum("bk,bk->b", ab, ab), 1e-12)
    closest = a + np.clip(t, 0.0, 1.0)[..., None] * ab
    dist = np.linalg.norm(points[:, None, :] - closest, axis=2)
    return closest[np.arange(len(points)), np.argmin(dist, axis=1)]


def test_arrays_have_the_declared_layout(right):
    _, mesh = right
    v = mesh.vertex_count
    assert mesh.vertices.shape == (v, 3) and mesh.vertices.dtype == np.float32
    assert mesh.normals.shape == (v, 3) and mesh.normals.dtype == np.float32
    assert mesh.uvs.shape == (v, 2) and mesh.uvs.dtype == np.float32
    assert mesh.triangles.shape[1] == 3 and mesh.triangles.dtype == np.int32
    assert mesh.joint_indices.shape == (v, 4) and mesh.joint_indices.dtype == np.int32
    assert mesh.joint_weights.shape == (v, 4) and mesh.joint_weights.dtype == np.float32
    assert mesh.nail.shape == (v,) and mesh.nail.dtype == np.float32
    assert 8_000 <= v <= 25_000, "vertex budget for software rendering"
    assert mesh.triangles.min() >= 0 and mesh.triangles.max() < v
    assert np.all((mesh.uvs[:, 0] >= 0.0) & (mesh.uvs[:, 0] <= 1.0)) and mesh.uvs[:, 1].min() >= -1e-6


def test_skin_weights_are_top4_normalised_and_sorted(right):
    skeleton, mesh = right
    w, idx = mesh.joint_weights, mesh.joint_indices
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(w >= 0.0)
    assert np.all(np.diff(w, axis=1) <= 1e-7), "weights sorted descending"
    assert np.all(idx[w == 0.0] == 0), "unused slots point at joint 0"
    assert idx.min() >= 0 and idx.max() < len(skeleton.names)


def test_normals_are_unit_and_point_outwards(right):
    skeleton, mesh = right
    np.testing.assert_allclose(np.linalg.norm(mesh.normals, axis=1), 1.0, atol=1e-5)
    v = mesh.vertices.astype(float)
    outward = np.einsum("ij,ij->i", mesh.normals, v - nearest_bone_points(skeleton, v))
    assert np.mean(outward > 0.0) > 0.97
    # Counter-clockwise winding seen from outside: face normals agree with the vertex normals.
    t = v[mesh.triangles]
    face_n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    assert np.mean(np.einsum("ij,ij->i", face_n, mesh.normals[mesh.triangles].sum(axis=1)) > 0.0) > 0.999


def test_skin_is_closed_except_one_loop_at_the_shoulder_cut(right):
    _, mesh = right
    edges, uses = edge_use(mesh.triangles)
    assert uses.max() == 2, "no edge shared by more than two triangles"
    boundary = edges[uses == 1]
    loop_vertices, degree = np.unique(boundary, return_counts=True)
    assert np.all(degree == 2)
    # Walk the boundary from one vertex: a single loop visits every boundary vertex.
    neighbours = {int(v): [] for v in loop_vertices}
    for a, b in boundary:
        neighbours[int(a)].append(int(b))
        neighbours[int(b)].append(int(a))
    start = int(loop_vertices[0])
    previous, current, visited = start, neighbours[start][0], 1
    while current != start:
        previous, current = current, next(n for n in neighbours[current] if n != previous)
        visited += 1
    assert visited == len(loop_vertices)
    np.testing.assert_allclose(mesh.vertices[loop_vertices, 1], SHOULDER_CUT_Y, atol=1e-6)


def test_mesh_follows_the_skeleton_dimensions():
    dims = ArmDimensions(forearm=0.24)
    skeleton = build_arm_skeleton("right", dims)
    mesh = generate_arm_mesh(skeleton)
    _, joints = skeleton.rest_globals
    elbow, wrist = joints[skeleton.index("forearm")], joints[skeleton.index("wrist")]
    assert np.linalg.norm(wrist - elbow) == pytest.approx(0.24)
    tip = joints[skeleton.index("middle_tip")]
    assert np.min(np.linalg.norm(mesh.vertices - tip, axis=1)) < 0.015
    assert mesh.vertices[:, 1].max() == pytest.approx(joints[:, 1].max(), abs=0.015)
    # The forearm's skin surrounds the forearm bone all the way from elbow to wrist.
    along = mesh.vertices[:, 1]
    for y in np.linspace(elbow[1] + 0.02, wrist[1] - 0.02, 5):
        ring = mesh.vertices[np.abs(along - y) < 0.006]
        assert len(ring) > 20 and 0.015 < np.linalg.norm(ring[:, [0, 2]], axis=1).mean() < 0.06


def test_left_mesh_is_the_mirror_image_of_the_right(right, left):
    (_, r), (_, lm) = right, left
    reflected = r.vertices @ SAGITTAL_REFLECTION.T
    distances, nearest = cKDTree(lm.vertices).query(reflected)
    assert distances.max() < 1e-3
    np.testing.assert_allclose(lm.joint_weights[nearest], r.joint_weights, atol=1e-6)
    assert np.array_equal(lm.joint_indices[nearest], r.joint_indices)
    np.testing.assert_allclose(lm.normals[nearest], r.normals @ SAGITTAL_REFLECTION.T, atol=1e-5)


def test_rest_pose_skinning_is_the_identity(right):
    skeleton, mesh = right
    np.testing.assert_allclose(posed(skeleton, mesh, zero_angles(skeleton)), mesh.vertices, atol=1e-6)


def test_curling_the_index_finger_moves_only_the_index_finger(right):
    skeleton, mesh = right
    angles = zero_angles(skeleton)
    for seg in ("proximal", "intermediate", "distal"):
        angles[skeleton.index(f"index_{seg}"), 0] = np.radians(80)
    moved = np.linalg.norm(posed(skeleton, mesh, angles) - mesh.vertices, axis=1)
    frames, joints = skeleton.rest_globals

    tip = np.linalg.norm(mesh.vertices - joints[skeleton.index("index_tip")], axis=1) < 0.012
    assert tip.sum() > 10 and moved[tip].min() > 0.04

    names = np.array(skeleton.names)
    little = np.char.startswith(names[mesh.joint_indices[:, 0]], "little")
    assert little.sum() > 100 and moved[little].max() < 1e-3
    # The middle finger past the web between it and the index finger stays put too.
    knuckle, axis = joints[skeleton.index("middle_proximal")], frames[skeleton.index("middle_proximal")][:, 1]
    middle = np.char.startswith(names[mesh.joint_indices[:, 0]], "middle") & (
        (mesh.vertices - knuckle) @ axis > 0.02
    )
    assert middle.sum() > 100 and moved[middle].max() < 1e-3

    near_knuckle = (
        np.linalg.norm(mesh.vertices[mesh.triangles].mean(axis=1) - joints[skeleton.index("index_proximal")], axis=1)
        < 0.02
    )
    t = posed(skeleton, mesh, angles)[mesh.triangles[near_knuckle]]
    areas = 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)
    assert len(areas) > 100 and areas.min() > 1e-9


def test_forearm_rotation_twists_the_skin_progressively(right):
    skeleton, mesh = right
    angles = zero_angles(skeleton)
    angles[skeleton.index("wrist"), 2] = np.radians(80)
    after = posed(skeleton, mesh, angles)
    _, joints = skeleton.rest_globals

    def mean_turn(y0: float, y1: float) -> float:
        """Mean rotation (degrees) about the arm's axis of the skin between heights y0 and y1."""
        sel = (mesh.vertices[:, 1] > y0) & (mesh.vertices[:, 1] < y1)
        before = np.arctan2(mesh.vertices[sel, 2], mesh.vertices[sel, 0])
        turned = np.arctan2(after[sel, 2], after[sel, 0])
        return float(np.degrees(np.abs(np.angle(np.exp(1j * (turned - before))))).mean())

    mid = joints[skeleton.index("forearm_twist"), 1]
    wrist = joints[skeleton.index("wrist"), 1]
    mid_turn = mean_turn(mid - 0.005, mid + 0.005)
    wrist_turn = mean_turn(wrist + 0.015, wrist + 0.03)
    assert wrist_turn == pytest.approx(80.0, abs=5.0)
    assert 0.35 < mid_turn / wrist_turn < 0.65
    assert mean_turn(joints[skeleton.index("forearm"), 1] - 0.1, joints[skeleton.index("forearm"), 1] - 0.06) < 1.0


def test_default_models_load_with_the_arm_joints(showbase):
    for side in ("right", "left"):
        model = load_limb_model(default_model_path(side), showbase.loader)
        assert model.side == side
        assert set(ARM_JOINTS) <= set(model.joint_names)
        assert model.dimensions == ArmDimensions()
        assert 8_000 <= model.vertex_count <= 25_000
        assert default_model_path(side).stat().st_size < 3_000_000


def test_saved_model_round_trips(right, showbase, tmp_path):
    skeleton, mesh = right
    path = tmp_path / "arm.bam"
    save_limb_model(mesh, skeleton, path)
    model = load_limb_model(path, showbase.loader)
    assert (model.side, model.joint_names, model.vertex_count) == ("right", ARM_JOINTS, mesh.vertex_count)
    assert model.dimensions == skeleton.dimensions
    geom_node = model.node.node() if model.node.node().isGeomNode() else model.node.find("**/+GeomNode").node()
    data = geom_node.getGeom(0).getVertexData()
    assert data.getNumRows() == mesh.vertex_count
    for column in ("joint_indices", "joint_weights"):
        assert data.getFormat().getColumn(column).getNumComponents() == 4
    assert data.getFormat().getColumn("nail").getNumComponents() == 1


def test_unusable_model_files_raise_one_line_config_errors(right, showbase, tmp_path):
    skeleton, mesh = right
    with pytest.raises(ConfigError, match="not found"):
        load_limb_model(tmp_path / "missing.bam", showbase.loader)

    corrupt = tmp_path / "corrupt.bam"
    corrupt.write_bytes(b"not a bam file at all")
    with pytest.raises(ConfigError, match="corrupt.bam") as err:
        load_limb_model(corrupt, showbase.loader)
    assert "\n" not in str(err.value)

    from panda3d.core import Filename, NodePath

    def write_with_tag(name: str, tag: str | None) -> Path:
        node = make_geom_node(mesh, "limb")
        if tag is not None:
            node.setTag(MODEL_TAG, tag)
        path = tmp_path / name
        NodePath(node).writeBamFile(Filename.fromOsSpecific(str(path)))
        return path

    with pytest.raises(ConfigError, match="no 'vrtherapy_limb' tag"):
        load_limb_model(write_with_tag("untagged.bam", None), showbase.loader)
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_limb_model(write_with_tag("badjson.bam", "{"), showbase.loader)
    meta = {"format": MODEL_FORMAT_VERSION, "side": "right", "limb": "arm", "joints": list(ARM_JOINTS[:-1]),
            "dimensions": {}}  # fmt: skip
    with pytest.raises(ConfigError, match="joint names"):
        load_limb_model(write_with_tag("joints.bam", json.dumps(meta)), showbase.loader)
    # A model from before the nail column (format 1) must be rebuilt.
    meta = {"format": 1, "side": "right", "limb": "arm", "joints": list(ARM_JOINTS), "dimensions": {}}
    with pytest.raises(ConfigError, match="vrtherapy models build") as err:
        load_limb_model(write_with_tag("old.bam", json.dumps(meta)), showbase.loader)
    assert "\n" not in str(err.value)


def distal_local(skeleton: Skeleton, points: np.ndarray, digit: str) -> tuple[np.ndarray, float]:
    """Points in the rest frame of `digit`'s distal phalanx (x across, y distal, z palmar), and its length."""
    frames, joints = skeleton.rest_globals
    distal, tip = skeleton.index(f"{digit}_distal"), skeleton.index(f"{digit}_tip")
    return (points - joints[distal]) @ frames[distal], float(np.linalg.norm(joints[tip] - joints[distal]))


def test_every_finger_and_the_thumb_has_a_nail(right):
    skeleton, mesh = right
    assert np.all((mesh.nail >= 0.0) & (mesh.nail <= 1.0))
    counts = {}
    for digit in DIGITS:
        local, length = distal_local(skeleton, mesh.vertices.astype(float), digit)
        mine = (mesh.joint_indices[:, 0] == skeleton.index(f"{digit}_distal")) & (mesh.nail > 0.5)
        counts[digit] = int(mine.sum())
        # The nail spans a good part of the phalanx's width and length, short of the tip.
        assert np.ptp(local[mine, 0]) > 0.006 and np.ptp(local[mine, 1]) > 0.35 * length, digit
        assert local[mine, 1].max() < length
    assert min(counts.values()) >= 10, counts
    assert counts["thumb"] > counts["little"]


def test_nails_lie_on_the_back_of_the_distal_phalanges_near_the_tips(right):
    skeleton, mesh = right
    on_nail = mesh.nail > 0.0
    assert 100 < on_nail.sum() < 0.05 * mesh.vertex_count
    v = mesh.vertices[on_nail].astype(float)
    placed = np.zeros(len(v), bool)
    for digit in DIGITS:
        local, length = distal_local(skeleton, v, digit)
        on_this = (
            (mesh.joint_indices[on_nail, 0] == skeleton.index(f"{digit}_distal"))
            & (mesh.joint_weights[on_nail, 0] > 0.999)  # wholly on the distal phalanx, not its joint
            & (local[:, 1] > 0.25 * length)  # the distal part of the phalanx ...
            & (local[:, 1] < length)  # ... not past the fingertip
            & (local[:, 2] < 0.0)  # the dorsal side
            & (np.abs(local[:, 0]) < 0.01)
        )
        placed |= on_this
    assert placed.all(), f"{(~placed).sum()} nail vertices off the back of a distal phalanx"
    # Normals there face the back of the digit too.
    frames, _ = skeleton.rest_globals
    for digit in DIGITS:
        mine = on_nail & (mesh.joint_indices[:, 0] == skeleton.index(f"{digit}_distal")) & (mesh.nail > 0.5)
        dorsal = -frames[skeleton.index(f"{digit}_distal")][:, 2]
        assert np.all(mesh.normals[mine] @ dorsal > 0.2), digit


def test_left_and_right_nails_mirror_each_other(right, left):
    (_, r), (_, lm) = right, left
    _, nearest = cKDTree(lm.vertices).query(r.vertices @ SAGITTAL_REFLECTION.T)
    np.testing.assert_allclose(lm.nail[nearest], r.nail, atol=1e-6)
    assert (r.nail > 0.5).sum() == (lm.nail > 0.5).sum()


def test_a_024_m_forearm_measures_024_m_in_the_mesh():
    """Measured on the skin alone: the wrist is the forearm's narrowest section, 0.24 m past the elbow,
    and the whole limb is 1 cm shorter than one built with the default 0.25 m forearm."""
    short = generate_arm_mesh(build_arm_skeleton("right", ArmDimensions(forearm=0.24)))
    default = generate_arm_mesh(build_arm_skeleton("right", ArmDimensions()))
    upper = ArmDimensions().upper_arm  # the elbow sits this far along the arm at rest

    def waist(mesh) -> float:
        """Position along the arm of the narrowest cross-section between mid-forearm and the hand."""
        y, r = mesh.vertices[:, 1], np.linalg.norm(mesh.vertices[:, [0, 2]], axis=1)
        slices = np.arange(upper + 0.12, upper + 0.28, 0.004)
        widths = [np.percentile(r[np.abs(y - s) < 0.002], 90) if np.any(np.abs(y - s) < 0.002) else np.inf
                  for s in slices]  # fmt: skip
        return float(slices[int(np.argmin(widths))])

    assert waist(short) - upper == pytest.approx(0.24, abs=0.01)
    assert default.vertices[:, 1].max() - short.vertices[:, 1].max() == pytest.approx(0.01, abs=0.002)
