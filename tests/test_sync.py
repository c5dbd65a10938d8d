"""luma_sync.py end to end: the simulated Luma over real HTTP, a real PostgreSQL."""
from __future__ import annotations

import copy
import csv
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import psycopg2
import pytest
from conftest import API_KEY

import luma_sync
from luma_pipeline.database import LOCK_NAMESPACE, lock_key
from luma_pipeline.luma.guest_csv import SYNC_COLUMNS
from luma_pipeline.simulated_luma.community import Community, SimEvent, SimGuest

UTC = timezone.utc
NOW = datetime.now(UTC)


def make_guest(n: int, *, status="approved", checked_in_at=None, answers=()) -> SimGuest:
    return SimGuest(id=f"gst-guest{n:010d}", user_id=f"usr-user{n:011d}", person=n,
                    name=f"Guest {n}", first_name="Guest", last_name=str(n),
                    email=f"guest{n}@example.com", phone_number=None, approval_status=status,
                    registered_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                    invited_at=None, checked_in_at=checked_in_at, utm_source=None,
                    answers=list(answers), ticket=None)


def make_event(event_id: str, start_at: datetime, *, hours=2.0, tags=("workshop",), guests=(),
               name=None, tz="America/New_York") -> SimEvent:
    return SimEvent(id=event_id, name=name or f"Event {event_id}", start_at=start_at,
                    end_at=start_at + timedelta(hours=hours), timezone=tz,
                    description="An evening together", url=f"https://luma.com/{event_id[-8:]}",
                    geo_address={"description": "Student Center", "address": "1 Main St"},
                    tags=list(tags), registration_questions=[], guests=list(guests))


def past(days: float) -> datetime:
    return (NOW - timedelta(days=days)).replace(microsecond=0)


def events_table(db) -> dict[str, dict]:
    with db.cursor() as cur:
        cur.execute("SELECT * FROM events ORDER BY id")
        names = [d.name for d in cur.description]
        return {row[names.index("luma_event_id")]: dict(zip(names, row)) for row in cur.fetchall()}


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def community(small_community) -> Community:
    return copy.deepcopy(small_community)


def settled_events(community: Community) -> list[SimEvent]:
    return [e for e in community.events if (e.end_at or e.start_at + timedelta(hours=2)) <= NOW - timedelta(hours=24)]


# -- the normal run ---------------------------------------------------------------------------

def test_sync_fills_events_and_writes_guest_lists(start_luma, community, db, csv_dir, capsys):
    start_luma(community)

    assert luma_sync.main([]) == 0

    rows = events_table(db)
    assert set(rows) == {e.id for e in community.events}
    for event in community.events:
        row = rows[event.id]
        assert row["name"] == event.name
        assert row["start_at"] == event.start_at
        assert row["timezone"] == event.timezone
        assert row["signup_url"] == event.url
        assert row["sync_status"] == "synced"
        assert row["category"] == (event.tags[0].lower() if event.tags else None)
    written = capsys.readouterr().out.splitlines()
    settled = settled_events(community)
    assert len(settled) < len(community.events)  # the community has unsettled events too
    assert sorted(written) == sorted(str(p) for p in csv_dir.glob("*.csv"))
    assert {p.split("/")[-1].split("_")[0] for p in written} == {e.id for e in settled}
    for event in settled:
        [path] = csv_dir.glob(f"{event.id}_*.csv")
        rows = read_csv(path)
        assert [r["guest_id"] for r in rows] == [g.id for g in event.guests]
        assert [r["email"] for r in rows] == [g.email.strip() for g in event.guests]
        assert [r["checked_in_at"] != "" for r in rows] == [g.checked_in_at is not None for g in event.guests]


