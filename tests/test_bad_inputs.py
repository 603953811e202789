"""Hostile and mistaken input on the command line: one line naming the option or file, exit status 2, no
traceback, and the records file byte-identical when a session was refused."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vrtherapy.cli import main
from vrtherapy.cli_options import OPTION_RANGES, Range

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BROKEN_PLAYLISTS = PROJECT_ROOT / "tests" / "data" / "broken_playlists"
BROKEN_RECORDINGS = PROJECT_ROOT / "tests" / "data" / "broken_recordings"


@pytest.fixture(autouse=True)
def _no_real_db(monkeypatch, tmp_path):
    monkeypatch.setenv("VRTHERAPY_DB", str(tmp_path / "env-default.sqlite3"))


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def refused(capsys, *argv: str) -> str:
    """Run the command (it must be refused with status 2) and return its one line."""
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse's own refusals
        status = exc.code
    assert status == 2
    return one_line(capsys)


def _outside(bound: Range) -> list[str]:
    below, above = bound.low - (1 if bound.integer else 0.001 * max(1.0, bound.low)), bound.high + 1
    return [str(int(below)) if bound.integer else f"{below:g}", str(int(above)) if bound.integer else f"{above:g}"]


NUMERIC = [("demo", "--fps"), ("demo", "--seconds"), ("demo", "--rest-after"), ("record", "--seconds"),
           ("run", "--fps"), ("run", "--seconds"), ("run", "--pain-before"), ("run", "--pain-after"),
           ("console", "--port")]  # fmt: skip


@pytest.mark.parametrize("command, option", NUMERIC)
def test_every_numeric_option_is_held_to_a_range_a_session_can_run_with(capsys, command, option):
    bound = OPTION_RANGES[option]
    assert isinstance(bound, Range)
    required = {"record": ["--output", "x.vtrec"], "run": ["--patient", "P1", "--playlist", "upper"]}.get(command, [])
    for value in [*_outside(bound), "nan", "inf", "-inf", "1e999", "\u0661\u0660", "\uff13", "\u00b2", "", "ten"]:
        line = refused(capsys, command, *required, f"{option}={value}")
        assert f"argument {option}: " in line and str(bound) in line, line


def test_fps_that_would_hang_is_refused(capsys):
    assert refused(capsys, "demo", "--fps", "0.001") == (
        "vrtherapy demo: argument --fps: 0.001 is outside 10 to 240 frames per second (see vrtherapy demo --help)")


@pytest.mark.parametrize("size", ["0x0", "99999x99999", "-5x10", "960", "960x540x2", "x", "nanxnan", "\u0669\u0666\u0660x540"])
def test_frame_sizes_outside_what_can_be_drawn_are_one_line(capsys, size):
    line = refused(capsys, "demo", f"--size={size}")
    assert "argument --size: " in line and "320 to 3840 pixels" in line


@pytest.fixture
def records(tmp_path, capsys) -> Path:
    db = tmp_path / "records.sqlite3"
    assert main(["patient", "add", "--db", str(db), "--patient", "P1", "--side", "left", "--limb", "upper",
                 "--level", "transradial", "--minutes-per-week", "60"]) == 0  # fmt: skip
    capsys.readouterr()
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


REFUSED_RUNS = {
    "nested playlist": (["--playlist", str(BROKEN_PLAYLISTS / "nested_inline_tables.toml")], "nested too deeply"),
    "nested scene": (["--playlist", "upper", "--scene", str(BROKEN_PLAYLISTS / "nested_arrays.toml")], "nested too deeply"),
    "bidi label": (["--playlist", str(BROKEN_PLAYLISTS / "bidi_override_in_name.toml")], "U+202E"),
    "nested recording": (["--playlist", "upper", "--tracker", f"replay:{BROKEN_RECORDINGS / 'nested_json_line.vtrec'}"],
                         "line 3: nested too deeply"),
    "backwards recording": (["--playlist", "upper", "--tracker", f"replay:{BROKEN_RECORDINGS / 'backwards_time.vtrec'}"],
                            "the time goes backwards"),
    "recording with nothing seen": (["--playlist", "upper", "--tracker",
                                     f"replay:{BROKEN_RECORDINGS / 'limb_never_seen.vtrec'}"], "no usable sample"),
    "playlist is a folder": (["--playlist", str(BROKEN_PLAYLISTS)], "is a folder, not a file"),
    "playlist is a device": (["--playlist", "/dev/zero"], "not a regular file"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSED_RUNS))
def test_a_refused_session_leaves_the_records_byte_identical(records, capsys, case):
    argv, expected = REFUSED_RUNS[case]
    before = digest(records)
    line = refused(capsys, "run", "--db", str(records), "--patient", "P1", "--display", "offscreen", "--pain-before", "3",
                   "--pain-after", "2", *argv)  # fmt: skip
    assert expected in line
    assert digest(records) == before


def test_a_huge_playlist_is_refused_quickly_without_touching_the_records(records, capsys, tmp_path):
    path = tmp_path / "huge.toml"
    with path.open("w") as f:
        f.write('name = "Huge"\nlimb = "upper"\n')
        f.write('[[exercises]]\nid = "rest"\nduration_s = 5\n' * 1_100_000)
    before = digest(records)
    line = refused(capsys, "run", "--db", str(records), "--patient", "P1", "--playlist", str(path))
    assert line.endswith("MB, more than the 256 KB such a file may hold")
    assert digest(records) == before


def test_record_of_a_leg_follows_the_lower_limb_playlist(tmp_path, capsys):
    out = tmp_path / "leg.vtrec"
    assert main(["record", "--limb", "leg", "--seconds", "1", "--output", str(out)]) == 0
    capsys.readouterr()
    header = json.loads(out.read_text().splitlines()[0])
    assert header["limb"] == "leg" and header["source"]["playlist"] == "lower"
    assert "for the upper limb; --limb leg needs a playlist for the leg" in refused(
        capsys, "record", "--limb", "leg", "--playlist", "upper", "--seconds", "1", "--output", str(tmp_path / "x.vtrec"))
    assert not (tmp_path / "x.vtrec").exists()


def test_demo_of_a_lower_limb_playlist_moves_the_synthetic_leg(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["XR_RUNTIME_JSON"] = str(PROJECT_ROOT / "no-such-openxr-runtime.json")
    result = subprocess.run([sys.executable, "-m", "vrtherapy", "demo", "--playlist", "lower", "--seconds", "3", "--size",
                             "320x180", "--output", str(tmp_path / "out")], capture_output=True, text=True, cwd=PROJECT_ROOT,
                            env=env, timeout=240)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "virtual left foot mirrors the right foot" in result.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["limb"] == "leg" and summary["tracker"]["samples"] > 30
    assert summary["playlist"]["exercises"][0] == "rest_feet"
    for path in (tmp_path / "out").rglob("*"):  # owner-only: a replayed recording shows a patient's movements
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path


def test_demo_of_a_replayed_leg_recording_takes_the_lower_limb_playlist(tmp_path, capsys):
    recording = tmp_path / "leg.vtrec"
    assert main(["record", "--limb", "leg", "--seconds", "2", "--output", str(recording)]) == 0
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["XR_RUNTIME_JSON"] = str(PROJECT_ROOT / "no-such-openxr-runtime.json")
    result = subprocess.run([sys.executable, "-m", "vrtherapy", "demo", "--tracker", f"replay:{recording}", "--seconds", "2",
                             "--size", "320x180", "--output", str(tmp_path / "out")], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, env=env, timeout=240)  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["limb"] == "leg" and summary["playlist"]["name"] == "Lower limb, standard"


@pytest.mark.parametrize("argv, expected", [
    (["bench", "--tracking-video", "{tmp}"], "--tracking-video: {tmp}: is a folder, not a video"),
    (["demo", "--tracker", "mediapipe:{tmp}/not-an-image.png"], "{tmp}/not-an-image.png: not an image this machine can read"),
    (["demo", "--output", "{tmp}/a-file", "--seconds", "1"], "{tmp}/a-file: not a folder"),
    (["demo", "--tracker", "replay:{tmp}/a-file"], "{tmp}/a-file: line 1: not a vrtherapy recording (no JSON header)"),
    (["record", "--output", "{tmp}/a-file/r.vtrec"], "{tmp}/a-file: not a folder"),
    (["patient", "update", "--db", "{db}", "--patient", "P1", "--reason", "re-measured", "--measure", "forearm=\u0660.\u0662"],
     "--measure forearm: '\u0660.\u0662' is not a number"),
    (["pain", "add", "--db", "{db}", "--patient", "P1", "--score", "\u0663"], "--score: pain must be a whole number"),
    (["session", "rate", "--db", "{db}", "--reason", "x", "--session", "9" * 23, "--when", "after", "--score", "3"],
     "--session: must be an entry number, got 99999999999999999999999"),
])  # fmt: skip
def test_sweep_of_hostile_arguments(records, tmp_path, capsys, argv, expected):
    (tmp_path / "a-file").write_text("time,x\n0,1\n")
    (tmp_path / "not-an-image.png").write_text("hello")
    fill = {"tmp": str(tmp_path), "db": str(records)}
    before = digest(records)
    line = refused(capsys, *(a.format(**fill) for a in argv))
    assert expected.format(**fill) in line
    assert digest(records) == before


def test_an_error_line_shows_escape_sequences_in_what_was_typed_instead_of_running_them(capsys):
    line = refused(capsys, "demo", "--playlist", "/tmp/evil\x1b[2J\u202e.toml")
    assert line == "vrtherapy: /tmp/evil\\x1b[2J\\u202e.toml: file not found"


def test_an_unreadable_video_is_our_line_alone(tmp_path):
    video = tmp_path / "empty.mp4"
    video.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "vrtherapy", "track", str(video)], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, timeout=120)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == f"vrtherapy: {video}: not a video this machine can read\n"


def _as_a_user(argv: list[str]) -> list[str]:
    """`argv` run without root's power to read and write anything (root hides permission bugs)."""
    if os.geteuid() != 0:
        return argv
    import shutil

    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's file capabilities")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *argv]


@pytest.mark.parametrize("argv, expected", [
    (["demo", "--playlist", "{tmp}/locked.toml"], "{tmp}/locked.toml: cannot read file (Permission denied)"),
    (["demo", "--tracker", "replay:{tmp}/locked.vtrec"], "{tmp}/locked.vtrec: cannot read the recording (Permission denied)"),
    (["record", "--seconds", "1", "--output", "{tmp}/read-only/r.vtrec"], "{tmp}/read-only/r.vtrec: Permission denied"),
])  # fmt: skip
def test_files_and_folders_the_user_may_not_use_are_one_line(tmp_path, argv, expected):
    for name in ("locked.toml", "locked.vtrec"):
        (tmp_path / name).write_text("x\n")
        (tmp_path / name).chmod(0o000)
    (tmp_path / "read-only").mkdir(mode=0o555)
    (tmp_path / "read-only").chmod(0o555)
    command = _as_a_user([sys.executable, "-m", "vrtherapy", *(a.format(tmp=tmp_path) for a in argv)])
    result = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "vrtherapy: " + expected.format(tmp=tmp_path) + "\n"
    assert not (tmp_path / "read-only" / "r.vtrec").exists()
