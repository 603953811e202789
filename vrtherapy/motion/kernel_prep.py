"""Compiling the motion kernels ahead of time, so that no session frame waits for numba.

`prepare_kernels` runs every compiled kernel (`kernels`) once, the way a session does (the arm and the leg
through their whole pose pipeline, then the shader's joint matrices), which compiles them on a
machine's first run (about 25 s on 2 cores) or loads them from the on-disk cache afterwards (about 1 s).
`vrtherapy prepare` calls it for installers and CI; a session calls it before its first frame.

A stamp in the cache folder, named after a digest of `kernels.py`, records that the kernels of this
source were compiled; without it, compiling is announced with a step counter (`say`), since it takes
long enough to look like a hang. The steps go out as lines, not a redrawn bar: the output is often a log.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vrtherapy.frames import SEATED_RIGHT_SHOULDER
from vrtherapy.motion import kernels
from vrtherapy.motion.calibration import relaxed_arm_degrees, relaxed_leg_degrees
from vrtherapy.motion.kinematics import inverse_bind_matrices, landmarks_from_pose, write_shader_joint_matrices
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.numba_cache import kernel_cache_dir
from vrtherapy.motion.pipeline import FramePoses, MirrorSettings, PosePipeline
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import Skeleton, build_arm_skeleton
from vrtherapy.tracking.sample import ARM_POINTS, LEG_POINTS, LimbKind, TrackedSample

Say = Callable[[str], None]

#: Where the warm-up limbs sit: a seated patient's right shoulder and hip.
_ROOTS: dict[LimbKind, np.ndarray] = {"arm": SEATED_RIGHT_SHOULDER, "leg": np.array([0.09, 0.0, 0.5])}


def _resting_sample(skeleton: Skeleton, t: float) -> TrackedSample:
    """The landmarks a tracker would report for `skeleton` resting (right side)."""
    relaxed = relaxed_arm_degrees if skeleton.limb == "arm" else relaxed_leg_degrees
    pose = LimbPose("right", np.radians(relaxed(skeleton.names)), _ROOTS[skeleton.limb], np.eye(3), t)
    n_points = len(ARM_POINTS) if skeleton.limb == "arm" else len(LEG_POINTS)
    return TrackedSample(skeleton.limb, "right", t, landmarks_from_pose(skeleton, pose, n_points))


def _run_pipeline(limb: LimbKind) -> FramePoses:
    skeleton = build_arm_skeleton("right") if limb == "arm" else build_leg_skeleton("right")
    pipeline = PosePipeline(MirrorSettings(show_intact=True), limb=limb)
    pipeline.process(_resting_sample(skeleton, 0.0))
    return pipeline.process(_resting_sample(skeleton, 0.05))


def _shader_matrices() -> None:
    phantom = _run_pipeline("arm").phantom
    if phantom is None:
        raise RuntimeError("the warm-up arm gave the pipeline no usable sample")
    skeleton = build_arm_skeleton(phantom.side)
    matrices = np.zeros((64, 4, 4), np.float32)
    write_shader_joint_matrices(skeleton, phantom, inverse_bind_matrices(skeleton), matrices)
    # The render edge (`render/limb_node.py`, `render/contact.py`), with the argument types it passes.
    n = len(skeleton.names)
    kernels.dual_quaternions_into(matrices, n, np.zeros((64, 2, 4), np.float32))
    samples = np.concatenate([skeleton.rest_globals[1], np.ones((n, 1))], axis=1)
    joints = np.ascontiguousarray(np.repeat(np.arange(n)[:, None], 3, axis=1))
    weights = np.full((n, 3), 1.0 / 3.0)
    for area, has_area in ((np.array([-1.0, 1.0, -1.0, 1.0]), True), (np.zeros(4), False)):
        kernels.rest_on_surface(matrices[:n], n, samples, joints, weights, joints[:, 0] >= n // 2, 0.7, area, has_area,
                                skeleton.rest_globals[1], skeleton.index("wrist"), 0.03)  # fmt: skip


#: What a session runs, in order; each step compiles the kernels it reaches first.
STEPS: tuple[tuple[str, Callable[[], object]], ...] = (
    ("arm: filter, mirror, retarget", lambda: _run_pipeline("arm")),
    ("leg: filter, mirror, retarget", lambda: _run_pipeline("leg")),
    ("skinning matrices, dual quaternions and contact for the shader", _shader_matrices),
)


def _stamp() -> Path:
    digest = hashlib.sha256(Path(kernels.__file__).read_bytes()).hexdigest()[:16]
    return kernel_cache_dir() / f"prepared-{digest}"


def kernels_prepared() -> bool:
    """True when this machine already compiled the kernels of this source (loading them is quick)."""
    return _stamp().exists()


def prepare_kernels(say: Say | None = None) -> float:
    """Compile (first run) or load (afterwards) every motion kernel; returns the seconds it took.

    When they still have to be compiled, `say` hears what is happening, step by step."""
    started = time.monotonic()
    announce = say if say is not None and not kernels_prepared() else None
    if announce:
        announce(f"vrtherapy: compiling the motion kernels for this machine, once (about 25 s; "
                 f"`vrtherapy prepare` does it ahead); cache: {kernel_cache_dir()}")  # fmt: skip
    for i, (what, step) in enumerate(STEPS, 1):
        step_started = time.monotonic()
        step()
        if announce:
            announce(f"vrtherapy:   [{i}/{len(STEPS)}] {what} ({time.monotonic() - step_started:.1f} s)")
    stamp = _stamp()
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    return time.monotonic() - started
