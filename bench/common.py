"""What every benchmark shares: its common options, its temporary folder, running the importer as
a user runs it, and printing a figure beside its target."""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTER = ROOT / "import_luma_attendance.py"


def bench_options(seed: int) -> argparse.ArgumentParser:
    """The options every benchmark takes (--seed with this benchmark's default, --keep), as an
    argparse parent."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    parent.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (and the scratch database) and print where")
    return parent


def scratch_folder(prefix: str, keep: bool) -> Path:
    """A new temporary folder, removed at exit unless kept."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if not keep:  # registered before any embedded server starts, so it runs after that server stops
        atexit.register(shutil.rmtree, folder, True)
    return folder


@dataclass
class Run:
    """One run of the importer in a child process: its exit code, wall seconds (start-up included),
    peak resident memory in MB and, when asked for, its log (else the log goes to our stderr)."""

    code: int
    seconds: float
    peak_mb: float
    log: str = ""


def run_importer(csv_path: Path, database_url: str, csv_dir: Path, *, keep_log: bool = False,
                 **environment: str) -> Run:
    """import_luma_attendance.py on the file as a user runs it, in a child process (LOG_LEVEL
    WARNING unless `environment` says otherwise). CSV_DIR is another folder, so the file is only
    read, never moved. The peak memory is that one child's ru_maxrss (KB on Linux), from os.wait4."""
    env = {**os.environ, "DATABASE_URL": database_url, "CSV_DIR": str(csv_dir), "LOG_LEVEL": "WARNING",
           **environment}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(IMPORTER), str(csv_path)], env=env, cwd=ROOT,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE if keep_log else None, text=True)
    log = child.stderr.read() if keep_log else ""  # to its end before waiting: a full pipe would block
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return Run(child.returncode, seconds, usage.ru_maxrss / 1024, log)


def verdict(label: str, value: float, target: float, fmt: str, unit: str = "",
            higher_is_better: bool = True) -> bool:
    """Print a figure beside its target (a minimum, or a maximum when lower is better) and PASS or
    MISS; True when it is met."""
    met = value >= target if higher_is_better else value <= target
    bound = f"{'≥' if higher_is_better else '≤'} {format(target, fmt)} {unit}"
    print(f"{label:<30} {format(value, fmt):>10} {unit:<4} target {bound:<14} {'PASS' if met else 'MISS'}")
    return met
