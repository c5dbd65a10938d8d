"""analyze.py on a small hand-made community whose every number is worked out by hand below."""
from __future__ import annotations

import csv
import math
import struct
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

import matplotlib.pyplot as plt
import pandas as pd
import psycopg2
import pytest

import analyze
from luma_pipeline.analytics import charts, takeaways
from luma_pipeline.analytics.charts import event_labels, shorten
from luma_pipeline.database import apply_schema

UTC = timezone.utc
NOW = datetime.now(UTC)

# Ten settled events E1..E10 (every 20 days, the last 3 days ago) and one still to come (E11).
EVENTS = [  # name, category
    ("Welcome Workshop", "workshop"), ("Autumn Social", "social"), ("Halloween Party", "party"),
    ("Git Workshop", "workshop"), ("Founders Talk", "talk"), ("Winter Party", "party"),
    ("Board Game Social", "social"), ("Python Workshop", "workshop"), ("Spring Hackathon", "hackathon"),
    ("End of Year Social", "social"), ("Next Month's Social", "social"),
]
# One line per person, one letter per event E1..E11:
#   A approved, checked in · a approved, no check-in · d declined but checked in · D declined
#   W waitlist · P pending approval · I invited · . not a guest
# E5 has RSVPs but nobody checked in (attendance not taken: flagged, metrics NULL).
GRID = {
    "P1":  "AAAAaAAAAAa",  # the regular
    "P2":  "A..A...A...",
    "P3":  "aA.........",  # first event E2, after a no-show at E1
    "P4":  "..A..A.....",
    "P5":  "..A........",
    "P6":  "..d........",  # declined, checked in anyway: attended
    "P7":  "....a....A.",  # RSVPed to the flagged E5, first attended E10
    "P8":  "W..A.......",
    "P9":  "......AAA..",
    "P10": ".........A.",
    "P11": "A..........",
    "P12": "AA.........",
    "P13": "D..........",
    "P14": "I..........",
    "P15": "Pa.........",  # first RSVP at E2, never attended
    "P16": "a..........",
    "P17": ".........a.",
    "P18": ".....A.A...",
    "P19": "........AA.",
    "P20": ".A.........",
    "P21": "...Aa......",
    "P22": "......A....",
    "P23": "......aA...",
    "P24": "........A..",
    "P25": "A.A..A...A.",
    "P26": "....a......",
    "P27": ".........W.",
    "P28": ".A....A....",
    "P29": "...........",
    "P30": "..........a",
}
FEMALE = {"P1", "P2", "P4", "P6", "P9", "P12", "P18", "P22", "P25"}
MALE = {"P3", "P5", "P8", "P10", "P11", "P19", "P20", "P24", "P28"}
STATUS = {"A": "approved", "a": "approved", "d": "declined", "D": "declined", "W": "waitlist",
          "P": "pending_approval", "I": "invited"}

# Worked out by hand from GRID (the test's own table):
# event: RSVPs, attendees, first-time attendees, returned later, return rate %, conversion %,
#        first-time RSVPs who never attended
EXPECTED = {
    "E1":  (7, 5, 5, 4, 80.00, 71.43, 1),     # never-attended first RSVP: P16
    "E2":  (6, 5, 3, 2, 40.00, 83.33, 1),     # first-timers P3 P20 P28; returned P1 P28; P15
    "E3":  (5, 5, 3, 3, 60.00, 100.00, 0),    # P6 declined but attended counts as RSVP and attendee
    "E4":  (4, 4, 2, 2, 50.00, 100.00, 0),    # P21's return to E5 does not count (E5 not counted)
    "E5":  (4, None, None, None, None, None, 1),  # flagged; P26 never attended
    "E6":  (4, 4, 1, 3, 75.00, 100.00, 0),
    "E7":  (5, 4, 2, 2, 50.00, 80.00, 0),
    "E8":  (5, 5, 1, 2, 40.00, 100.00, 0),
    "E9":  (4, 4, 2, 2, 50.00, 100.00, 0),
    "E10": (6, 5, 2, 0, None, 83.33, 1),      # the newest: nothing later, return rate NULL
}
EXPECTED_SUMMARY = {
    "people": "30", "events": "10", "events_with_attendance": "9", "rsvps": "50",
    "attendances": "41", "unique_rsvpers": "25", "unique_attendees": "21",
    "overall_conversion_pct": "89.13",   # 41 / (50 - 4 RSVPs of the flagged E5)
    "events_per_attendee": "1.95",       # 41 / 21
    "first_timer_share_pct": "51.22",    # 21 / 41
    "average_return_rate_pct": "47.5",   # of the windows closed: (80+20+60+25+50+50) / 6, below
    "female_share_pct": "47.37",         # 9 of 19 attendees with a known gender
    # as of now: last attended 3 (E10), 23 (E9) days ago: active; 43-83 (E8-E6): dormant;
    # 123+ (E4 and before): churned; RSVPed but never checked in at a counted event: P15 P16 P17 P26
    "members_active": "7",               # P1 P7 P9 P10 P19 P24 P25
    "members_dormant": "6",              # P2 P4 P18 P22 P23 P28
    "members_churned": "8",              # P3 P5 P6 P8 P11 P12 P20 P21
    "members_never_attended": "4",
}
EXPECTED_CATEGORIES = {  # first-time attendees by their first event's category: never, 1, 2, 3+
    "workshop": [4, 1, 1, 2], "social": [5, 1, 1, 0], "party": [2, 2, 0, 0],
    "hackathon": [1, 1, 0, 0],
}
EXPECTED_CONVERSION = {  # events attended: (all events, excluding parties)
    "0": (4, 4), "1": (12, 11), "2": (5, 4), "3": (2, 2), "4": (1, 0), "7": (0, 1), "9": (1, 0),
}


