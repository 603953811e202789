"""Limb models sized to the patient.

A virtual limb the size of the patient's own is accepted more readily. With the default measurements
the committed models in `models/` are used; any other measurements (from calibration or a patient
profile) get their own model, generated once (a few seconds) and kept in a per-user cache, keyed by
the measurements, so later sessions load it at once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import platformdirs

from vrtherapy.limbs.model_io import default_model_path, save_limb_model
from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
from vrtherapy.motion.skeleton import ArmDimensions, Skeleton, build_arm_skeleton
from vrtherapy.tracking.sample import LimbKind, Side


def fitted_models_dir() -> Path:
    """Where generated patient-sized models are kept (`VRTHERAPY_MODEL_CACHE` overrides)."""
    env = os.environ.get("VRTHERAPY_MODEL_CACHE")
    return Path(env) if env else Path(platformdirs.user_cache_dir("vrtherapy")) / "models"


def model_path_for(side: Side, limb: LimbKind, dims: ArmDimensions | LegDimensions) -> Path:
    """The model file for a `side` `limb` of these measurements, generating it on first use."""
    default = ArmDimensions() if limb == "arm" else LegDimensions()
    if dims == default:
        return default_model_path(side, limb)
    key = hashlib.sha1(json.dumps(asdict(dims), sort_keys=True).encode()).hexdigest()[:12]
    path = fitted_models_dir() / f"{side}_{limb}_{key}.bam"
    if not path.exists():
        _generate(side, limb, dims, path)
    return path


def _generate(side: Side, limb: LimbKind, dims: ArmDimensions | LegDimensions, path: Path) -> None:
    skeleton: Skeleton[Any]
    if isinstance(dims, ArmDimensions):
        from vrtherapy.limbs.mesh_generator import generate_arm_mesh

        skeleton = build_arm_skeleton(side, dims)
        mesh = generate_arm_mesh(skeleton)
    else:
        from vrtherapy.limbs.leg_mesh import generate_leg_mesh

        skeleton = build_leg_skeleton(side, dims)
        mesh = generate_leg_mesh(skeleton)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    save_limb_model(mesh, skeleton, partial)
    partial.replace(path)  # atomic: a second session never loads a half-written model
