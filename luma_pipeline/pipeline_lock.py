"""The pipeline-wide lock: `python -m luma_pipeline.pipeline_lock` holds a PostgreSQL advisory lock
for a whole run_luma_pipeline.sh run, so a second pipeline exits at once (75) instead of racing
the first step by step. It prints `locked` once it holds the lock, and lets go when told to stop
(SIGTERM, SIGINT) or when the pipeline that started it is gone."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from .config import ConfigError, load_settings
from .database import connect, try_lock_step
from .logs import redact, setup_logging
from .runner import EXIT_BUSY, EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from .text import one_line

log = logging.getLogger("pipeline")

LOCK_NAME = "pipeline"  # beside the per-step locks (luma_sync, import_luma_attendance, analyze)
PARENT_CHECK_SECONDS = 1.0  # how soon a lock whose pipeline was killed (SIGKILL) is let go


def main() -> int:
    """Take the lock and hold it; 75 when another pipeline holds it, 2 on a configuration error."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        setup_logging()
        log.error("configuration: %s", exc)
        return EXIT_USAGE
    setup_logging(settings.log_level, settings.secrets())
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()
    try:
        conn = connect(settings)
    except ConfigError as exc:
        log.error("configuration: %s", exc)
        return EXIT_USAGE
    except Exception as exc:  # the database is unreachable: no step could run
        log.error("cannot reach the database: %s", redact(one_line(exc), settings.secrets()))
        return EXIT_FAILURE
    try:
        if not try_lock_step(conn, LOCK_NAME):
            log.error("another pipeline run holds the pipeline lock; exiting (busy)")
            return EXIT_BUSY
        print("locked", flush=True)
        while not stop.wait(PARENT_CHECK_SECONDS) and os.getppid() == parent:
            pass
        return EXIT_OK
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
