"""Skinning that holds at full flexion, measured on the posed mesh; skin detail generated from the anatomy."""

import numpy as np
import pytest

from vrtherapy.limbs.appearance import SKIN_TONES, palm_color_for
from vrtherapy.limbs.arm_body import DIGITS, ArmBody
from vrtherapy.limbs.leg_mesh import generate_leg_mesh
from vrtherapy.limbs.mesh_generator import generate_arm_mesh
from vrtherapy.limbs.self_intersection import folded_fraction, winding_numbers
from vrtherapy.limbs.skinning import (
    dq_skin_normals,
    dq_skin_vertices,
    dual_quaternions,
    pose_vertices,
    skin_normals,
    skin_vertices,
)
from vrtherapy.motion.calibration import relaxed_arm_degrees, relaxed_leg_degrees
from vrtherapy.motion.kinematics import forward_kinematics, inverse_bind_matrices, skinning_matrices
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.render.screenshots import _hand


@pytest.fixture(scope="module")
def arm():
    skeleton = build_arm_skeleton("right")
    return skeleton, generate_arm_mesh(skeleton), ArmBody(skeleton)


def matrices(skeleton, angles):
    frames, positions = forward_kinematics(skeleton, angles)
    return skinning_matrices(frames, positions, inverse_bind_matrices(skeleton))


def buried(mesh, posed, normals, body) -> float:
    """Share of hand vertices that are still inside the posed mesh 1 mm out along their normal."""
    near = np.flatnonzero(mesh.vertices[:, 1] > body.wrist_y - 0.06)
    triangles = mesh.triangles[np.isin(mesh.triangles, near).all(axis=1)]
    probes = np.flatnonzero(mesh.vertices[:, 1] > body.wrist_y - 0.01)[::8]
    return float(np.mean(winding_numbers(posed[probes] + 0.001 * normals[probes], posed, triangles) > 0.5))


def test_dual_quaternions_reproduce_rigid_bones(arm):
    skeleton, mesh, _ = arm
    m = matrices(skeleton, np.radians(relaxed_arm_degrees(skeleton.names)))
    dq = dual_quaternions(m)
    np.testing.assert_allclose(np.linalg.norm(dq[:, 0], axis=1), 1.0, atol=1e-9)
    one_bone = mesh.joint_weights[:, 0] > 0.9999  # vertices moved by one bone alone: both skinnings agree
    np.testing.assert_allclose(dq_skin_vertices(mesh, m)[one_bone], skin_vertices(mesh, m)[one_bone], atol=1e-6)


def test_a_fist_folds_without_cutting_through_itself(arm):
    skeleton, mesh, body = arm
    m = matrices(skeleton, _hand("fist"))
    linear, linear_n = skin_vertices(mesh, m), skin_normals(mesh, m)
    posed, normals = pose_vertices(mesh, m, skeleton), dq_skin_normals(mesh, m)
    # what the shader draws: hardly a triangle turned inside out, little skin buried. A closed fist
    # (fingertips on the palm, the thumb on the index, the fingers side by side: test_hand_shapes.py)
    # has skin against skin, which a probe 1 mm out counts: about 3% here
    assert folded_fraction(mesh, posed, normals) < 0.0035
    assert buried(mesh, posed, normals, body) < 0.04
    # what linear-blend skinning drew before: a crease cutting through itself
    assert folded_fraction(mesh, linear, linear_n) > 3 * folded_fraction(mesh, posed, normals)
    assert buried(mesh, linear, linear_n, body) > 2 * buried(mesh, posed, normals, body)


def test_a_pinch_closes_an_o_without_interpenetration(arm):
    skeleton, mesh, body = arm
    angles = _hand("pinch")
    m = matrices(skeleton, angles)
    posed, normals = pose_vertices(mesh, m, skeleton), dq_skin_normals(mesh, m)
    assert folded_fraction(mesh, posed, normals) < 0.002
    assert buried(mesh, posed, normals, body) < 0.01
    _, joints = forward_kinematics(skeleton, angles)
    assert np.linalg.norm(joints[skeleton.index("thumb_tip")] - joints[skeleton.index("index_tip")]) < 0.012


def test_full_elbow_and_knee_flexion_fold_cleanly(arm):
    skeleton, mesh, _ = arm
    deg = relaxed_arm_degrees(skeleton.names)
    deg[skeleton.index("forearm")] = (140.0, 0.0, 0.0)
    m = matrices(skeleton, np.radians(deg))
    assert folded_fraction(mesh, pose_vertices(mesh, m, skeleton), dq_skin_normals(mesh, m)) < 0.006
    leg = build_leg_skeleton("right")
    leg_mesh = generate_leg_mesh(leg)
    deg = relaxed_leg_degrees(leg.names)
    deg[leg.index("shank")] = (135.0, 0.0, 0.0)
    m = matrices(leg, np.radians(deg))
    folded = folded_fraction(leg_mesh, pose_vertices(leg_mesh, m, leg), dq_skin_normals(leg_mesh, m))
    assert folded < 0.006
    assert folded < folded_fraction(leg_mesh, skin_vertices(leg_mesh, m), skin_normals(leg_mesh, m))


