"""A pipeline run's notification: its title and body from the run_log counts of the run (pure)."""
from __future__ import annotations

from typing import Mapping

TITLE_OK = "Luma pipeline succeeded"
TITLE_FAILED = "Luma pipeline FAILED: {step}"
# run_log step names of the pipeline's steps
SYNC, IMPORT, APPROVALS = "luma_sync", "import_luma_attendance", "approve_guests"


def title(failed_step: str | None) -> str:
    """`Luma pipeline succeeded`, or `Luma pipeline FAILED: <step>`."""
    return TITLE_FAILED.format(step=failed_step) if failed_step else TITLE_OK


def body(counts: Mapping[str, Mapping], open_review: int | None, report_path: str,
         failures: list[str]) -> str:
    """The run's counts, one line each, then the report's path; failures (step: reason) first."""
    events = counts.get(SYNC, {}).get("events")
    imported = counts.get(IMPORT, {})
    lines = [f"failed: {failure}" for failure in failures]
    lines.append(f"events: new={events.get('new', 0)} changed={events.get('changed', 0)} "
                 f"deleted={events.get('deleted', 0)}" if events else "events: not synced")
    lines.append(f"guest lists imported: {imported.get('imported', 0)}")
    lines.append(f"attendees: {imported.get('attendees', 0)}")
    lines.append(f"new people: {imported.get('new_people', 0)}")
    lines.append(f"open review items: {'unknown' if open_review is None else open_review}")
    lines.append(approvals_line(counts.get(APPROVALS)))
    lines.append(f"report: {report_path}")
    return "\n".join(lines)


def approvals_line(counts: Mapping | None) -> str:
    """What approve_guests.py did in the run, in its summary line's words."""
    if not counts or counts.get("mode") in (None, "off"):
        return "approvals: off"
    return (f"approvals ({counts['mode']}): pending={counts.get('pending', 0)} "
            f"approved={counts.get('approved', 0)} dry_run={counts.get('dry_run', 0)} "
            f"not_admitted={counts.get('not_admitted', 0)} failed={counts.get('failed', 0)}")
