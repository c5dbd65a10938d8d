"""Members over time (analyze.py): lifecycle statuses, cohorts, the monthly trend and the
reactivation list, on a small community whose every number is worked out by hand below."""
from __future__ import annotations

import csv
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analyze
from luma_pipeline.analytics import members
from luma_pipeline.database import apply_schema

NY = ZoneInfo("America/New_York")
AS_OF = "2025-06-01"  # 2025-06-01 00:00 UTC, which is 20:00 on 31 May in New York

# Eight settled events over five months (New York evenings) and four after the as-of date.
EVENTS = [  # key, name, category, local start, Luma status
    ("E1", "New Year Workshop", "workshop", datetime(2025, 1, 10, 18, 0), "synced"),
    ("E2", "January Social", "social", datetime(2025, 1, 31, 19, 30), "synced"),  # 00:30 UTC on 1 Feb
    ("E3", "Valentine's Party", "party", datetime(2025, 2, 14, 18, 0), "synced"),
    ("E4", "March Workshop", "workshop", datetime(2025, 3, 7, 18, 0), "synced"),
    ("E5", "Spring Party", "party", datetime(2025, 3, 28, 18, 0), "synced"),
    ("E6", "April Workshop", "workshop", datetime(2025, 4, 18, 18, 0), "synced"),
    ("E7", "May Talk", "talk", datetime(2025, 5, 9, 18, 0), "synced"),  # RSVPs, nobody checked in
    ("E8", "May Social", "social", datetime(2025, 5, 23, 18, 0), "changed"),
    ("U1", "Summer Kickoff Party", "party", datetime(2025, 6, 3, 18, 0), "source_deleted"),
    ("U2", "June Social", "social", datetime(2025, 6, 6, 18, 0), "synced"),
    ("U3", "June Workshop", "workshop", datetime(2025, 6, 12, 18, 0), "changed"),
    ("U4", "Late Talk", "talk", datetime(2025, 6, 15, 18, 0), "synced"),  # after the as-of date
]
# One letter per event E1..E8, U4: A approved and checked in · a approved, no check-in · . none
PEOPLE = [  # first, last, email, phone, gender, school, class year, attendance
    ("Ada", "Lovelace", "ada@example.org", "+16175550101", "female", "MIT", 2026, "AAAAAAa.A"),
    ("Ben", "Okafor", "ben@example.org", None, "male", "Boston College", None, "A.a.A...."),
    ("Chloé", "Martin", "chloe@example.org", "+16175550103", "female", "Harvard", 2027, ".A.a.a.A."),
    ("Dev", None, "dev@example.org", None, None, None, None, "...A....."),
    ("Elif", None, "elif@example.org", None, None, None, None, "..AA....."),
    ("Femi", None, "femi@example.org", None, None, None, None, "...A....."),
    ("Gus", "Grey", "gus@example.org", None, "male", None, None, "A.A......"),
    ("Hana", "Sato", "hana@example.org", None, "female", None, None, "aa......."),
    ("Ivo", "Novak", "ivo@example.org", None, "male", None, None, ".......A."),
    ("Jun", "Park", "jun@example.org", "+16175550110", "non-binary", None, 2025, ".AA..A.aA"),
]
GUEST_EVENTS = ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "U4"]

