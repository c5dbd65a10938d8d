"""The simulated Luma: a deterministic community, served over real HTTP in Luma's two API shapes."""
from __future__ import annotations

import collections
import dataclasses
import re
import select
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from luma_pipeline.simulated_luma import (
    Faults,
    SimulatedLuma,
    generate_community,
    local_to_utc,
)
from luma_pipeline.simulated_luma.__main__ import main

UTC = timezone.utc
ANCHOR = datetime(2026, 11, 21, tzinfo=UTC)
KEY = "sim-secret-key"
HEADERS = {"x-luma-api-key": KEY}
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
REPO = Path(__file__).resolve().parents[1]

CURRENT_EVENT_KEYS = {"id", "platform", "calendar_id", "user_id", "name", "description", "description_md",
                      "start_at", "end_at", "duration_interval", "created_at", "timezone", "url", "cover_url",
                      "geo_address_json", "coordinate", "meeting_url", "visibility", "registration_questions",
                      "tags"}
LEGACY_EVENT_KEYS = {"api_id", "calendar_api_id", "user_api_id", "created_at", "name", "description",
                     "description_md", "start_at", "end_at", "duration_interval", "timezone", "url", "cover_url",
                     "geo_address_json", "geo_latitude", "geo_longitude", "meeting_url", "zoom_meeting_url",
                     "visibility"}
CURRENT_GUEST_KEYS = {"id", "user_id", "user_email", "user_name", "user_first_name", "user_last_name",
                      "approval_status", "check_in_qr_code", "invited_at", "joined_at", "registered_at",
                      "registration_answers", "utm_source", "phone_number", "eth_address", "solana_address",
                      "event_tickets"}
LEGACY_GUEST_KEYS = {"api_id", "user_api_id", "user_email", "user_name", "user_first_name", "user_last_name",
                     "name", "email", "approval_status", "checked_in_at", "check_in_qr_code", "custom_source",
                     "created_at", "invited_at", "joined_at", "registered_at", "registration_answers",
                     "phone_number", "eth_address", "solana_address", "event_tickets", "event_ticket"}


@pytest.fixture(scope="module")
def community():
    return generate_community(7, anchor=ANCHOR)


@pytest.fixture(scope="module")
def medium():
    """Enough events and guests for the rates to be measurable."""
    return generate_community(11, n_events=200, mean_guests_per_event=40, anchor=ANCHOR)


@pytest.fixture(scope="module")
def server(community):
    with SimulatedLuma(community, api_key=KEY) as luma:
        yield luma


@pytest.fixture
def luma(server):
    """The shared server with no faults and an empty request log."""
    server.faults = Faults()
    server.requests.clear()
    return server


def get(luma, path, **params):
    return requests.get(luma.url + path, params=params, headers=HEADERS, timeout=10)


def all_guests(c):
    return [g for ev in c.events for g in ev.guests]


def one_letter_apart(typed, real):
    return len(typed) == len(real) and sum(x != y for x, y in zip(typed, real)) == 1


# --- generation ---------------------------------------------------------------------------


def test_same_seed_gives_the_same_community_and_another_seed_does_not():
    first = generate_community(3, n_events=12, n_people=80, anchor=ANCHOR)
    assert first == generate_community(3, n_events=12, n_people=80, anchor=ANCHOR)
    other = generate_community(4, n_events=12, n_people=80, anchor=ANCHOR)
    assert [ev.id for ev in other.events] != [ev.id for ev in first.events]
    assert other.people != first.people


def test_generation_does_not_touch_the_global_random():
    import random
    random.seed(123)
    expected = random.random()
    random.seed(123)
    generate_community(5, n_events=5, n_people=30, anchor=ANCHOR)
    assert random.random() == expected


def test_sizes_and_id_formats(community):
    assert len(community.events) == 40
    assert len(community.people) == 300
    guests = all_guests(community)
    assert 40 * 35 * 0.75 <= len(guests) <= 40 * 35 * 1.25
    assert all(re.fullmatch(r"evt-[A-Za-z0-9]{15}", ev.id) for ev in community.events)
    assert all(re.fullmatch(r"https://luma\.com/[a-z0-9]{8}", ev.url) for ev in community.events)
    assert all(re.fullmatch(r"gst-[A-Za-z0-9]{15}", g.id) for g in guests)
    assert all(re.fullmatch(r"usr-[A-Za-z0-9]{15}", g.user_id) for g in guests)
    assert len({g.id for g in guests}) == len(guests)


