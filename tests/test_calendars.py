"""Issue 16, several calendars: two simulated calendars over real HTTP (shared events, hosts, a key
each), a real PostgreSQL, and the organisation and merge rules as tables and properties."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sync import make_event, make_guest, past

import analyze
import luma_sync
from luma_pipeline.config import ConfigError, Organisation, load_settings, parse_organisations
from luma_pipeline.luma import api as luma_api
from luma_pipeline.simulated_luma import Community, Faults, SimCalendar, SimulatedLuma
from luma_pipeline.sync.listing import CalendarListing, merge_listings
from luma_pipeline.sync.organisations import Resolution, resolve_organisation

KEY_A, KEY_B = "secret-club-key-A1", "secret-hub-key-B2"
CAL_A, CAL_B = "cal-RoboticsClub01", "cal-UniversityHub1"
ROBOTICS = {"id": "usr-robo", "email": "robotics@uni.edu", "name": "Robotics Club"}
HUB = {"id": "usr-hub", "email": "events@hub.uni.edu", "name": "University Hub"}


def rows(db, query, args=()):
    with db.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def two_calendars() -> Community:
    """Four settled events: E1, E2 managed by Robotics; E3 managed by the Hub; E2 also listed by the
    Hub (one event, two calendars); E4 managed by the Hub and co-hosted by Robotics."""
    events = [make_event(f"evt-Cal{n:013d}", past(45 - 10 * n), guests=[make_guest(n)]) for n in range(1, 5)]
    for event, calendar, hosts in zip(events, [CAL_A, CAL_A, CAL_B, CAL_B],
                                      [[ROBOTICS], [ROBOTICS], [HUB], [HUB, ROBOTICS]]):
        event.calendar_id, event.hosts = calendar, hosts
    calendars = [SimCalendar(CAL_A, "Robotics Club", KEY_A),
                 SimCalendar(CAL_B, "University Hub", KEY_B, listed=[events[1].id])]
    return Community(events=events, people=[], calendars=calendars)


@pytest.fixture
def luma(monkeypatch):
    """Two calendars on one simulated Luma; LUMA_CALENDARS names both (the Hub's key first)."""
    server = SimulatedLuma(two_calendars()).start()
    monkeypatch.setenv("LUMA_API_BASE_URL", server.url)
    monkeypatch.setenv("LUMA_CALENDARS", f"University Hub={KEY_B}; Robotics={KEY_A}")
    yield server
    server.stop()


def links(db) -> set[tuple[str, str, str, bool]]:
    return set(rows(db, """SELECT e.luma_event_id, c.name, l.relation, l.gone_at IS NULL
                           FROM event_calendars l JOIN events e ON e.id = l.event_id
                           JOIN calendars c ON c.id = l.calendar_id"""))


# -- configuration ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("Robotics=key-1; Hub", "LUMA_CALENDARS: entry 2 is not of the form 'name=key'"),
    ("=key-1", "LUMA_CALENDARS: entry 1 is not of the form 'name=key'"),
    ("Robotics=key-1; robotics=key-2", "LUMA_CALENDARS: calendar name 'robotics' is used twice"),
    ("Robotics= ", "LUMA_CALENDARS: calendar 'Robotics' has an empty key"),
    ("Robotics=key 1", "LUMA_CALENDARS: the key of calendar 'Robotics' has a space"),
], ids=["malformed entry", "no name", "duplicate name", "empty key", "space in a key"])
def test_calendar_configuration_errors_name_which(value, message, database_url, monkeypatch, caplog):
    monkeypatch.setenv("LUMA_CALENDARS", value)
    assert luma_sync.main([]) == 2
    assert message in caplog.text
    assert "key-1" not in caplog.text and "key-2" not in caplog.text


def test_luma_api_key_is_the_calendar_default_beside_the_named_ones():
    settings = load_settings({"LUMA_API_KEY": "key-0\n", "LUMA_CALENDARS": "Robotics=key-1;Hub = key-2 ;"})
    assert [(c.name, c.api_key) for c in settings.calendars] == [
        ("default", "key-0"), ("Robotics", "key-1"), ("Hub", "key-2")]
    with pytest.raises(ConfigError, match="'default' is used twice"):
        load_settings({"LUMA_API_KEY": "key-0", "LUMA_CALENDARS": "default=key-1"})


