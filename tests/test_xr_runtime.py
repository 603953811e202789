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
import time

import numpy as np
import pytest
from panda3d.core import CardMaker

from tests.gl_readback import read_gl_texture
from tests.headset_stubs import Eye, Runner, Scene
from tests.live_viewer import collecting_jpegs
from tests.monado import MonadoService, missing_reason, runtime_dir

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
    shown_after_step: list[tuple[float | None, float]] = []
    try:
        for _ in range(200):
            showbase.taskMgr.step()
            shown_after_step.append((display.shown_at(), time.monotonic()))
            states.append(display.headset.lifecycle.state.name)
            if display.headset.frames_rendered >= 30:
                break
        summary = display.summary()
    finally:
        display.finish()
    assert "FOCUSED" in states or "VISIBLE" in states
    assert summary["frames_with_layers"] >= 30 and summary["frames_submitted"] >= summary["frames_with_layers"]
    assert summary["eye_size"][0][0] > 0 and summary["swapchain_format"] in ("0x8c43", "0x8058")
    ahead = [shown - done for shown, done in shown_after_step if shown is not None]
    # The frame reaches the eyes at the runtime's predicted display time, after rendering finished and
    # within a few display periods (the visuo-motor delay in the headset runs to it).
    assert len(ahead) >= 20 and float(np.median(ahead)) > 0.0 and all(-0.1 < a < 0.5 for a in ahead), ahead
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
    assert headset["frames_with_layers"] > 0 and headset["fell_back"] is None and headset["error"] is None


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
    assert session.display == "xr" and session.status == "capped" and session.exercises  # --seconds 4 of ~2 min


