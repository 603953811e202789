"""The hand shapes a patient is shown read as what they are, measured on the posed mesh (as the shader
draws it): a fist has its fingertips on the palm and the thumb folded across the back of the index
finger's middle phalanx without cutting into it; a pinch closes an "O"."""

import numpy as np
import pytest

from tests.hand_measures import fingertips_to_palm_mm, posed, thumb_to_finger_mm
from vrtherapy.limbs.arm_body import ArmBody
from vrtherapy.limbs.mesh_generator import generate_arm_mesh
from vrtherapy.limbs.self_intersection import penetration_mm
from vrtherapy.motion.kinematics import forward_kinematics
from vrtherapy.motion.skeleton import FINGERS, build_arm_skeleton
from vrtherapy.render.screenshots import _hand


@pytest.fixture(scope="module")
def arm():
    skeleton = build_arm_skeleton("right")
    return skeleton, generate_arm_mesh(skeleton), ArmBody(skeleton)


def with_thumb(angles: np.ndarray, skeleton, thumb: tuple[float, float, float, float]) -> np.ndarray:
    out = angles.copy()
    out[skeleton.index("thumb_metacarpal")] = np.radians([thumb[0], thumb[1], 0.0])
    out[skeleton.index("thumb_proximal")] = np.radians([thumb[2], 0.0, 0.0])
    out[skeleton.index("thumb_distal")] = np.radians([thumb[3], 0.0, 0.0])
    return out


def test_a_fist_presses_every_fingertip_onto_the_palm(arm):
    gaps = fingertips_to_palm_mm(arm, _hand("fist"))
    # within 3 mm of the palm's skin, not sunk more than 2 mm into it (a claw leaves 8-20 mm)
    assert all(-2.0 < g < 3.0 for g in gaps.values()), gaps


def test_a_fist_has_a_flat_front_of_knuckles(arm):
    skeleton, _, _ = arm
    frames, positions = forward_kinematics(skeleton, _hand("fist"))
    palm_normal = frames[skeleton.index("wrist")][:, 2]
    for finger in FINGERS:
        phalanx = positions[skeleton.index(f"{finger}_intermediate")] - positions[skeleton.index(f"{finger}_proximal")]
        # the proximal phalanges stand square to the palm (their backs make the fist's front)
        angle = np.degrees(np.arccos(np.clip(phalanx @ palm_normal / np.linalg.norm(phalanx), -1.0, 1.0)))
        assert angle < 8.0, (finger, angle)


def test_the_fists_thumb_lies_across_the_index_finger_without_cutting_into_it(arm):
    skeleton, _, body = arm
    angles = _hand("fist")
    frames, positions = forward_kinematics(skeleton, angles)
    mid = skeleton.index("index_intermediate")
    tip = (positions[skeleton.index("thumb_tip")] - positions[mid]) @ frames[mid]  # (across, along, palmar)
    length = np.linalg.norm(positions[skeleton.index("index_distal")] - positions[mid])
    # the thumb's end crosses to the far (ulnar) side of the index, on its back, over its middle phalanx's end
    assert tip[0] < 0.0 and tip[2] < -0.010 and 0.0 < tip[1] < length + 0.010, tip
    gap = thumb_to_finger_mm(arm, angles, "index")
    assert 0.0 <= gap < 1.5, gap  # its pad on the index finger, not in it
    assert all(thumb_to_finger_mm(arm, angles, f, s) >= 0.0 for f in FINGERS for s in (0, 1, 2))


def test_the_thumb_measure_catches_a_thumb_pushed_into_the_index(arm):
    skeleton, _, _ = arm
    # the thumb's end aimed at the middle of the index's back with its base where it is: it cuts in
    pushed = with_thumb(_hand("fist"), skeleton, (5.0, -9.0, 57.0, 47.0))
    assert thumb_to_finger_mm(arm, pushed, "index") < -3.0


def test_a_fist_buries_no_skin_deeper_than_its_knuckle_creases(arm):
    skeleton, mesh, body = arm
    m, p = posed(arm, _hand("fist"))
    deepest, count = penetration_mm(body, mesh, m, p)
    # the palmar skin at the base of the fingers folds against the palm's edge (about 4.5 mm in the
    # parts' rest shapes); nothing goes deeper, and few vertices go past 2 mm
    assert deepest < 5.0 and count < 30, (deepest, count)


def test_a_pinch_closes_an_o(arm):
    skeleton, _, _ = arm
    angles = _hand("pinch")
    _, positions = forward_kinematics(skeleton, angles)
    tips = positions[skeleton.index("thumb_tip")], positions[skeleton.index("index_tip")]
    assert np.linalg.norm(tips[0] - tips[1]) < 0.012
    # an "O": the index stays bent open, away from the palm (not folded flat onto the thumb)
    assert fingertips_to_palm_mm(arm, angles)["index"] > 25.0
    assert thumb_to_finger_mm(arm, angles, "index") > -1.0