def test_small_and_empty_sizes_work():
    assert generate_community(1, n_events=0, n_people=0, anchor=ANCHOR).events == []
    for n in (1, 2, 3, 4):
        assert len(generate_community(1, n_events=n, n_people=10, anchor=ANCHOR).events) == n


def test_timeline_spans_14_months_with_two_upcoming_and_one_in_the_last_day(community):
    starts = [ev.start_at for ev in community.events]
    assert starts == sorted(starts)
    assert ANCHOR - timedelta(days=440) < starts[0] < ANCHOR - timedelta(days=400)
    assert all(s > ANCHOR for s in starts[-2:])
    assert ANCHOR - timedelta(hours=24) < starts[-3] <= ANCHOR
    assert all(s < ANCHOR - timedelta(hours=48) for s in starts[:-3])


def test_default_anchor_is_today_midnight_utc():
    c = generate_community(1, n_events=3, n_people=10)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert today - timedelta(hours=24) < c.events[0].start_at <= today


def test_local_wall_clock_becomes_utc_with_dst():
    ny = "America/New_York"
    assert local_to_utc(date(2025, 7, 15), clock(19, 0), ny) == datetime(2025, 7, 15, 23, 0, tzinfo=UTC)
    assert local_to_utc(date(2026, 1, 15), clock(19, 0), ny) == datetime(2026, 1, 16, 0, 0, tzinfo=UTC)


def test_generated_events_at_7pm_new_york_are_23h_utc_in_july_and_midnight_in_january(medium):
    ny = ZoneInfo("America/New_York")
    at_seven = [ev for ev in medium.events if ev.start_at.astimezone(ny).time() == clock(19, 0)]
    july = [ev for ev in at_seven if ev.start_at.astimezone(ny).month == 7]
    january = [ev for ev in at_seven if ev.start_at.astimezone(ny).month == 1]
    assert july and january
    assert all((ev.start_at.hour, ev.start_at.minute) == (23, 0) for ev in july)
    assert all((ev.start_at.hour, ev.start_at.minute) == (0, 0) for ev in january)
    assert all(ev.start_at.tzinfo == UTC for ev in medium.events)


def test_most_events_start_in_the_evening_and_last_two_to_three_hours(medium):
    local_times = [ev.start_at.astimezone(ZoneInfo(ev.timezone)).time() for ev in medium.events]
    evening = [t for t in local_times if clock(18, 0) <= t <= clock(19, 30)]
    assert len(evening) >= 0.8 * len(local_times)
    lengths = {ev.end_at - ev.start_at for ev in medium.events if ev.end_at}
    assert lengths <= {timedelta(hours=2), timedelta(hours=2, minutes=30), timedelta(hours=3)}
    assert 0 < sum(ev.end_at is None for ev in medium.events) < 0.15 * len(medium.events)


def test_names_tags_and_places(medium, community):
    tag_sets = [ev.tags for ev in medium.events]
    assert {t for tags in tag_sets for t in tags} == {"workshop", "social", "party", "talk", "hackathon"}
    assert 0.1 <= sum("party" in tags for tags in tag_sets) / len(tag_sets) <= 0.25
    assert 0 < sum(not tags for tags in tag_sets) <= 0.1 * len(tag_sets)
    names = [ev.name for ev in community.events]
    assert any(len(n) >= 60 for n in names)
    assert any(not n.isascii() for n in names)
    assert any(ev.geo_address is None for ev in medium.events)
    assert all(set(ev.geo_address) == {"address", "city", "region", "country", "city_state", "full_address",
                                       "description"} for ev in medium.events if ev.geo_address)


def test_registration_questions_have_awkward_labels_and_varied_answers(medium):
    labels = {q["label"] for ev in medium.events for q in ev.registration_questions}
    assert 'How did you hear about us? (friends, "flyers", etc.)' in labels
    assert "¿Dietary needs?" in labels
    assert {"What is your gender?", "Pronouns", "Which school do you attend?", "University", "Class year",
            "Graduation year", "What year are you? (e.g. Junior, Senior)"} <= labels
    assert sum(not ev.registration_questions for ev in medium.events) < 0.3 * len(medium.events)
    year_answers = {a["answer"] for g in all_guests(medium) for a in g.answers
                    if a["label"] in ("Class year", "Graduation year", "What year are you? (e.g. Junior, Senior)")}
    assert {"2027", "'27", "Class of 2027", "Junior"} <= year_answers
    answer = next(a for g in all_guests(medium) for a in g.answers)
    assert set(answer) == {"label", "question_id", "question_type", "answer"}


