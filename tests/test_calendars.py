"""Issue 16, several calendars: two simulated calendars over real HTTP (shared events, hosts, a key
each), a real PostgreSQL, and the organisation and merge rules as tables and properties."""
from __future__ import annotations

import threading
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