# Came back within 60 days (to E(n+1)..E(n+3): events are 20 days apart, E(n+3) exactly 60 days
# later, which counts): returned, rate %. E5 took no attendance; the windows of E8-E10 (43, 23 and
# 3 days ago) are still open: NULL, not 0.
EXPECTED_WINDOW = {
    "E1": (4, 80.0),   # P1 P12 (E2), P25 (E3), P2 (E4, exactly 60 days later); not P11
    "E2": (1, 20.0),   # P1; P28 next came to E7, 100 days later
    "E3": (3, 60.0),   # P1, P4 and P25 (E6); not P5, P6
    "E4": (1, 25.0),   # P1; P2 next came 80 days later, P21's E5 does not count
    "E5": (None, None),
    "E6": (2, 50.0),   # P1, P18 (E8)
    "E7": (2, 50.0),   # P1, P9 (E8)
    "E8": (None, None), "E9": (None, None), "E10": (None, None),
}


def store_grid(db, database_url, starts: list[datetime], traits: dict | None = None,
               costs: dict | None = None) -> dict:
    """GRID stored as luma_sync.py and the importer would store it, event En starting at
    starts[n-1] (GRID's columns past the last start are left out); returns {"E1": id, …}.
    `traits` gives people's (school, class year), `costs` events' costs."""
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    ids = {}
    with db.cursor() as cur:
        for n, start in enumerate(starts, start=1):
            name, category = EVENTS[n - 1]
            cur.execute("INSERT INTO events (luma_event_id, name, start_at, end_at, timezone, category, "
                        "venue, cost) VALUES (%s, %s, %s, %s, 'America/New_York', %s, 'Room 101', %s) "
                        "RETURNING id", (f"evt-hand{n:011d}", name, start, start + timedelta(hours=2),
                                         category, (costs or {}).get(f"E{n}")))
            ids[f"E{n}"] = cur.fetchone()[0]
        for person, row in GRID.items():
            gender = "female" if person in FEMALE else "male" if person in MALE else None
            gender = "non-binary" if person == "P21" else gender
            school, class_year = (traits or {}).get(person, (None, None))
            cur.execute("INSERT INTO people (first_name, last_name, gender, school, class_year) "
                        "VALUES (%s, 'Hand', %s, %s, %s) RETURNING id", (person, gender, school, class_year))
            person_id = cur.fetchone()[0]
            for n, mark in enumerate(row[:len(starts)], start=1):
                if mark != ".":
                    cur.execute("INSERT INTO attendance (event_id, person_id, approval_status, checked_in_at) "
                                "VALUES (%s, %s, %s, %s)", (ids[f"E{n}"], person_id, STATUS[mark],
                                                            starts[n - 1] if mark in "Ad" else None))
    return ids


@pytest.fixture
def community(db, database_url):
    """GRID with E1..E10 settled (every 20 days, the last 3 days ago) and E11 still to come."""
    return store_grid(db, database_url, [NOW - timedelta(days=3 + 20 * (10 - n), hours=3)
                                         for n in range(1, len(EVENTS) + 1)])


