#!/usr/bin/env python3
"""The container's entry point. `--once` runs the pipeline once and exits with its code (what
Railway's cronSchedule runs); without it, runs the pipeline on CRON_SCHEDULE (UTC, default every
6 hours) with an in-process scheduler, and once at start when RUN_ON_START is true."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
from datetime import datetime, timezone

from luma_pipeline.config import ConfigError, Settings, load_settings
from luma_pipeline.logs import setup_logging
from luma_pipeline.notify.pipeline_run import notify_pipeline_run
from luma_pipeline.notify.send import url_problems
from luma_pipeline.runner import EXIT_USAGE
from luma_pipeline.scheduler import PipelineRun, serve, valid_schedule

log = logging.getLogger("entrypoint")


def configuration_problems(settings: Settings) -> list[str]:
    """Everything that would make every run fail, each named (secret values never shown)."""
    problems = []
    if not settings.luma_api_key:
        problems.append("LUMA_API_KEY is not set (the calendar's API key, from "
                        "luma.com/calendar/manage/api-keys)")
    if not valid_schedule(settings.cron_schedule):
        problems.append(f"CRON_SCHEDULE={settings.cron_schedule!r} is not a 5-field cron expression "
                        "such as '0 */6 * * *'")
    try:
        settings.output_dir.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=settings.output_dir).close()
    except OSError as exc:
        problems.append(f"OUTPUT_DIR {settings.output_dir} is not writable ({exc.strerror}); on "
                        "Railway a volume is mounted as root: set RAILWAY_RUN_UID=0")
    if settings.notify_urls:
        problems += url_problems(settings.notify_urls)
    return problems


def notifying(run: PipelineRun, settings: Settings):
    """The pipeline run, plus a notification when the pipeline could not send its own: it could
    not be started, or it was killed before its end (the pipeline notifies every other time)."""
    def run_once() -> int:
        started = datetime.now(timezone.utc)
        try:
            code = run()
        except Exception as exc:
            notify_pipeline_run(settings, started, "start",
                                [f"start: the pipeline could not be started: {exc}"])
            raise
        if code < 0:  # killed by a signal (after the stop grace), so the script said nothing
            notify_pipeline_run(settings, started, "pipeline", [f"pipeline: killed by signal {-code}"])
        return code
    return run_once


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="run the pipeline once and exit with its code")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        problems = configuration_problems(settings)
    except ConfigError as exc:
        settings, problems = None, [str(exc)]
    setup_logging(settings.log_level if settings else "INFO", settings.secrets() if settings else ())
    if problems:
        for problem in problems:
            log.error("configuration: %s", problem)
        return EXIT_USAGE
    if not (settings.database_url or settings.pg_configured):
        log.warning("no DATABASE_URL or PGHOST: using an embedded PostgreSQL in %s; put it on the "
                    "volume (LUMA_PGDATA) or its data is lost when the container is replaced",
                    settings.pgdata)
    run, stop = PipelineRun(), threading.Event()

    def on_signal(signum, frame):
        log.info("received %s: finishing the current step, then stopping", signal.Signals(signum).name)
        stop.set()
        threading.Thread(target=run.terminate, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.once:
        return notifying(run, settings)()
    serve(settings.cron_schedule, notifying(run, settings), stop, run_on_start=settings.run_on_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
