"""Where the records live and how to reach them: an SQLite file (the embedded default, one per user) or a
clinic's PostgreSQL server shared by several stations, behind one SQLAlchemy engine.

SQLite: the file and any folders made for it are owner-only; an existing file with looser modes is
tightened (a notice says so); it is checked (`PRAGMA quick_check`) before anything is written, so a
damaged file is never written to; writes take the write lock at once (BEGIN IMMEDIATE) and wait for
it up to the busy timeout; synchronous=FULL with a rollback journal (not WAL: the file stays complete
on its own after each commit, so copying or backing it up never drops the latest sessions).
PostgreSQL: through psycopg 3, a short connect timeout and a liveness check before each use, so a
server that is down or a lost connection is one line, not a hang. Either way every write is one
transaction committed before the call returns, and database errors become `RecordsError` lines that
name the database and what to do (`describe_error`).
"""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url

from vrtherapy.records.checks import RecordsError
from vrtherapy.records.migrations import MIGRATIONS
from vrtherapy.records.private import FILE_MODE, create_private_file, private_folder

#: "VRTh" - identifies a vrtherapy records file in its SQLite header.
APPLICATION_ID = 0x56525468
BUSY_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5
_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True)
class Target:
    """A records database: an SQLite file (`path`) or a PostgreSQL server (`url`)."""

    url: URL
    path: Path | None
    #: how messages name it: the file's path, or the server URL without its password
    shown: str
    notices: list[str] = field(default_factory=list, compare=False)

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None


def default_db() -> str:
    """`$VRTHERAPY_DB` if set (a path or a postgresql:// URL), else the per-user records file."""
    env = os.environ.get("VRTHERAPY_DB")
    if env:
        return env
    return str(Path(platformdirs.user_data_dir("vrtherapy", appauthor=False)) / "records.sqlite3")


def is_server_url(db: str | Path) -> bool:
    return isinstance(db, str) and db.split(":", 1)[0].lower() in _SCHEMES and "://" in db


def resolve(db: str | Path | None) -> Target:
    """The database `db` names: a postgresql:// URL, or else a path to an SQLite file."""
    db = default_db() if db is None else db
    if is_server_url(db):
        try:
            url = make_url(str(db)).set(drivername="postgresql+psycopg")
            url.port  # noqa: B018 - a port that is not a number fails here, not at the first query
        except (exc.ArgumentError, ValueError):
            raise RecordsError(f"--db: {str(db).split('@')[-1]!r} is not a valid postgresql:// URL "
                               "(postgresql://USER@HOST:PORT/DATABASE)") from None  # fmt: skip
        if not url.database:
            raise RecordsError(f"{url.render_as_string(hide_password=True)}: name the database, "
                               "e.g. postgresql://vrtherapy@records.clinic.lan/vrtherapy")  # fmt: skip
        return Target(url, None, url.set(drivername="postgresql").render_as_string(hide_password=True))
    scheme = str(db).split("://", 1)[0] if "://" in str(db) else ""
    if scheme:  # mysql://, sqlite://, https:// ...: never a file name
        raise RecordsError(f"--db: {scheme}:// databases are not supported: give a path to an SQLite file or a "
                           "postgresql:// URL")  # fmt: skip
    path = Path(db)
    return Target(URL.create("sqlite", database=str(path)), path, str(path))


def exists(target: Target) -> bool:
    """False only for an SQLite path with no file yet (a server database always counts as there)."""
    return target.path is None or target.path.exists()


def busy_timeout_s() -> float:
    """How long a write waits for another station's lock: `$VRTHERAPY_BUSY_TIMEOUT_S`, default 10 s."""
    try:
        return max(0.0, float(os.environ.get("VRTHERAPY_BUSY_TIMEOUT_S", BUSY_TIMEOUT_S)))
    except ValueError:
        return BUSY_TIMEOUT_S


