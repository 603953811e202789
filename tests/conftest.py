"""Shared fixtures: every test kept off the user's real records and folders, one offscreen Panda3D ShowBase
for the whole run, a clean scene per test, a fake clock, the real data folder.

The records database fixtures for both engines come from `tests/records_backends.py`, loaded as a plugin.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from platformdirs import user_cache_dir

from tests.fake_clock import FakeClock
from vrtherapy.resources import version_cache_dir

pytest_plugins = ("tests.ci_required", "tests.records_backends")

# What `vrtherapy prepare` made (compiled kernels, the seated body's meshes) stays where it put it, for this
# process and the commands the tests start, while each test gets its own per-user folders below.
os.environ.setdefault("VRTHERAPY_CACHE_DIR", str(version_cache_dir()))
# Likewise the GL driver's compiled shaders (Mesa keeps them under the cache folder, and compiling them
# again under llvmpipe costs a demo most of its first seconds).
for _mesa in ("MESA_SHADER_CACHE_DIR", "MESA_GLSL_CACHE_DIR"):
    os.environ.setdefault(_mesa, user_cache_dir())

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_user_folders(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test, whatever it runs (in process or as a command), writes its records, data, cache and
    settings under a temporary folder, never into the user's own."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("VRTHERAPY_DB", str(home / "records.sqlite3"))
    for variable, folder in (("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"),
                             ("XDG_STATE_HOME", "state")):  # fmt: skip
        (home / folder).mkdir()
        monkeypatch.setenv(variable, str(home / folder))


@pytest.fixture
def make_clock() -> type[FakeClock]:
    """Makes fake clocks (`clock = make_clock()`; `clock.sleep(s)` moves it on)."""
    return FakeClock


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def showbase():
    """Panda3D allows one ShowBase per process: every rendering test shares this offscreen one."""
    from vrtherapy.render.display import open_showbase

    base = open_showbase("offscreen", (320, 240))
    yield base
    base.destroy()


@pytest.fixture
def scene_root(showbase):
    """A fresh node under `render` for one test; removed with everything below it afterwards."""
    root = showbase.render.attachNewNode("test-scene")
    yield root
    root.removeNode()
    showbase.render.clearLight()
    showbase.render.clearShaderInput("u_unused")


@pytest.fixture
def scenes(showbase, monkeypatch: pytest.MonkeyPatch):
    """Makes therapy scenes on the shared ShowBase: `make(limb, sides, antialias=None)` (an antialias
    method forces `VRTHERAPY_ANTIALIAS`); drops them and puts the camera back afterwards."""
    from vrtherapy.limbs.appearance import Appearance
    from vrtherapy.motion.leg_skeleton import build_leg_skeleton
    from vrtherapy.motion.skeleton import build_arm_skeleton
    from vrtherapy.render.app import TherapyScene
    from vrtherapy.render.scene_spec import load_scene

    made = []
    cam = (showbase.camera.getPos(), showbase.camera.getHpr(), showbase.camLens.getMinFov())

    def make(limb="arm", sides=("left", "right"), antialias: str | None = None):
        if antialias is not None:
            monkeypatch.setenv("VRTHERAPY_ANTIALIAS", antialias)
        build = build_arm_skeleton if limb == "arm" else build_leg_skeleton
        scene = TherapyScene(showbase, load_scene(), {s: build(s) for s in sides}, Appearance(), with_hud=False)
        made.append(scene)
        return scene

    yield make
    for scene in made:
        scene.destroy()
    showbase.camera.setPos(cam[0])
    showbase.camera.setHpr(cam[1])
    showbase.camLens.setMinFov(cam[2])


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data folder {SHARED_DATA} is absent")
    return SHARED_DATA