# member_lifecycle.csv, worked out by hand. Days inactive: whole days from the last attended
# event's start (UTC) to 2025-06-01 00:00 UTC: E8 (23 May 22:00) 8, E6 (18 Apr 22:00) 43,
# E5 (28 Mar 22:00) 64, E4 (7 Mar 23:00) 85, E3 (14 Feb 23:00) 106. E7 took no attendance, so
# Ada's RSVP there is no no-show; U4 is after the as-of date, so it does not count.
LIFECYCLE = [  # person: events attended, first event, last event, days, status, favourite, no-shows
    ("Ada Lovelace", 6, "E1", "E6", 43, "dormant", "workshop", 0),  # workshop 3, party 2, social 1
    ("Ben Okafor", 2, "E1", "E5", 64, "dormant", "party", 1),      # workshop 1 = party 1: the later
    ("Chloé Martin", 2, "E2", "E8", 8, "active", "social", 2),      # no-shows at E4 and E6
    ("Dev", 1, "E4", "E4", 85, "dormant", "workshop", 0),
    ("Elif", 2, "E3", "E4", 85, "dormant", "workshop", 0),          # party 1 = workshop 1: the later
    ("Femi", 1, "E4", "E4", 85, "dormant", "workshop", 0),
    ("Gus Grey", 2, "E1", "E3", 106, "churned", "party", 0),
    ("Hana Sato", 0, None, None, None, "never_attended", None, 2),
    ("Ivo Novak", 1, "E8", "E8", 8, "active", "social", 0),
    ("Jun Park", 3, "E2", "E6", 43, "dormant", "workshop", 1),      # social, party, workshop: the last
]
# Cohorts by the local month of the first event (Chloé and Jun first came on 31 January in New
# York, 1 February in UTC). The as-of instant is still May in New York: June is not reached.
COHORTS = [
    # Jan: Ada (Jan Feb Mar Apr), Ben (Jan Mar), Chloé (Jan May), Gus (Jan Feb), Jun (Jan Feb Apr)
    ("2025-01", "5", "100.0", "60.0", "40.0", "40.0", "20.0"),
    ("2025-02", "1", "100.0", "100.0", "0.0", "0.0", ""),  # Elif: Feb, Mar
    ("2025-03", "2", "100.0", "0.0", "0.0", "", ""),       # Dev, Femi: Mar
    ("2025-05", "1", "100.0", "", "", "", ""),             # Ivo: May
]
# Per month: active members at its end in New York (or at the as-of instant when sooner), newcomers,
# returning attendees. Jan ends 1 Feb 05:00 UTC: E1 and E2 (00:30 UTC) within 30 days, Ada Ben Gus
# Chloé Jun. Feb: E2 and E3: Ada Chloé Jun Elif Gus. Mar: E4 and E5: Ada Dev Elif Femi Ben.
# Apr: E6: Ada Jun. May, at the as-of instant: E8: Chloé Ivo (E7 took no attendance).
TREND = [("2025-01", "5", "5", "0"), ("2025-02", "5", "1", "3"), ("2025-03", "5", "2", "3"),
         ("2025-04", "2", "0", "2"), ("2025-05", "2", "1", "1")]
# The dormant members' scores: completeness 5 × fields known (of first name, last name, email,
# phone, gender, school, class year, favourite category) + dormancy 10 + (days - 31) / 59 × 20
# + history (1-4 events 10, 5-9 15).
REACTIVATION = [  # name, score, completeness, dormancy, history, suggested event
    ("Ada Lovelace", "69.07", "40", "14.07", "15", "U3"),  # 10 + 12/59×20 = 14.07; workshop → U3
    ("Ben Okafor", "61.19", "30", "21.19", "10", "U2"),    # no phone, no class year; 10 + 33/59×20;
                                                           # party: U1 was deleted, so the soonest
    ("Jun Park", "59.07", "35", "14.07", "10", "U3"),      # no school
    ("Elif", "53.31", "15", "28.31", "10", "U3"),          # 10 + 54/59×20; ties Dev, more events
    ("Dev", "53.31", "15", "28.31", "10", "U3"),           # ties Femi, lower id
]
TOP_ATTENDEES = ["Ada Lovelace", "Jun Park", "Chloé Martin", "Ben Okafor", "Elif", "Gus Grey", "Ivo Novak",
                 "Dev", "Femi"]  # by events attended, then the latest last event, then id


