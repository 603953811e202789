"""Compiled kernels managed: one module, a per-user version-keyed cache, `vrtherapy prepare`, a start-up probe."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import vrtherapy
from vrtherapy import __version__
from vrtherapy.motion import kernel_prep
from vrtherapy.motion.numba_cache import kernel_cache_dir
from vrtherapy.startup import measure_startup

PACKAGE = Path(vrtherapy.__file__).parent


def _calls(module: Path, dotted: str) -> bool:
    owner, name = dotted.split(".")
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == owner:  # fmt: skip
            return True
    return False


def test_every_compiled_kernel_is_in_one_module():
    compiling = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                       if "@kernel" in p.read_text(encoding="utf-8") or "njit" in p.read_text(encoding="utf-8"))  # fmt: skip
    assert compiling == ["motion/kernels.py", "motion/numba_cache.py"]


def test_the_cache_is_per_user_and_per_version_not_in_the_package(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.delenv("VRTHERAPY_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/home/someone/.cache")
    assert kernel_cache_dir() == Path(f"/home/someone/.cache/vrtherapy-{__version__}/numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/srv/numba")  # the user's own choice wins
    assert kernel_cache_dir() == Path("/srv/numba")


def test_only_the_command_edge_freezes_the_heap():
    freezing = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if _calls(p, "gc.freeze"))
    assert freezing == ["prepare.py"]


def test_a_first_run_says_what_it_compiles_step_by_step(monkeypatch, tmp_path):
    monkeypatch.setattr(kernel_prep, "_stamp", lambda: tmp_path / "prepared-stamp")  # as on a new machine
    lines: list[str] = []
    kernel_prep.prepare_kernels(lines.append)
    assert "compiling the motion kernels" in lines[0] and "vrtherapy prepare" in lines[0]
    steps = len(kernel_prep.STEPS)
    assert [line.split("]")[0].split("[")[1] for line in lines[1:]] == [f"{i}/{steps}" for i in range(1, steps + 1)]
    assert (tmp_path / "prepared-stamp").exists()
    lines.clear()
    kernel_prep.prepare_kernels(lines.append)  # prepared: loading says nothing
    assert lines == []


def test_prepare_command_reports_the_cache_it_used():
    done = subprocess.run([sys.executable, "-m", "vrtherapy", "prepare"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"(cache: {kernel_cache_dir()})" in done.stderr
    assert "seated body's meshes ready" in done.stderr


def test_startup_probe_times_a_fresh_process_to_its_first_frame():
    result = measure_startup()
    assert "skipped" not in result, result
    steps = result["steps_s"]
    assert list(steps) == ["process_start", "imported", "kernels_loaded", "display_open", "scene_built", "first_frame"]
    assert all(v >= 0 for v in steps.values())
    assert result["seconds_to_first_frame"] == pytest.approx(sum(steps.values()), abs=0.01)