def test_organisations_parse_emails_and_domains():
    assert parse_organisations("Robotics Club=robotics@uni.edu, roboclub.org; Hub=@Hub.Uni.edu") == (
        Organisation("Robotics Club", frozenset({"robotics@uni.edu"}), frozenset({"roboclub.org"})),
        Organisation("Hub", frozenset(), frozenset({"hub.uni.edu"})))
    for bad in ("Robotics Club", "Robotics=", "A=a@b@c.org", "A=x.org; a=y.org"):
        with pytest.raises(ConfigError, match="ORGANISATIONS"):
            parse_organisations(bad)


# -- sync per calendar -------------------------------------------------------------------------------

def test_a_shared_event_is_one_row_linked_to_both(luma, db):
    assert luma_sync.main([]) == 0

    assert rows(db, "SELECT count(*), count(DISTINCT luma_event_id) FROM events") == [(4, 4)]
    e1, e2, e3, e4 = (e.id for e in luma.community.events)
    assert links(db) == {(e1, "Robotics", "managed", True), (e2, "Robotics", "managed", True),
                         (e2, "University Hub", "listed", True), (e3, "University Hub", "managed", True),
                         (e4, "University Hub", "managed", True)}
    assert rows(db, "SELECT name, luma_calendar_id, last_result, last_synced_at IS NOT NULL "
                    "FROM calendars ORDER BY name") == [
        ("Robotics", CAL_A, "ok: 2 events (2 managed, 0 listed)", True),
        ("University Hub", CAL_B, "ok: 3 events (2 managed, 1 listed)", True)]


def test_guest_lists_are_fetched_with_a_managing_calendars_key(luma, db, csv_dir):
    assert luma_sync.main([]) == 0

    guest_pages = {name: sorted(r.query["event_id"] for r in records if r.path == "/v1/events/guests/list")
                   for name, records in luma.requests_by_calendar.items()}
    e1, e2, e3, e4 = (e.id for e in luma.community.events)
    assert guest_pages == {"Robotics Club": [e1, e2], "University Hub": [e3, e4]}
    assert len(list(csv_dir.glob("*.csv"))) == 4


def test_a_429_on_one_calendar_does_not_slow_the_other(luma, db, monkeypatch):
    luma.community.calendars[0].faults = Faults(rate_limit_count=1, retry_after=30)  # Robotics only
    hub_done_while_robotics_waited = []

    def wait_out(seconds):  # Robotics' 30 s wait: meanwhile the Hub must get its whole sync done
        deadline = time.monotonic() + 10
        while len(luma.requests_by_calendar.get("University Hub", [])) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        hub_done_while_robotics_waited.append((seconds, len(luma.requests_by_calendar["University Hub"])))

    monkeypatch.setattr(luma_api, "wait_out", wait_out)

    assert luma_sync.main([]) == 0

    assert hub_done_while_robotics_waited == [(30, 4)]  # events page, calendar, two guest lists
    assert [r.status for r in luma.requests_by_calendar["Robotics Club"]][:2] == [429, 200]
    assert 429 not in [r.status for r in luma.requests_by_calendar["University Hub"]]


def test_one_calendars_bad_key_fails_only_that_calendar(luma, db, monkeypatch, caplog, capsys):
    monkeypatch.setenv("LUMA_CALENDARS", f"University Hub={KEY_B}; Robotics=secret-wrong-key-77")

    assert luma_sync.main([]) == 1

    e1, e2, e3, e4 = (e.id for e in luma.community.events)
    assert {r[0] for r in rows(db, "SELECT luma_event_id FROM events")} == {e2, e3, e4}
    [(result,)] = rows(db, "SELECT last_result FROM calendars WHERE name = 'Robotics'")
    assert result.startswith("failed: GET /v1/calendars/events/list: Luma refused the API key (401). "
                             "Check the key of 'Robotics' in LUMA_CALENDARS")
    assert "calendars: synced=1 failed=1 (Robotics)" in caplog.text
    assert "secret-wrong-key-77" not in caplog.text + capsys.readouterr().err + result


def test_every_calendar_refused_is_a_configuration_error(luma, db, monkeypatch, caplog):
    monkeypatch.setenv("LUMA_CALENDARS", "University Hub=secret-wrong-1; Robotics=secret-wrong-2")
    assert luma_sync.main([]) == 2
    assert "luma_sync: configuration: " in caplog.text


