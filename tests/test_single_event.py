"""event_analysis_single.py and generate_all_placards.py on a hand-made community whose numbers are
worked out by hand below (the GRID of test_analyze.py, on fixed dates)."""
from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone

import matplotlib.pyplot as plt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analyze import store_grid

import event_analysis_single
import generate_all_placards
from luma_pipeline.reports.event_row import COLUMNS
from luma_pipeline.reports.placard_pdf import placard_figure
from luma_pipeline.reports.single_event import parse_choices

UTC = timezone.utc
FIRST_EVENT = datetime(2025, 9, 2, 23, 0, tzinfo=UTC)  # 19:00 in New York; then every 14 days
INJECTION = "=cmd|' /C calc'!A0"
TRAITS = {"P1": ("North College", 2026), "P2": ("North College", 2027), "P9": ("South University", 2028),
          "P18": (None, 2029), "P23": (INJECTION, None)}


@pytest.fixture
def community(db, database_url, monkeypatch):
    """E1..E10 of the GRID on fixed dates, with schools, class years and E8's cost; {E1: id}."""
    monkeypatch.setenv("MIN_COMPARABLE_ATTENDEES", "3")
    return store_grid(db, database_url, [FIRST_EVENT + timedelta(days=14 * n) for n in range(10)],
                      traits=TRAITS, costs={"E8": 250})


def rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def expected_e8(ids) -> dict:
    """E8, Python Workshop: attendees P1 P2 P9 P18 P23; the previous comparable event is E7, a
    social, so the changes are against the previous workshop, E4 (4 RSVPs, 4 attendees, 2 first-timers)."""
    expected = dict.fromkeys(COLUMNS, "")
    expected.update({
        "event_id": str(ids["E8"]), "event_name": "Python Workshop", "event_date": "2025-12-09",
        "category": "workshop", "venue": "Room 101", "rsvps": "5", "attendees": "5", "first_timers": "1",
        "previous_event_id": str(ids["E4"]), "previous_event_name": "Git Workshop",
        "previous_event_date": "2025-10-14", "previous_event_category": "workshop",
        "comparison": "previous of the same category", "attendance_taken": "yes",
        "rsvps_change_pct": "25.0", "attendees_change_pct": "25.0", "first_timers_change_pct": "-50.0",
        "cost": "250.0", "cost_per_attendee": "50.0", "cost_per_first_timer": "250.0",
        "gender_female_pct": "80.0", "gender_male_pct": "0.0", "gender_other_pct": "0.0",
        "gender_unknown_pct": "20.0",   # P23's gender is unknown
        "school_1": "North College", "school_1_pct": "40.0",
        "school_2": "'" + INJECTION, "school_2_pct": "20.0",  # escaped: a spreadsheet shows text
        "school_3": "South University", "school_3_pct": "20.0",
        "school_other_pct": "0.0", "school_unknown_pct": "20.0",
        # academic year 2025-26: 2026 and 2027 are upperclass, 2028 and 2029 underclass
        "underclass_pct": "40.0", "upperclass_pct": "40.0", "class_other_pct": "0.0", "class_unknown_pct": "20.0",
        # as of E8: P23 at their 1st event; P2, P9, P18 at their 2nd-3rd; P1 at their 7th
        "first_event_pct": "20.0", "second_third_event_pct": "60.0", "fourth_plus_event_pct": "20.0",
        # E7: 2 of 4 attendees came (P1 P9), 1 of 2 first-timers (P9)
        "prev1_event_name": "Board Game Social", "prev1_event_date": "2025-11-25",
        "prev1_attendees_returned_pct": "50.0", "prev1_first_timers_returned_pct": "50.0",
        # E6: P1 P18 of 4; its only first-timer P18 came
        "prev2_event_name": "Winter Party", "prev2_event_date": "2025-11-11",
        "prev2_attendees_returned_pct": "50.0", "prev2_first_timers_returned_pct": "100.0",
        # E5 had no check-ins: not comparable. E4: P1 P2 of 4; first-timers P8 P21 did not come
        "prev3_event_name": "Git Workshop", "prev3_event_date": "2025-10-14",
        "prev3_attendees_returned_pct": "50.0", "prev3_first_timers_returned_pct": "0.0",
        # E3: P1 of 5; first-timers P4 P5 P6 did not come
        "prev4_event_name": "Halloween Party", "prev4_event_date": "2025-09-30",
        "prev4_attendees_returned_pct": "20.0", "prev4_first_timers_returned_pct": "0.0",
    })
    return expected


def analyse(tmp_path, event_id) -> int:
    return event_analysis_single.main(["--event-id", str(event_id), "--outdir", str(tmp_path)])


