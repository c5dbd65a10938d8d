"""How review_people.py prints: the queue with both people side by side, a person, people found,
the history; a table for a person, CSV for a program (pure: strings and rows, no I/O)."""
from __future__ import annotations

import json

from ..text import spreadsheet_safe

QUEUE_COLUMNS = ("item_id", "person_id", "candidate_person_id", "reason", "score", "events_involved",
                 "person_name", "person_emails", "person_phones", "person_school", "person_events",
                 "candidate_name", "candidate_emails", "candidate_phones", "candidate_school",
                 "candidate_events", "event", "source_file", "queued_at")
HISTORY_COLUMNS = ("at", "by", "action", "merge_id", "item_id", "person_id", "other_person_id", "detail")
SIDE_BY_SIDE = (("name", "name"), ("emails", "emails"), ("phones", "phones"), ("school", "school"),
                ("events", "attended"))
WIDTH = 34  # characters of one person's column


def card_value(card: dict | None, key: str) -> str:
    """One field of a person's card as text ('—' when blank)."""
    if card is None:
        return "(removed)"
    if key == "attended":
        return f"{card['attended']} attended, {card['registered']} registered"
    value = card.get(key)
    if isinstance(value, list):
        value = ", ".join(value)
    return str(value) if value not in (None, "") else "—"


def queue_text(items: list[dict], cards: dict[int, dict]) -> str:
    """Open items for a person to read, each with both people side by side."""
    if not items:
        return "The review queue is empty: nothing to settle.\n"
    blocks = []
    for item in items:
        head = (f"item {item['item_id']}  score {_score(item['score'])}  events involved "
                f"{item['events_involved']}  {item['reason']}")
        where = " · ".join(str(v) for v in (item["event"], item["source_file"]) if v)
        lines = [head + (f"  ({where})" if where else ""),
                 f"  {'':<8}{'person ' + str(item['person_id']):<{WIDTH}}candidate {item['candidate_person_id']}"]
        for label, key in SIDE_BY_SIDE:
            mine = card_value(cards.get(item["person_id"]), key)
            theirs = card_value(cards.get(item["candidate_person_id"]), key)
            lines.append(f"  {label:<8}{_cut(mine):<{WIDTH}}{theirs}")
        blocks.append("\n".join(lines))
    settle = "Settle one with: review_people.py accept ITEM (same person) or reject ITEM (not the same)."
    return "\n\n".join(blocks) + f"\n\n{len(items)} open item(s). {settle}\n"


def queue_rows(items: list[dict], cards: dict[int, dict]) -> list[list]:
    """The queue as CSV rows (header first), safe to open in a spreadsheet."""
    rows = [list(QUEUE_COLUMNS)]
    for item in items:
        sides = []
        for person in (item["person_id"], item["candidate_person_id"]):
            card = cards.get(person) or {}
            sides += [card.get("name", ""), " ".join(card.get("emails", [])),
                      " ".join(card.get("phones", [])), card.get("school") or "", card.get("attended", 0)]
        rows.append([item["item_id"], item["person_id"], item["candidate_person_id"], item["reason"],
                     _score(item["score"]), item["events_involved"], *sides[:5], *sides[5:],
                     item["event"] or "", item["source_file"] or "", item["created_at"].isoformat()])
    return [[spreadsheet_safe(v) for v in row] for row in rows]


def person_text(card: dict, events: list[dict], items: list[dict], decisions: list[dict]) -> str:
    """Everything known of one person."""
    lines = [f"person {card['id']}: {card['name'] or '(no name)'}"]
    for label, key in (("emails", "emails"), ("phones", "phones"), ("gender", "gender"),
                       ("school", "school"), ("class of", "class_year"), ("events", "attended")):
        lines.append(f"  {label:<9}{card_value(card, key)}")
    lines.append(f"  {'since':<9}{card['created_at']:%Y-%m-%d}")
    lines.append("events:" if events else "events: none")
    for e in events:
        day = f"{e['start_at']:%Y-%m-%d}" if e["start_at"] else "(no date)"
        came = f"checked in {e['checked_in_at']:%H:%M}" if e["checked_in_at"] else "no check-in"
        lines.append(f"  {day}  event {e['event_id']} {e['name']}: {e['approval_status'] or '—'}, "
                     f"{came} (found by {e['match_method'] or '—'})")
    lines.append("review items:" if items else "review items: none")
    lines += [f"  item {i['item_id']} [{i['status']}] person {i['person_id']} / candidate "
              f"{i['candidate_person_id']}: {i['reason']}" for i in items]
    lines.append("merges and decisions:" if decisions else "merges and decisions: none")
    lines += ["  " + history_line(d) for d in decisions]
    return "\n".join(lines) + "\n"


def found_text(cards: dict[int, dict]) -> str:
    """People found, one line each."""
    return "".join(f"person {c['id']}: {c['name'] or '(no name)'} · {card_value(c, 'emails')} · "
                   f"{card_value(c, 'phones')} · {card_value(c, 'school')} · {card_value(c, 'attended')}\n"
                   for c in cards.values())


def history_line(row: dict) -> str:
    """One decision as a sentence."""
    when = f"{row['at']:%Y-%m-%d %H:%M}"
    item = f" (item {row['item_id']})" if row["item_id"] else ""
    if row["action"] in ("merge", "accept", "undo"):
        verb = "undid merge" if row["action"] == "undo" else "merge"
        return (f"{when} {row['by']}: {verb} {row['merge_id']}{item}: person {row['other_person_id']} "
                f"into {row['person_id']} ({moved_text(row['detail'])})")
    verb = "rejected" if row["action"] == "reject" else "queued"
    return (f"{when} {row['by']}: {verb}{item}: person {row['other_person_id']} and "
            f"{row['person_id']} ({row['detail']})")


def moved_text(moved: dict) -> str:
    """What a merge moved, in words."""
    filled = ", ".join(moved.get("fields_filled") or []) or "nothing"
    return (f"{moved.get('identifiers', 0)} identifier(s), {moved.get('attendance_moved', 0)} attendance "
            f"row(s) moved, {moved.get('attendance_combined', 0)} combined, "
            f"{moved.get('review_items', 0)} review item(s) updated, filled: {filled}")


def history_rows(rows: list[dict]) -> list[list]:
    """The history as CSV rows (header first)."""
    out = [list(HISTORY_COLUMNS)]
    for r in rows:
        detail = r["detail"] if isinstance(r["detail"], str) else json.dumps(r["detail"], sort_keys=True)
        out.append([r["at"].isoformat(), r["by"] or "", r["action"], r["merge_id"] or "",
                    r["item_id"] or "", r["person_id"], r["other_person_id"], detail])
    return [[spreadsheet_safe(v) for v in row] for row in out]


def _score(score) -> str:
    return "" if score is None else f"{score:g}"


def _cut(text: str) -> str:
    return text if len(text) < WIDTH - 1 else text[:WIDTH - 3] + "…"
