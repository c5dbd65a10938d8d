"""One pipeline run's notification, wired: read the run's counts, build the message, send it."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from ..config import Settings
from ..database import connect
from ..logs import redact
from ..text import one_line
from . import message, runs, send

log = logging.getLogger(__name__)

ATTACHMENTS = ("index.html", "retention_by_event.png")  # the self-contained report and the chart


def notify_pipeline_run(settings: Settings, since: datetime, failed_step: str | None = None,
                        failures: list[str] | None = None, report_path: str | None = None) -> int:
    """Send one message about the run that started at `since` to every NOTIFY_URLS URL; return
    how many took it. Never raises: a notification never changes the run's result."""
    if not settings.notify_urls:
        return 0
    try:
        counts, open_review = read_run(settings, since)
        report = report_path or str(settings.output_dir / "index.html")
        text = message.body(counts, open_review, report, failures or [])
        title = message.title(failed_step)
        secrets = settings.secrets()
        attachments = [Path(report).parent / name for name in ATTACHMENTS]
        return send.send(settings.notify_urls, redact(title, secrets), redact(text, secrets), attachments)
    except Exception as exc:  # the run is over; its notification must not turn it into a failure
        log.error("notification not sent: %s", redact(one_line(exc), settings.secrets()))
        return 0


def read_run(settings: Settings, since: datetime) -> tuple[dict, int | None]:
    """The run's counts by step and the open review items; none when the database is out of reach
    or has no run log yet (the message still goes, saying what failed)."""
    conn = None
    try:
        conn = connect(settings)
        return runs.counts_since(conn, since), runs.open_review_items(conn)
    except Exception as exc:
        log.warning("notification: the run's counts could not be read: %s",
                    redact(one_line(exc), settings.secrets()))
        return {}, None
    finally:
        if conn is not None:
            conn.close()
