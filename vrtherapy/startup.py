"""Start-up to the first frame, as a patient meets it: a fresh process, kernels already prepared.

`measure_startup` starts `python -m vrtherapy.startup` and times it from before the process is spawned
to the moment its first offscreen frame has been drawn (CLOCK_MONOTONIC is shared between processes),
with marks for each step on the way: the imports, loading the motion kernels (`vrtherapy prepare`
compiled them), opening the display, building the room and limbs, and the first frame itself
(tracked pose to pixels). It runs in its own process because start-up is what a new process pays:
anything this process already imported or compiled would hide it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

TARGET_S = 3.0  #: start-up to the first frame, after `vrtherapy prepare`


def first_frame(size: tuple[int, int] = (960, 540)) -> dict[str, float]:
    """In this (fresh) process: everything a session does up to its first offscreen frame; the
    monotonic time at each step."""
    marks = {"process_start": time.monotonic()}
    from vrtherapy.limbs.appearance import Appearance
    from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
    from vrtherapy.prepare import ready_for_frames
    from vrtherapy.render.app import TherapyScene
    from vrtherapy.render.display import open_showbase
    from vrtherapy.render.scene_spec import load_scene
    from vrtherapy.therapy.setup import build_skeletons
    from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule

    marks["imported"] = time.monotonic()
    ready_for_frames(say=lambda line: None)
    marks["kernels_loaded"] = time.monotonic()
    base = open_showbase("offscreen", size)
    marks["display_open"] = time.monotonic()
    scene = TherapyScene(base, load_scene(), build_skeletons("arm", "left", None), Appearance())
    pipeline = PosePipeline(MirrorSettings(intact_side="right", show_intact=True))
    sample = SyntheticArmMotion("right", build_schedule([("rest", 1.0)])).sample_at(0.0, t_capture=0.0)
    marks["scene_built"] = time.monotonic()
    scene.show(pipeline.process(sample))
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()  # the first frame is on screen once the next one starts
    marks["first_frame"] = time.monotonic()
    return marks


def measure_startup(timeout_s: float = 120.0) -> dict:
    """Seconds from spawning a fresh `vrtherapy` process to its first offscreen frame, with each step."""
    spawned = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "vrtherapy.startup"], capture_output=True, text=True,
                          timeout=timeout_s, check=False)  # fmt: skip
    if done.returncode != 0:
        return {"skipped": f"the start-up probe failed: {done.stderr.strip().splitlines()[-1:]}"}
    marks = json.loads(done.stdout.strip().splitlines()[-1])
    steps, previous = {}, spawned
    for name in ("process_start", "imported", "kernels_loaded", "display_open", "scene_built", "first_frame"):
        steps[name] = round(marks[name] - previous, 3)
        previous = marks[name]
    total = marks["first_frame"] - spawned
    return {"seconds_to_first_frame": round(total, 3), "steps_s": steps, "target_s": TARGET_S,
            "meets_target": total <= TARGET_S}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(first_frame()), flush=True)
    sys.stdout.flush()
    import os

    os._exit(0)  # the frame is what was measured; Panda3D's teardown is not start-up
