"""What a merge of two people does to their rows, worked out before anything is written (pure).

KEEP stays and OTHER goes: OTHER's attendance moves to KEEP; two rows of one event become KEEP's
one row, where a check-in wins (the earliest check-in time stays), the latest registration gives
the status (with its guest id and registration time), and every other blank is filled from OTHER.
Review items that named OTHER name KEEP instead; an item that now pairs KEEP with itself is
settled by the merge, and one that repeats an open or rejected pair is closed."""
from __future__ import annotations

from datetime import datetime, timezone

REGISTRATION_FIELDS = ("luma_guest_id", "approval_status", "registered_at")
KEPT_FIELDS = ("invite_token", "registration_answers", "match_method", "match_score")
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def combined_attendance(keep: dict, other: dict) -> dict:
    """KEEP's row for an event both attended, combined with OTHER's row of the same event: the
    values to write (attendance columns only)."""
    check_ins = [t for t in (keep.get("checked_in_at"), other.get("checked_in_at")) if t is not None]
    later_first = (other, keep) if _registered(other) > _registered(keep) else (keep, other)
    row = {f: _first_given(f, *later_first) for f in REGISTRATION_FIELDS}
    row.update({f: _first_given(f, keep, other) for f in KEPT_FIELDS})
    row["checked_in_at"] = min(check_ins) if check_ins else None
    return row


def _registered(row: dict) -> datetime:
    return row.get("registered_at") or _EARLIEST


def _first_given(field: str, *rows: dict):
    """The field's value in the first row that has one (a blank is None or empty)."""
    for row in rows:
        value = row.get(field)
        if value not in (None, "", {}, []):
            return value
    return rows[0].get(field)


def repointed_items(items: list[dict], keep: int, other: int, open_pairs: set[frozenset],
                    rejected_pairs: set[frozenset]) -> list[dict]:
    """Each review item naming OTHER as it is after the merge: OTHER replaced by KEEP, and its new
    status. `open_pairs` / `rejected_pairs` are KEEP's pairs before the merge. Items are returned
    in id order, each a copy with `person_id`, `candidate_person_id` and `status`."""
    result = []
    open_pairs = set(open_pairs)
    for item in sorted(items, key=lambda i: i["id"]):
        new = dict(item)
        for column in ("person_id", "candidate_person_id"):
            if new[column] == other:
                new[column] = keep
        pair = frozenset((new["person_id"], new["candidate_person_id"]))
        if item["status"] == "open":
            if len(pair) == 1 or pair in rejected_pairs or pair in open_pairs:
                new["status"] = "closed"
            else:
                open_pairs.add(pair)
        result.append(new)
    return result
