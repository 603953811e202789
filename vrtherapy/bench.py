"""`vrtherapy bench`: what each stage costs per frame, measured on this machine in one run.

Pose pipeline (per limb per frame): One Euro filter, mirror, retarget, joint update (forward
kinematics and skinning matrices written to the shader's array).

Rendering, all at the same size on the same offscreen buffer, alternated in blocks within one run so
machine noise hits each alike:
  * bare: a Panda3D frame with nothing in it (clear only);
  * static: our room and limbs drawn with no per-frame work of ours (what Panda3D alone costs for
    this scene);
  * full: the session's frame: tracker hand-over, pose pipeline, skinning upload, HUD, drawing.
Start-up: a fresh process, the kernels already prepared, from spawning it to its first offscreen frame
(`startup`).

Frames are timed to completion (`gl-finish`): under software GL, `renderFrame` otherwise returns
before anything is drawn. Under software GL filling the screen with a room costs several times a
clear, so `full / bare` measures the rasteriser; `full / static` is our per-frame overhead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vrtherapy.errors import VrtherapyError
from vrtherapy.motion.kernel_prep import prepare_kernels
from vrtherapy.motion.mirror import mirror_sample
from vrtherapy.motion.one_euro import OneEuroFilter
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.retarget import Retargeter
from vrtherapy.motion.skeleton import Skeleton, build_arm_skeleton
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.tracking.sample import ARM_SPEED_GROUPS, Side

TARGET_POSE_MS_PER_LIMB = 0.2
TARGET_FRAME_RATIO = 1.5
#: Our per-frame work (tracker hand-over, pose pipeline, HUD, skinning upload) on top of drawing the same scene.
TARGET_OVERHEAD_RATIO = 1.15


@dataclass(frozen=True)
class BenchOptions:
    size: tuple[int, int] = (960, 540)
    pose_frames: int = 600
    render_frames: int = 240
    blocks: int = 8  #: alternations of bare, static and full (more: machine noise cancels better)
    tracking: bool = True
    tracking_video: Path | None = None  #: default: bench_tracking.DEFAULT_VIDEO
    console: bool = True  #: the console's live view and the session's frame rate with it (`console/bench_console.py`)


def _median_ms(fn: Callable[[int], object], n: int) -> float:
    times = np.empty(n)
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times[i] = time.perf_counter() - t
    return float(np.median(times) * 1000.0)


def _synthetic_samples(n: int):
    motion = SyntheticArmMotion("right", build_schedule([("fist_open_close", 10.0), ("pronation_supination", 10.0)]))
    return [motion.sample_at(i / 30.0, t_capture=i / 30.0) for i in range(n)]


def bench_pose_pipeline(frames: int) -> dict:
    """Per-stage cost of the pose pipeline for one limb, and the whole pipeline for 1 and 2 limbs."""
    from vrtherapy.motion.kinematics import inverse_bind_matrices, write_shader_joint_matrices

    samples = _synthetic_samples(frames)
    plane = MirrorSettings().plane
    skeleton = build_arm_skeleton("left")
    retargeter = Retargeter(skeleton)
    one_euro = OneEuroFilter(speed_groups=np.array(ARM_SPEED_GROUPS))
    inverse_bind = inverse_bind_matrices(skeleton)
    joint_array = np.zeros((32, 4, 4), np.float32)
    filtered = [one_euro.filter_sample(s) for s in samples]
    mirrored = [mirror_sample(s, plane) for s in filtered]
    poses = [retargeter.solve(s) for s in mirrored]

    def joint_update(i: int) -> None:
        write_shader_joint_matrices(skeleton, poses[i], inverse_bind, joint_array)

    one_euro.reset()
    stages = {
        "filter": _median_ms(lambda i: one_euro.filter_sample(samples[i]), frames),
        "mirror": _median_ms(lambda i: mirror_sample(filtered[i], plane), frames),
        "retarget": _median_ms(lambda i: retargeter.solve(mirrored[i]), frames),
        "joint_update": _median_ms(joint_update, frames),
    }
    skeletons = {side: build_arm_skeleton(side) for side in ("left", "right")}
    inverse_binds = {side: inverse_bind_matrices(sk) for side, sk in skeletons.items()}

    def update_joints(pose) -> None:
        write_shader_joint_matrices(skeletons[pose.side], pose, inverse_binds[pose.side], joint_array)

    # k tracked limbs, each with its own filter, mirror, retargeting and skinned phantom
    per_limb, total = {}, {}
    for k in (1, 2, 3, 4):
        pipelines = [PosePipeline(MirrorSettings(show_intact=False)) for _ in range(k)]

        def frame(i: int, pipelines=pipelines) -> None:
            for pipeline in pipelines:
                update_joints(pipeline.process(samples[i]).phantom)

        total[str(k)] = round(_median_ms(frame, frames), 4)
        per_limb[str(k)] = round(total[str(k)] / k, 4)
    bilateral = PosePipeline(MirrorSettings(show_intact=True))

    def both(i: int) -> None:
        out = bilateral.process(samples[i])
        update_joints(out.phantom)
        update_joints(out.intact)

    bilateral_per_limb = round(_median_ms(both, frames) / 2, 4)
    return {
        "stages_ms_per_limb": {k: round(v, 4) for k, v in stages.items()},
        "ms_per_limb_per_frame": per_limb,
        "ms_per_frame_by_limbs": total,
        "bilateral_ms_per_limb": bilateral_per_limb,
        "target_ms_per_limb": TARGET_POSE_MS_PER_LIMB,
        "meets_target": per_limb["1"] <= TARGET_POSE_MS_PER_LIMB,
    }


def bench_frame(options: BenchOptions) -> dict:
    """Full frame vs. bare Panda3D frame, same offscreen buffer, alternating blocks."""
    from panda3d.core import loadPrcFileData

    from vrtherapy.limbs.appearance import Appearance
    from vrtherapy.render.app import TherapyScene
    from vrtherapy.render.display import open_showbase
    from vrtherapy.render.scene_spec import load_scene
    from vrtherapy.therapy.controller import SessionController
    from vrtherapy.therapy.hud_view import hud_for
    from vrtherapy.therapy.playlist import load_playlist

    loadPrcFileData("vrtherapy-bench", "gl-finish true\n")
    base = open_showbase("offscreen", options.size)
    mirror = MirrorSettings(show_intact=True)
    skeletons: dict[Side, Skeleton[Any]] = {"left": build_arm_skeleton("left"), "right": build_arm_skeleton("right")}
    scene = TherapyScene(base, load_scene(), skeletons, Appearance())
    playlist = load_playlist("demo")
    samples = _synthetic_samples(options.render_frames)
    pipeline = PosePipeline(mirror)
    # The session's logic runs in the full frame too: a controller ticks on the samples' clock (and starts
    # afresh when they loop).
    sessions: list[SessionController] = []

    def full(i: int) -> None:
        t = (i % len(samples)) / 30.0
        if t == 0.0 or not sessions:
            sessions[:] = [SessionController(playlist, pipeline.phantom_retargeter.skeleton.names, "arm")]
        sessions[0].tick(t)
        scene.show(pipeline.process(samples[i % len(samples)]), hud_for(sessions[0].state()))
        base.graphicsEngine.renderFrame()

    def draw_only(i: int) -> None:
        base.graphicsEngine.renderFrame()

    def show_scene(visible: bool) -> None:
        for node in (scene.root, *([scene.hud.root] if scene.hud is not None else [])):
            node.unstash() if visible else node.stash()

    for i in range(10):  # warm up: shader compile, first uploads
        full(i)
    times: dict[str, list[float]] = {"bare": [], "static": [], "full": []}
    n = max(10, options.render_frames // options.blocks)
    for _ in range(options.blocks):
        show_scene(False)
        draw_only(0)
        times["bare"].append(_median_ms(draw_only, n))
        show_scene(True)
        draw_only(0)
        times["static"].append(_median_ms(draw_only, n))
        times["full"].append(_median_ms(full, n))
    tracking = latency = None
    if options.tracking:
        from vrtherapy.bench_tracking import bench_tracking

        tracking = bench_tracking(full, options.tracking_video)
        latency = _bench_latency(scene, base, playlist, mirror, options)
    scene.destroy()
    renderer = base.win.gsg.getDriverRenderer()
    base.destroy()
    full_v, bare_v, static_v = (float(np.median(times[k])) for k in ("full", "bare", "static"))
    return {
        "size": list(options.size),
        "renderer": renderer,
        "full_frame_ms": round(full_v, 3),
        "bare_frame_ms": round(bare_v, 3),
        "static_scene_frame_ms": round(static_v, 3),
        "ratio": round(full_v / bare_v, 3),
        "ratio_vs_static_scene": round(full_v / static_v, 3),
        "target_ratio": TARGET_FRAME_RATIO,
        "meets_target": full_v / bare_v <= TARGET_FRAME_RATIO,
        "overhead_target_ratio": TARGET_OVERHEAD_RATIO,
        "overhead_meets_target": full_v / static_v <= TARGET_OVERHEAD_RATIO,
        "tracking": tracking,
        "latency": latency,
    }


def _bench_latency(scene, base, playlist, mirror: MirrorSettings, options: BenchOptions) -> dict:
    """Capture-to-screen delay of the webcam path with this frame loop (`bench_latency`)."""
    from vrtherapy.bench_latency import bench_latency
    from vrtherapy.bench_tracking import DEFAULT_VIDEO
    from vrtherapy.therapy.controller import SessionController
    from vrtherapy.therapy.hud_view import hud_for

    pipeline = PosePipeline(mirror)
    controller = SessionController(playlist, pipeline.phantom_retargeter.skeleton.names, "arm")

    def show(sample, now: float) -> None:
        controller.tick(now)
        scene.show(pipeline.process(sample, now=now), hud_for(controller.state()))
        base.graphicsEngine.renderFrame()

    return bench_latency(show, options.tracking_video or DEFAULT_VIDEO)


def run_bench(options: BenchOptions) -> dict:
    from vrtherapy.startup import measure_startup

    video = options.tracking_video
    if options.tracking and video is not None and not video.is_file():  # said before, not after, the bench
        problem = "is a folder, not a video" if video.is_dir() else "no such video file"
        raise VrtherapyError(f"--tracking-video: {video}: {problem}")
    prepare_kernels()  # compile time is not frame time (and start-up is measured after it, as after `prepare`)
    startup = measure_startup()  # first, in a fresh process, before this one loads the machine further
    result = {"pose_pipeline": bench_pose_pipeline(options.pose_frames), "frame": bench_frame(options), "startup": startup}
    if options.console:
        from vrtherapy.console.bench_console import bench_console

        result["console"] = bench_console(options.size)
    return result


def format_report(result: dict) -> str:
    pose, frame = result["pose_pipeline"], result["frame"]
    ok = {True: "ok", False: "ABOVE TARGET"}
    ok_low = {True: "ok", False: "BELOW TARGET"}
    lines = ["pose pipeline (ms per limb per frame, median):"]
    lines += [f"  {k:<14} {v:8.4f}" for k, v in pose["stages_ms_per_limb"].items()]
    for limbs, v in pose["ms_per_limb_per_frame"].items():
        lines.append(f"  {limbs} limb(s)      {v:8.4f} per limb, {pose['ms_per_frame_by_limbs'][limbs]:.4f} per frame")
    lines.append(f"  bilateral view {pose['bilateral_ms_per_limb']:8.4f} per limb (the intact twin is the phantom reflected)")
    lines.append(f"  target <= {pose['target_ms_per_limb']} ms: {ok[pose['meets_target']]}")
    lines.append(f"frame ({frame['size'][0]}x{frame['size'][1]}, {frame['renderer']}):")
    lines.append(f"  full frame     {frame['full_frame_ms']:8.3f} ms")
    lines.append(f"  bare frame     {frame['bare_frame_ms']:8.3f} ms   (empty: clear only)")
    lines.append(f"  static scene   {frame['static_scene_frame_ms']:8.3f} ms   (room and limbs, no per-frame work)")
    lines.append(f"  full / bare    {frame['ratio']:8.3f}  (target <= {frame['target_ratio']}: {ok[frame['meets_target']]})")
    lines.append(f"  full / static  {frame['ratio_vs_static_scene']:8.3f}  (our per-frame overhead, target <= "
                 f"{frame.get('overhead_target_ratio', TARGET_OVERHEAD_RATIO)}: {ok[frame['overhead_meets_target']]})")
    if frame.get("latency"):
        from vrtherapy.bench_latency import format_latency

        lines += format_latency(frame["latency"])
    startup = result.get("startup")
    if startup and "skipped" in startup:
        lines.append(f"start-up: skipped, {startup['skipped']}")
    elif startup:
        steps = ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in startup["steps_s"].items())
        lines.append("start-up to the first frame (fresh process, after `vrtherapy prepare`, offscreen):")
        lines.append(f"  {startup['seconds_to_first_frame']:8.2f} s  (target <= {startup['target_s']:.0f} s: "
                     f"{ok[startup['meets_target']]}): {steps}")
    tracking = frame.get("tracking")
    if tracking and "skipped" in tracking:
        lines.append(f"webcam tracking: skipped, {tracking['skipped']}")
    elif tracking:
        lines.append(f"webcam tracking (MediaPipe hands + pose on {Path(tracking['video']).name}):")
        lines.append(f"  inference      {tracking['inference_ms_median']:8.2f} ms median, "
                     f"{tracking['inference_ms_p95']:.2f} ms p95 ({tracking['frames_tracked']} frames)")
        lines.append(f"  session fps    {tracking['render_fps_tracking_off']:8.2f} tracking off, "
                     f"{tracking['render_fps_tracking_on']:.2f} on (paced to {tracking['session_fps_target']:.0f})")
        lines.append(f"  on / off       {tracking['fps_ratio']:8.3f}  (target >= {tracking['target_ratio']}: "
                     f"{ok_low[tracking['meets_target']]})")
        lines.append(f"  unpaced fps    {tracking['max_fps_tracking_off']:8.2f} tracking off, "
                     f"{tracking['max_fps_tracking_on']:.2f} on ({tracking['max_fps_ratio']:.3f}: headroom left)")
    if result.get("console"):
        from vrtherapy.console.bench_console import format_console

        lines += format_console(result["console"])
    return "\n".join(lines)
