"""Shared fixtures: one offscreen Panda3D ShowBase for the whole run, a clean scene per test."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("tests.ci_required",)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


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


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data folder {SHARED_DATA} is absent")
    return SHARED_DATA