def test_three_or_more_pages_of_events_and_guests(start_luma, db, csv_dir, capsys):
    guests = [make_guest(n, checked_in_at=past(3) if n % 2 else None) for n in range(250)]
    # 230 events (3 pages); only the first is settled, so one guest list is fetched
    events = [make_event(f"evt-big{n:011d}", past(-n if n else 10)) for n in range(230)]
    events[0].guests = guests
    server = start_luma(Community(events=events, people=[]))

    assert luma_sync.main([]) == 0

    assert len(events_table(db)) == 230
    [path] = csv_dir.glob("evt-big00000000000_*.csv")
    rows = read_csv(path)
    assert [r["guest_id"] for r in rows] == [g.id for g in guests]
    assert sum(r["checked_in_at"] != "" for r in rows) == 125
    event_pages = [r for r in server.requests if r[1] == "/v1/calendars/events/list"]
    guest_pages = [r for r in server.requests if r[1] == "/v1/events/guests/list" and
                   r[2].get("event_id") == "evt-big00000000000"]
    assert len(event_pages) == 3 and len(guest_pages) == 3


# -- both generations ---------------------------------------------------------------------------

@pytest.mark.parametrize("legacy_only", [False, True], ids=["current shape", "legacy shape"])
def test_both_shapes_give_the_same_rows_and_files(legacy_only, start_luma, db, csv_dir):
    answers = [{"label": "What is your gender?", "question_id": "q1", "question_type": "dropdown",
                "answer": "Woman"}]
    guests = [make_guest(1, checked_in_at=past(9.9), answers=answers),
              make_guest(2, status="declined"), make_guest(3, status="waitlist")]
    event = make_event("evt-Shape0000000001", past(10), tags=("Party",), guests=guests)
    server = start_luma(Community(events=[event], people=[]))
    server.faults.legacy_only = legacy_only

    assert luma_sync.main([]) == 0

    row = events_table(db)["evt-Shape0000000001"]
    assert (row["name"], row["start_at"], row["end_at"], row["venue"], row["category"]) == (
        event.name, event.start_at, event.end_at, "Student Center", "party")
    [path] = csv_dir.glob("evt-Shape0000000001_*.csv")
    rows = read_csv(path)
    assert list(rows[0]) == list(SYNC_COLUMNS) + ["What is your gender?"]
    assert [(r["guest_id"], r["user_id"], r["approval_status"], r["checked_in_at"],
             r["What is your gender?"]) for r in rows] == [
        ("gst-guest0000000001", "usr-user00000000001", "approved",
         guests[0].checked_in_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "Woman"),
        ("gst-guest0000000002", "usr-user00000000002", "declined", "", ""),
        ("gst-guest0000000003", "usr-user00000000003", "waitlist", "", ""),
    ]


def test_current_paths_answering_404_fall_back_to_legacy_once(start_luma, community, db):
    server = start_luma(community)
    server.faults.legacy_only = True

    assert luma_sync.main([]) == 0

    paths = [(r[1], r[3]) for r in server.requests]
    assert paths.count(("/v1/calendars/events/list", 404)) == 1
    assert paths.count(("/v1/events/guests/list", 404)) == 1  # learnt once, not per event
    assert len(events_table(db)) == len(community.events)


# -- faults ------------------------------------------------------------------------------------

def test_429_with_retry_after_waits_and_succeeds(start_luma, community, db, caplog, luma_waits):
    server = start_luma(community)
    server.faults.rate_limit_count, server.faults.retry_after = 2, 7

    assert luma_sync.main([]) == 0

    assert [r[3] for r in server.requests[:3]] == [429, 429, 200]
    assert luma_waits == [7, 7]  # what Luma asked for, each time
    assert "429 Too Many Requests (waiting 7 s: Retry-After)" in caplog.text
    assert len(events_table(db)) == len(community.events)


