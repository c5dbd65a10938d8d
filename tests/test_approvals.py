"""approve_guests.py end to end: a hand-made community on the simulated Luma over real HTTP, synced
and imported by the real steps into a real PostgreSQL, then approvals decided and made."""
from __future__ import annotations

import copy
import csv
import io
import logging
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import approve_guests
import import_luma_attendance
import luma_sync
from luma_pipeline.approvals.rules import Rules, email_in_domains
from luma_pipeline.config import ConfigError, load_settings
from luma_pipeline.luma.api import LumaClient, LumaError
from luma_pipeline.simulated_luma.community import Community, SimEvent, SimGuest

UTC = timezone.utc
NOW = datetime.now(UTC).replace(microsecond=0)
CURRENT = "/v1/events/guests/update-status"
LEGACY = "/v1/event/update-guest-status"
PENDING_LIST = "/v1/events/guests/list"

# The people of the community: (name, email, Luma user id).
PEOPLE = {
    "ada": ("Ada Lovelace", "ada@example.com", "usr-Ada0000000000001"),
    "grace": ("Grace Hopper", "grace@example.com", "usr-Grace000000000001"),
    "alan": ("Alan Turing", "alan@cs.mit.edu", "usr-Alan0000000000001"),
    "edsger": ("Edsger Dijkstra", "edsger@example.com", "usr-Edsger00000000001"),
    "katherine": ("Katherine Johnson", "kj@gmail.com", "usr-Kath0000000000001"),
    "dorothy": ("Dorothy Vaughan", "dv@notmit.edu", "usr-Doro0000000000001"),
    "mary": ("Mary Jackson", "mary@harvard.edu", "usr-Mary0000000000001"),
}


def guest(who: str, event: str, status: str = "approved", *, checked_in: datetime | None = None,
          email: str | None = None, user_id: str | None = None) -> SimGuest:
    name, usual_email, usual_user = PEOPLE[who]
    first, last = name.split()
    return SimGuest(id=f"gst-{who}-{event}", user_id=user_id or usual_user, person=0, name=name,
                    first_name=first, last_name=last, email=email or usual_email, phone_number=None,
                    approval_status=status, registered_at=NOW - timedelta(days=60), invited_at=None,
                    checked_in_at=checked_in, utm_source=None, answers=[], ticket=None)


def event(event_id: str, start: datetime, guests: list[SimGuest], tags=("workshop",)) -> SimEvent:
    return SimEvent(id=event_id, name=f"Event {event_id}", start_at=start, end_at=start + timedelta(hours=2),
                    timezone="America/New_York", description="", url=f"https://luma.com/{event_id[-8:]}",
                    geo_address=None, tags=list(tags), registration_questions=[], guests=guests)


def days(n: float) -> datetime:
    return NOW + timedelta(days=n)


@pytest.fixture
def community() -> Community:
    """Ada came to two settled events, Grace and Edsger to one; Alan registered but never came.
    Upcoming workshop evt-Upcoming01 has six pending requests and two guests who are not pending;
    upcoming party evt-Upcoming02 has Ada pending; evt-Started0001 began an hour ago."""
    e1 = event("evt-Settled0001", days(-30), [
        guest("ada", "e1", checked_in=days(-30)), guest("grace", "e1", checked_in=days(-30)),
        guest("alan", "e1"), guest("edsger", "e1", checked_in=days(-30))])
    e2 = event("evt-Settled0002", days(-10), [
        guest("ada", "e2", checked_in=days(-10)), guest("grace", "e2")])
    u1 = event("evt-Upcoming01", days(5), [
        # Ada with another email: found by her Luma user id
        guest("ada", "u1", "pending_approval", email="ADA.L@Example.org "),
        guest("grace", "u1", "pending_approval"),
        guest("alan", "u1", "pending_approval"),        # 0 events, but cs.mit.edu
        guest("katherine", "u1", "pending_approval"),   # nobody known
        guest("dorothy", "u1", "pending_approval"),     # nobody known, notmit.edu
        guest("mary", "u1", "pending_approval"),        # nobody known, harvard.edu
        guest("edsger", "u1", "waitlist"),               # not pending: never touched
        guest("ada", "u1b", "approved", email="ada@example.com", user_id="usr-AdaTwin00000001"),
    ])
    u2 = event("evt-Upcoming02", days(12), [guest("ada", "u2", "pending_approval")], tags=("Party",))
    started = event("evt-Started0001", NOW - timedelta(hours=1), [guest("ada", "s", "pending_approval")])
    return Community(events=[e1, e2, started, u1, u2], people=[])


