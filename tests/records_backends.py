"""Test databases for the records suite, loaded as a plugin by tests/conftest.py: `records_db` runs a test
once on an SQLite file and once on PostgreSQL; `pg_schema` is a fresh schema on the PostgreSQL server.

PostgreSQL: `$VRTHERAPY_TEST_PG` (default postgresql://postgres@127.0.0.1:5432/test, the server on this
project's machines). Each test gets its own uniquely named schema (other test runs may share the server
at the same time), dropped afterwards. Without a server the PostgreSQL cases skip, except under CI=true,
where they fail: CI must test both engines.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

PG_BASE = os.environ.get("VRTHERAPY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def _admin():  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(PG_BASE, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {PG_BASE} is not reachable ({' '.join(str(exc).split())[:120]})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}: under CI the PostgreSQL records tests must run (see .ci/run)")
        pytest.skip(message)


@pytest.fixture(name="pg_schema")
def pg_schema_fixture() -> Iterator[str]:
    """A postgresql:// URL whose tables live in a fresh schema of their own."""
    name = f"vrt_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{PG_BASE}?options={quote(f'-csearch_path={name}')}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP SCHEMA "{name}" CASCADE')


def row_count(db: str, table: str) -> int:
    """Rows in `table`, read with a plain driver (not through vrtherapy)."""
    if db.startswith("postgresql"):
        import psycopg

        base, _, options = db.partition("?options=")
        from urllib.parse import unquote

        with psycopg.connect(base, options=unquote(options), autocommit=True) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(name="records_db", params=BACKENDS)
def records_db_fixture(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Each records test runs against an SQLite file and against PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "records.sqlite3")
    return request.getfixturevalue("pg_schema")
