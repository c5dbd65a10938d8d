"""edit_event.py: the organiser's fields of an event changed without SQL, and kept by every sync."""
from __future__ import annotations

import pytest
from test_sync import events_table, make_event, past

import analyze
import edit_event
import luma_sync
from luma_pipeline.simulated_luma.community import Community


@pytest.fixture
def synced(start_luma, db):
    """Two events synced from the simulated Luma: a workshop and a social."""
    community = Community(events=[make_event("evt-Workshop000001", past(10), name="Git Workshop"),
                                  make_event("evt-Social00000002", past(5), tags=("social",), name="Social")],
                          people=[])
    server = start_luma(community)
    assert luma_sync.main([]) == 0
    return server


def organiser_fields(db, luma_event_id: str) -> tuple:
    row = events_table(db)[luma_event_id]
    return row["category"], row["cost"], row["currency"], row["attendance_taken"], row["attendance_taken_auto"]


def test_edits_survive_a_sync_that_changes_the_event_at_luma(synced, db, capsys):
    assert edit_event.main(["--luma-event-id", "evt-Workshop000001", "--cost", "250", "--currency", "usd",
                            "--attendance-taken", "yes", "--category", "Hack  Night"]) == 0

    out = capsys.readouterr().out
    event_id = events_table(db)["evt-Workshop000001"]["id"]
    assert out.startswith(f"Before:\n  event             {event_id} evt-Workshop000001  Git Workshop  (")
    before, after = out.split("After:\n")
    assert "  category          workshop\n" in before and "  cost              —\n" in before
    assert "  attendance taken  auto (analyze decides from the check-ins)\n" in before
    assert "  category          hack night (by hand; Luma's tag: workshop)\n" in after
    assert "  cost              250.00\n  currency          USD\n  attendance taken  yes\n" in after
    event = synced.community.events[0]
    event.name, event.tags = "Git Workshop (moved)", ["party"]

    assert luma_sync.main([]) == 0

    row = events_table(db)["evt-Workshop000001"]
    assert (row["name"], row["sync_status"], row["luma_category"]) == ("Git Workshop (moved)", "changed", "party")
    assert organiser_fields(db, "evt-Workshop000001") == ("hack night", 250, "USD", True, False)


def test_attendance_taken_no_then_auto(synced, db):
    event_id = events_table(db)["evt-Social00000002"]["id"]
    assert edit_event.main([str(event_id), "--attendance-taken", "no"]) == 0
    assert organiser_fields(db, "evt-Social00000002")[3:] == (False, False)
    assert edit_event.main([str(event_id), "--attendance-taken", "auto"]) == 0
    assert organiser_fields(db, "evt-Social00000002")[3:] == (None, False)  # analyze decides again
    assert luma_sync.main([]) == 0 and analyze.main([]) == 0
    assert organiser_fields(db, "evt-Social00000002")[3:] == (None, False)  # no guests: nothing to flag


def test_only_showing_changes_nothing(synced, db, capsys):
    before = events_table(db)
    assert edit_event.main(["--luma-event-id", "evt-Social00000002"]) == 0
    assert events_table(db) == before
    assert "  category          social\n" in capsys.readouterr().out


@pytest.mark.parametrize("argv, said", [
    (["999999", "--cost", "10", "--currency", "EUR"], "no event id 999999 in the events table"),
    (["--luma-event-id", "evt-Nope", "--category", "talk"], "no event evt-Nope in the events table"),
    (["--luma-event-id", "evt-Social00000002", "--cost", "40"], "has no currency yet: say which with --currency"),
], ids=["unknown id", "unknown Luma id", "a cost without a currency"])
def test_usage_errors_change_nothing(argv, said, synced, db, caplog):
    before = events_table(db)
    assert edit_event.main(argv) == 2
    assert said in caplog.text
    assert events_table(db) == before


@pytest.mark.parametrize("argv", [
    ["1", "--cost", "-5"], ["1", "--cost", "12.345"], ["1", "--cost", "ten"], ["1", "--currency", "dollars"],
    ["1", "--attendance-taken", "maybe"], ["1", "--category", "  "], [], ["1", "--luma-event-id", "evt-x"],
], ids=["negative", "three decimals", "words", "not a code", "not yes/no/auto", "empty category",
        "no event", "both ids"])
def test_bad_values_are_refused_before_any_work(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        edit_event.main(argv)
    assert exit_.value.code == 2
    assert "error: " in capsys.readouterr().err
