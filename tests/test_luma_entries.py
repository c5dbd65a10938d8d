"""Pure transforms of Luma entries (both generations) into rows, and the small cleaners under them."""
from datetime import datetime, timedelta, timezone

import pytest

from luma_pipeline.luma.entries import (
    category_from_tags,
    event_to_row,
    guest_from_entry,
)
from luma_pipeline.settled import is_settled
from luma_pipeline.text import format_instant, parse_duration, parse_instant

UTC = timezone.utc

# The legacy list-events entry quoted in LUMA_API.md §4 (trimmed there too).
LEGACY_EVENT = {
    "api_id": "evt-7AfHSGOBmoz4iLO",
    "event": {
        "api_id": "evt-7AfHSGOBmoz4iLO", "calendar_api_id": "cal-NQYQhHfQN7sg4BF",
        "name": "🦄 ai that works: Memory from scratch", "description": "…", "description_md": "…",
        "start_at": "2025-07-08T17:00:00.000Z", "duration_interval": "P0Y0M0DT1H0M0S",
        "end_at": "2025-07-08T18:00:00.000Z", "geo_address_json": None, "geo_latitude": None,
        "geo_longitude": None, "url": "https://lu.ma/7sfm30gu", "timezone": "America/Los_Angeles",
        "user_api_id": "usr-gf7C8MCpjOWZjQW", "visibility": "public"},
    "tags": [],
}
CURRENT_EVENT = {
    "id": "evt-Cur3ntEv3nt01", "platform": "luma", "name": "  Spring Social\x00 ",
    "start_at": "2026-07-09T23:00:00.000Z", "end_at": None, "duration_interval": "PT2H30M",
    "timezone": "America/New_York", "description": None, "description_md": "**Come** along",
    "url": "https://luma.com/abcd1234",
    "geo_address_json": {"description": "Student Center", "address": "1 Main St", "city": "Boston"},
    "tags": [{"id": "tag-1", "name": "Party"}, {"id": "tag-2", "name": "social"}],
}


def test_legacy_event_entry_becomes_a_row():
    assert event_to_row(LEGACY_EVENT) == {
        "luma_event_id": "evt-7AfHSGOBmoz4iLO",
        "name": "🦄 ai that works: Memory from scratch",
        "start_at": datetime(2025, 7, 8, 17, 0, tzinfo=UTC),
        "end_at": datetime(2025, 7, 8, 18, 0, tzinfo=UTC),
        "timezone": "America/Los_Angeles",
        "description": "…",
        "signup_url": "https://lu.ma/7sfm30gu",
        "venue": None,
        "luma_category": None,
        "luma_tags": [],
    }


def test_current_event_entry_becomes_a_row():
    assert event_to_row(CURRENT_EVENT) == {
        "luma_event_id": "evt-Cur3ntEv3nt01",
        "name": "Spring Social",
        "start_at": datetime(2026, 7, 9, 23, 0, tzinfo=UTC),
        "end_at": datetime(2026, 7, 10, 1, 30, tzinfo=UTC),  # from duration_interval
        "timezone": "America/New_York",
        "description": "**Come** along",
        "signup_url": "https://luma.com/abcd1234",
        "venue": "Student Center",
        "luma_category": "party",
        "luma_tags": ["Party", "social"],
    }


def test_event_entry_without_an_id_is_refused():
    with pytest.raises(ValueError, match="without an id"):
        event_to_row({"event": {"name": "x"}})


@pytest.mark.parametrize("tags, mapping, expected", [
    ([], {}, None),
    ([{"name": "Workshop"}], {}, "workshop"),
    ([{"name": "Featured"}, {"name": "Party Night"}], {"party night": "party"}, "party"),
    ([{"api_id": "t", "name": " "}, {"name": "Talk"}], {}, "talk"),
], ids=["no tags", "first tag lower-cased", "mapped tag wins over first", "blank tag skipped"])
def test_category_from_tags(tags, mapping, expected):
    assert category_from_tags(tags, mapping) == expected


# The legacy get-guests entry quoted in LUMA_API.md §4, with a check-in added.
LEGACY_GUEST = {"api_id": "abc-123", "guest": {
    "api_id": "abc-123", "approval_status": "approved", "created_at": "2024-06-10T19:11:13.181Z",
    "custom_source": "newsletter", "eth_address": None, "invited_at": "2024-06-10T19:11:13.180Z",
    "joined_at": None, "phone_number": "+15555555555", "registered_at": "2024-07-08T17:03:49.605Z",
    "registration_answers": [{"label": "Preferred Shirt/Hoodie Size", "answer": "M",
                              "question_id": "vwhu7ffr", "question_type": "dropdown"}],
    "solana_address": None, "user_api_id": "usr-9E2KaeIyCFXLmpE", "user_name": "Bob Jones",
    "user_email": "bob@jones.com", "name": "Bob Jones", "email": "bob@jones.com",
    "checked_in_at": "2024-07-10T18:05:00.000Z",
    "check_in_qr_code": "https://lu.ma/check-in/evt-abc123?pk=g-abc123",
    "event_ticket": {"amount": 1250, "amount_discount": 0, "api_id": "abc-123", "currency": "usd",
                     "event_ticket_type_api_id": "evtticktyp-abc123", "name": "Standard"}}}