def step_until(base, condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        base.taskMgr.step()


def test_a_runtime_that_restarts_within_seconds_is_picked_up_again(showbase, monado):
    from vrtherapy.xr import headset_driver

    lines: list[str] = []
    display, _ = headset_driver.open_headset_display(showbase, Scene(), Eye(), "xr", "right", None, "offscreen",
                                                     say=lines.append)  # fmt: skip
    runner = Runner()
    headset_driver.connect_runner(display, runner)
    events: list[str] = []
    display.outcome.on_event = lambda kind, detail: events.append(kind)
    try:
        step_until(showbase, lambda: display.headset.frames_rendered >= 5)
        monado.stop()  # the runtime goes away (a crash, an update) ...
        until = time.monotonic() + 1.0
        step_until(showbase, lambda: time.monotonic() > until)
        assert display.active and display.headset.lifecycle.reconnecting and runner.calls[-1] == "pause"
        monado.start()  # ... and is back a second later
        rendered = display.headset.frames_rendered
        step_until(showbase, lambda: display.headset.frames_rendered > rendered + 5)
        assert display.fell_back is None and display.headset.reconnections == 1 and runner.calls[-1] == "resume"
        said = [line for line in lines if "headset:" in line]
        assert len(said) == 2 and "lost; reconnecting" in said[0] and "reconnected" in said[1], said
        assert events == ["headset_lost", "headset_reconnected"]
        assert display.display_summary()["used"] == "xr"
    finally:
        display.finish()


def test_a_runtime_that_stays_away_falls_back_once_and_says_so(showbase, monado):
    from vrtherapy.xr import headset_driver

    lines: list[str] = []
    display, _ = headset_driver.open_headset_display(showbase, Scene(), Eye(), "xr", "right", None, "offscreen",
                                                     say=lines.append, reconnect_window_s=1.5)  # fmt: skip
    events: list[str] = []
    display.outcome.on_event = lambda kind, detail: events.append(kind)
    try:
        step_until(showbase, lambda: display.headset.frames_rendered >= 5)
        monado.stop()
        step_until(showbase, lambda: not display.active)
        for _ in range(20):
            showbase.taskMgr.step()
    finally:
        display.finish()
        monado.start()
    said = [line for line in lines if "headset:" in line]
    assert len(said) == 2 and said[1].endswith("; continuing on the offscreen display"), said
    assert "did not come back within 2 s" in said[1]
    summary = display.display_summary()
    assert summary["used"] == "offscreen" and summary["displays"] == ["xr", "offscreen"]
    assert summary["fallbacks"] == [said[1].removeprefix("vrtherapy: ")]
    assert summary["frames_by_display"]["xr"] >= 5 and summary["frames_by_display"]["offscreen"] >= 20
    assert events == ["headset_lost", "display_fallback"]


def run_until_lost(monado, args: list[str]) -> subprocess.CompletedProcess:
    """Run a vrtherapy command in the headset and stop the runtime for good once it is under way."""
    launcher = shlex.split(os.environ.get("VRTHERAPY_XR_TEST_LAUNCHER", ""))
    env = {**os.environ, "VRTHERAPY_XR_RECONNECT_S": "1"}
    child = subprocess.Popen([*launcher, sys.executable, "-m", "vrtherapy", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=env)  # fmt: skip
    out: list[str] = []
    assert child.stdout is not None
    for line in child.stdout:
        out.append(line)
        if "on the xr display" in line:
            break
    time.sleep(3.0)  # some frames in the headset first, even on a busy machine
    monado.stop()
    rest, _ = child.communicate(timeout=120)
    monado.start()
    return subprocess.CompletedProcess(child.args, child.returncode, "".join(out) + rest, "")


def test_demo_losing_the_headset_mid_session_says_so_once_and_summary_tells_the_truth(tmp_path, monado):
    result = run_until_lost(monado, ["demo", "--display", "xr", "--seconds", "9", "--output", str(tmp_path)])
    assert result.returncode == 0, result.stdout[-2000:]
    ours = [line for line in result.stdout.splitlines() if line.startswith("vrtherapy: headset:")]
    assert len(ours) == 2 and ours[1].endswith("continuing on the offscreen display"), ours
    display = json.loads((tmp_path / "summary.json").read_text())["display"]
    assert display["requested"] == "xr" and display["used"] == "offscreen" and display["displays"] == ["xr", "offscreen"]
    assert display["fallbacks"] == [ours[1].removeprefix("vrtherapy: ")]
    assert display["frames_by_display"]["xr"] > 0 and display["frames_by_display"]["offscreen"] > 0, display
    assert display["headset"]["fell_back"] and display["fell_back_after_s"] > 1


def test_a_recorded_session_logs_the_lost_headset_and_the_fallback(tmp_path, monado):
    db = tmp_path / "records.sqlite3"
    added = subprocess.run([sys.executable, "-m", "vrtherapy", "patient", "add", "--patient", "P1", "--side", "left",
                            "--limb", "upper", "--level", "transradial", "--db", str(db)],
                           capture_output=True, text=True)  # fmt: skip
    assert added.returncode == 0, added.stderr
    result = run_until_lost(monado, ["run", "--patient", "P1", "--playlist", "first_visit", "--display", "xr",
                                     "--seconds", "8", "--pain-before", "6", "--pain-after", "4", "--db", str(db)])  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    from vrtherapy.records.store import RecordStore

    with RecordStore.open(db) as store:
        [session] = store.sessions("P1")
        events = store.session_events(session.id)
    kinds = [e.kind for e in events]
    assert "headset_lost" in kinds and "display_fallback" in kinds, kinds
    fallback = next(e for e in events if e.kind == "display_fallback")
    assert fallback.detail["from"] == "xr" and fallback.detail["to"] == "offscreen" and session.pain_after == 4


def test_the_console_live_view_shows_the_headset_session(showbase, tmp_path, monkeypatch):
    """A session run in the headset from the console: its live view gets the frames the station shows (the left
    eye's mirror), 640 pixels wide, while the session's display stays the headset."""
    import cv2

    from vrtherapy.console.live import LiveSession
    from vrtherapy.records.models import PatientProfile
    from vrtherapy.records.store import RecordStore
    from vrtherapy.therapy.run_session import RunOptions, run_session

    db = tmp_path / "records.sqlite3"
    with RecordStore.open(db) as store:
        store.add_patient(PatientProfile("P9", "left", "upper", "transradial"))
    monkeypatch.setenv("VRTHERAPY_PLAYLISTS", str(tmp_path))
    (tmp_path / "tiny.toml").write_text('name = "Tiny"\nlimb = "upper"\n[[exercises]]\nid = "fist_open_close"\nduration_s = 3\n')

    class Watching(LiveSession):
        def frame(self, runner) -> None:
            self.stream.watch()  # a therapist has the live view open all along
            super().frame(runner)

    live = Watching(patient_id="P9", playlist="tiny", display="xr", who="JS", log=lambda sid, e: None)
    with collecting_jpegs(live.stream) as jpegs:
        try:
            report = run_session(RunOptions(patient="P9", playlist="tiny", display="xr", db=db, size=(480, 270),
                                            pain_before=5, pain_after=3),
                                 say=lambda line: None, base=showbase, observer=live)  # fmt: skip
        finally:
            live.finished("done")
    assert report.display == "xr" and report.status == "completed"
    assert len(jpegs) >= 3
    image = cv2.imdecode(np.frombuffer(jpegs[-1], np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1] == 640
    assert image.std() > 10  # a drawn scene, not a blank or black frame
