"""An empty database for a benchmark: a scratch database on DATABASE_URL's server (dropped at
exit unless kept), else a throwaway embedded PostgreSQL in the benchmark's temporary folder."""
from __future__ import annotations

import atexit
import os
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from luma_pipeline.database import start_embedded  # noqa: E402


def database_for(tmp: Path, keep: bool, prefix: str) -> tuple[str, str]:
    """(URL of an empty database, what it is)."""
    server = os.environ.get("DATABASE_URL")
    if server:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        _admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if not keep:
            atexit.register(_admin, server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
        url = urlunsplit(urlsplit(server)._replace(path="/" + quote(name)))
        return url, f"scratch database {name} on the DATABASE_URL server"
    return start_embedded(tmp / "pgdata"), f"embedded PostgreSQL in {tmp / 'pgdata'}"


def _admin(server_url: str, statement) -> None:
    """Run one statement outside a transaction."""
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(statement)
    finally:
        admin.close()