def test_status_mix(medium):
    counts = collections.Counter(g.approval_status for g in all_guests(medium))
    total = sum(counts.values())
    expected = {"approved": 0.70, "waitlist": 0.07, "declined": 0.07, "pending_approval": 0.05,
                "invited": 0.08, "session": 0.03}
    for status, share in expected.items():
        assert abs(counts[status] / total - share) < 0.03, status


def test_check_ins_only_at_past_events_and_within_the_first_hour(medium):
    for ev in medium.events:
        checked = [g for g in ev.guests if g.checked_in_at]
        if ev.start_at > ANCHOR:
            assert not checked
        assert all(ev.start_at <= g.checked_in_at <= min(ev.start_at + timedelta(hours=1), ANCHOR)
                   for g in checked)


def test_check_in_rate_of_approved_guests_at_settled_events(medium):
    settled = [ev for ev in medium.events if ev.start_at < ANCHOR - timedelta(hours=24)]
    rates = []
    for ev in settled:
        approved = [g for g in ev.guests if g.approval_status == "approved"]
        if len(approved) >= 20 and any(g.checked_in_at for g in approved):
            rates.append(sum(bool(g.checked_in_at) for g in approved) / len(approved))
    assert 0.55 <= sum(rates) / len(rates) <= 0.75


def test_one_settled_event_has_rsvps_but_no_check_ins(community):
    settled = [ev for ev in community.events if ev.start_at < ANCHOR - timedelta(hours=24)]
    no_attendance = [ev for ev in settled if not any(g.checked_in_at for g in ev.guests)]
    assert len(no_attendance) == 1
    assert sum(g.approval_status == "approved" for g in no_attendance[0].guests) >= 5


def test_registration_and_invitation_times(medium):
    for ev in medium.events:
        for g in ev.guests:
            if g.approval_status == "invited":
                assert g.invited_at and g.registered_at is None and g.ticket is None and g.answers == []
            if g.registered_at:
                assert g.registered_at < ev.start_at and g.registered_at <= ANCHOR
            assert (g.registered_at or g.invited_at) is not None
    declined = [g for g in all_guests(medium) if g.approval_status == "declined"]
    assert any(g.ticket is None and g.invited_at for g in declined)  # declined invitations
    assert any(g.ticket is not None for g in declined)


def test_people_ground_truth(community):
    people = community.people
    assert set(people[0]) == {"first_name", "last_name", "emails", "phone", "gender", "school", "class_year"}
    assert {p["gender"] for p in people} == {"woman", "man", "non-binary", "unanswered"}
    assert any(p["first_name"] == "José" and p["last_name"] == "Álvarez" for p in people)
    full_names = collections.Counter((p["first_name"], p["last_name"]) for p in people)
    assert any(n > 1 for n in full_names.values())
    assert any(len(p["emails"]) == 2 for p in people)
    emails = [e for p in people for e in p["emails"]]
    assert len(emails) == len(set(emails))
    phones = [p["phone"] for p in people if p["phone"]]
    assert 0.75 * len(people) <= len(phones) < len(people)
    assert all(re.fullmatch(r"\+1[2-9]\d{9}", phone) for phone in phones)


def test_phones_are_valid_us_numbers(community):
    phonenumbers = pytest.importorskip("phonenumbers")
    for p in community.people:
        if p["phone"]:
            assert phonenumbers.is_valid_number(phonenumbers.parse(p["phone"]))


def test_guest_records_carry_realistic_noise(medium):
    guests = all_guests(medium)
    people = medium.people
    assert any(g.email != g.email.strip() for g in guests)
    assert any(g.email.strip() != g.email.strip().lower() for g in guests)
    assert any(g.email.strip().lower() == people[g.person]["emails"][1] for g in guests
               if len(people[g.person]["emails"]) == 2)
    assert any(g.first_name == "Bob" and people[g.person]["first_name"] == "Robert" for g in guests)
    assert any(g.last_name == "" and g.name == g.first_name for g in guests)
    assert any(one_letter_apart(g.last_name, people[g.person]["last_name"]) for g in guests)
    formats = {re.sub(r"\d", "9", g.phone_number) for g in guests if g.phone_number}
    assert {"+99999999999", "(999) 999-9999", "999.999.9999", "+9 999 999 9999"} <= formats
    assert any(g.phone_number is None and people[g.person]["phone"] for g in guests)
    accounts = collections.defaultdict(set)
    for g in guests:
        accounts[g.person].add(g.user_id)
    assert any(len(ids) == 2 for ids in accounts.values())