def test_429_without_retry_after_waits_the_configured_time(start_luma, community, db, caplog,
                                                           monkeypatch, luma_waits):
    monkeypatch.setenv("LUMA_RATE_LIMIT_WAIT_SECONDS", "0.2")
    server = start_luma(community)
    server.faults.rate_limit_count, server.faults.retry_after = 1, None

    assert luma_sync.main([]) == 0

    assert luma_waits == [0.2]
    assert "waiting 0.2 s: no Retry-After; LUMA_RATE_LIMIT_WAIT_SECONDS" in caplog.text
    assert len(events_table(db)) == len(community.events)


def test_5xx_then_success(start_luma, community, db):
    server = start_luma(community)
    server.faults.server_error_count = 3

    assert luma_sync.main([]) == 0

    assert [r[3] for r in server.requests[:4]] == [500, 502, 503, 200]
    assert len(events_table(db)) == len(community.events)


def test_5xx_beyond_the_retries_fails_and_writes_nothing(start_luma, community, db, csv_dir,
                                                         monkeypatch, caplog):
    monkeypatch.setenv("LUMA_MAX_RETRIES", "2")
    server = start_luma(community)
    server.faults.server_error_count = 100

    assert luma_sync.main([]) == 1

    assert len(server.requests) == 3  # one try and two retries
    assert "gave up after 3 attempts" in caplog.text
    assert events_table(db) == {}
    assert not csv_dir.exists() or not list(csv_dir.iterdir())


def test_slow_answer_times_out_and_is_retried(start_luma, community, db, monkeypatch, caplog):
    monkeypatch.setenv("LUMA_TIMEOUT_SECONDS", "0.3")
    server = start_luma(community)
    server.faults.slow_count, server.faults.slow_seconds = 1, 1.5

    assert luma_sync.main([]) == 0

    assert "ReadTimeout" in caplog.text
    assert len(events_table(db)) == len(community.events)


def test_401_fails_at_once_naming_the_key_and_luma_plus(start_luma, community, db, monkeypatch,
                                                        caplog, capsys):
    server = start_luma(community)
    monkeypatch.setenv("LUMA_API_KEY", "secret-wrong-key-Zq81")

    assert luma_sync.main([]) == 1

    assert len(server.requests) == 1  # no retry of a refused key
    assert "Luma refused the API key (401)" in caplog.text
    assert "Luma Plus" in caplog.text
    captured = capsys.readouterr()
    for text in (caplog.text, captured.err, captured.out):
        assert "secret-wrong-key-Zq81" not in text  # Luma echoes the key in its 401 body
    assert "[redacted]" in caplog.text


def test_has_more_without_cursor_fails_loudly_and_writes_nothing(start_luma, community, db,
                                                                 caplog):
    server = start_luma(community)
    server.faults.has_more_without_cursor = True

    assert luma_sync.main([]) == 1

    assert "says has_more but gives no next_cursor" in caplog.text
    assert events_table(db) == {}


def test_malformed_json_once_is_retried(start_luma, community, db):
    server = start_luma(community)
    server.faults.malformed_count = 1

    assert luma_sync.main([]) == 0
    assert len(events_table(db)) == len(community.events)


def test_malformed_json_every_time_fails(start_luma, community, db, monkeypatch, caplog):
    monkeypatch.setenv("LUMA_MAX_RETRIES", "1")
    server = start_luma(community)
    server.faults.malformed_count = 100

    assert luma_sync.main([]) == 1
    assert "body is not a JSON object" in caplog.text
    assert events_table(db) == {}


def test_a_failing_guest_list_does_not_stop_the_others(start_luma, db, csv_dir, monkeypatch):
    monkeypatch.setenv("LUMA_MAX_RETRIES", "0")
    events = [make_event(f"evt-Fail{n:011d}", past(10 + n), guests=[make_guest(n)]) for n in range(3)]
    server = start_luma(Community(events=events, people=[]))
    original_get = server.community.event
    server.community.event = lambda event_id: None if event_id == "evt-Fail00000000001" else original_get(event_id)

    assert luma_sync.main([]) == 1  # one guest list failed: the step says so

    assert sorted(p.name.split("_")[0] for p in csv_dir.glob("*.csv")) == [
        "evt-Fail00000000000", "evt-Fail00000000002"]
    assert len(events_table(db)) == 3


