"""The compiled render-edge kernels against their numpy references: the shader's dual quaternions
(`limbs/skinning.dual_quaternions`) and a limb brought to rest on the table or the floor
(`tests/contact_oracle.py`), over the poses of real sessions: every branch of the contact rule (lowered,
lifted, forearm turned up, hand tipped down, untouched) is reached and checked."""

import numpy as np
import pytest

from tests import contact_oracle
from vrtherapy.limbs.fitted import model_path_for
from vrtherapy.limbs.model_io import load_limb_model
from vrtherapy.limbs.skinning import dual_quaternions
from vrtherapy.motion.kernels import dual_quaternions_into
from vrtherapy.motion.kinematics import inverse_bind_matrices, write_shader_joint_matrices
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.render.contact import Contact
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, SyntheticLegMotion, build_schedule

TABLE = (-0.6, 0.6, 0.05, 0.85)


def _poses(limb: str, exercises, seconds: float = 24.0):
    motion_type = SyntheticArmMotion if limb == "arm" else SyntheticLegMotion
    motion = motion_type("right", build_schedule([(e, seconds / len(exercises)) for e in exercises]))
    pipeline = PosePipeline(MirrorSettings(), limb=limb)
    poses = []
    for i in range(int(seconds * 10)):
        out = pipeline.process(motion.sample_at(i / 10.0, t_capture=i / 10.0))
        if out.phantom is not None:
            poses.append(out.phantom)
    return poses


def _matrices(skeleton, pose) -> np.ndarray:
    out = np.zeros((len(skeleton.names), 4, 4), np.float32)
    write_shader_joint_matrices(skeleton, pose, inverse_bind_matrices(skeleton), out)
    return out


def test_dual_quaternions_kernel_matches_numpy_reference_on_session_poses_and_awkward_rotations():
    skeleton = build_arm_skeleton("left")
    rng = np.random.default_rng(3)
    sets = [_matrices(skeleton, p) for p in _poses("arm", ["fist_open_close", "pronation_supination", "tip_pinch"])]
    from scipy.spatial.transform import Rotation

    awkward = np.zeros((64, 4, 4), np.float32)  # half-turns about each axis hit every branch of Shepperd's method
    rotations = Rotation.concatenate([Rotation.random(40, random_state=4),
                                      Rotation.from_rotvec(np.pi * np.eye(3)), Rotation.from_rotvec(np.pi * 0.999 * np.eye(3))])
    awkward[: len(rotations), :3, :3] = rotations.as_matrix().transpose(0, 2, 1)
    awkward[:, 3, :3] = rng.normal(size=(64, 3))
    awkward[:, 3, 3] = 1.0
    sets.append(awkward[: len(rotations)])
    for m in sets:
        out = np.zeros((len(m) + 3, 2, 4), np.float32)
        dual_quaternions_into(m, len(m), out)
        expected = dual_quaternions(m.transpose(0, 2, 1).astype(float))
        assert np.allclose(out[: len(m)], expected, atol=2e-5)
        assert not out[len(m):].any()  # nothing written past n


@pytest.mark.parametrize("limb", ["arm", "leg"])
def test_contact_kernel_matches_the_numpy_reference_in_every_branch(showbase, limb):
    build = build_arm_skeleton if limb == "arm" else build_leg_skeleton
    skeleton = build("left")
    model = load_limb_model(model_path_for("left", limb, skeleton.dimensions), showbase.loader)
    contact = Contact(model.node, tuple(skeleton.names), limb)
    rest_positions = skeleton.rest_globals[1]
    exercises = ["fist_open_close", "finger_tapping", "wrist_flexion_extension", "finger_lifts"] if limb == "arm" \
        else ["ankle_dorsi_plantar", "knee_extension", "toe_curl_extension"]  # fmt: skip
    poses = _poses(limb, exercises)
    branches = set()
    for i, pose in enumerate(poses):
        base = _matrices(skeleton, pose)
        skin = contact_oracle.lowest_points(base, contact.vertices, contact.indices, contact.weights)
        surface = float(skin[:, 2].min()) + 0.035 * np.sin(i * 0.7) - 0.01  # the skin above, on and inside it
        area = TABLE if limb == "arm" else None
        got = base.copy()
        contact.rest(got, rest_positions, surface, area)
        want = base.astype(float)
        offset, tip = contact_oracle.rest(want, contact.vertices, contact.indices, contact.weights, contact.is_hand,
                                          rest_positions, contact.wrist, surface, area)  # fmt: skip
        assert contact.offset == pytest.approx(offset, abs=1e-6)
        assert contact.tip == pytest.approx(tip, abs=1e-6)
        assert np.allclose(got, want, atol=1e-5)
        branches.add(("lowered" if offset < 0 else "lifted" if offset > 0 else "kept",
                      "tipped" if tip > 0 else "raised" if tip < 0 else "level"))  # fmt: skip
    moved = {b[0] for b in branches}
    assert {"lowered", "lifted"} <= moved, branches
    if limb == "arm":
        assert {"tipped", "raised", "level"} <= {b[1] for b in branches}, branches
