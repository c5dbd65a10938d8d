"""Schools normalised once: at import, and for people imported before at the start of a step."""
from __future__ import annotations

import psycopg2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_import import GUESTS, SCHOOL_Q, write_csv
from guest_lists import HEADER_GENERATIONS

import analyze
import import_luma_attendance
from luma_pipeline.database import apply_schema
from luma_pipeline.schools import BUILT_IN, fold, read_alias_file, school_names

NAMES = school_names()


@pytest.mark.parametrize("answer, school", [
    ("MIT", "MIT"), ("mit", "MIT"), ("M.I.T.", "MIT"), ("Massachusetts Institute of Technology", "MIT"),
    ("massachusetts  institute of technology.", "MIT"),
    ("Harvard", "Harvard University"), ("harvard university", "Harvard University"),
    ("HARVARD UNIVERSITY", "Harvard University"), ("Harvard College", "Harvard University"),
    ("Boston College", "Boston College"), ("BC", "Boston College"), ("bc ", "Boston College"),
    ("BU", "Boston University"), ("boston university", "Boston University"), ("Boston U", "Boston University"),
    ("Northeastern", "Northeastern University"), ("NEU", "Northeastern University"),
    ('"Tufts"', "Tufts University"), ("Emerson", "Emerson College"),
    ("University of California, Berkeley", "UC Berkeley"), ("the Ohio State University", "The Ohio State University"),
    ("N/A", None), ("n/a", None), ("NA", None), ("none", None), ("-", None), ("  ", None), ("", None),
    ("Working professional", None), ("working  professional", None), ("Not a student", None),
    ("NOT A STUDENT", None), ("prefer not to say", None),
    ("boston UNIVERSITY", "Boston University"), ("university of toronto", "University of Toronto"),
    ("UNIVERSITY OF TORONTO", "University of Toronto"), ("McGill University", "McGill University"),
    ("UofT", "UofT"), ("École Polytechnique", "École Polytechnique"), ("  state   university ", "State University"),
], ids=lambda value: repr(value))
def test_school_names(answer, school):
    assert NAMES.name(answer) == school


def test_the_built_in_aliases_name_their_sources():
    rows = read_alias_file(BUILT_IN)
    assert len(rows) > 100
    with open(BUILT_IN, encoding="utf-8") as handle:
        assert handle.readline().strip() == "alias,name,source"
        assert all(line.rstrip().rsplit(",", 1)[-1] for line in handle)  # every row says where it comes from


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40))
def test_a_name_is_its_own_name(answer):
    """Normalising twice changes nothing: what the upgrade rewrites, stays written."""
    name = NAMES.name(answer)
    assert name is None or NAMES.name(name) == name


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.sampled_from(["Massachusetts Institute of Technology", "Boston College", "Harvard University",
                        "Working professional", "University of Somewhere"]),
       st.lists(st.sampled_from(["upper", "lower", "space", "dot"]), max_size=3))
def test_case_spacing_and_punctuation_do_not_make_another_school(answer, changes):
    written = answer
    for change in changes:
        written = {"upper": written.upper(), "lower": written.lower(), "space": "  " + written.replace(" ", "  "),
                   "dot": written + "."}[change]
    assert fold(written) == fold(answer)
    assert NAMES.name(written) == NAMES.name(answer)


def test_the_organisers_aliases_win(monkeypatch, tmp_path):
    names = school_names((("Tufts U", "Tufts"), ("Tufts University", "Tufts"), ("alumni", "")))
    assert [names.name(a) for a in ("tufts u", "Tufts University", "Alumni", "MIT")] == ["Tufts", "Tufts", None, "MIT"]


@pytest.mark.parametrize("content, named", [
    ("alias,school\nTufts U,Tufts\n", "row 1: missing column(s) name"),
    ("alias,name\nTufts U,Tufts\n,MIT\n", "row 3, column alias: empty"),
], ids=["wrong header", "empty alias"])
def test_a_bad_alias_file_is_a_configuration_error(content, named, monkeypatch, tmp_path, caplog):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(content)
    monkeypatch.setenv("SCHOOL_ALIASES", str(aliases))
    assert analyze.main(["--outdir", str(tmp_path / "out")]) == 2
    assert f"SCHOOL_ALIASES: {aliases}: {named}" in caplog.text


def test_answers_are_normalised_at_import_with_the_raw_answer_kept(db, database_url, csv_dir, monkeypatch):
    monkeypatch.setenv("SCHOOL_ALIASES", "State U=State University; Home schooled=")
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    with db.cursor() as cur:
        cur.execute("INSERT INTO events (luma_event_id, name, start_at, timezone) VALUES "
                    "('evt-KRKLQQkGnKCpSq9', 'Fall Hack Night', '2025-10-10 23:00+00', 'America/New_York')")
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"]) + [SCHOOL_Q]
    rows = [dict(GUESTS[0], **{SCHOOL_Q: "state u"}), dict(GUESTS[1], **{SCHOOL_Q: "mit"}),
            dict(GUESTS[2], **{SCHOOL_Q: "Working professional"}), dict(GUESTS[3], **{SCHOOL_Q: "home schooled"})]
    write_csv(csv_dir / "guests.csv", columns, rows)

    assert import_luma_attendance.main([]) == 0

    with db.cursor() as cur:
        cur.execute("SELECT first_name, school, school_raw FROM people ORDER BY id")
        assert cur.fetchall() == [("Jane", "State University", "state u"), ("John", "MIT", "mit"),
                                  ("Ann", None, "Working professional"), ("Bo", None, "home schooled")]


def test_people_imported_before_are_normalised_once(db, database_url, tmp_path, caplog):
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    with db.cursor() as cur:  # as an earlier version stored the answers
        cur.execute("INSERT INTO people (first_name, school) VALUES ('A', 'Harvard'), ('B', 'harvard university'), "
                    "('C', 'N/A'), ('D', 'MIT'), ('E', 'Massachusetts Institute of Technology'), ('F', NULL)")

    assert analyze.main(["--outdir", str(tmp_path)]) == 0

    with db.cursor() as cur:
        cur.execute("SELECT first_name, school, school_raw FROM people ORDER BY id")
        assert cur.fetchall() == [("A", "Harvard University", "Harvard"),
                                  ("B", "Harvard University", "harvard university"), ("C", None, "N/A"),
                                  ("D", "MIT", None), ("E", "MIT", "Massachusetts Institute of Technology"),
                                  ("F", None, None)]
        cur.execute("SELECT max(updated_at) FROM people")
        stamp = cur.fetchone()
    assert "schools: 4 people's school answers normalised" in caplog.text
    assert analyze.main(["--outdir", str(tmp_path)]) == 0  # once: nothing left to change
    with db.cursor() as cur:
        cur.execute("SELECT max(updated_at) FROM people")
        assert cur.fetchone() == stamp
