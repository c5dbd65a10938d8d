"""The container's own scheduler: run the pipeline on a cron schedule (UTC), in-process, so the
environment and the logs stay the container's (no system cron daemon)."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from croniter import croniter

log = logging.getLogger(__name__)

PIPELINE = Path(__file__).resolve().parent.parent / "run_luma_pipeline.sh"
STOP_GRACE_SECONDS = 25  # after SIGTERM, how long the current step may take to finish cleanly


def valid_schedule(schedule: str) -> bool:
    """Whether `schedule` is a 5-field cron expression."""
    return len(schedule.split()) == 5 and croniter.is_valid(schedule)


def next_run(schedule: str, after: datetime) -> datetime:
    """The first time strictly after `after` that the cron `schedule` names, in UTC."""
    return croniter(schedule, after.astimezone(timezone.utc)).get_next(datetime)


class PipelineRun:
    """Runs `run_luma_pipeline.sh` as a child process; SIGTERM can be passed on to it."""

    def __init__(self, pipeline: Path = PIPELINE):
        self.pipeline = pipeline
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def __call__(self) -> int:
        """Run the pipeline once and return its exit code."""
        with self.lock:
            self.process = subprocess.Popen(["bash", str(self.pipeline)], env=os.environ.copy())
        try:
            return self.process.wait()
        finally:
            with self.lock:
                self.process = None

    def terminate(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Ask the running pipeline to stop (it rolls back and cleans up), then insist."""
        with self.lock:
            process = self.process
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log.error("the pipeline did not stop within %s s; killing it", grace)
            process.kill()


def serve(schedule: str, run: Callable[[], int], stop: threading.Event, *, run_on_start: bool,
          now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
    """Run the pipeline on `schedule` until `stop` is set; a failing run does not end the loop."""
    if run_on_start and not stop.is_set():
        _run_logged(run)
    while not stop.is_set():
        when = next_run(schedule, now())
        log.info("next run at %s (schedule %r, UTC)", when.isoformat(timespec="seconds"), schedule)
        if stop.wait(max(0.0, (when - now()).total_seconds())):
            break
        _run_logged(run)
    log.info("scheduler stopped")


def _run_logged(run: Callable[[], int]) -> None:
    try:
        code = run()
    except Exception:  # a scheduler that dies on one bad run would never run again
        log.exception("the pipeline could not be started")
        return
    (log.info if code == 0 else log.error)("pipeline finished with exit code %s", code)