def open_engine(target: Target) -> Engine:
    """An engine for `target`, its schema brought up to date; RecordsError if it cannot be used."""
    if target.path is not None:
        _prepare_file(target)
        engine = _sqlite_engine(target.path)
    else:
        connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "vrtherapy"}
        connect_args = {k: v for k, v in connect_args.items() if k not in target.url.query}  # the URL's own win
        engine = create_engine(target.url, pool_pre_ping=True, pool_size=2, max_overflow=4, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            if target.path is not None:
                _quick_check(conn, target)
            _migrate(conn, target)
    except exc.SQLAlchemyError as error:
        engine.dispose()
        raise describe_error(error, target) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(URL.create("sqlite", database=str(path)),
                           connect_args={"timeout": busy_timeout_s(), "check_same_thread": False})  # fmt: skip

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute("PRAGMA synchronous = FULL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            _take_write_lock(conn)

    return engine


def _take_write_lock(conn: Connection) -> None:
    """BEGIN IMMEDIATE (a writer takes the write lock at once, so two stations never both read and then
    fail to upgrade), retried every few milliseconds up to the busy timeout. SQLite's own busy handler
    backs off to 100 ms sleeps, and a station that sleeps that long while others write every few
    milliseconds can wait past any timeout; short jittered retries give every station its turn."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    deadline = time.monotonic() + busy_timeout_s()
    delay = 0.001
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
            time.sleep(random.uniform(0.0, delay))
            delay = min(delay * 1.5, 0.02)
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the last try: its error is the one the caller sees
    finally:
        raw.execute(f"PRAGMA busy_timeout = {round(busy_timeout_s() * 1000):d}")


def _prepare_file(target: Target) -> None:
    """Owner-only folders and file; an existing file shared with others is made owner-only."""
    path = target.path
    assert path is not None
    if path.is_dir():
        raise RecordsError(f"{path}: is a folder, not a records database")
    try:
        private_folder(path.parent)
        if create_private_file(path):
            return
        info = path.stat()
        mode = stat.S_IMODE(info.st_mode)
    except PermissionError:
        raise RecordsError(f"{path}: this user may not create or open the records file there: fix the folder's "
                           "permissions or choose another --db") from None  # fmt: skip
    except OSError as error:
        raise RecordsError(f"{path}: cannot create the records file ({error.strerror}): check the disk and "
                           "the folder") from None  # fmt: skip
    if not stat.S_ISREG(info.st_mode):  # /dev/null, a pipe, a socket: never touched, never chmod-ed
        raise RecordsError(f"{path}: is not a regular file (a device, pipe or socket), not a records database: "
                           "choose another --db")  # fmt: skip
    if mode & 0o077:
        try:
            os.chmod(path, FILE_MODE)
            target.notices.append(f"{path}: was readable by others (mode {mode:04o}); made owner-only ({FILE_MODE:04o})")
        except OSError:
            target.notices.append(f"{path}: is readable by others (mode {mode:04o}) and this user cannot change "
                                  f"that: ask its owner to run chmod 600 on it")  # fmt: skip
    if path.stat().st_size and not _looks_like_sqlite(path):
        raise RecordsError(f"{path}: not an SQLite records database (another kind of file): choose another --db")


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except PermissionError:
        raise RecordsError(f"{path}: this user may not read the records file: fix its permissions "
                           "(chmod u+rw) or choose another --db") from None  # fmt: skip


def _quick_check(conn: Connection, target: Target) -> None:
    """Refuse a damaged file before anything is written to it."""
    conn = conn.execution_options(read_only=True)
    try:
        result = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check(3)")]
    except exc.DatabaseError as error:
        conn.rollback()
        if "locked" in str(error.orig).lower():
            raise
        result = [str(error.orig)]
    conn.rollback()
    if result != ["ok"]:
        found = " ".join("; ".join(result).split())[:120]
        raise RecordsError(f"{target.shown}: the records file is damaged ({found}): nothing was "
                           "written to it; restore it from a backup, or keep a copy and try sqlite3's .recover")  # fmt: skip


def _version(conn: Connection) -> tuple[int, bool]:
    """(schema version, is ours)"""
    if conn.dialect.name == "sqlite":
        version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
        app_id = conn.exec_driver_sql("PRAGMA application_id").scalar_one()
        tables = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
        return int(version), app_id == APPLICATION_ID or (app_id == 0 and version == 0 and tables == 0)
    has = conn.execute(text("SELECT to_regclass('vrtherapy_schema') IS NOT NULL")).scalar_one()
    if not has:
        others = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                                   " AND tablename IN ('patients', 'sessions', 'pain')")).scalar_one()  # fmt: skip
        return 0, others == 0
    return int(conn.execute(text("SELECT max(version) FROM vrtherapy_schema")).scalar_one() or 0), True


def _set_version(conn: Connection, version: int) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID:d}")
        conn.exec_driver_sql(f"PRAGMA user_version = {version:d}")
    else:
        conn.execute(text("CREATE TABLE IF NOT EXISTS vrtherapy_schema (version INTEGER NOT NULL)"))
        conn.execute(text("DELETE FROM vrtherapy_schema"))
        conn.execute(text("INSERT INTO vrtherapy_schema (version) VALUES (:v)"), {"v": version})


def _migrate(conn: Connection, target: Target) -> None:
    with conn.begin():
        if conn.dialect.name == "postgresql":  # one station migrates; the others wait, then see it done
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPLICATION_ID})
        version, ours = _version(conn)
        if not ours:
            raise RecordsError(f"{target.shown}: holds another program's tables, not vrtherapy records: choose another --db")
        if version > len(MIGRATIONS):
            raise RecordsError(f"{target.shown}: written by a newer vrtherapy (records schema version {version}; this "
                               f"version reads up to {len(MIGRATIONS)}): update vrtherapy to open it")  # fmt: skip
        for target_version in range(version + 1, len(MIGRATIONS) + 1):
            MIGRATIONS[target_version - 1](conn)
            _set_version(conn, target_version)


def describe_error(error: BaseException, target: Target) -> RecordsError:
    """One line for a database error: what went wrong with which database, and what to do."""
    orig = getattr(error, "orig", None) or error
    message = " ".join(str(orig).split())
    low = message.lower()
    where = target.shown
    unchanged = "nothing was recorded"
    if target.path is None:
        if isinstance(error, exc.OperationalError | exc.InterfaceError) or "connection" in low:
            reason = message.split(": ")[-1][:100] if message else "no answer"
            return RecordsError(f"{where}: cannot reach the records server ({reason}): check that it runs and that "
                                f"--db / VRTHERAPY_DB name it; {unchanged}")  # fmt: skip
    else:
        if "locked" in low or "busy" in low:
            return RecordsError(f"{where}: another program held the records file's lock for over {busy_timeout_s():g} s: "
                                f"close the other vrtherapy (or whatever has the file open) and try again; {unchanged}")
        if "readonly" in low or "read-only" in low or "unable to open" in low or "permission" in low:
            return RecordsError(f"{where}: the records file or its folder is read-only for this user: fix the "
                                f"permissions (chmod u+w) or choose another --db; {unchanged}")  # fmt: skip
        if "full" in low or "disk i/o" in low or "no space" in low:
            return RecordsError(f"{where}: the disk is full (or failing): free some space and try again; {unchanged}")
        if "malformed" in low or "not a database" in low or "corrupt" in low:
            return RecordsError(f"{where}: the records file is damaged ({message[:80]}): restore it from a backup; "
                                f"{unchanged}")  # fmt: skip
    if isinstance(error, exc.IntegrityError):
        return RecordsError(f"{where}: the change conflicts with what is recorded ({message[:120]}); {unchanged}")
    return RecordsError(f"{where}: the records database refused the change ({message[:160]}); {unchanged}")