def test_deleted_only_when_no_calendar_lists_it_in_a_sync_that_succeeded(luma, db, monkeypatch):
    assert luma_sync.main([]) == 0
    shared = luma.community.events[1].id  # managed by Robotics, listed by the Hub
    status = lambda: rows(db, "SELECT sync_status FROM events WHERE luma_event_id = %s", (shared,))[0][0]

    luma.community.calendars[1].listed.clear()  # the Hub lists it no longer; Robotics still does
    assert luma_sync.main([]) == 0
    assert status() == "synced"

    luma.community.remove_event(shared)  # gone at Luma, but Robotics' sync fails this time
    luma.community.calendars[0].faults = Faults(server_error_count=100)
    monkeypatch.setenv("LUMA_MAX_RETRIES", "0")
    assert luma_sync.main([]) == 1
    assert status() == "synced"  # a calendar whose sync failed deletes nothing

    luma.community.calendars[0].faults = None
    assert luma_sync.main([]) == 0
    assert status() == "source_deleted"
    assert (shared, "Robotics", "managed", False) in links(db)


# -- organisations ---------------------------------------------------------------------------------

ORGS = parse_organisations("Robotics Club=robotics@uni.edu, roboclub.org; University Hub=hub.uni.edu; "
                           "Alumni=alumni@uni.edu, uni.edu")


@pytest.mark.parametrize("hosts, calendars, expected", [
    (["robotics@uni.edu"], [], Resolution("Robotics Club", 100, "host_email")),
    (["ROBOTICS@Uni.edu"], [], Resolution("Robotics Club", 100, "host_email")),
    (["lead@roboclub.org"], [], Resolution("Robotics Club", 85, "host_domain")),
    (["lead@events.roboclub.org"], [], Resolution("Robotics Club", 85, "host_domain")),
    (["someone@gmail.com", "lead@roboclub.org"], [], Resolution("Robotics Club", 85, "host_domain")),
    (["events@hub.uni.edu"], [], Resolution(None, None, "conflict")),  # Hub and Alumni (uni.edu) at 85
    (["robotics@uni.edu", "events@hub.uni.edu"], [], Resolution("Robotics Club", 100, "host_email")),
    (["lead@roboclub.org", "x@hub.uni.edu"], [], Resolution(None, None, "conflict")),
    (["someone@gmail.com"], ["Robotics"], Resolution("Robotics", 60, "calendar")),
    (["lead@roboclub.org"], ["University Hub"], Resolution("Robotics Club", 85, "host_domain")),
    (["someone@gmail.com"], [], Resolution(None, None, None)),
    ([], [], Resolution(None, None, None)),
], ids=["host email", "email case", "host domain", "parent domain", "a later host counts",
        "tie at 85", "100 beats 85", "two orgs at 85", "calendar", "host beats calendar", "none",
        "no hosts"])
def test_organisation_resolution(hosts, calendars, expected):
    assert resolve_organisation(hosts, calendars, ORGS) == expected


def test_organisations_from_hosts_asked_only_for_new_or_changed_events(luma, db, monkeypatch):
    monkeypatch.setenv("ORGANISATIONS", "Robotics Club=robotics@uni.edu; University Hub=hub.uni.edu")
    assert luma_sync.main([]) == 0
    by_event = dict(((r[0], r[1:]) for r in rows(
        db, "SELECT luma_event_id, organisation, organisation_confidence, organisation_source FROM events")))
    e1, e2, e3, e4 = (e.id for e in luma.community.events)
    assert by_event == {e1: ("Robotics Club", 100, "host_email"), e2: ("Robotics Club", 100, "host_email"),
                        e3: ("University Hub", 85, "host_domain"), e4: ("Robotics Club", 100, "host_email")}
    asked = lambda: [r.query["event_id"] for records in luma.requests_by_calendar.values()
                     for r in records if r.path == "/v1/events/get"]
    assert sorted(asked()) == sorted([e1, e2, e3, e4])  # each once, e2 with the managing key

    luma.community.events[2].name = "Renamed at Luma"
    for records in luma.requests_by_calendar.values():
        records.clear()
    assert luma_sync.main([]) == 0
    assert asked() == [e3]


# -- drift -----------------------------------------------------------------------------------------

