"""What every benchmark shares: its common options, its temporary folder, and printing a figure
beside its target."""
from __future__ import annotations

import argparse
import atexit
import shutil
import tempfile
from pathlib import Path


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


def verdict(label: str, value: float, target: float, fmt: str, unit: str = "",
            higher_is_better: bool = True) -> bool:
    """Print a figure beside its target (a minimum, or a maximum when lower is better) and PASS or
    MISS; True when it is met."""
    met = value >= target if higher_is_better else value <= target
    bound = f"{'≥' if higher_is_better else '≤'} {format(target, fmt)} {unit}"
    print(f"{label:<30} {format(value, fmt):>10} {unit:<4} target {bound:<14} {'PASS' if met else 'MISS'}")
    return met