def read_csv(path) -> list[dict]:
    """A CSV's rows; a UTF-8 BOM (on the CSVs written for people) is not part of the first name."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def number(text: str):
    return None if text == "" else float(text)


def test_every_metric_of_the_hand_made_community(community, db, tmp_path):
    out = tmp_path / "report"
    assert analyze.main(["--outdir", str(out)]) == 0

    with db.cursor() as cur:
        cur.execute("SELECT id, attendance, attendance_data, attendance_taken FROM events")
        rows = {event_id: (attendance, data, taken) for event_id, attendance, data, taken in cur.fetchall()}
    for event, (rsvps, attendees, first, returned, return_rate, conversion, _) in EXPECTED.items():
        attendance, data, taken = rows[community[event]]
        assert attendance == attendees, event
        assert {k: data[k] for k in ("total_rsvps", "total_attendees", "first_time_attendees",
                                     "returned_later", "return_rate", "conversion_rate")} == {
            "total_rsvps": rsvps, "total_attendees": attendees, "first_time_attendees": first,
            "returned_later": returned, "return_rate": return_rate, "conversion_rate": conversion}, event
        assert data["computed_at"]
        assert (data["returned_within_window"], data["return_rate_window"], data["return_window_days"]) == (
            *EXPECTED_WINDOW[event], 60), event
        assert taken is (False if event == "E5" else None), event
    assert rows[community["E1"]][1]["status_counts"] == {
        "approved": 7, "declined": 1, "invited": 1, "pending_approval": 1, "waitlist": 1}
    assert rows[community["E11"]] == (None, None, None)  # not settled: nothing written

    retention = {r["event"]: r for r in read_csv(out / "retention_by_event.csv")}
    new_members = {r["event"]: r for r in read_csv(out / "new_members_by_event.csv")}
    for n, (event, expected) in enumerate(EXPECTED.items()):
        name = EVENTS[n][0]
        rsvps, attendees, first, returned, return_rate, _, never = expected
        assert [number(retention[name][c]) for c in ("rsvps", "attendees", "returned_later",
                                                      "return_rate_pct")] == [
            rsvps, attendees, returned, return_rate], event
        assert [number(new_members[name][c]) for c in ("rsvps", "attendees", "first_time_attendees",
                                                        "first_time_rsvps_never_attended")] == [
            rsvps, attendees, first, never], event
    assert list(retention) == [name for name, _ in EVENTS[:10]]  # date order; E11 not settled

    categories = {r["category"]: [int(r[c]) for c in ("never came back", "came back once",
                                                       "came back twice", "came back 3+ times")]
                  for r in read_csv(out / "new_members_by_category.csv")}
    assert categories == {**EXPECTED_CATEGORIES, "talk": [0, 0, 0, 0]}
    assert {r["stage"]: int(r["people"]) for r in read_csv(out / "party_funnel.csv")} == {
        "RSVPs": 9, "attendees": 9, "first-timers": 4, "first-timers who came back": 2}
    conversion = {r["events attended"]: (int(r["all events"]), int(r["excluding parties"]))
                  for r in read_csv(out / "rsvp_conversion.csv")}
    assert {k: v for k, v in conversion.items() if v != (0, 0)} == EXPECTED_CONVERSION
    assert {r["metric"]: r["value"] for r in read_csv(out / "summary_stats.csv")} == EXPECTED_SUMMARY


def test_charts_are_real_images_and_the_page_holds_them(community, tmp_path):
    out = tmp_path / "report"
    assert analyze.main(["--outdir", str(out)]) == 0
    stems = ("retention_by_event", "new_members_by_event", "new_members_by_category", "party_funnel",
             "rsvp_conversion", "cohort_retention", "active_members")
    for stem in stems:
        width, height = png_size(out / f"{stem}.png")
        assert width == 1800 and 600 <= height <= 1200, stem  # 12 in wide at 150 dpi: one text size
    assert png_size(out / "retention_by_event.png") == (1800, 1050)  # 12 in x 7 in at 150 dpi
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 7
    assert "http://" not in page and "https://" not in page  # opens with no network
    assert "from 10 settled events" in page and "Founders Talk (" in page
    for stem in stems:  # every file named under a chart is a link to it
        assert f'<a href="{stem}.png">{stem}.png</a> · <a href="{stem}.csv">{stem}.csv</a>' in page, stem
    assert ("<p class=takeaway>Came back within 60 days: 48% of attendees on average (6 of the last 10 "
            "events; the others are too recent or took no attendance)</p>") in page  # 47.5 rounded half up
    assert "<td>Unique attendees<small>people who checked in at least once</small></td><td>21</td>" in page
    assert "<td>Came back within 60 days<small>average over the events whose 60-day window has closed" in page
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{s}.{x}" for s in stems for x in ("png", "csv")]
        + ["summary_stats.csv", "index.html", "member_lifecycle.csv", "top_attendees.csv", "no_shows.csv",
           "reactivation.csv", ".report_source.json"])  # no temporary file left


def test_a_second_run_changes_nothing(community, db, tmp_path):
    assert analyze.main(["--outdir", str(tmp_path / "a")]) == 0
    with db.cursor() as cur:
        cur.execute("SELECT id, attendance, attendance_data, attendance_taken, updated_at FROM events ORDER BY id")
        first = cur.fetchall()
    assert analyze.main(["--outdir", str(tmp_path / "b")]) == 0
    with db.cursor() as cur:
        cur.execute("SELECT id, attendance, attendance_data, attendance_taken, updated_at FROM events ORDER BY id")
        assert cur.fetchall() == first
    assert (tmp_path / "a" / "summary_stats.csv").read_text() == (tmp_path / "b" / "summary_stats.csv").read_text()


def test_the_organisers_flag_wins(community, db, tmp_path):
    with db.cursor() as cur:  # "nobody came to the talk": attendance was taken, 0 attendees
        cur.execute("UPDATE events SET attendance_taken = true WHERE id = %s", (community["E5"],))
    assert analyze.main(["--outdir", str(tmp_path)]) == 0
    with db.cursor() as cur:
        cur.execute("SELECT attendance, attendance_data ->> 'conversion_rate', attendance_taken "
                    "FROM events WHERE id = %s", (community["E5"],))
        assert cur.fetchone() == (0, "0.0", True)


def test_check_ins_imported_later_lift_analyzes_own_flag(community, db, tmp_path):
    assert analyze.main(["--outdir", str(tmp_path)]) == 0
    with db.cursor() as cur:
        cur.execute("UPDATE attendance SET checked_in_at = now() WHERE event_id = %s", (community["E5"],))
    assert analyze.main(["--outdir", str(tmp_path)]) == 0
    with db.cursor() as cur:
        cur.execute("SELECT attendance, attendance_taken, attendance_taken_auto FROM events WHERE id = %s",
                    (community["E5"],))
        assert cur.fetchone() == (4, None, False)


def test_empty_database_gives_the_same_files_saying_so(database_url, tmp_path):
    out = tmp_path / "report"
    assert analyze.main(["--outdir", str(out)]) == 0
    assert len(list(out.glob("*.png"))) == 7
    assert "No data yet" in (out / "index.html").read_text()
    summary = {r["metric"]: r["value"] for r in read_csv(out / "summary_stats.csv")}
    assert summary["events"] == "0" and summary["overall_conversion_pct"] == ""


def test_no_party_events_says_so(community, db, tmp_path):
    with db.cursor() as cur:
        cur.execute("UPDATE events SET category = 'social' WHERE category = 'party'")
    assert analyze.main(["--outdir", str(tmp_path)]) == 0
    assert read_csv(tmp_path / "party_funnel.csv") == [{"": "0", "note": "no party events yet"}]


def test_many_events_keep_labels_apart(db, database_url, tmp_path):
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    with db.cursor() as cur:
        cur.execute("INSERT INTO people (first_name) VALUES ('Solo') RETURNING id")
        person = cur.fetchone()[0]
        for n in range(100):
            cur.execute("INSERT INTO events (name, start_at, timezone) VALUES (%s, %s, 'Europe/Berlin') "
                        "RETURNING id", (f"A rather long event name number {n} for the axis",
                                         NOW - timedelta(days=300 - n)))
            cur.execute("INSERT INTO attendance (event_id, person_id, approval_status, checked_in_at) "
                        "VALUES (%s, %s, 'approved', now())", (cur.fetchone()[0], person))
    assert analyze.main(["--outdir", str(tmp_path)]) == 0
    assert png_size(tmp_path / "retention_by_event.png")[0] == 12 * 150  # the latest 20 events drawn
    assert len(read_csv(tmp_path / "retention_by_event.csv")) == 100      # every event in the numbers


@pytest.mark.parametrize("name, limit, expected", [
    ("Short", 26, "Short"),
    ("From Dorm Room to Series A: Lessons Learned", 26, "From Dorm Room to Series…"),
    ("Supercalifragilisticexpialidocious Night", 20, "Supercalifragilisti…"),
])
def test_long_event_names_are_shortened_legibly(name, limit, expected):
    assert shorten(name, limit) == expected


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1 617 555 0100", "'+1 617 555 0100"),
    ("@SUM(A1)", "'@SUM(A1)"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("-50.0", "-50.0"), ("Room 101", "Room 101"), (12.5, 12.5),
], ids=["formula", "plus", "at", "minus formula", "negative number stays a number", "text", "float"])
def test_cells_are_safe_in_a_spreadsheet(cell, safe):
    from luma_pipeline.analytics.page import spreadsheet_safe
    assert spreadsheet_safe(cell) == safe


def sixty_events_with_repeated_names() -> pd.DataFrame:
    """60 settled events: three names taking turns (two of them alike for their first 26 letters),
    and on one day two sessions of one name."""
    names = ["Career Paths in Data Science: Part One", "Career Paths in Data Science: Part Two", "Social"]
    starts = [datetime(2025, 1, 6, 23, 0, tzinfo=UTC) + timedelta(days=7 * n) for n in range(59)]
    starts.insert(30, starts[29] + timedelta(hours=2))  # a second session on the same evening
    rows = [(names[n % 3] if n != 30 else names[29 % 3], start) for n, start in enumerate(starts)]
    table = pd.DataFrame({"name": [name for name, _ in rows], "start_at": [start for _, start in rows],
                          "timezone": "America/New_York", "category": "talk", "attendance_counted": True,
                          "total_rsvps": 30, "total_attendees": 20.0, "first_time_attendees": 5.0,
                          "first_time_rsvps_never_attended": 2, "returned_later": 10.0,
                          "returned_within_window": 8.0, "return_rate_window": 40.0})
    return table.assign(returned_within_window=table["returned_within_window"].where(table.index < 52),
                        return_rate_window=table["return_rate_window"].where(table.index < 52))


def test_sixty_events_with_repeated_names_get_unique_readable_labels():
    table = sixty_events_with_repeated_names()
    labels = event_labels(table)
    assert len(set(labels)) == 60
    assert labels[0] == "Jan 06 '25 · Career Paths in Data…"
    assert labels[1] == "Jan 13 '25 · Career Paths in Data…"  # "Part Two" shortens the same way: the date differs
    assert labels[29:31] == ["Jul 28 '25 · Social", "Jul 28 '25 · Social (2)"]  # two sessions one evening

    shown = table.tail(20)
    fig = charts.retention_chart(shown, 60, takeaways.retention(shown, 60))
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = ax.get_xticklabels()
    assert [t.get_text() for t in ticks] == labels[-20:]  # the latest 20, each written, none thinned
    figure = fig.bbox
    for tick in ticks:
        assert tick.get_rotation() <= 30
        box = tick.get_window_extent()
        assert figure.x0 <= box.x0 and box.x1 <= figure.x1 and figure.y0 <= box.y0, tick.get_text()  # not cut
    # slanted labels are parallel: they do not touch when the gap between them is more than a line
    gap = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0])
    line = ticks[0].get_fontsize() * fig.dpi / 72 * 1.2
    assert gap * math.sin(math.radians(30)) > line
    plt.close(fig)


def test_a_report_is_not_replaced_by_no_data_from_another_database(community, postgres_admin_url, tmp_path,
                                                                   monkeypatch, caplog):
    out = tmp_path / "report"
    assert analyze.main(["--outdir", str(out)]) == 0
    report = (out / "index.html").read_bytes()
    empty = "luma_test_empty_" + uuid.uuid4().hex[:8]  # a database made by mistake: nothing in it
    admin = psycopg2.connect(postgres_admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{empty}"')
    monkeypatch.setenv("DATABASE_URL", urlunsplit(urlsplit(postgres_admin_url)._replace(path="/" + empty)))
    try:
        assert analyze.main(["--outdir", str(out)]) == 1
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
        admin.close()
    assert (out / "index.html").read_bytes() == report
    assert "was made from another database with 10 settled events" in caplog.text
    assert "this run reached a database with none, so the report is kept" in caplog.text