def test_an_event_luma_changed_keeps_its_changes_and_the_report_lists_them(luma, db, tmp_path):
    assert luma_sync.main([]) == 0
    event = luma.community.events[0]
    old_start = event.start_at
    event.name, event.start_at = "Robot Night (moved)", old_start + timedelta(hours=1)

    assert luma_sync.main([]) == 0

    assert rows(db, "SELECT sync_status FROM events WHERE luma_event_id = %s", (event.id,)) == [("changed",)]
    assert rows(db, """SELECT c.field, c.old_value, c.new_value FROM event_changes c
                       JOIN events e ON e.id = c.event_id ORDER BY c.id""") == [
        ("name", f"Event {event.id}", "Robot Night (moved)"),
        ("start_at", old_start.isoformat(), event.start_at.isoformat())]  # its end stayed
    assert analyze.main([]) == 0
    page = (tmp_path / "out" / "index.html").read_text()
    assert "Changed at Luma in the last sync" in page and "Robot Night (moved)" in page

    assert luma_sync.main([]) == 0  # nothing changed since: the next report lists nothing
    assert analyze.main([]) == 0
    assert "Changed at Luma in the last sync" not in (tmp_path / "out" / "index.html").read_text()


# -- the merge is the same in any order ------------------------------------------------------------

row_ids = st.sampled_from(["evt-a", "evt-b", "evt-c"])
entries = st.tuples(row_ids, st.sampled_from(["one name", "another"]), st.sampled_from([CAL_A, CAL_B, None]))
listings = st.lists(st.tuples(st.sampled_from(["Robotics", "Hub", "Alumni"]), st.lists(entries, max_size=4),
                              st.sampled_from([CAL_A, CAL_B, None])), max_size=4, unique_by=lambda t: t[0])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(listings, st.randoms(use_true_random=False))
def test_merging_calendars_gives_the_same_rows_and_links_in_any_order(calendars, rnd):
    def build(order):
        return [CalendarListing(name, [({"luma_event_id": i, "name": n}, cal) for i, n, cal in rows_], own_id=own)
                for name, rows_, own in order]
    shuffled = [(name, rnd.sample(rows_, len(rows_)), own) for name, rows_, own in calendars]
    rnd.shuffle(shuffled)
    assert merge_listings(build(calendars)) == merge_listings(build(shuffled))


# -- the simulated Luma's calendars ----------------------------------------------------------------

def test_the_simulated_luma_serves_each_calendar_its_own_events(luma):
    import requests

    def get(key, path, **params):
        return requests.get(luma.url + path, params=params, headers={"x-luma-api-key": key}, timeout=10)
    e1, e2, e3, e4 = (e.id for e in luma.community.events)
    robotics = get(KEY_A, "/v1/calendars/events/list").json()["entries"]
    hub = get(KEY_B, "/v1/calendar/list-events").json()["entries"]
    assert [(e["id"], e["calendar_id"]) for e in robotics] == [(e1, CAL_A), (e2, CAL_A)]
    assert [(e["api_id"], e["event"]["calendar_api_id"]) for e in hub] == [(e2, CAL_A), (e3, CAL_B), (e4, CAL_B)]
    assert get(KEY_B, "/v1/calendars/get").json() == {
        "calendar": {"id": CAL_B, "api_id": CAL_B, "name": "University Hub"}}
    assert get(KEY_B, "/v1/events/guests/list", event_id=e2).status_code == 404  # listed, not managed
    assert [h["email"] for h in get(KEY_B, "/v1/events/get", event_id=e2).json()["hosts"]] == ["robotics@uni.edu"]
    assert [h["email"] for h in get(KEY_B, "/v1/event/get", api_id=e4).json()["hosts"]] == [
        "events@hub.uni.edu", "robotics@uni.edu"]  # co-hosted
    assert get(KEY_A, "/v1/events/get", event_id=e3).status_code == 404  # not on Robotics' calendar
    assert get("secret-nobody", "/v1/calendars/get").status_code == 401


# -- analysis across calendars -----------------------------------------------------------------------