@pytest.fixture
def luma(start_luma, community, db, monkeypatch):
    """The community synced and imported; approvals on with both rules."""
    server = start_luma(community)
    assert luma_sync.main([]) == 0
    assert import_luma_attendance.main([]) == 0
    monkeypatch.setenv("APPROVE_MIN_EVENTS", "2")
    monkeypatch.setenv("APPROVE_EMAIL_DOMAINS", "mit.edu, harvard.edu")
    server.requests.clear()
    return server


def statuses(community: Community) -> dict[str, str]:
    return {g.id: g.approval_status for e in community.events for g in e.guests}


def decisions(db) -> list[tuple]:
    with db.cursor() as cur:
        cur.execute("""SELECT e.luma_event_id, d.luma_guest_id, p.email, d.match_method, d.rule, d.mode,
                              d.outcome, d.status_code
                       FROM approval_decisions d JOIN events e ON e.id = d.event_id
                       LEFT JOIN people p ON p.id = d.person_id ORDER BY d.luma_guest_id""")
        return cur.fetchall()


ADMITTED = {"gst-ada-u1": "min_events", "gst-alan-u1": "email_domain", "gst-mary-u1": "email_domain"}


def test_off_unless_approvals_is_set(luma, caplog):
    caplog.set_level(logging.INFO)
    assert approve_guests.main([]) == 0
    assert "approvals are off" in caplog.text
    assert luma.requests == [] and luma.writes == []


