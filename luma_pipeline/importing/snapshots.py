"""Guest lists are snapshots, merged per guest and per field (DESIGN.md): the rule, written once,
as SQL for the attendance and people tables. Matching (who a guest is) happens before; this only
says which value a row keeps.

Every stored value remembers when the guest list that gave it was exported (`field_snapshots`:
field → export time in UTC). A guest's registration (status, guest id, registration time, invite,
answers) is the one of the NEWEST export that gives each field; a person (name, email, phone,
demographics) stays as the EARLIEST export wrote them down, later ones filling only blanks. A blank
never replaces a value; on a tie (two exports of the same second) the greater (newest) or smaller
(earliest) value wins, so that either order gives one answer. Check-in times follow their own
rule: the earliest one seen stays, whatever the snapshots say after it. Every pick is a maximum or
a minimum, so the same files imported in any order leave the same rows."""
from __future__ import annotations

from typing import Iterable

NEWEST, EARLIEST = "newest", "earliest"


def _stored_at(field: str, old: str) -> str:
    return f"({old}.field_snapshots ->> '{field}')::timestamp"


def _incoming_at(new: str) -> str:
    return f"({new}.snapshot_at AT TIME ZONE 'UTC')"


def takes_incoming(field: str, old: str, new: str, keep: str = NEWEST) -> str:
    """SQL, true when the incoming value of `field` (alias `new`, exported at `new`.snapshot_at)
    replaces the stored one (alias `old`; its row may be missing: a LEFT JOIN's NULLs). A stored
    value of unknown export (written before snapshots were remembered, or by hand) counts as the
    oldest there is."""
    stored_at, incoming_at = _stored_at(field, old), _incoming_at(new)
    if keep == NEWEST:
        wins = (f"{stored_at} IS NULL OR {stored_at} < {incoming_at} OR ({stored_at} = {incoming_at}"
                f" AND {new}.{field} > {old}.{field})")
    else:
        wins = (f"{stored_at} > {incoming_at} OR ({stored_at} = {incoming_at}"
                f" AND {new}.{field} < {old}.{field})")
    return f"({new}.{field} IS NOT NULL AND ({old}.{field} IS NULL OR {wins}))"


def merged_value(field: str, old: str, new: str, keep: str = NEWEST) -> str:
    """SQL: the value `field` keeps after the merge."""
    return (f"CASE WHEN {takes_incoming(field, old, new, keep)} THEN {new}.{field} "
            f"ELSE {old}.{field} END")


def merged_snapshots(fields: Iterable[str], old: str, new: str, keep: str = NEWEST) -> str:
    """SQL: the row's `field_snapshots` after the merge (the export time behind each value)."""
    pairs = ", ".join(
        f"'{f}', CASE WHEN {takes_incoming(f, old, new, keep)} THEN {_incoming_at(new)} "
        f"ELSE {_stored_at(f, old)} END" for f in fields)
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def given_snapshots(fields: Iterable[str], new: str) -> str:
    """SQL: `field_snapshots` of a row that holds exactly what the incoming snapshot says
    (--replace): its export time behind every value it gives."""
    pairs = ", ".join(f"'{f}', CASE WHEN {new}.{f} IS NOT NULL THEN {_incoming_at(new)} END"
                      for f in fields)
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def earliest_check_in(old: str, new: str) -> str:
    """SQL: a check-in is never undone by a snapshot that lacks it; of two, the earliest stays."""
    return f"LEAST({old}.checked_in_at, {new}.checked_in_at)"