# -- time ------------------------------------------------------------------------------------------

def test_local_times_become_utc_instants_across_dst(start_luma, db):
    new_york = ZoneInfo("America/New_York")
    july = datetime(2025, 7, 10, 19, 0, tzinfo=new_york).astimezone(UTC)
    january = datetime(2025, 1, 9, 19, 0, tzinfo=new_york).astimezone(UTC)
    start_luma(Community(events=[make_event("evt-July0000000001", july),
                                 make_event("evt-Janu0000000001", january)], people=[]))

    assert luma_sync.main([]) == 0

    rows = events_table(db)
    assert rows["evt-July0000000001"]["start_at"] == datetime(2025, 7, 10, 23, 0, tzinfo=UTC)
    assert rows["evt-Janu0000000001"]["start_at"] == datetime(2025, 1, 10, 0, 0, tzinfo=UTC)
    assert rows["evt-July0000000001"]["timezone"] == "America/New_York"


def test_only_events_settled_24h_ago_get_their_guest_list(start_luma, db, csv_dir, capsys):
    five_minutes, now = timedelta(minutes=5), datetime.now(UTC)  # not the module's NOW: a slow suite
    ended_just_over = make_event("evt-Over000000001", now - timedelta(hours=26) - five_minutes,
                                 guests=[make_guest(1)])
    ended_just_under = make_event("evt-Undr000000001", now - timedelta(hours=26) + five_minutes,
                                  guests=[make_guest(2)])
    start_luma(Community(events=[ended_just_over, ended_just_under], people=[]))

    assert luma_sync.main([]) == 0

    assert [p.name.split("_")[0] for p in csv_dir.glob("*.csv")] == ["evt-Over000000001"]
    assert len(capsys.readouterr().out.splitlines()) == 1


# -- re-runs -------------------------------------------------------------------------------------

def test_second_sync_changes_nothing(start_luma, community, db, csv_dir, capsys, caplog):
    start_luma(community)
    assert luma_sync.main([]) == 0
    before = events_table(db)
    files = sorted(csv_dir.iterdir())
    capsys.readouterr()
    caplog.clear()

    assert luma_sync.main([]) == 0

    assert events_table(db) == before  # updated_at included
    assert sorted(csv_dir.iterdir()) == files
    assert capsys.readouterr().out == ""
    n = len(community.events)
    assert (f"events: fetched={n} new=0 changed=0 unchanged={n} deleted=0 skipped=0; "
            f"guest lists: written=0 guests=0 already_pending={len(files)} failed=0") in caplog.text


def test_luma_changes_update_but_organiser_columns_survive(start_luma, community, db):
    start_luma(community)
    assert luma_sync.main([]) == 0
    edited, untouched = community.events[0], community.events[1]
    with db.cursor() as cur:
        cur.execute("""UPDATE events SET category = 'fundraiser', cost = 120.50,
                       attendance_taken = false, placard_pdf = '\\x25504446'::bytea
                       WHERE luma_event_id = %s""", (edited.id,))
    for event in (edited, untouched):
        event.name += " (moved)"
        event.start_at += timedelta(hours=1)
        event.tags = ["hackathon"]

    assert luma_sync.main([]) == 0

    rows = events_table(db)
    row = rows[edited.id]
    assert (row["name"], row["start_at"], row["sync_status"]) == (edited.name, edited.start_at, "changed")
    assert (row["category"], row["cost"], row["attendance_taken"], bytes(row["placard_pdf"])) == (
        "fundraiser", 120.50, False, b"%PDF")
    assert rows[untouched.id]["category"] == "hackathon"  # nobody set it by hand: it follows Luma
    assert rows[community.events[2].id]["sync_status"] == "synced"