def test_hand_skin_has_creases_lunulae_and_lighter_palms(arm):
    skeleton, mesh, body = arm
    crease, kind, lunula, palmar = mesh.skin.T
    dominant = mesh.joint_indices[:, 0]
    for digit in DIGITS:
        bones = [skeleton.index(n) for n in skeleton.names if n.startswith(digit) and not n.endswith("metacarpal")]
        mine = np.isin(dominant, bones)
        assert ((np.abs(crease) < 0.5) & (kind > 0.2) & mine).sum() >= 3, digit  # palmar flexion creases
        assert ((np.abs(crease) < 0.5) & (kind < -0.1) & mine).sum() >= 3, digit  # knuckle wrinkles
        # a lunula on each nail: its edge (distance 0, drawn by the shader between vertices) crosses the nail
        assert lunula[(mesh.nail > 0.5) & mine].min() < 1.0, digit
    palm_side = body.to_hand(mesh.vertices.astype(float))[:, 2] > 0.012
    on_palm = palm_side & (dominant == skeleton.index("wrist"))
    assert palmar[on_palm].mean() > 0.8 and palmar[~palm_side & (dominant == skeleton.index("wrist"))].mean() < 0.2
    assert ((kind > 0.3) & on_palm & (np.abs(crease) < 1.5)).sum() > 40  # the palm lines run across it
    # the lighter skin ends at the wrist's creases: none on the forearm (a pale blotch round the wrist)
    forearm = np.isin(dominant, [skeleton.index("forearm"), skeleton.index("forearm_twist")])
    assert palmar[forearm].max() < 0.5 and (palmar[forearm] > 0.3).mean() < 0.02
    assert palmar[body.to_hand(mesh.vertices.astype(float))[:, 1] < -0.01 * body.sy].max() < 0.05
    assert mesh.tint.max() > 0.5 and (mesh.tint > 0.3).mean() < 0.3  # flush in places, not everywhere


def test_palms_are_lighter_than_dark_skin_and_close_to_fair_skin():
    def luma(c):
        return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]

    assert luma(palm_color_for(SKIN_TONES["deep"])) > 1.6 * luma(SKIN_TONES["deep"])
    assert abs(luma(palm_color_for(SKIN_TONES["porcelain"])) - luma(SKIN_TONES["porcelain"])) < 0.05


@pytest.fixture(scope="module")
def leg():
    skeleton = build_leg_skeleton("right")
    return skeleton, generate_leg_mesh(skeleton)


def test_the_leg_at_rest_is_untouched_by_its_creases(leg):
    # The crease planes pass where the skin of one bone meets the next: before a joint bends, no skin
    # is moved (the ankle's plane once lay at 45 degrees and flattened the front of the shin).
    skeleton, mesh = leg
    m = matrices(skeleton, np.zeros((len(skeleton.names), 3)))
    moved = np.linalg.norm(pose_vertices(mesh, m, skeleton) - dq_skin_vertices(mesh, m), axis=1)
    assert moved.max() < 0.0005


@pytest.mark.parametrize("ankle", [-50.0, -28.0, 25.0])
def test_the_ankle_bends_without_a_hard_line_or_a_fold(leg, ankle):
    # Shading follows the vertex normals: a face turned far from its vertices' normals is a hard line
    # across the skin (skin flattened onto a crease plane where the joint does not close).
    skeleton, mesh = leg
    deg = relaxed_leg_degrees(skeleton.names)
    deg[skeleton.index("foot")] = (ankle, 0.0, 0.0)
    m = matrices(skeleton, np.radians(deg))
    posed, normals = pose_vertices(mesh, m, skeleton), dq_skin_normals(mesh, m)
    ankle_joint = skeleton.rest_globals[1][skeleton.index("foot")]
    near = np.linalg.norm(mesh.vertices - ankle_joint, axis=1) < 0.09
    tris = mesh.triangles[near[mesh.triangles].all(axis=1)]
    a, b, c = posed[tris[:, 0]], posed[tris[:, 1]], posed[tris[:, 2]]
    face = np.cross(b - a, c - a)
    face /= np.linalg.norm(face, axis=1, keepdims=True)
    vertex = normals[tris].mean(axis=1)
    vertex /= np.linalg.norm(vertex, axis=1, keepdims=True)
    off = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", face, vertex), -1.0, 1.0)))
    if ankle > -40.0:  # short of full plantarflexion, where the back of the heel really does crease
        assert np.percentile(off, 99) < 40.0
    assert folded_fraction(mesh, posed, normals) < 0.002
