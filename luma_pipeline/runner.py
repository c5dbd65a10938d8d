"""The step runner: what every script's `main` shares (settings, logging, the connection, the
schema, the step lock, the run log and the exit codes of DESIGN.md)."""
from __future__ import annotations

import json
import logging
import signal
import sys
from dataclasses import dataclass, field
from typing import Callable

from .config import ConfigError, Settings, load_settings
from .database import apply_schema, connect, try_lock_step
from .logs import redact, setup_logging
from .schools import school_names, upgrade_people
from .text import one_line

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75


class UsageError(Exception):
    """The command was asked for something it cannot do (exit code 2); the message says what."""


@dataclass
class StepResult:
    """How a step ended: its counts, its one summary line, and whether part of it failed."""

    summary: str
    counts: dict = field(default_factory=dict)
    failed: bool = False


@dataclass
class StepContext:
    """What a step's body gets: the settings and the run's one connection."""

    settings: Settings
    conn: object
    dry_run: bool = False


def run_step(step: str, body: Callable[[StepContext], StepResult], *, dry_run: bool = False,
             required: tuple[str, ...] = ()) -> int:
    """Run one pipeline step and return its exit code: 0 ok, 1 failure, 2 usage, 75 busy.

    `required` names the environment variables the step cannot start without."""
    try:
        settings = load_settings()
        settings.require(*required)
    except ConfigError as exc:
        setup_logging()
        log.error("%s: configuration: %s", step, exc)
        return EXIT_USAGE
    setup_logging(settings.log_level, settings.secrets())
    _terminate_cleanly_on_sigterm()
    conn = None
    try:
        conn = connect(settings)
        apply_schema(conn)
        if not try_lock_step(conn, step):
            log.error("%s: another run of this step holds its lock; exiting (busy)", step)
            return EXIT_BUSY
        if not dry_run:
            _upgrade_schools(conn, settings)
        return _run_logged(step, body, StepContext(settings, conn, dry_run))
    except ConfigError as exc:
        log.error("%s: configuration: %s", step, exc)
        return EXIT_USAGE
    except UsageError as exc:
        log.error("%s: %s", step, exc)
        return EXIT_USAGE
    except Exception as exc:  # the last line of defence: one readable line, nothing leaked
        log.error("%s FAILED: %s", step, redact(one_line(exc), settings.secrets()))
        log.debug("traceback", exc_info=True)
        return EXIT_FAILURE
    finally:
        if conn is not None:
            conn.close()


def _upgrade_schools(conn, settings: Settings) -> None:
    """Bring people imported before (or under older aliases) to their school's normalised name."""
    changed = upgrade_people(conn, school_names(settings.school_aliases))
    if changed:
        log.info("schools: %d people's school answers normalised (the answers kept in people.school_raw)", changed)


def _run_logged(step: str, body: Callable[[StepContext], StepResult], ctx: StepContext) -> int:
    run_id = None if ctx.dry_run else _start_run(ctx.conn, step)
    try:
        result = body(ctx)
    except (ConfigError, UsageError) as exc:
        ctx.conn.rollback()
        _finish_run(ctx.conn, run_id, "failed", {}, str(exc))
        raise
    except Exception as exc:
        ctx.conn.rollback()
        message = redact(one_line(exc), ctx.settings.secrets())
        _finish_run(ctx.conn, run_id, "failed", {}, message)
        log.error("%s FAILED: %s", step, message)
        log.debug("traceback", exc_info=True)
        return EXIT_FAILURE
    except BaseException:  # SIGTERM (SystemExit) or Ctrl-C: roll back, say so, then stop
        ctx.conn.rollback()
        _finish_run(ctx.conn, run_id, "failed", {}, "stopped by a signal")
        log.error("%s stopped by a signal; its unfinished work was rolled back", step)
        raise
    _finish_run(ctx.conn, run_id, "failed" if result.failed else "ok", result.counts, result.summary)
    log.info("%s%s: %s", step, " (dry run, nothing written)" if ctx.dry_run else "", result.summary)
    return EXIT_FAILURE if result.failed else EXIT_OK


def _start_run(conn, step: str) -> int:
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO run_log (step) VALUES (%s) RETURNING id", (step,))
        return cur.fetchone()[0]


def _finish_run(conn, run_id: int | None, status: str, counts: dict, message: str) -> None:
    if run_id is None:
        return
    with conn, conn.cursor() as cur:
        cur.execute("""UPDATE run_log SET finished_at = now(), status = %s, counts = %s, message = %s
                       WHERE id = %s""", (status, json.dumps(counts), message, run_id))


def _terminate_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so open transactions roll back, temporary files vanish and
    the embedded PostgreSQL is stopped (Python's default would skip all of that)."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (a test runner's worker): leave it alone
        pass


def print_path(path) -> None:
    """Put one written file's path on stdout (the only thing a step prints there)."""
    sys.stdout.write(f"{path}\n")
    sys.stdout.flush()
