"""Which guest-list files an import reads, and what happens to them. CSV_DIR is an inbox: its
files move to processed/ or failed/. A file named from anywhere else is the organiser's: it is
only read, never moved, renamed or deleted."""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_write

CHUNK = 1 << 20  # bytes read at a time for the content hash


def files_to_import(arguments: list[str], csv_dir: Path) -> list[Path]:
    """The CSV files named, those in the folders named, or every CSV pending in `csv_dir`."""
    if not arguments:
        return sorted(csv_dir.glob("*.csv")) if csv_dir.is_dir() else []
    found = []
    for argument in map(Path, arguments):
        found += sorted(argument.glob("*.csv")) if argument.is_dir() else [argument]
    return found


def in_inbox(path: Path, csv_dir: Path) -> bool:
    """Whether a file waits in CSV_DIR itself (then the import moves it; else it only reads it)."""
    try:
        return path.resolve().parent == csv_dir.resolve()
    except OSError:
        return False


@dataclass(frozen=True)
class FileFacts:
    """What the bytes of a file say before it is parsed."""

    content_hash: str  # SHA-256, hex
    lines: int  # line breaks, at least the number of rows (a cell may hold a line break)


def file_facts(path: Path) -> FileFacts:
    """The file's content hash and line count, in one pass over its bytes."""
    digest, lines = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return FileFacts(digest.hexdigest(), lines)


def move_into(path: Path, folder: Path) -> Path:
    """Move a file into `folder`, never over another file of the same name; return where it went."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists():
        target, n = folder / f"{path.stem}-{n}{path.suffix}", n + 1
    try:
        os.replace(path, target)
    except OSError:  # another filesystem
        shutil.move(str(path), target)
    return target


def put_aside(path: Path, reason: str, csv_dir: Path) -> None:
    """A bad inbox file goes to failed/ with its reason beside it (`<name>.error.txt`)."""
    if path.exists():
        moved = move_into(path, csv_dir / "failed")
        with atomic_write(moved.with_name(moved.name + ".error.txt")) as handle:
            handle.write(reason + "\n")
