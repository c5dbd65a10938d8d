"""Which database a report came from. A report made from a database with data is never replaced
by "No data yet" from a run that reached another database (an empty one made by mistake, a
different folder): the run keeps the report and fails, saying why."""
from __future__ import annotations

import json
from pathlib import Path

from ..files import atomic_write

SOURCE_FILE = ".report_source.json"  # beside index.html


class ReportKept(Exception):
    """The report in the folder came from another database that had data; this one has none."""


def database_id(conn) -> str:
    """The id this database was given when the schema was first applied."""
    with conn.cursor() as cur:
        cur.execute("SELECT id::text FROM database_identity ORDER BY created_at, id LIMIT 1")
        return cur.fetchone()[0]


def check_replaceable(outdir: Path, this_database: str, has_data: bool) -> None:
    """Raise ReportKept when this run would replace a report made from another database with data
    by one saying "No data yet"."""
    if has_data:
        return
    try:
        source = json.loads((outdir / SOURCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if source.get("database") != this_database and source.get("settled_events", 0) > 0:
        raise ReportKept(
            f"{outdir / 'index.html'} was made from another database with {source['settled_events']} settled "
            f"events on {source.get('computed_at', '?')}; this run reached a database with none, so the report "
            "is kept. Check DATABASE_URL / LUMA_PGDATA, or pass --outdir for a report of this database")


def remember(outdir: Path, this_database: str, settled_events: int, computed_at: str) -> None:
    """Note beside the report which database it came from and how many settled events it had."""
    with atomic_write(outdir / SOURCE_FILE, "w", encoding="utf-8") as handle:
        json.dump({"database": this_database, "settled_events": settled_events, "computed_at": computed_at}, handle)