def test_event_removed_at_luma_becomes_source_deleted(start_luma, community, db, caplog):
    server = start_luma(community)
    assert luma_sync.main([]) == 0
    gone = community.events[3]
    server.community.remove_event(gone.id)

    assert luma_sync.main([]) == 0

    rows = events_table(db)
    assert len(rows) == len(community.events) + 1  # never deleted
    assert rows[gone.id]["sync_status"] == "source_deleted"
    assert "deleted=1" in caplog.text
    assert sum(r["sync_status"] == "source_deleted" for r in rows.values()) == 1


def test_full_refresh_fetches_imported_events_again(start_luma, community, db, csv_dir, capsys):
    start_luma(community)
    assert luma_sync.main([]) == 0
    for path in csv_dir.glob("*.csv"):
        path.unlink()  # as the importer moves them to processed/
    with db.cursor() as cur:
        cur.execute("UPDATE events SET attendance_imported_at = now()")
    capsys.readouterr()

    assert luma_sync.main([]) == 0
    assert capsys.readouterr().out == ""

    assert luma_sync.main(["--full-refresh"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(settled_events(community))


def test_dry_run_fetches_but_writes_nothing(start_luma, community, db, csv_dir, capsys, caplog):
    server = start_luma(community)

    assert luma_sync.main(["--dry-run"]) == 0

    assert events_table(db) == {}
    assert not csv_dir.exists() or not list(csv_dir.iterdir())
    assert capsys.readouterr().out == ""
    assert any(r[1] == "/v1/events/guests/list" for r in server.requests)
    assert f"new={len(community.events)}" in caplog.text
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM run_log")
        assert cur.fetchone()[0] == 0


# -- operations ----------------------------------------------------------------------------------

def test_a_second_sync_while_one_runs_exits_75(start_luma, community, database_url, caplog):
    start_luma(community)
    holder = psycopg2.connect(database_url)
    try:
        assert luma_sync.main([]) == 0  # creates the schema
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, lock_key("luma_sync")))
        assert luma_sync.main([]) == 75
        assert "another run of this step holds its lock" in caplog.text
    finally:
        holder.close()


def test_missing_api_key_is_a_usage_error_naming_it(database_url, caplog, monkeypatch):
    assert luma_sync.main([]) == 2
    assert "LUMA_API_KEY" in caplog.text


def test_bad_argument_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_:
        luma_sync.main(["--no-such-flag"])
    assert exit_.value.code == 2


def test_the_key_never_reaches_a_log_or_output(start_luma, community, db, caplog, capsys):
    server = start_luma(community)
    server.faults.rate_limit_count, server.faults.server_error_count = 1, 1

    assert luma_sync.main(["--full-refresh"]) == 0

    captured = capsys.readouterr()
    assert API_KEY not in caplog.text + captured.err + captured.out
    with db.cursor() as cur:
        cur.execute("SELECT coalesce(string_agg(message || counts::text, ' '), '') FROM run_log")
        assert API_KEY not in cur.fetchone()[0]


def test_run_log_records_the_step(start_luma, community, db):
    start_luma(community)
    assert luma_sync.main([]) == 0
    with db.cursor() as cur:
        cur.execute("SELECT step, status, finished_at IS NOT NULL, counts -> 'events' ->> 'new' FROM run_log")
        assert cur.fetchall() == [("luma_sync", "ok", True, str(len(community.events)))]


def test_an_empty_event_list_does_not_delete_everything(start_luma, community, db, caplog):
    server = start_luma(community)
    assert luma_sync.main([]) == 0
    known = len(community.events)
    server.community.events = []  # a key of another, empty calendar looks like this

    assert luma_sync.main([]) == 0

    assert {r["sync_status"] for r in events_table(db).values()} == {"synced"}
    assert f"Luma listed no events at all; not marking the {known} known events" in caplog.text
