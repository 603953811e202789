"""The records database file: created private to its owner, its schema brought up to date on open.

The schema version lives in `PRAGMA user_version`; `MIGRATIONS[i]` takes a database from version i to
i + 1, each in one transaction together with the version bump, so a file is always at exactly one
version. `PRAGMA application_id` marks the file as ours, so that another program's SQLite file is
refused instead of being altered.

Journal mode: SQLite's default rollback journal (DELETE) with synchronous=FULL, not WAL. A records
file gets a few rows per session, so WAL's write throughput buys nothing, while its -wal and -shm side
files would have to travel with the database whenever a clinic copies or backs it up (copying the
main file alone can silently drop the latest sessions). With a rollback journal the file is complete
after every commit; SQLite creates the transient -journal file with the database file's own mode.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from vrtherapy.records.models import RecordsError
from vrtherapy.records.private import create_private_file, private_folder

#: "VRTh" - identifies a vrtherapy records file in its SQLite header.
APPLICATION_ID = 0x56525468
BUSY_TIMEOUT_MS = 10_000

_V1 = (
    """CREATE TABLE patients (
        patient_id TEXT PRIMARY KEY NOT NULL,
        affected_side TEXT NOT NULL CHECK (affected_side IN ('left', 'right')),
        limb TEXT NOT NULL CHECK (limb IN ('upper', 'lower')),
        level TEXT NOT NULL,
        amputation_date TEXT,
        measurements TEXT NOT NULL DEFAULT '{}',
        prescribed_minutes_per_week REAL NOT NULL CHECK (prescribed_minutes_per_week > 0),
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id TEXT NOT NULL REFERENCES patients (patient_id) ON UPDATE CASCADE,
        playlist TEXT NOT NULL,
        display TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT CHECK (status IN ('completed', 'stopped', 'crashed'))
    )""",
    """CREATE TABLE pain (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id TEXT NOT NULL REFERENCES patients (patient_id) ON UPDATE CASCADE,
        session_id INTEGER REFERENCES sessions (id),
        kind TEXT NOT NULL CHECK (kind IN ('before', 'after', 'between')),
        score INTEGER NOT NULL CHECK (typeof(score) = 'integer' AND score BETWEEN 0 AND 10),
        at TEXT NOT NULL,
        triggers TEXT NOT NULL DEFAULT '[]',
        medications TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT '',
        CHECK ((kind = 'between') = (session_id IS NULL))
    )""",
    "CREATE UNIQUE INDEX pain_once_per_session ON pain (session_id, kind) WHERE session_id IS NOT NULL",
    """CREATE TABLE exercises (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        exercise_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        duration_s REAL NOT NULL,
        completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
        reps INTEGER,
        target_reps INTEGER,
        rom_deg REAL,
        movement_time_s REAL,
        latency_ms_mean REAL,
        latency_ms_p95 REAL
    )""",
    "CREATE INDEX exercises_by_session ON exercises (session_id)",
)

_V2 = (
    # how long a bout of pain between sessions lasted (clinicians log frequency *and* duration)
    "ALTER TABLE pain ADD COLUMN duration_min REAL CHECK (duration_min IS NULL OR duration_min > 0)",
    # reports read a patient's history in time order
    "CREATE INDEX pain_by_patient ON pain (patient_id, at)",
    "CREATE INDEX sessions_by_patient ON sessions (patient_id, started_at)",
)

Migration = Callable[[sqlite3.Connection], None]


def _statements(*sql: str) -> Migration:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return apply


#: In order: MIGRATIONS[0] creates version 1 from an empty file, MIGRATIONS[1] takes 1 to 2, ...
MIGRATIONS: tuple[Migration, ...] = (_statements(*_V1), _statements(*_V2))
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path, migrations: tuple[Migration, ...] = MIGRATIONS) -> sqlite3.Connection:
    """Open (creating if needed) the records file at `path` and migrate it to `len(migrations)`."""
    path = Path(path)
    _create_private(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise RecordsError(f"{path}: cannot open the records database ({exc})") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if journal.lower() == "wal":  # a copy made elsewhere; keep the one-file layout
            conn.execute("PRAGMA journal_mode = DELETE")
        _migrate(conn, path, migrations)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise RecordsError(f"{path}: not a usable vrtherapy records database ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _create_private(path: Path) -> None:
    """Create missing folders (0700) and the empty database file (0600), whatever the umask."""
    private_folder(path.parent)
    if path.is_dir():
        raise RecordsError(f"{path}: is a folder, not a records database")
    create_private_file(path)


def _migrate(conn: sqlite3.Connection, path: Path, migrations: tuple[Migration, ...]) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    if app_id != APPLICATION_ID and (app_id != 0 or version != 0 or has_tables):
        raise RecordsError(f"{path}: is an SQLite database but not a vrtherapy records database")
    if version > len(migrations):
        raise RecordsError(f"{path}: written by a newer vrtherapy (records schema version {version}; this "
                           f"version reads up to {len(migrations)}): update vrtherapy to open it")  # fmt: skip
    for target in range(version + 1, len(migrations) + 1):
        with transaction(conn):
            # re-read under the write lock: another process may have migrated meanwhile
            if conn.execute("PRAGMA user_version").fetchone()[0] < target:
                migrations[target - 1](conn)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
                conn.execute(f"PRAGMA user_version = {target:d}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction (the write lock taken at once), committed on success, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
