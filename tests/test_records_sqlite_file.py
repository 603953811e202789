"""The embedded records file (SQLite): upgrades of existing files keep their data, owner-only modes, and every
file fault a station meets (damaged, read-only, locked, disk full) is one line naming the file and what to
do, exit status 2, with the file byte-identical afterwards."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from vrtherapy.records import SCHEMA_VERSION, PatientProfile, RecordsError, RecordStore, default_db_path
from vrtherapy.records.database import APPLICATION_ID

ROOT = Path(__file__).resolve().parent.parent
V2_DUMP = ROOT / "tests" / "data" / "records_v2.sql"
#: Root ignores file modes; dropping these capabilities makes it obey them like any user (see the brief).
AS_A_USER = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def v2_file(path: Path) -> Path:
    """A records file as vrtherapy wrote it at schema version 2, with data in it."""
    conn = sqlite3.connect(path)
    conn.executescript(V2_DUMP.read_text())
    conn.execute("PRAGMA user_version = 2")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.commit()
    conn.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vrtherapy(*args: str, env: dict[str, str] | None = None, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([*(prefix or []), sys.executable, "-m", "vrtherapy", *args], capture_output=True, text=True,
                          env=environment, timeout=120)  # fmt: skip


def one_line_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, (text, result.stderr)


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "records.sqlite3"
    with RecordStore.open(path) as store:
        store.add_patient(PatientProfile("P1", "left", "upper", "transradial"))
        for score in range(8):
            store.add_pain("P1", score, "between", note="x" * 300)
    return path


def test_a_version_2_file_is_upgraded_and_keeps_its_data(tmp_path):
    path = v2_file(tmp_path / "old.sqlite3")
    old = sqlite3.connect(path)
    old_pain = old.execute("SELECT id, patient_id, score, kind, at, note FROM pain ORDER BY id").fetchall()
    old.close()
    with RecordStore.open(path) as store:
        assert [p.patient_id for p in store.patients()] == ["P001", "P003", "X5", "x5-2"]
        assert [(p.condition, p.level) for p in store.patients()] == [
            ("amputation", "transradial"), ("amputation", "knee_disarticulation"), ("stroke", "unspecified"),
            ("amputation", "unspecified")]  # fmt: skip
        assert [(s.id, s.number) for s in store.sessions("P001")] == [(1, 1), (4, 2), (2, 3)]
        assert [(s.pain_before, s.pain_after, s.status) for s in store.sessions("P001")] == [(6, 4, "completed")] * 3
        assert store.sessions("x5") == store.sessions("X5") and len(store.sessions("X5")) == 1
        new_pain = [(e.id, e.patient_id, e.score, e.kind, e.at.isoformat(timespec="microseconds"), e.note)
                    for pid in ("P001", "X5") for e in store.pain_entries(pid)]  # fmt: skip
        assert sorted(new_pain) == sorted(old_pain)
        upgrade = [(a.patient_id, a.field, a.old_value, a.new_value) for a in store.audit_trail() if a.by == "vrtherapy upgrade"]
        assert ("X5", "condition", "amputation", "stroke") in upgrade and ("x5-2", "patient_id", "x5", "x5-2") in upgrade
        assert ("x5-2", "level", "below knee", "unspecified") in upgrade
        assert ("P003", "level", "knee", "knee_disarticulation") in upgrade
        store.add_pain("P001", 5, "between", location="phantom", episodes=3)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_newer_database_is_refused_in_one_line(tmp_path):
    path = tmp_path / "records.sqlite3"
    RecordStore.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RecordsError, match=f"^{path}: written by a newer vrtherapy .records schema version {SCHEMA_VERSION + 1}"):
        RecordStore.open(path)


def test_other_files_are_refused_untouched(tmp_path):
    notes = tmp_path / "notes.sqlite3"
    notes.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(RecordsError, match="not an SQLite records database"):
        RecordStore.open(notes)
    photos = tmp_path / "photos.sqlite3"
    conn = sqlite3.connect(photos)
    conn.execute("CREATE TABLE photos (name TEXT)")
    conn.commit()
    conn.close()
    data = photos.read_bytes()
    with pytest.raises(RecordsError, match="holds another program's tables"):
        RecordStore.open(photos)
    assert photos.read_bytes() == data
    with pytest.raises(RecordsError, match="is a folder"):
        RecordStore.open(tmp_path)


def test_a_device_or_pipe_is_refused_and_its_mode_left_alone(tmp_path):
    # `--db /dev/null` once made /dev/null owner-only for the whole machine; a pipe stands in for it here
    pipe = tmp_path / "records.sqlite3"
    os.mkfifo(pipe, 0o644)
    os.chmod(pipe, 0o644)
    with pytest.raises(RecordsError, match="is not a regular file"):
        RecordStore.open(pipe)
    assert (os.stat(pipe).st_mode & 0o777) == 0o644


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/test", "sqlite:///tmp/x.sqlite3", "https://records.example"])
def test_a_database_url_of_another_kind_is_one_line(url):
    with pytest.raises(RecordsError, match=r"databases are not supported: give a path to an SQLite file or a postgresql://"):
        RecordStore.open(url)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_files_and_created_folders_are_private_whatever_the_umask(tmp_path, umask):
    path = tmp_path / "clinic" / "data" / "records.sqlite3"
    old = os.umask(umask)
    try:
        with RecordStore.open(path) as store:
            store.add_patient(PatientProfile("P001", "left", "upper", "partial_hand"))
        conn = sqlite3.connect(path, isolation_level=None)  # the rollback journal exists only during a write
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE patients SET notes = 'x'")
        journal_mode = Path(f"{path}-journal").stat().st_mode & 0o777
        conn.execute("ROLLBACK")
        conn.close()
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600 and journal_mode == 0o600
    assert (tmp_path / "clinic").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "clinic" / "data").stat().st_mode & 0o777 == 0o700
    assert not Path(f"{path}-wal").exists()


def test_a_file_others_could_read_is_made_owner_only_and_said(db):
    os.chmod(db, 0o644)
    result = vrtherapy("pain", "list", "--db", str(db), "--patient", "P1")
    assert result.returncode == 0
    assert result.stderr == f"vrtherapy: {db}: was readable by others (mode 0644); made owner-only (0600)\n"
    assert db.stat().st_mode & 0o777 == 0o600


def test_the_default_file_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VRTHERAPY_DB", str(tmp_path / "env-default.sqlite3"))
    assert default_db_path() == tmp_path / "env-default.sqlite3"
    with RecordStore.open() as store:
        assert store.path == str(tmp_path / "env-default.sqlite3")
    monkeypatch.delenv("VRTHERAPY_DB")
    assert default_db_path().name == "records.sqlite3" and default_db_path().parent.name == "vrtherapy"


def test_a_damaged_file_is_refused_before_anything_is_written(db):
    conn = sqlite3.connect(db)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    target = (pages - 1) * page  # a data page of the pain table; the header stays intact
    data[target : target + page] = bytes((i * 37 + 11) % 256 for i in range(page))
    db.write_bytes(bytes(data))
    before = digest(db)
    for args in (["pain", "add", "--patient", "P1", "--score", "5"], ["pain", "list", "--patient", "P1"],
                 ["report", "--patient", "P1"], ["export"]):  # fmt: skip
        one_line_exit_2(vrtherapy(*args, "--db", str(db)), str(db), "damaged", "restore it from a backup")
        assert digest(db) == before


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_file_or_folder_is_one_line(db, what):
    prefix = AS_A_USER if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("setpriv is needed to test permissions as root")
    target = db if what == "file" else db.parent
    mode = target.stat().st_mode
    os.chmod(target, 0o400 if what == "file" else 0o500)
    try:
        before = digest(db)
        result = vrtherapy("pain", "add", "--db", str(db), "--patient", "P1", "--score", "5", prefix=prefix)
        one_line_exit_2(result, str(db), "read-only for this user", "nothing was recorded")
        assert digest(db) == before
        listed = vrtherapy("pain", "list", "--db", str(db), "--patient", "P1", prefix=prefix)
        assert listed.returncode == 0 and listed.stdout.count("/10") == 8  # reading still works
    finally:
        os.chmod(target, mode)


def test_a_write_lock_held_past_the_busy_timeout_is_one_line(db):
    before = digest(db)  # read first: closing any file on the database would drop this process's lock
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = vrtherapy("pain", "add", "--db", str(db), "--patient", "P1", "--score", "5",
                           env={"VRTHERAPY_BUSY_TIMEOUT_S": "0.5"})  # fmt: skip
        one_line_exit_2(result, str(db), "held the records file's lock for over 0.5 s", "nothing was recorded")
        assert digest(db) == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(("tz", "at"), [("America/New_York", "9999-12-31T23:00-05:00"),
                                        ("Pacific/Kiritimati", "0001-01-01T00:00"), ("UTC", "9999-12-31T23:59:59+00:00")])
def test_times_that_cannot_be_placed_in_utc_are_one_line(db, tz, at):
    before = digest(db)
    result = vrtherapy("pain", "add", "--db", str(db), "--patient", "P1", "--score", "5", "--at", at, env={"TZ": tz})
    one_line_exit_2(result, "--at: ")
    assert "outside the dates that can be recorded" in result.stderr or "in the future" in result.stderr
    assert digest(db) == before


_FULL_DISK = r"""
set -u
mount -t tmpfs -o size=512k tmpfs "$DIR" || exit 99
cp "$SRC" "$DIR/records.sqlite3"
dd if=/dev/zero of="$DIR/filler" bs=1k 2>/dev/null
sha256sum "$DIR/records.sqlite3" | cut -d' ' -f1
"$PY" -m vrtherapy pain add --db "$DIR/records.sqlite3" --patient P1 --score 5; echo "rc=$?"
"$PY" -m vrtherapy report --db "$DIR/records.sqlite3" --patient P1 --output "$DIR/report"; echo "rc=$?"
ls -a "$DIR/report" 2>/dev/null | tr '\n' ' '; echo
"$PY" -m vrtherapy run --db "$DIR/records.sqlite3" --patient P1 --playlist upper --display offscreen --seconds 1 \
    --pain-before 3 --pain-after 2 --size 320x180; echo "rc=$?"
sha256sum "$DIR/records.sqlite3" | cut -d' ' -f1
"""


def test_a_full_disk_is_one_line_and_leaves_no_part_file(db, tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a full disk is made with a small tmpfs in a mount namespace, which needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIR": str(mount), "SRC": str(db), "PY": sys.executable,
           "MPLCONFIGDIR": str(tmp_path / "mpl")}  # fmt: skip
    run = subprocess.run(["unshare", "-m", "sh", "-c", _FULL_DISK], capture_output=True, text=True, env=env, timeout=300)
    if run.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here ({run.stderr.strip()})")
    out = run.stdout.splitlines()
    errors = run.stderr.splitlines()
    assert out[0] == out[-1], "the records file changed"
    rcs = [line for line in out if line.startswith("rc=")]
    assert rcs == ["rc=2"] * 3, run.stdout  # pain add, report, run
    disk = [line for line in errors if line.startswith("vrtherapy: ") and "disk is full" in line]
    assert len(disk) == 3 and not any("Traceback" in line for line in errors), run.stderr
    listing = out[3]  # the report folder's files, if any
    assert ".part" not in listing and "report.pdf" not in listing, listing