def store(db, database_url) -> tuple[dict, dict]:
    """EVENTS and PEOPLE as sync and the importer store them; ({key: event id}, {name: person id})."""
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    events, people = {}, {}
    with db.cursor() as cur:
        for key, name, category, local, status in EVENTS:
            start = local.replace(tzinfo=NY)
            cur.execute("INSERT INTO events (luma_event_id, name, start_at, timezone, category, signup_url, "
                        "sync_status) VALUES (%s, %s, %s, 'America/New_York', %s, %s, %s) RETURNING id",
                        (f"evt-{key}", name, start, category, f"https://lu.ma/{key.lower()}", status))
            events[key] = (cur.fetchone()[0], start)
        for first, last, email, phone, gender, school, year, marks in PEOPLE:
            cur.execute("INSERT INTO people (first_name, last_name, email, phone, gender, school, class_year) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                        (first, last, email, phone, gender, school, year))
            people[" ".join(filter(None, [first, last]))] = person = cur.fetchone()[0]
            for key, mark in zip(GUEST_EVENTS, marks):
                if mark != ".":
                    event_id, start = events[key]
                    cur.execute("INSERT INTO attendance (event_id, person_id, approval_status, checked_in_at) "
                                "VALUES (%s, %s, 'approved', %s)", (event_id, person, start if mark == "A" else None))
    return {k: v[0] for k, v in events.items()}, people


@pytest.fixture
def community(db, database_url, monkeypatch):
    monkeypatch.setenv("REACTIVATION_TOP", "5")
    return store(db, database_url)


def read(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def name_of(key: str) -> str:
    return {k: name for k, name, *_ in EVENTS}[key]


def date_of(key: str) -> str:
    return {k: local.date().isoformat() for k, _, _, local, _ in EVENTS}[key]


def test_members_as_of_a_date_worked_out_by_hand(community, tmp_path):
    _, people = community
    out = tmp_path / "report"

    assert analyze.main(["--outdir", str(out), "--as-of", AS_OF]) == 0

    assert [tuple(r.values()) for r in read(out / "member_lifecycle.csv")] == [
        (str(people[name]), name, PEOPLE[i][2], str(attended),
         name_of(first) if first else "", date_of(first) if first else "",
         name_of(last) if last else "", date_of(last) if last else "",
         "" if days is None else str(days), status, favourite or "", str(shows))
        for i, (name, attended, first, last, days, status, favourite, shows) in enumerate(LIFECYCLE)]
    assert [tuple(r.values()) for r in read(out / "cohort_retention.csv")] == COHORTS
    assert list(read(out / "cohort_retention.csv")[0]) == [
        "cohort_month", "cohort_size", "month_0", "month_1", "month_2", "month_3", "month_4"]
    assert [tuple(r.values()) for r in read(out / "active_members.csv")] == TREND

    ranked = read(out / "reactivation.csv")
    assert [(r["rank"], r["name"], r["score"], r["completeness_points"], r["dormancy_points"],
             r["history_points"], r["suggested_event"], r["suggested_event_date"], r["suggested_event_url"])
            for r in ranked] == [
        (str(n), name, score, complete, dormancy, history, name_of(event), date_of(event),
         f"https://lu.ma/{event.lower()}")
        for n, (name, score, complete, dormancy, history, event) in enumerate(REACTIVATION, start=1)]
    assert ranked[0]["message"] == (
        "Hi Ada, it has been a while since April Workshop and we would love to see you again. "
        "Next up: June Workshop on Thursday 12 June. Sign up at https://lu.ma/u3")
    assert (ranked[0]["days_inactive"], ranked[0]["events_attended"], ranked[0]["phone"]) == (
        "43", "6", "+16175550101")

    summary = {r["metric"]: r["value"] for r in read(out / "summary_stats.csv")}
    assert {k: v for k, v in summary.items() if k.startswith("members_")} == {
        "members_active": "2", "members_dormant": "6", "members_churned": "1", "members_never_attended": "1"}
    assert [r["name"] for r in read(out / "top_attendees.csv")] == TOP_ATTENDEES
    assert [(r["name"], r["no_shows"]) for r in read(out / "no_shows.csv")] == [
        ("Chloé Martin", "2"), ("Hana Sato", "2")]
    page = (out / "index.html").read_text()
    assert "<h2 id=members>Members</h2>" in page and '<a href="reactivation.csv">' in page
    assert page.count("data:image/png;base64,") == 7


def test_nothing_coming_up_leaves_the_suggestion_empty_and_the_message_silent(community, db, tmp_path):
    with db.cursor() as cur:
        cur.execute("UPDATE events SET sync_status = 'source_deleted' WHERE luma_event_id LIKE 'evt-U%'")

    assert analyze.main(["--outdir", str(tmp_path), "--as-of", AS_OF]) == 0

    first = read(tmp_path / "reactivation.csv")[0]
    assert (first["suggested_event"], first["suggested_event_date"], first["suggested_event_url"]) == ("", "", "")
    assert first["message"] == ("Hi Ada, it has been a while since April Workshop and we would love "
                                "to see you again.")


def test_a_community_with_nobody_dormant(community, tmp_path):
    # as of 1 February only January's events count: everyone who came is active
    assert analyze.main(["--outdir", str(tmp_path), "--as-of", "2025-02-01"]) == 0

    assert read(tmp_path / "reactivation.csv") == []
    with open(tmp_path / "reactivation.csv", encoding="utf-8-sig") as handle:
        assert handle.readline().startswith("rank,person_id,name,email,phone,score,")
    assert {r["status"] for r in read(tmp_path / "member_lifecycle.csv")} == {"active", "never_attended"}
    assert "No dormant members: nobody to invite back." in (tmp_path / "index.html").read_text()


def test_as_of_before_any_event(community, tmp_path):
    assert analyze.main(["--outdir", str(tmp_path), "--as-of", "2024-12-01"]) == 0
    for name in ("member_lifecycle.csv", "reactivation.csv", "top_attendees.csv", "no_shows.csv",
                 "cohort_retention.csv", "active_members.csv"):
        assert read(tmp_path / name) == [], name
    summary = {r["metric"]: r["value"] for r in read(tmp_path / "summary_stats.csv")}
    assert summary["events"] == "0" and summary["members_dormant"] == "0"
    assert "No data yet" in (tmp_path / "index.html").read_text()


def test_empty_database_gives_the_member_files_with_headers(database_url, tmp_path):
    assert analyze.main(["--outdir", str(tmp_path)]) == 0
    with open(tmp_path / "member_lifecycle.csv", encoding="utf-8-sig") as handle:
        assert handle.read() == ("person_id,name,email,events_attended,first_event,first_event_date,"
                                 "last_event,last_event_date,days_inactive,status,favourite_category,no_shows\n")
    assert (tmp_path / "cohort_retention.png").stat().st_size > 0
    assert (tmp_path / "active_members.png").stat().st_size > 0


@pytest.mark.parametrize("argv", [["--as-of", "1 June 2025"], ["--as-of", "2025-02-30"],
                                  ["--as-of", "2999-01-01"]], ids=["not ISO", "no such day", "future"])
def test_as_of_must_be_a_past_date(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        analyze.main(argv)
    assert exit_.value.code == 2
    assert "--as-of" in capsys.readouterr().err


@pytest.mark.parametrize("template, named", [
    ("Hi {first_name}, see you at {venue}", "unknown field(s) {venue}"),
    ("Hi {first_name} {", "cannot be used"),
    ("See you on {date:%d %B}", "{date:%d %B} has a format or conversion"),
], ids=["unknown field", "lone brace", "format"])
def test_a_bad_message_template_is_a_configuration_error(template, named, monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("REACTIVATION_MESSAGE", template)
    assert analyze.main(["--outdir", str(tmp_path)]) == 2
    assert "REACTIVATION_MESSAGE" in caplog.text and named in caplog.text
    assert not (tmp_path / "index.html").exists()


@pytest.mark.parametrize("days, status", [(0, "active"), (30, "active"), (31, "dormant"), (90, "dormant"),
                                          (91, "churned"), (None, "never_attended")])
def test_status_by_days_inactive(days, status):
    assert members.status_of(pd.Series([days], dtype=float)).tolist() == [status]


@pytest.mark.parametrize("events, points", [(1, 10), (4, 10), (5, 15), (9, 15), (10, 20), (14, 20),
                                            (15, 25), (19, 25), (20, 30), (57, 30)])
def test_history_points(events, points):
    assert members.history_points(pd.Series([events])).tolist() == [points]


@pytest.mark.parametrize("days, points", [(31, 10.0), (60, 19.83), (90, 30.0)])
def test_dormancy_points(days, points):
    assert members.dormancy_points(pd.Series([days])).tolist() == [points]


def test_days_inactive_are_whole_days():
    as_of = datetime(2025, 6, 1, tzinfo=timezone.utc)
    starts = pd.Series(pd.to_datetime(["2025-05-31T00:00:01Z", "2025-05-01T00:00:00Z", "2025-04-30T23:59:59Z"]))
    assert members.days_inactive(starts, as_of).tolist() == [0, 31, 31]


SENTENCE = st.text(alphabet="abc ,;:", min_size=1, max_size=12).map(str.strip).filter(bool)
FIELD = st.sampled_from(["{first_name}", "{last_event}", "{event}", "{date}", "{url}", ""])


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.tuples(SENTENCE, FIELD, st.sampled_from([". ", "! ", "\n"])), min_size=1, max_size=6))
def test_without_an_event_no_sentence_speaks_of_one(sentences):
    template = "".join(f"{text} {field}{end}" for text, field, end in sentences)
    values = {"first_name": "Ada", "last_event": "April Workshop", "event": "", "date": "", "url": ""}
    message = members.draft_message(template, **values)
    kept = [f"{text} {field}".format(**values) for text, field, _ in sentences
            if field not in ("{event}", "{date}", "{url}")]
    assert message == "".join(f"{k}{end}" for k, (_, field, end) in zip(
        kept, [s for s in sentences if s[1] not in ("{event}", "{date}", "{url}")])).strip()
    with_event = members.draft_message(template, **{**values, "event": "June Social", "date": "Friday 6 June",
                                                    "url": "https://lu.ma/u2"})
    assert with_event == template.strip().format(**{**values, "event": "June Social", "date": "Friday 6 June",
                                                     "url": "https://lu.ma/u2"})