def test_some_people_register_twice_for_one_event_and_one_record_checks_in(medium):
    doubles = []
    for ev in medium.events:
        per_person = collections.defaultdict(list)
        for g in ev.guests:
            per_person[g.person].append(g)
        doubles += [(ev, gs) for gs in per_person.values() if len(gs) == 2]
    assert doubles
    settled = [gs for ev, gs in doubles if ev.start_at < ANCHOR - timedelta(hours=24) and
               any(g.checked_in_at for g in ev.guests)]
    assert all(sum(bool(g.checked_in_at) for g in gs) == 1 for gs in settled)


def test_people_return_at_realistic_rates(community):
    visits = collections.Counter(g.person for g in all_guests(community))
    once = sum(1 for n in visits.values() if n == 1)
    regulars = sum(1 for n in visits.values() if n >= 10)
    assert once >= 0.2 * len(visits)
    assert regulars >= 10


def test_remove_event_drops_it():
    c = generate_community(7, n_events=5, n_people=30, anchor=ANCHOR)
    gone = c.events[1].id
    c.remove_event(gone)
    assert c.event(gone) is None and len(c.events) == 4
    assert c.event(c.events[0].id) is c.events[0]


# --- HTTP: shapes -------------------------------------------------------------------------


def test_current_events_list_is_flat(luma, community):
    body = get(luma, "/v1/calendars/events/list", pagination_limit=100).json()
    assert body["has_more"] is False and "next_cursor" not in body
    assert [e["id"] for e in body["entries"]] == [ev.id for ev in community.events]
    first, ev = body["entries"][0], community.events[0]
    assert set(first) == CURRENT_EVENT_KEYS
    assert first["platform"] == "luma" and first["name"] == ev.name and first["timezone"] == ev.timezone
    assert first["tags"] == [{"id": t["id"], "name": name} for t, name in zip(first["tags"], ev.tags)]
    assert first["registration_questions"] == ev.registration_questions
    assert all(ISO_MS.match(e["start_at"]) for e in body["entries"])


def test_legacy_events_list_is_wrapped(luma, community):
    body = get(luma, "/v1/calendar/list-events", pagination_limit=100).json()
    entry, ev = body["entries"][0], community.events[0]
    assert set(entry) == {"api_id", "event", "tags"}
    assert entry["api_id"] == entry["event"]["api_id"] == ev.id
    assert set(entry["event"]) == LEGACY_EVENT_KEYS
    assert [t["name"] for t in entry["tags"]] == ev.tags and all("api_id" in t for t in entry["tags"])


def test_event_times_are_iso_utc_with_milliseconds(luma, community):
    ev = next(ev for ev in community.events if ev.end_at)
    body = get(luma, "/v1/events/get", event_id=ev.id).json()
    assert body["start_at"] == ev.start_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert ISO_MS.match(body["end_at"]) and body["duration_interval"].startswith("P0Y0M0DT")
    open_ended = next((ev for ev in community.events if ev.end_at is None), None)
    if open_ended:
        body = get(luma, "/v1/events/get", event_id=open_ended.id).json()
        assert body["end_at"] is None and body["duration_interval"] is None


def test_events_sorted_descending_and_filtered_by_start(luma, community):
    body = get(luma, "/v1/calendars/events/list", pagination_limit=100, sort_direction="desc").json()
    assert [e["id"] for e in body["entries"]] == [ev.id for ev in reversed(community.events)]
    after = community.events[10].start_at
    before = community.events[20].start_at
    body = get(luma, "/v1/calendars/events/list", after=after.isoformat().replace("+00:00", "Z"),
               before=before.isoformat()).json()
    assert [e["id"] for e in body["entries"]] == [ev.id for ev in community.events if after < ev.start_at < before]


