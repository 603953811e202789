"""Against a real OpenXR runtime with a headset: Monado's simulated HMD on the null compositor, which
the tests start and stop themselves (`tests/monado.py`).

To run here: `../shared/tools/openxr-runtime/setup DIR`, `. DIR/env.sh`, then pytest under `$XR_LAUNCH`
(`.ci/run` does exactly that). Skipped without the runtime on a developer's machine; under CI=true a
skip is a failure (`ci_required`). The CLI tests run a child process under VRTHERAPY_XR_TEST_LAUNCHER.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest
from panda3d.core import CardMaker

from tests.monado import MonadoService, missing_reason, runtime_dir
from tests.test_xr_frame_loop import read_gl_texture

REASON = missing_reason()
pytestmark = [pytest.mark.ci_required("the OpenXR runtime (Monado)"),
              pytest.mark.skipif(REASON is not None, reason=f"no OpenXR runtime here: {REASON}")]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def monado():
    """The simulated headset (no controllers), running for this module's tests."""
    folder = runtime_dir()
    assert folder is not None
    service = MonadoService(folder)
    service.start()
    yield service
    service.stop()


class Scene:
    hud = None


class Eye:
    position = (0.0, -0.35, 1.2)
    look_at = (0.0, 0.3, 1.2)


def test_stereo_frames_reach_the_runtime_and_the_session_exits_cleanly(showbase, scene_root, monkeypatch):
    from vrtherapy.xr import gl_copy, headset_driver

    card = CardMaker("red-wall")
    card.setFrame(-5, 5, -5, 5)
    wall = scene_root.attachNewNode(card.generate())
    wall.setPos(0, 2.0, 1.2)
    wall.setColor(1, 0, 0, 1)
    wall.setLightOff(1)
    seen: list[np.ndarray] = []
    copy = gl_copy.TextureCopier.copy

    def copy_and_look(self, source, destination, width, height):
        copy(self, source, destination, width, height)
        if len(seen) < 4:  # read the runtime's own swapchain image back before it is released
            seen.append(read_gl_texture(destination, (width, height)))

    monkeypatch.setattr(gl_copy.TextureCopier, "copy", copy_and_look)
    lines: list[str] = []
    display, note = headset_driver.open_headset_display(showbase, Scene(), Eye(), "xr", "right", None, "offscreen",
                                                        say=lines.append)  # fmt: skip
    assert note is None
    states = []
    try:
        for _ in range(200):
            showbase.taskMgr.step()
            states.append(display.headset.lifecycle.state.name)
            if display.headset.frames_rendered >= 30:
                break
        summary = display.summary()
    finally:
        display.finish()
    assert "FOCUSED" in states or "VISIBLE" in states
    assert summary["frames_with_layers"] >= 30 and summary["frames_submitted"] >= summary["frames_with_layers"]
    assert summary["eye_size"][0][0] > 0 and summary["swapchain_format"] in ("0x8c43", "0x8058")
    assert seen and all((image[..., 0] > 200).mean() > 0.9 and (image[..., 1] < 40).mean() > 0.9 for image in seen)
    lifecycle = display.headset.lifecycle
    assert lifecycle.finished and lifecycle.state.name == "EXITING" and not display.active
    assert not any("Error" in line for line in lines)


def test_demo_on_the_headset_records_xr_as_the_display(tmp_path):
    launcher = shlex.split(os.environ.get("VRTHERAPY_XR_TEST_LAUNCHER", ""))
    result = subprocess.run([*launcher, sys.executable, "-m", "vrtherapy", "demo", "--display", "xr", "--seconds", "3",
                             "--output", str(tmp_path)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["display"]["used"] == "xr" and summary["display"]["fallbacks"] == []
    headset = summary["display"]["headset"]
    assert headset["frames_with_layers"] > 10 and headset["fell_back"] is None and headset["error"] is None


def test_a_recorded_session_runs_in_the_headset(tmp_path):
    launcher = shlex.split(os.environ.get("VRTHERAPY_XR_TEST_LAUNCHER", ""))
    db = tmp_path / "records.sqlite3"

    def vrtherapy(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*launcher, sys.executable, "-m", "vrtherapy", *args, "--db", str(db)],
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    assert vrtherapy("patient", "add", "--patient", "P1", "--side", "left", "--limb", "upper",
                     "--level", "transradial").returncode == 0  # fmt: skip
    result = vrtherapy("run", "--patient", "P1", "--playlist", "first_visit", "--display", "xr", "--seconds", "4",
                       "--pain-before", "6", "--pain-after", "4")  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    from vrtherapy.records.store import RecordStore

    with RecordStore.open(db) as store:
        [session] = store.sessions("P1")
    assert session.display == "xr" and session.status == "completed" and session.exercises