def test_dry_run_changes_nothing_at_luma_and_records_decisions(luma, community, db, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("APPROVALS", "dry-run")
    before = statuses(community)

    assert approve_guests.main([]) == 0

    assert luma.writes == [] and statuses(community) == before
    assert [r.method for r in luma.requests] == ["GET", "GET"]  # the two upcoming events' pending lists
    assert {r.query["approval_status"] for r in luma.requests} == {"pending_approval"}
    assert decisions(db) == [
        ("evt-Upcoming01", "gst-ada-u1", "ada@example.com", "luma_user_id", "min_events", "dry-run", "would-approve", None),
        ("evt-Upcoming02", "gst-ada-u2", "ada@example.com", "luma_user_id", "min_events", "dry-run", "would-approve", None),
        ("evt-Upcoming01", "gst-alan-u1", "alan@cs.mit.edu", "luma_user_id", "email_domain", "dry-run", "would-approve", None),
        ("evt-Upcoming01", "gst-dorothy-u1", None, "new", None, "dry-run", "not-admitted", None),
        ("evt-Upcoming01", "gst-grace-u1", "grace@example.com", "luma_user_id", None, "dry-run", "not-admitted", None),
        ("evt-Upcoming01", "gst-katherine-u1", None, "new", None, "dry-run", "not-admitted", None),
        ("evt-Upcoming01", "gst-mary-u1", None, "new", "email_domain", "dry-run", "would-approve", None),
    ]
    assert "approve_guests: pending=7 approved=0 dry_run=4 not_admitted=3 failed=0" in caplog.text


def test_dry_run_flag_works_whatever_approvals_says(luma, monkeypatch):
    monkeypatch.setenv("APPROVALS", "on")
    assert approve_guests.main(["--dry-run"]) == 0
    assert luma.writes == []


def test_on_approves_exactly_the_admitted_guests_once(luma, community, db, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("APPROVALS", "on")
    monkeypatch.setenv("APPROVE_EVENT_TAGS", "workshop")
    before = statuses(community)

    assert approve_guests.main([]) == 0

    assert [(w.path, w.body, w.status) for w in luma.writes] == [
        (CURRENT, {"event_id": "evt-Upcoming01", "guest_id": guest_id, "status": "approved",
                   "send_email": True}, 200) for guest_id in ("gst-ada-u1", "gst-alan-u1", "gst-mary-u1")]
    after = statuses(community)
    assert {g for g in after if after[g] != before[g]} == set(ADMITTED)
    assert all(after[g] == "approved" for g in ADMITTED)
    assert "approve_guests: pending=6 approved=3 dry_run=0 not_admitted=3 failed=0" in caplog.text
    assert [row[1:] for row in decisions(db) if row[6] == "approved"] == [
        ("gst-ada-u1", "ada@example.com", "luma_user_id", "min_events", "applied", "approved", 200),
        ("gst-alan-u1", "alan@cs.mit.edu", "luma_user_id", "email_domain", "applied", "approved", 200),
        ("gst-mary-u1", None, "new", "email_domain", "applied", "approved", 200)]

    # Someone at Luma puts Ada back to pending: a guest is approved once, so no call this time.
    community.events[3].guests[0].approval_status = "pending_approval"
    luma.writes.clear()
    caplog.clear()
    assert approve_guests.main([]) == 0
    assert luma.writes == []
    assert "approve_guests: pending=4 approved=0 dry_run=0 not_admitted=3 failed=0" in caplog.text


def test_guests_who_are_not_pending_are_never_touched_even_when_luma_ignores_the_filter(
        luma, community, monkeypatch):
    monkeypatch.setenv("APPROVALS", "on")
    monkeypatch.setenv("APPROVE_MIN_EVENTS", "1")  # Edsger (waitlisted) and Ada's twin (approved) qualify
    luma.faults.ignore_approval_status_filter = True
    assert approve_guests.main([]) == 0
    assert sorted(w.body["guest_id"] for w in luma.writes) == [
        "gst-ada-u1", "gst-ada-u2", "gst-alan-u1", "gst-grace-u1", "gst-mary-u1"]
    assert community.events[3].guests[6].approval_status == "waitlist"


def test_send_email_follows_approve_send_email(luma, monkeypatch):
    monkeypatch.setenv("APPROVALS", "on")
    monkeypatch.setenv("APPROVE_SEND_EMAIL", "false")
    assert approve_guests.main([]) == 0
    assert {w.body["send_email"] for w in luma.writes} == {False}


def test_event_tags_limit_the_events(luma, community, db, monkeypatch):
    with db.cursor() as cur:
        cur.execute("SELECT luma_event_id, luma_tags FROM events ORDER BY start_at")
        assert cur.fetchall()[-2:] == [("evt-Upcoming01", ["workshop"]), ("evt-Upcoming02", ["Party"])]
    monkeypatch.setenv("APPROVALS", "on")
    monkeypatch.setenv("APPROVE_EVENT_TAGS", "party, Hack Night")
    assert approve_guests.main([]) == 0
    assert [r.query.get("event_id") for r in luma.requests if r.method == "GET"] == ["evt-Upcoming02"]
    assert [w.body["guest_id"] for w in luma.writes] == ["gst-ada-u2"]


def test_a_429_then_success(luma, community, monkeypatch, luma_waits):
    monkeypatch.setenv("APPROVALS", "on")
    luma.faults.write_rate_limit_count = 1
    assert approve_guests.main([]) == 0
    assert [(w.body["guest_id"], w.status) for w in luma.writes] == [
        ("gst-ada-u1", 429), ("gst-ada-u1", 200), ("gst-alan-u1", 200), ("gst-mary-u1", 200),
        ("gst-ada-u2", 200)]
    assert luma_waits == [1.0]  # the Retry-After of the 429


def test_the_legacy_fallback(luma, community, monkeypatch):
    monkeypatch.setenv("APPROVALS", "on")
    luma.faults.legacy_only = True
    assert approve_guests.main([]) == 0
    assert [(w.path, w.status) for w in luma.writes] == [(CURRENT, 404)] + [(LEGACY, 200)] * 4
    assert luma.writes[1].body == {"guest": {"type": "api_id", "api_id": "gst-ada-u1"},
                                   "event_api_id": "evt-Upcoming01", "status": "approved"}
    after = statuses(community)
    assert [g for g in ADMITTED | {"gst-ada-u2": ""} if after[g] != "approved"] == []


def test_a_failed_call_fails_the_run_and_is_retried_next_time(luma, community, db, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("APPROVALS", "on")
    monkeypatch.setenv("LUMA_MAX_RETRIES", "1")
    luma.faults.write_rate_limit_count = 2  # the first call's try and its one retry

    assert approve_guests.main([]) == 1

    assert [(w.body["guest_id"], w.status) for w in luma.writes] == [
        ("gst-ada-u1", 429), ("gst-ada-u1", 429), ("gst-alan-u1", 200), ("gst-mary-u1", 200),
        ("gst-ada-u2", 200)]
    assert "approve_guests: pending=7 approved=3 dry_run=0 not_admitted=3 failed=1" in caplog.text
    assert [row[5:] for row in decisions(db) if row[1] == "gst-ada-u1"] == [("applied", "failed", 429)]

    luma.writes.clear()
    assert approve_guests.main([]) == 0
    assert [(w.body["guest_id"], w.status) for w in luma.writes] == [("gst-ada-u1", 200)]
    assert [row[5:] for row in decisions(db) if row[1] == "gst-ada-u1"] == [("applied", "approved", 200)]


def test_a_guest_who_matches_nobody_is_not_admitted_by_the_events_rule(luma, db, monkeypatch):
    monkeypatch.setenv("APPROVALS", "on")
    monkeypatch.setenv("APPROVE_MIN_EVENTS", "1")
    monkeypatch.delenv("APPROVE_EMAIL_DOMAINS")
    assert approve_guests.main([]) == 0
    # Ada (2 events) and Grace (1 event) are admitted; Alan came to none; the three strangers match nobody.
    assert sorted(w.body["guest_id"] for w in luma.writes) == ["gst-ada-u1", "gst-ada-u2", "gst-grace-u1"]
    not_admitted = {row[1]: row[3] for row in decisions(db) if row[6] == "not-admitted"}
    assert not_admitted == {"gst-alan-u1": "luma_user_id", "gst-katherine-u1": "new",
                            "gst-dorothy-u1": "new", "gst-mary-u1": "new"}


def test_approvals_without_a_rule_is_a_configuration_error(luma, monkeypatch, caplog):
    monkeypatch.setenv("APPROVALS", "on")
    monkeypatch.delenv("APPROVE_MIN_EVENTS")
    monkeypatch.delenv("APPROVE_EMAIL_DOMAINS")
    assert approve_guests.main([]) == 2
    assert "no rule is set" in caplog.text and luma.writes == []


def test_report_prints_the_last_runs_decisions(luma, monkeypatch, capsys):
    monkeypatch.setenv("APPROVALS", "dry-run")
    monkeypatch.setenv("APPROVE_EVENT_TAGS", "party")
    assert approve_guests.main([]) == 0
    capsys.readouterr()

    assert approve_guests.main(["--report", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["event"], r["luma_guest_id"], r["guest_name"], r["rule"], r["mode"], r["outcome"],
             r["status_code"]) for r in rows] == [
        ("Event evt-Upcoming02", "gst-ada-u2", "Ada Lovelace", "min_events", "dry-run", "would-approve", "")]

    assert approve_guests.main(["--report"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["event", "guest_name", "guest_email", "person_id", "match_method", "rule",
                                "mode", "outcome", "status_code", "decided_at"]
    assert len(lines) == 3
    words = lines[2].split()
    assert words[:5] == ["Event", "evt-Upcoming02", "Ada", "Lovelace", "ada@example.com"]
    assert words[6:10] == ["luma_user_id", "min_events", "dry-run", "would-approve"]


def test_csv_without_report_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        approve_guests.main(["--csv"])
    assert stopped.value.code == 2


# -- the simulated Luma's update-status calls and the client ---------------------------------

def test_unknown_guest_is_a_400_and_a_failed_call(start_luma, community):
    server = start_luma(copy.deepcopy(community))
    client = LumaClient.from_settings(load_settings())
    with pytest.raises(LumaError, match="400"):
        client.approve_guest("evt-Upcoming01", "gst-nobody")
    assert client.last_status == 400
    assert client.approve_guest("evt-Upcoming01", "gst-grace-u1") == 200
    assert server.community.events[3].guests[1].approval_status == "approved"
    client.close()


# -- the rules (pure) -------------------------------------------------------------------------

@pytest.mark.parametrize("email, domains, admitted", [
    ("alan@mit.edu", ("mit.edu",), True),
    ("alan@cs.mit.edu", ("mit.edu",), True),
    (" ALAN@CSAIL.MIT.EDU ", ("mit.edu",), True),
    ("alan@notmit.edu", ("mit.edu",), False),
    ("alan@mit.edu.evil.com", ("mit.edu",), False),
    ("alan@harvard.edu", ("mit.edu", "harvard.edu"), True),
    ("not an email", ("mit.edu",), False),
    (None, ("mit.edu",), False),
], ids=lambda v: str(v))
def test_email_domains(email, domains, admitted):
    assert email_in_domains(email, domains) is admitted


@pytest.mark.parametrize("attended, email, rule", [
    (2, "a@gmail.com", "min_events"),
    (3, "a@mit.edu", "min_events"),   # the events rule is named first when both admit
    (1, "a@mit.edu", "email_domain"),
    (1, "a@gmail.com", None),
    (0, None, None),
])
def test_admits(attended, email, rule):
    assert Rules(min_events=2, email_domains=("mit.edu",)).admits(attended, email) == rule


def test_event_tags_are_case_insensitive_and_optional():
    assert Rules(event_tags=("party",)).covers_event(["Party", "social"])
    assert not Rules(event_tags=("party",)).covers_event(["workshop"])
    assert not Rules(event_tags=("party",)).covers_event(None)
    assert Rules().covers_event([])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(local=st.from_regex(r"[a-z0-9._]{1,12}", fullmatch=True),
       labels=st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), min_size=2, max_size=4),
       sub=st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), max_size=2),
       prefix=st.from_regex(r"[a-z0-9]{1,5}", fullmatch=True))
def test_a_domain_admits_itself_and_its_subdomains_and_nothing_that_only_ends_like_it(local, labels, sub,
                                                                                      prefix):
    domain = ".".join(labels)
    assert email_in_domains(f"{local}@{'.'.join(sub + [domain])}", (domain,))
    assert email_in_domains(f"{local.upper()}@{domain.upper()}", (domain,))
    assert not email_in_domains(f"{local}@{prefix}{domain}", (domain,))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(domains=st.lists(st.from_regex(r"[a-z0-9]{1,8}\.[a-z]{2,4}", fullmatch=True), min_size=1, max_size=4),
       separators=st.lists(st.sampled_from([",", ", ", " ", " ,  ", ";", "\t"]), min_size=4, max_size=4))
def test_domain_lists_read_the_same_whatever_the_separators(domains, separators):
    text = "".join(d + s for d, s in zip(domains, separators))
    assert load_settings({"APPROVE_EMAIL_DOMAINS": text}).approve_email_domains == tuple(domains)


@pytest.mark.parametrize("name, value", [
    ("APPROVALS", "yes"), ("APPROVE_MIN_EVENTS", "0"), ("APPROVE_MIN_EVENTS", "two"),
    ("APPROVE_EMAIL_DOMAINS", "mit"), ("APPROVE_EMAIL_DOMAINS", "bob@mit.edu"), ("APPROVE_SEND_EMAIL", "maybe"),
])
def test_bad_approval_settings_are_named(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
