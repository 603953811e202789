"""The command line as a user meets it: the demo's output, and one-line errors for bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent



def run_cli(*args, cwd=None, timeout=240):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    # As on a machine without a headset, even where an OpenXR runtime is active (tests/test_xr_runtime.py uses it).
    env["XR_RUNTIME_JSON"] = str(PROJECT_ROOT / "no-such-openxr-runtime.json")
    return subprocess.run([sys.executable, "-m", "vrtherapy", *args], capture_output=True, text=True,
                          cwd=cwd or PROJECT_ROOT, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = run_cli("demo", "--seconds", "3", "--output", str(out), "--size", "320x180")
    return result, out


def test_demo_runs_offscreen_and_writes_what_a_person_can_look_at(demo_run):
    result, out = demo_run
    assert result.returncode == 0, result.stderr
    assert f"output written to {out.resolve()}" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["display"]["used"] == "offscreen"
    assert summary["display"]["requested"] == "auto"
    assert any("headset" in note for note in summary["display"]["fallbacks"])  # no OpenXR runtime here
    assert summary["frames_rendered"] >= 30 and summary["fps"] > 10
    assert summary["tracker"]["name"] == "synthetic" and summary["tracker"]["samples"] > 30
    assert summary["mirror"]["intact_side"] == "right" and summary["mirror"]["phantom_side"] == "left"
    assert summary["visuomotor_delay_ms"]["mean"] is not None
    assert summary["video"]["codec"] == "H.264" and summary["video"]["seconds"] == pytest.approx(summary["seconds"], abs=0.1)
    frames = list((out / "frames").glob("*.png"))
    assert frames, "no key frame written"
    from PIL import Image

    img = Image.open(frames[0])
    assert img.size == (320, 180)
    assert len(np.unique(np.asarray(img).reshape(-1, 3), axis=0)) > 50  # a real picture, not a blank frame
    assert (out / "preview.gif").stat().st_size > 1000


def test_unknown_display_mode_is_one_clear_line():
    result = run_cli("demo", "--display", "vr")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown display mode 'vr'" in lines[0] and "--display" in lines[0]


def test_headset_requested_without_runtime_is_one_clear_line(tmp_path):
    result = run_cli("demo", "--display", "xr", "--seconds", "1", "--output", str(tmp_path))
    if result.returncode == 0:
        pytest.skip("an OpenXR runtime is present on this machine")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vrtherapy: --display xr:")


@pytest.mark.parametrize(
    "content, field",
    [
        ('name = "x"\n[table]\nheight = "high"\n', "table.height"),
        ('name = "x"\n[table]\ncolour = [1, 0, 0]\n', "table.colour"),
        ('name = "x"\n[eye]\nfov_deg = 500\n', "eye.fov_deg"),
    ],
)
def test_malformed_scene_stops_with_one_line_naming_file_and_field(tmp_path, content, field):
    scene = tmp_path / "broken.toml"
    scene.write_text(content)
    result = run_cli("demo", "--scene", str(scene), "--seconds", "1", "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(scene) in lines[0] and field in lines[0], lines
    assert not (tmp_path / "out").exists()  # nothing started


def test_missing_scene_file_is_one_line(tmp_path):
    result = run_cli("demo", "--scene", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"vrtherapy: {tmp_path / 'nope.toml'}: file not found"


@pytest.fixture
def virtual_desktop():
    """A private X display (Xvfb), so the window path runs for real on a machine without a screen."""
    import shutil
    import time

    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package xvfb); the window display cannot be tried here")
    number = 90 + os.getpid() % 100
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = f"/tmp/.X11-unix/X{number}"
    deadline = time.monotonic() + 10
    while not os.path.exists(socket) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not os.path.exists(socket):
        server.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def test_auto_opens_a_window_when_a_desktop_is_there(tmp_path, virtual_desktop):
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env["DISPLAY"] = virtual_desktop
    result = subprocess.run([sys.executable, "-m", "vrtherapy", "demo", "--seconds", "2", "--size", "480x270",
                             "--output", str(tmp_path)], capture_output=True, text=True, cwd=PROJECT_ROOT,
                            env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["display"]["used"] == "window"
    assert len(summary["display"]["fallbacks"]) == 1  # only the missing headset
    # the window drew the session; how fast is `vrtherapy bench`'s to measure, not a test's (it varies with load)
    assert summary["frames_rendered"] > 0


def test_limb_screenshots_show_skin(tmp_path):
    result = run_cli("models", "screenshots", "--output", str(tmp_path), "--skin-tone", "#c8956d")
    assert result.returncode == 0, result.stderr
    from PIL import Image

    for name in ("open_hand", "fist", "pointing", "foot"):
        rgb = np.asarray(Image.open(tmp_path / f"{name}.png").convert("RGB")).astype(int)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        skin = (r > g + 15) & (g > b + 10) & (r > 120)  # warm, skin-coloured pixels
        assert skin.mean() > 0.02, name


def test_record_then_replay_through_the_demo(tmp_path):
    recording = tmp_path / "patient.vtrec"
    result = run_cli("record", "--seconds", "2", "--output", str(recording))
    assert result.returncode == 0, result.stderr
    assert "recorded" in result.stdout and recording.stat().st_size > 1000
    again = run_cli("record", "--seconds", "1", "--output", str(recording))
    assert again.returncode == 2 and "never overwritten" in again.stderr  # a recording is never lost
    out = tmp_path / "demo"
    result = run_cli("demo", "--tracker", f"replay:{recording}", "--seconds", "3", "--size", "320x180", "--output", str(out))
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tracker"]["name"] == "replay:patient.vtrec" and summary["tracker"]["samples"] > 30


@pytest.mark.parametrize("tracker, message", [("replay:/nonexistent/x.vtrec", "recording not found"),
                                              ("kinect", "unknown tracker 'kinect'")])
def test_bad_tracker_is_one_line_before_anything_starts(tmp_path, tracker, message):
    result = run_cli("demo", "--tracker", tracker, "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "out").exists()