@pytest.fixture
def three_events(db, database_url):
    """E1 on Robotics' calendar, E2 and E3 on the Hub's (10 days apart, all settled):
    P1 came to E1 and E2, P2 to E2 and E3, P3 to E3; E1's organisation is Robotics Club."""
    import psycopg2

    from luma_pipeline.database import apply_schema
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    with db.cursor() as cur:
        cur.execute("INSERT INTO calendars (name) VALUES ('Robotics'), ('University Hub')")
        ids = {}
        for n, (calendar, days) in enumerate([("Robotics", 30), ("University Hub", 20), ("University Hub", 10)], 1):
            cur.execute("""INSERT INTO events (luma_event_id, name, start_at, end_at, timezone, category, organisation)
                           VALUES (%s, %s, %s, %s, 'UTC', 'workshop', %s) RETURNING id""",
                        (f"evt-E{n}", f"E{n}", past(days), past(days) + timedelta(hours=2),
                         "Robotics Club" if n == 1 else None))
            ids[f"E{n}"] = cur.fetchone()[0]
            cur.execute("""INSERT INTO event_calendars (event_id, calendar_id, relation)
                           SELECT %s, id, 'managed' FROM calendars WHERE name = %s""", (ids[f"E{n}"], calendar))
        for person, events in (("P1", ["E1", "E2"]), ("P2", ["E2", "E3"]), ("P3", ["E3"])):
            cur.execute("INSERT INTO people (first_name) VALUES (%s) RETURNING id", (person,))
            person_id = cur.fetchone()[0]
            for event in events:
                cur.execute("""INSERT INTO attendance (event_id, person_id, approval_status, checked_in_at)
                               SELECT id, %s, 'approved', start_at + interval '5 minutes'
                               FROM events WHERE id = %s""", (person_id, ids[event]))
    return ids


def read_csv(path) -> dict[str, dict]:
    import csv
    with open(path, encoding="utf-8-sig") as handle:  # summary_stats.csv starts with a BOM
        return {row.get("event") or row.get("metric"): row for row in csv.DictReader(handle)}


def test_a_first_timer_at_one_calendar_who_came_to_another_before_is_not_new(three_events, tmp_path,
                                                                            monkeypatch):
    # a 15-day window: E1's and E2's have closed (P1 back 10 days after E1, P2 10 days after E2),
    # E3's has not, so the calendars' return rates are Robotics 1 of 1, the Hub 1 of E2's 2
    monkeypatch.setenv("RETURN_WINDOW_DAYS", "15")
    out = tmp_path / "hub"
    assert analyze.main(["--outdir", str(out), "--calendar", "university hub"]) == 0

    new_members = read_csv(out / "new_members_by_event.csv")
    assert {e: new_members[e]["first_time_attendees"] for e in new_members} == {"E2": "1", "E3": "1"}  # not P1
    retention = read_csv(out / "retention_by_event.csv")
    assert {e: (r["attendees"], r["returned_later"], r["return_rate_pct"]) for e, r in retention.items()} == {
        "E2": ("2", "1", "50.0"), "E3": ("2", "0", "")}
    summary = read_csv(out / "summary_stats.csv")
    assert {m: summary[m]["value"] for m in summary if m.startswith(("calendar", "organisation"))} == {
        "calendar Robotics: events": "1", "calendar Robotics: attendees": "1",
        "calendar Robotics: first_timers": "1", "calendar Robotics: return_rate_pct": "100.0",
        "calendar University Hub: events": "2", "calendar University Hub: attendees": "3",
        "calendar University Hub: first_timers": "2", "calendar University Hub: return_rate_pct": "50.0",
        "organisation Robotics Club: events": "1", "organisation Robotics Club: attendees": "1",
        "organisation Robotics Club: first_timers": "1", "organisation Robotics Club: return_rate_pct": "100.0"}
    page = (out / "index.html").read_text()
    assert "Showing the events of calendar &#x27;university hub&#x27; only" in page
    assert "Calendars and organisations" in page


