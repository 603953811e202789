"""Limb models sized to the patient: generated once per set of measurements, loaded by the scene."""

import pytest
from panda3d.core import Point3

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.limbs.fitted import model_path_for
from vrtherapy.limbs.model_io import default_model_path, load_limb_model
from vrtherapy.motion.skeleton import ArmDimensions, build_arm_skeleton
from vrtherapy.render.scene_spec import load_scene

SHORT = ArmDimensions(upper_arm=0.27, forearm=0.21)


def test_default_measurements_use_the_committed_models():
    assert model_path_for("left", "arm", ArmDimensions()) == default_model_path("left", "arm")


def test_a_patient_sized_arm_is_generated_once_and_measures_as_asked(tmp_path, monkeypatch, showbase):
    monkeypatch.setenv("VRTHERAPY_MODEL_CACHE", str(tmp_path))
    path = model_path_for("left", "arm", SHORT)
    assert path.parent == tmp_path and path.exists()
    stamp = path.stat().st_mtime_ns
    assert model_path_for("left", "arm", SHORT) == path and path.stat().st_mtime_ns == stamp  # cached
    model = load_limb_model(path, showbase.loader)
    assert model.dimensions == SHORT and model.side == "left"
    lo, hi = Point3(), Point3()
    model.node.calcTightBounds(lo, hi)
    default = load_limb_model(default_model_path("left", "arm"), showbase.loader)
    dlo, dhi = Point3(), Point3()
    default.node.calcTightBounds(dlo, dhi)
    # rest pose along +Y from the shoulder: the fitted arm is shorter by the measurements' difference
    shorter = (ArmDimensions().upper_arm + ArmDimensions().forearm) - (SHORT.upper_arm + SHORT.forearm)
    assert (dhi.y - hi.y) == pytest.approx(shorter, abs=0.01)


def test_the_scene_draws_the_patients_own_size(tmp_path, monkeypatch, showbase):
    from vrtherapy.render.app import TherapyScene

    monkeypatch.setenv("VRTHERAPY_MODEL_CACHE", str(tmp_path))
    scene = TherapyScene(showbase, load_scene(), {"left": build_arm_skeleton("left", SHORT)}, Appearance(),
                         with_hud=False)  # fmt: skip
    try:
        assert scene.limbs["left"].skeleton.dimensions == SHORT  # loaded without a size mismatch
    finally:
        scene.destroy()
