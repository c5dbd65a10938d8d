"""The imported_files table: every guest-list file imported, by its content hash, so that the same
bytes under any name or path are imported once, and --list-imported shows what came from where."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

LISTED_COLUMNS = ("imported_at", "file_name", "event_id", "event", "exported_at", "rows", "result",
                  "content_hash", "file_path")


@dataclass(frozen=True)
class ImportedFile:
    """A file imported before: when, and under which name."""

    imported_at: datetime
    file_name: str

    def line(self) -> str:
        """How the per-file line says so."""
        return (f"already imported on {self.imported_at:%Y-%m-%d %H:%M} UTC as {self.file_name}; "
                "nothing changed")


def find_imported(conn, content_hash: str) -> ImportedFile | None:
    """The file with these bytes imported before, or None."""
    with conn.cursor() as cur:
        cur.execute("SELECT imported_at AT TIME ZONE 'UTC', file_name FROM imported_files "
                    "WHERE content_hash = %s", (content_hash,))
        row = cur.fetchone()
    return ImportedFile(*row) if row else None


def record_imported(conn, content_hash: str, path: Path, event_id: int | None,
                    exported_at: datetime, rows: int, result: str) -> None:
    """Remember an imported file (in the caller's transaction); a --replace of one already
    imported updates its row."""
    with conn.cursor() as cur:
        cur.execute("""
            INSERT INTO imported_files (content_hash, file_name, file_path, event_id, exported_at,
                                        rows, result)
            VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (content_hash) DO UPDATE SET
                file_name = EXCLUDED.file_name, file_path = EXCLUDED.file_path,
                event_id = EXCLUDED.event_id, result = EXCLUDED.result, imported_at = now()""",
                    (content_hash, path.name, str(path.resolve()), event_id, exported_at, rows, result))


def imported_files(conn) -> list[tuple]:
    """Every imported file, newest import first, as LISTED_COLUMNS."""
    with conn.cursor() as cur:
        cur.execute("""
            SELECT f.imported_at, f.file_name, f.event_id, e.name, f.exported_at, f.rows, f.result,
                   f.content_hash, f.file_path
            FROM imported_files f LEFT JOIN events e ON e.id = f.event_id
            ORDER BY f.imported_at DESC, f.file_name""")
        return cur.fetchall()