def test_every_column_for_one_event(community, tmp_path, capsys):
    assert analyse(tmp_path, community["E8"]) == 0
    [row] = rows(tmp_path / "event_analysis_all.csv")
    assert row == expected_e8(community)
    out = capsys.readouterr().out
    assert "Python Workshop · 2025-12-09 · Room 101" in out and "attendees    5 (+25.0% vs previous workshop)" in out
    assert "Compared with the previous workshop: Git Workshop (2025-10-14)" in out


def test_no_comparable_previous_event_leaves_the_change_empty(community, tmp_path):
    assert analyse(tmp_path, community["E1"]) == 0
    [row] = rows(tmp_path / "event_analysis_all.csv")
    assert (row["rsvps"], row["attendees"], row["first_timers"]) == ("7", "5", "5")
    empty = [c for c in COLUMNS if c.startswith(("previous_", "prev", "cost")) or c.endswith("_change_pct")]
    assert {c: row[c] for c in empty} == dict.fromkeys(empty, "")


def test_fewer_than_four_earlier_events_keep_the_column_order(community, tmp_path):
    assert analyse(tmp_path, community["E3"]) == 0
    with open(tmp_path / "event_analysis_all.csv", newline="", encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    [row] = rows(tmp_path / "event_analysis_all.csv")
    assert [row[f"prev{i}_event_name"] for i in range(1, 5)] == ["Autumn Social", "Welcome Workshop", "", ""]
    # E2: P1 and P12 of 5 came to E3? only P1: 20%; E1: P1 and P25 of 5: 40%
    assert (row["prev1_attendees_returned_pct"], row["prev2_attendees_returned_pct"]) == ("20.0", "40.0")
    assert row["attendees_change_pct"] == "0.0" and row["first_timers_change_pct"] == "0.0"


def test_a_rerun_replaces_the_events_row(community, tmp_path):
    for event in ("E8", "E1", "E8"):
        assert analyse(tmp_path, community[event]) == 0
    saved = rows(tmp_path / "event_analysis_all.csv")
    assert [r["event_id"] for r in saved] == [str(community["E1"]), str(community["E8"])]
    assert saved[1] == expected_e8(community)  # the same numbers, the injection escaped once


def test_choosing_earlier_events_needs_a_terminal(community, tmp_path, caplog):
    assert event_analysis_single.main(["--outdir", str(tmp_path)]) == 2
    assert "no terminal to choose at: pass --event-id" in caplog.text
    assert event_analysis_single.main(["--event-id", str(community["E8"]), "--choose-past",
                                       "--outdir", str(tmp_path)]) == 2
    assert not (tmp_path / "event_analysis_all.csv").exists()


def test_an_unsettled_or_unknown_event_is_a_usage_error(community, tmp_path, caplog):
    assert analyse(tmp_path, 999999) == 2
    assert "event 999999 is not a settled event with guests" in caplog.text


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_placards_are_one_page_stored_and_resumable(community, db, tmp_path, caplog):
    for event in ("E1", "E8", "E3"):
        assert analyse(tmp_path, community[event]) == 0
    analysis = tmp_path / "event_analysis_all.csv"
    with db.cursor() as cur:  # a real failure while storing the second row's placard
        cur.execute("""CREATE FUNCTION fail_e8() RETURNS trigger LANGUAGE plpgsql AS $$
                       BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$""")
        cur.execute(f"CREATE TRIGGER fail_e8 BEFORE UPDATE OF placard_pdf ON events FOR EACH ROW "
                    f"WHEN (NEW.id = {community['E8']}) EXECUTE FUNCTION fail_e8()")
    pdfs = tmp_path / "pdfs"

    assert generate_all_placards.main(["--input-csv", str(analysis), "--save-pdfs-dir", str(pdfs),
                                       "--org-name", "Example Club"]) == 1

    assert "placard of event %d (Python Workshop) not made: disk full (injected)" % community["E8"] in caplog.text
    assert [r["event_id"] for r in rows(analysis)] == [str(community["E8"])]  # only the failed row stays
    with db.cursor() as cur:
        cur.execute("SELECT id, placard_pdf FROM events WHERE placard_pdf IS NOT NULL ORDER BY start_at")
        stored = {event_id: bytes(pdf) for event_id, pdf in cur.fetchall()}
        cur.execute("DROP TRIGGER fail_e8 ON events")
    assert set(stored) == {community["E1"], community["E3"]}
    for pdf in stored.values():
        assert pdf.startswith(b"%PDF") and page_count(pdf) == 1
    assert sorted(p.name for p in pdfs.iterdir()) == [
        f"event_{community['E1']}_Welcome-Workshop.pdf", f"event_{community['E3']}_Halloween-Party.pdf"]

    assert [r["event_id"] for r in rows(tmp_path / "event_analysis_done.csv")] == [
        str(community["E1"]), str(community["E3"])]  # what left the input is kept beside it

    assert generate_all_placards.main(["--input-csv", str(analysis)]) == 0  # resumes with E8 alone

    assert rows(analysis) == []
    done = rows(tmp_path / "event_analysis_done.csv")
    assert [r["event_id"] for r in done] == [str(community[e]) for e in ("E1", "E3", "E8")]
    assert done[2] == expected_e8(community)  # every number of the row, as it was
    with db.cursor() as cur:
        cur.execute("SELECT id, placard_pdf FROM events WHERE placard_pdf IS NOT NULL")
        after = {event_id: bytes(pdf) for event_id, pdf in cur.fetchall()}
    assert set(after) == {community["E1"], community["E3"], community["E8"]}
    assert after[community["E1"]] == stored[community["E1"]]  # not made again
    assert page_count(after[community["E8"]]) == 1


def test_placard_options_are_checked_before_any_work(tmp_path):
    (tmp_path / "a.csv").write_text(",".join(COLUMNS) + "\n")
    for argv in (["--input-csv", str(tmp_path / "none.csv")],
                 ["--input-csv", str(tmp_path / "a.csv"), "--accent-color", "not-a-colour"],
                 ["--input-csv", str(tmp_path / "a.csv"), "--logo", str(tmp_path / "logo.png")]):
        with pytest.raises(SystemExit) as exit_:
            generate_all_placards.main(argv)
        assert exit_.value.code == 2


def test_choosing_in_a_terminal(community, db, tmp_path, monkeypatch, capsys):
    # E8 is the 3rd newest; then E7 by its id, E1 by its place among the 7 earlier ones
    answers = iter(["nonsense", "3", f"id {community['E7']}", "7", "", "never asked"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))

    assert event_analysis_single.main(["--choose-past", "--outdir", str(tmp_path)]) == 0

    [row] = rows(tmp_path / "event_analysis_all.csv")
    assert row["event_id"] == str(community["E8"])
    assert [row[f"prev{i}_event_name"] for i in range(1, 5)] == ["Board Game Social", "Welcome Workshop", "", ""]
    assert ("'nonsense' names no event of the list: give numbers from it (2, 14, 15 or 3-5) or 'id N'"
            in capsys.readouterr().err)


def test_another_kind_is_compared_only_when_no_earlier_one_of_its_kind(community, tmp_path, capsys):
    assert analyse(tmp_path, community["E9"]) == 0  # the first hackathon: E8 (a workshop) before it
    [row] = rows(tmp_path / "event_analysis_all.csv")
    assert (row["previous_event_name"], row["previous_event_category"], row["comparison"]) == (
        "Python Workshop", "workshop", "previous, another category")
    assert (row["rsvps_change_pct"], row["attendees_change_pct"]) == ("-20.0", "-20.0")  # 4 vs 5
    out = capsys.readouterr().out
    assert "RSVPs        4 (-20.0% vs a workshop)" in out
    assert ("Compared with the previous event, a workshop (no earlier hackathon had enough attendees): "
            "Python Workshop (2025-12-09)") in out


def placard_texts(row) -> list[str]:
    fig = placard_figure(row)
    try:
        fig.canvas.draw()
        return [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    finally:
        plt.close(fig)


def test_a_placard_of_an_event_without_attendance_says_so(community, db, tmp_path):
    with db.cursor() as cur:
        cur.execute("UPDATE events SET cost = 120, currency = 'EUR' WHERE id = %s", (community["E5"],))
    assert analyse(tmp_path, community["E5"]) == 0  # RSVPs, nobody checked in
    [row] = rows(tmp_path / "event_analysis_all.csv")
    assert (row["attendance_taken"], row["attendees"], row["first_timers"], row["cost_per_attendee"]) == (
        "no", "", "", "")
    assert row["prev1_event_name"] == "Git Workshop" and row["prev1_attendees_returned_pct"] == ""  # not 0 %

    said = placard_texts(row)

    assert "Attendance was not taken at this event" in said
    assert said.count("attendance not taken") == 2  # the attendees and first-timers cards
    assert "EUR 120.00" in said
    assert not [t for t in said if t.endswith("%") or "% of" in t]  # no bar, no percentage
    assert placard_figure(row).axes == []  # no "who came", no "who came back"
    plt.close("all")


def test_costs_carry_their_currency(community, db, tmp_path):
    with db.cursor() as cur:
        cur.execute("UPDATE events SET currency = 'USD' WHERE id = %s", (community["E8"],))
    assert analyse(tmp_path, community["E8"]) == 0
    [row] = rows(tmp_path / "event_analysis_all.csv")
    said = placard_texts(row)
    assert "USD 250.00" in said and "USD 50.00 / attendee\nUSD 250.00 / first-timer" in said
    assert "▲ 25.0% vs previous workshop" in said


def middle(box) -> tuple[float, float]:
    return (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2


def test_no_label_overflows_its_bar_or_card():
    row = dict.fromkeys(COLUMNS, "")
    row.update({"event_name": "A Very Long Event Name That Would Never Fit On One Line Of A Placard Header",
                "event_date": "2025-12-09", "rsvps": "1234", "attendees": "987", "first_timers": "456",
                "attendance_taken": "yes", "cost": "123456.78", "currency": "USD",
                "cost_per_attendee": "125.09", "cost_per_first_timer": "270.74",
                "rsvps_change_pct": "-12.5", "attendees_change_pct": "100.0", "first_timers_change_pct": "3.3",
                "comparison": "previous, another category", "previous_event_category": "hackathon-and-more",
                "previous_event_name": "Another Event", "previous_event_date": "2025-11-25",
                "gender_female_pct": "48.0", "gender_male_pct": "40.0", "gender_other_pct": "9.5",
                "gender_unknown_pct": "2.5",
                "school_1": "Massachusetts College of Art and Design", "school_1_pct": "60.0",
                "school_2": "Olin College of Engineering", "school_2_pct": "10.0",
                "school_3": "Wentworth Institute of Technology", "school_3_pct": "6.0",
                "school_other_pct": "20.0", "school_unknown_pct": "4.0",
                "first_event_pct": "90.0", "second_third_event_pct": "9.0", "fourth_plus_event_pct": "1.0"})
    fig = placard_figure(row)
    fig.canvas.draw()
    cards = [p.get_window_extent() for p in fig.patches][1:]  # the header band, then the cards
    for text in fig.texts:
        box = text.get_window_extent()
        assert 0 <= box.x0 and box.x1 <= fig.bbox.width, text.get_text()
        for card in cards:
            if card.contains(*middle(box)):
                assert card.x0 <= box.x0 and box.x1 <= card.x1, text.get_text()
    [ax, _] = fig.axes
    bars = [p.get_window_extent() for p in ax.patches]
    written = []
    for text in ax.texts:
        box = text.get_window_extent()
        inside = [bar for bar in bars if bar.contains(*middle(box))]
        if inside:  # a segment's label: within its segment
            assert inside[0].x0 <= box.x0 and box.x1 <= inside[0].x1, text.get_text()
            written.append(text.get_text())
    assert "Massachusetts …\n60%" in written or "Massachusetts Col…\n60%" in written or any(
        w.endswith("\n60%") for w in written)
    assert any(t.get_text().startswith("also: ") and "Wentworth" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_choosing_several_earlier_events_at_once_and_cancelling(community, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    # E10, the newest; then of the earlier ones (newest first: E9 E8 E7 E6 E5 …) E8, E6 and E5
    answers = iter(["1", "2, 4-5", "", "never asked"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert event_analysis_single.main(["--choose-past", "--outdir", str(tmp_path)]) == 0
    [row] = rows(tmp_path / "event_analysis_all.csv")
    assert [row[f"prev{i}_event_name"] for i in range(1, 5)] == [
        "Python Workshop", "Winter Party", "Founders Talk", ""]
    assert (row["event_name"], row["comparison"], row["previous_event_name"]) == (
        "End of Year Social", "chosen by hand", "Python Workshop")  # the label names what was compared

    def end_of_input(prompt=""):
        raise EOFError
    monkeypatch.setattr("builtins.input", end_of_input)
    assert event_analysis_single.main(["--outdir", str(tmp_path / "other")]) == 0
    assert "Cancelled: nothing saved." in capsys.readouterr().err
    assert not (tmp_path / "other").exists()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=6), st.sampled_from([", ", ",", " ", " , "]))
def test_a_list_of_numbers_names_those_events(numbers, separator):
    candidates = [1000 + n for n in range(30)]
    expected = list(dict.fromkeys(candidates[n - 1] for n in numbers))
    assert parse_choices(separator.join(map(str, numbers)), candidates) == expected
    low, high = min(numbers), max(numbers)
    assert parse_choices(f"{low}-{high}", candidates) == candidates[low - 1:high]