def test_current_guests_have_check_in_only_on_tickets(luma, community):
    ev = next(ev for ev in community.events if any(g.checked_in_at for g in ev.guests))
    entries = get(luma, "/v1/events/guests/list", event_id=ev.id, pagination_limit=100).json()["entries"]
    by_id = {g.id: g for g in ev.guests}
    assert {e["id"] for e in entries} == set(by_id)
    for entry in entries:
        guest = by_id[entry["id"]]
        assert set(entry) == CURRENT_GUEST_KEYS  # no top-level checked_in_at
        assert entry["user_email"] == guest.email and entry["approval_status"] == guest.approval_status
        checked = [t["checked_in_at"] for t in entry["event_tickets"] if t["checked_in_at"]]
        assert checked == ([guest.checked_in_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"]
                           if guest.checked_in_at else [])
        assert entry["check_in_qr_code"].startswith(f"https://luma.com/check-in/{ev.id}?pk=g-")
        assert all(a["value"] == a["answer"] for a in entry["registration_answers"])
        for ticket in entry["event_tickets"]:
            assert set(ticket) == {"id", "amount", "amount_discount", "amount_tax", "currency", "checked_in_at",
                                   "event_ticket_type_id", "is_captured", "name"}


def test_legacy_guests_are_wrapped_with_top_level_check_in(luma, community):
    ev = next(ev for ev in community.events if any(g.checked_in_at for g in ev.guests))
    for param in ("event_api_id", "event_id"):
        entries = get(luma, "/v1/event/get-guests", **{param: ev.id}, pagination_limit=100).json()["entries"]
        assert len(entries) == len(ev.guests)
    by_id = {g.id: g for g in ev.guests}
    for entry in entries:
        assert set(entry) == {"api_id", "guest"} and set(entry["guest"]) == LEGACY_GUEST_KEYS
        guest, sim = entry["guest"], by_id[entry["api_id"]]
        assert (guest["checked_in_at"] is not None) == (sim.checked_in_at is not None)
        assert guest["email"] == guest["user_email"] == sim.email
        assert guest["custom_source"] == sim.utm_source
        assert all("value" not in a and "answer" in a for a in guest["registration_answers"])
        assert guest["event_ticket"] == (guest["event_tickets"][0] if guest["event_tickets"] else None)
        if guest["event_ticket"]:
            assert "event_ticket_type_api_id" in guest["event_ticket"] and "api_id" in guest["event_ticket"]


def test_a_checked_in_guest_without_a_ticket_gets_a_free_ticket():
    c = generate_community(2, n_events=4, n_people=30, anchor=ANCHOR)
    ev = c.events[0]
    ev.guests[0] = dataclasses.replace(ev.guests[0], approval_status="declined", ticket=None,
                                       checked_in_at=ev.start_at + timedelta(minutes=5))
    with SimulatedLuma(c) as luma:
        body = get(luma, "/v1/events/guests/list", event_id=ev.id, pagination_limit=100).json()
    entry = next(e for e in body["entries"] if e["id"] == ev.guests[0].id)
    assert [(t["amount"], t["checked_in_at"]) for t in entry["event_tickets"]] == \
        [(0, (ev.start_at + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z"))]


def test_get_event_and_get_self_in_both_shapes(luma, community):
    ev = community.events[3]
    current = get(luma, "/v1/events/get", event_id=ev.id).json()
    assert current["id"] == ev.id and current["hosts"][0]["id"].startswith("usr-")
    assert set(current) == (CURRENT_EVENT_KEYS - {"tags"}) | {"hosts"}
    for param in ("api_id", "id"):
        legacy = get(luma, "/v1/event/get", **{param: ev.id}).json()
        assert set(legacy) == {"event", "hosts"} and legacy["event"]["api_id"] == ev.id
        assert "api_id" in legacy["hosts"][0]
    me = get(luma, "/v1/users/get-self").json()
    assert set(me) == {"id", "name", "avatar_url", "email", "first_name", "last_name"}
    assert get(luma, "/v1/user/get-self").json()["user"]["api_id"] == me["id"]


def test_unknown_paths_events_and_bad_parameters(luma, community):
    answer = get(luma, "/v1/nothing/here")
    assert answer.status_code == 404 and "message" in answer.json()
    answer = get(luma, "/v1/events/guests/list", event_id="evt-doesnotexist000")
    assert answer.status_code == 404 and "evt-doesnotexist000" in answer.json()["message"]
    assert get(luma, "/v1/event/get", api_id="evt-doesnotexist000").status_code == 404
    assert get(luma, "/v1/events/guests/list").status_code == 400
    assert get(luma, "/v1/calendars/events/list", pagination_cursor="not-a-cursor").status_code == 400
    assert get(luma, "/v1/calendars/events/list", after="yesterday").status_code == 400


def test_cancelled_event_disappears():
    c = generate_community(2, n_events=6, n_people=30, anchor=ANCHOR)
    gone = c.events[2].id
    with SimulatedLuma(c) as luma:
        c.remove_event(gone)
        ids = [e["id"] for e in get(luma, "/v1/calendars/events/list").json()["entries"]]
        assert gone not in ids and len(ids) == 5
        assert get(luma, "/v1/events/guests/list", event_id=gone).status_code == 404


# --- HTTP: pagination ---------------------------------------------------------------------


@pytest.mark.parametrize("path, id_param, id_key", [
    ("/v1/events/guests/list", "event_id", "id"),
    ("/v1/event/get-guests", "event_api_id", "api_id"),
], ids=["current", "legacy"])
def test_paging_returns_every_guest_exactly_once(luma, community, path, id_param, id_key):
    ev = max(community.events, key=lambda e: len(e.guests))
    seen, cursor, pages = [], None, 0
    while True:
        params = {id_param: ev.id, "pagination_limit": 10, **({"pagination_cursor": cursor} if cursor else {})}
        body = get(luma, path, **params).json()
        pages += 1
        seen += [e[id_key] for e in body["entries"]]
        if not body["has_more"]:
            assert "next_cursor" not in body
            break
        cursor = body["next_cursor"]
    assert pages >= 3
    assert sorted(seen) == sorted(g.id for g in ev.guests) and len(seen) == len(set(seen))
    expected = [g.id for g in sorted(ev.guests, key=lambda g: (g.registered_at or g.invited_at, g.id))]
    assert seen == expected


def test_page_size_defaults_to_50_and_is_clamped_to_100():
    c = generate_community(5, n_events=3, n_people=400, mean_guests_per_event=250, anchor=ANCHOR)
    ev = max(c.events, key=lambda e: len(e.guests))
    assert len(ev.guests) > 100
    with SimulatedLuma(c) as luma:
        assert len(get(luma, "/v1/events/guests/list", event_id=ev.id).json()["entries"]) == 50
        body = get(luma, "/v1/events/guests/list", event_id=ev.id, pagination_limit=1000).json()
        assert len(body["entries"]) == 100 and body["has_more"] is True and body["next_cursor"]


# --- HTTP: auth, faults, logging ----------------------------------------------------------


def test_wrong_key_is_401_and_the_body_echoes_it(luma):
    answer = requests.get(luma.url + "/v1/users/get-self", headers={"x-luma-api-key": "secret-WRONGKEY42"},
                          timeout=10)
    assert answer.status_code == 401 and "secret-WRONGKEY42" in answer.json()["message"]
    assert requests.get(luma.url + "/v1/users/get-self", timeout=10).status_code == 401


@pytest.mark.parametrize("retry_after, header", [(1, "1"), (7, "7"), (None, None)],
                         ids=["retry-after-1", "retry-after-7", "no-retry-after"])
def test_rate_limit_fault(luma, retry_after, header):
    luma.faults.rate_limit_count, luma.faults.retry_after = 2, retry_after
    answers = [get(luma, "/v1/users/get-self") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers.get("Retry-After") == header
    assert luma.faults.rate_limit_count == 0


def test_server_errors_cycle_500_502_503(luma):
    luma.faults.server_error_count = 4
    statuses = [get(luma, "/v1/users/get-self").status_code for _ in range(5)]
    assert statuses == [500, 502, 503, 500, 200]


def test_malformed_body_is_200_but_not_json(luma):
    luma.faults.malformed_count = 1
    answer = get(luma, "/v1/calendars/events/list")
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert get(luma, "/v1/calendars/events/list").json()["entries"]


def test_has_more_without_cursor(luma, community):
    luma.faults.has_more_without_cursor = True
    for path, params in [("/v1/calendars/events/list", {}),
                         ("/v1/event/get-guests", {"event_api_id": community.events[0].id})]:
        body = get(luma, path, pagination_limit=100, **params).json()
        assert body["has_more"] is True and "next_cursor" not in body


def test_legacy_only_hides_the_current_paths(luma, community):
    luma.faults.legacy_only = True
    ev = community.events[0].id
    assert get(luma, "/v1/calendars/events/list").status_code == 404
    assert get(luma, "/v1/events/guests/list", event_id=ev).status_code == 404
    assert get(luma, "/v1/users/get-self").status_code == 404
    assert get(luma, "/v1/calendar/list-events").status_code == 200
    assert get(luma, "/v1/event/get-guests", event_api_id=ev).status_code == 200
    assert get(luma, "/v1/user/get-self").status_code == 200


def test_slow_fault_delays_only_the_next_n(luma):
    luma.faults.slow_count, luma.faults.slow_seconds = 1, 0.4
    started = time.perf_counter()
    assert get(luma, "/v1/users/get-self").status_code == 200
    assert time.perf_counter() - started >= 0.4
    assert luma.faults.slow_count == 0  # used up: the next answer is not delayed
    luma.faults.slow_count, luma.faults.slow_seconds = 1, 3
    with pytest.raises(requests.Timeout):
        requests.get(luma.url + "/v1/users/get-self", headers=HEADERS, timeout=0.5)


def test_faults_apply_in_order_slow_rate_limit_server_error_malformed(luma):
    luma.faults = Faults(slow_count=1, slow_seconds=0.2, rate_limit_count=1, server_error_count=1,
                         malformed_count=1)
    started = time.perf_counter()
    first = get(luma, "/v1/users/get-self")
    assert first.status_code == 429 and time.perf_counter() - started >= 0.2
    assert get(luma, "/v1/users/get-self").status_code == 500
    third = get(luma, "/v1/users/get-self")
    assert third.status_code == 200 and not third.text.rstrip().endswith("}")
    assert get(luma, "/v1/users/get-self").json()["id"]


def test_requests_per_minute_limit(luma):
    luma.faults.requests_per_minute = 3
    answers = [get(luma, "/v1/users/get-self") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60


def test_every_request_is_recorded(luma):
    get(luma, "/v1/calendars/events/list", pagination_limit=5)
    requests.get(luma.url + "/v1/users/get-self", headers={"x-luma-api-key": "nope"}, timeout=10)
    assert [(r.method, r.path, r.query, r.status) for r in luma.requests] == [
        ("GET", "/v1/calendars/events/list", {"pagination_limit": "5"}, 200),
        ("GET", "/v1/users/get-self", {}, 401),
    ]
    method, path, query, status = luma.requests[0]
    assert status == 200


def test_quiet_unless_verbose(luma, capfd):
    get(luma, "/v1/users/get-self")
    get(luma, "/v1/nothing")
    assert capfd.readouterr().err == ""


def test_stop_frees_the_port():
    luma = SimulatedLuma(generate_community(1, n_events=3, n_people=10, anchor=ANCHOR)).start()
    url = luma.url
    with requests.Session() as session:  # a kept-alive connection must not keep the server up
        assert session.get(url + "/v1/users/get-self", headers=HEADERS, timeout=5).status_code == 200
        luma.stop()
        with pytest.raises(requests.ConnectionError):
            session.get(url + "/v1/users/get-self", headers=HEADERS, timeout=5)


# --- the command --------------------------------------------------------------------------


def test_cli_help_and_bad_arguments(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--port", "--seed", "--events", "--people", "--api-key", "--legacy-only", "--rate-limit",
                 "--no-retry-after", "--server-errors", "--slow", "--slow-seconds", "--malformed",
                 "--has-more-without-cursor", "--requests-per-minute", "--verbose"):
        assert flag in out
    with pytest.raises(SystemExit) as exit_info:
        main(["--events", "-1"])
    assert exit_info.value.code == 2


def test_cli_serves_until_sigterm_and_exits_0():
    process = subprocess.Popen(
        [sys.executable, "-m", "luma_pipeline.simulated_luma", "--port", "0", "--events", "5",
         "--people", "40", "--api-key", "k-123", "--legacy-only"],
        cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stderr], [], [], 30)
        assert ready, "the command printed nothing within 30 s"
        line = process.stderr.readline()
        url = re.search(r"LUMA_API_BASE_URL=(http://127\.0\.0\.1:\d+)", line).group(1)
        assert "LUMA_API_KEY=k-123" in line
        key = {"x-luma-api-key": "k-123"}
        assert requests.get(url + "/v1/calendar/list-events", headers=key, timeout=5).status_code == 200
        assert requests.get(url + "/v1/calendars/events/list", headers=key, timeout=5).status_code == 404
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