def test_analyze_calendar_from_the_environment_and_by_organisation(three_events, tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYZE_CALENDAR", "Robotics")
    assert analyze.main(["--outdir", str(tmp_path / "a")]) == 0
    assert list(read_csv(tmp_path / "a" / "retention_by_event.csv")) == ["E1"]
    monkeypatch.delenv("ANALYZE_CALENDAR")
    assert analyze.main(["--outdir", str(tmp_path / "b"), "--organisation", "Robotics Club"]) == 0
    assert list(read_csv(tmp_path / "b" / "retention_by_event.csv")) == ["E1"]
    assert analyze.main(["--outdir", str(tmp_path / "c")]) == 0  # everything by default
    assert list(read_csv(tmp_path / "c" / "retention_by_event.csv")) == ["E1", "E2", "E3"]


def test_an_unknown_calendar_is_a_usage_error_listing_the_known_ones(three_events, caplog):
    assert analyze.main(["--calendar", "Chess"]) == 2
    assert "no calendar named 'Chess' (known: Robotics, University Hub)" in caplog.text


# -- upgrade ---------------------------------------------------------------------------------------

def test_a_one_calendar_database_upgrades_in_place(db, start_luma):
    kept, gone = make_event("evt-Kept000000001", past(30)), make_event("evt-Gone000000001", past(20))
    with db.cursor() as cur:  # the events table as the one-calendar version left it
        cur.execute("""CREATE TABLE events (id serial PRIMARY KEY, luma_event_id text UNIQUE, name text,
                       start_at timestamptz, end_at timestamptz, sync_status text NOT NULL DEFAULT 'synced',
                       attendance_imported_at timestamptz)""")
        for event in (kept, gone):
            cur.execute("INSERT INTO events (luma_event_id, name, start_at, end_at, attendance_imported_at) "
                        "VALUES (%s, %s, %s, %s, now())", (event.id, event.name, event.start_at, event.end_at))
    start_luma(Community(events=[kept], people=[]))

    assert luma_sync.main([]) == 0

    assert rows(db, "SELECT id, luma_event_id, sync_status, organisation, organisation_source "
                    "FROM events ORDER BY id") == [
        (1, kept.id, "changed", "default", "calendar"),  # changed: the old row lacked venue, timezone …
        (2, gone.id, "source_deleted", None, None)]
    assert rows(db, "SELECT name, luma_calendar_id FROM calendars") == [("default", "cal-SimulatedLuma01")]
    assert links(db) == {(kept.id, "default", "managed", True), (gone.id, "default", "managed", False)}


def test_approvals_ask_each_event_of_the_calendar_that_manages_it(luma, db, monkeypatch):
    upcoming = [make_event(f"evt-Soon{n:012d}", past(-3 - n), guests=[make_guest(10 + n, status="pending_approval")])
                for n in range(2)]
    upcoming[0].calendar_id, upcoming[1].calendar_id = CAL_A, CAL_B
    luma.community.events += upcoming
    luma.community.calendars[1].listed.append(upcoming[0].id)  # the Hub lists the club's event too
    assert luma_sync.main([]) == 0
    monkeypatch.setenv("APPROVALS", "dry-run")
    monkeypatch.setenv("APPROVE_MIN_EVENTS", "1")
    for records in luma.requests_by_calendar.values():
        records.clear()

    import approve_guests
    assert approve_guests.main([]) == 0

    asked = {name: [(r.query["event_id"], r.status) for r in records if r.path == "/v1/events/guests/list"]
             for name, records in luma.requests_by_calendar.items()}
    assert asked == {"Robotics Club": [(upcoming[0].id, 200)], "University Hub": [(upcoming[1].id, 200)]}
    assert rows(db, "SELECT count(*) FROM approval_decisions") == [(2,)]


def test_one_calendar_alone_adds_no_breakdown_until_organisations_are_mapped(three_events, db, tmp_path,
                                                                            monkeypatch):
    with db.cursor() as cur:  # every event on Robotics' calendar: one calendar, as with LUMA_API_KEY alone
        cur.execute("UPDATE event_calendars SET calendar_id = (SELECT id FROM calendars WHERE name = 'Robotics')")
    assert analyze.main(["--outdir", str(tmp_path / "one")]) == 0
    summary = read_csv(tmp_path / "one" / "summary_stats.csv")
    assert not [m for m in summary if m.startswith(("calendar", "organisation"))]
    assert "Calendars and organisations" not in (tmp_path / "one" / "index.html").read_text()

    monkeypatch.setenv("ORGANISATIONS", "Robotics Club=robotics@uni.edu")
    assert analyze.main(["--outdir", str(tmp_path / "mapped")]) == 0
    summary = read_csv(tmp_path / "mapped" / "summary_stats.csv")
    assert summary["organisation Robotics Club: events"]["value"] == "1"
    assert summary["calendar Robotics: events"]["value"] == "3"
    page = (tmp_path / "mapped" / "index.html").read_text()
    assert "Events with no organisation" in page and "<td>E3</td>" in page