# The current guest of LUMA_API.md §4: check-in only on the ticket.
CURRENT_GUEST = {
    "id": "gst-1", "user_id": "usr-1", "user_email": "a@x.com", "user_name": "A B",
    "user_first_name": "A", "user_last_name": "B", "approval_status": "approved",
    "check_in_qr_code": "https://luma.com/check-in/evt-Q1?pk=g-1", "invited_at": None,
    "registered_at": "2026-05-01T10:00:00.000Z", "utm_source": None, "phone_number": None,
    "registration_answers": [{"label": "Pronouns", "value": ["she", "her"], "answer": None},
                             {"label": "Over 18?", "value": True}],
    "event_tickets": [{"id": "t1", "amount": 0, "amount_discount": 0, "amount_tax": 0,
                       "currency": None, "checked_in_at": "2026-05-10T18:05:00.000Z",
                       "event_ticket_type_id": "evtticktyp-9", "is_captured": True,
                       "name": "Standard"}]}


def test_legacy_guest_entry():
    guest = guest_from_entry(LEGACY_GUEST)
    assert guest == {
        "guest_id": "abc-123", "user_id": "usr-9E2KaeIyCFXLmpE", "name": "Bob Jones",
        "first_name": None, "last_name": None, "email": "bob@jones.com",
        "phone_number": "+15555555555",
        "created_at": datetime(2024, 7, 8, 17, 3, 49, 605000, tzinfo=UTC),
        "approval_status": "approved",
        "checked_in_at": datetime(2024, 7, 10, 18, 5, tzinfo=UTC),
        "utm_source": "newsletter",
        "qr_code_url": "https://lu.ma/check-in/evt-abc123?pk=g-abc123",
        "amount": 1250, "amount_tax": None, "amount_discount": 0, "currency": "usd",
        "eth_address": None, "solana_address": None, "ticket_type_id": "evtticktyp-abc123",
        "ticket_name": "Standard", "answers": [("Preferred Shirt/Hoodie Size", "M")],
    }


def test_current_guest_checks_in_through_its_ticket():
    guest = guest_from_entry(CURRENT_GUEST)
    assert guest["guest_id"] == "gst-1"
    assert guest["user_id"] == "usr-1"
    assert guest["checked_in_at"] == datetime(2026, 5, 10, 18, 5, tzinfo=UTC)
    assert guest["ticket_type_id"] == "evtticktyp-9"
    assert guest["answers"] == [("Pronouns", "she; her"), ("Over 18?", "Yes")]


def test_guest_without_check_in_anywhere():
    entry = dict(CURRENT_GUEST, event_tickets=[dict(CURRENT_GUEST["event_tickets"][0], checked_in_at=None)])
    assert guest_from_entry(entry)["checked_in_at"] is None


@pytest.mark.parametrize("text, expected", [
    ("2025-10-29T03:56:00.104Z", datetime(2025, 10, 29, 3, 56, 0, 104000, tzinfo=UTC)),
    ("2025-10-29T03:56:00+02:00", datetime(2025, 10, 29, 1, 56, tzinfo=UTC)),
    ("2025-10-29T03:56:00", datetime(2025, 10, 29, 3, 56, tzinfo=UTC)),
    ("  ", None),
    (None, None),
], ids=["luma utc", "offset", "naive is utc", "blank", "none"])
def test_parse_instant(text, expected):
    assert parse_instant(text) == expected


def test_format_instant_matches_luma_export():
    assert format_instant(datetime(2025, 10, 29, 3, 56, 0, 104999, tzinfo=UTC)) == "2025-10-29T03:56:00.104Z"


@pytest.mark.parametrize("text, expected", [
    ("P0Y0M0DT1H0M0S", timedelta(hours=1)),
    ("PT1H30M", timedelta(hours=1, minutes=30)),
    ("P1D", timedelta(days=1)),
    ("P1M", None),
    ("nonsense", None),
    ("P", None),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("start, end, settled", [
    (None, NOW - timedelta(hours=24), True),
    (None, NOW - timedelta(hours=24) + timedelta(seconds=1), False),
    (NOW - timedelta(hours=26), None, True),   # no end: start + 2 h
    (NOW - timedelta(hours=26) + timedelta(seconds=1), None, False),
    (None, None, False),
], ids=["ended exactly 24 h ago", "ended a second later", "no end, started 26 h ago",
        "no end, a second later", "no times"])
def test_settled_rule_at_its_boundary(start, end, settled):
    assert is_settled(start, end, NOW, 24) is settled
