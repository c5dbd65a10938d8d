"""The importer reads only the part of the community a guest list can reach (importing/community.py):
its name keys agree with the matcher's folding, and matching over what it reads gives exactly the
answers matching over everyone gives."""
from __future__ import annotations

import re
from io import StringIO

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from luma_pipeline.database import apply_schema, copy_rows
from luma_pipeline.importing.community import full_name_key, open_community, read_for
from luma_pipeline.importing.identity import email_local_part, fold_name, name_key
from luma_pipeline.importing.matching import Guest, PeopleIndex
from luma_pipeline.importing.plan import FileMatches, LocalIds, match_batch
from luma_pipeline.importing.rows import GuestRow


@pytest.fixture
def conn(database_url):
    connection = psycopg2.connect(database_url)
    apply_schema(connection)
    yield connection
    connection.close()


def _sql_keys(conn, function: str, texts: list[str]) -> list[str]:
    """`function` (name_key or email_local_part) of each text, as the database computes it."""
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE texts (n int, t text)")
        rows = "".join(f"{n}\t{_copy_escaped(t)}\n" for n, t in enumerate(texts))
        cur.copy_expert("COPY texts FROM STDIN", StringIO(rows))
        cur.execute(f"SELECT {function}(t) FROM texts ORDER BY n")
        keys = [key for key, in cur.fetchall()]
        cur.execute("DROP TABLE texts")
    return keys


def _copy_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def test_name_key_in_the_database_is_the_matchers_folding_for_every_character(conn):
    """Every Unicode character (but NUL and surrogates): the database's name_key leaves the
    letters fold_name leaves. Names are folded a character at a time, so this holds for names."""
    characters = [chr(c) for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    wrong = [(hex(ord(ch)), python, sql) for ch, sql in zip(characters, _sql_keys(conn, "name_key", characters))
             if (python := name_key(ch)) != sql]
    assert wrong == []


def test_name_key_of_names_as_people_write_them(conn):
    names = ["José-María O'Brien", "SØREN ØSTERGAARD", "Łukasz Żółć", "Straße", "ǅemal", "Ｊｏｈｎ",
             "van der Berg", "Anne-Marie 2nd", "", "  ", "李小龍", "Æsir Œuvre", "Ðorðe", "ıstanbul"]
    assert _sql_keys(conn, "name_key", names) == [name_key(n) for n in names] == [
        "josemariaobrien", "sorenostergaard", "lukaszzolc", "strasse", "dzemal", "john", "vanderberg",
        "annemariend", "", "", "", "aesiroeuvre", "dorde", "istanbul"]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1, max_size=12).filter(lambda t: "\x00" not in t), min_size=1, max_size=20))
def test_name_key_agrees_on_any_text(conn, texts):
    assert _sql_keys(conn, "name_key", texts) == [re.sub("[^a-z]", "", fold_name(t)) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_a_full_names_key_is_its_parts_keys(first, last):
    """community.full_name_key joins the parts' keys instead of folding the full name again."""
    assert full_name_key(first, last) == name_key(f"{first} {last}")
    assert full_name_key(fold_name(first), fold_name(last)) == name_key(f"{first} {last}")


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.from_regex(r"[a-z0-9._+\-]{1,10}@[a-z0-9.\-]{1,8}", fullmatch=True), min_size=1, max_size=20))
def test_email_local_part_in_the_database_is_the_matchers(conn, emails):
    assert _sql_keys(conn, "email_local_part", emails) == [email_local_part(e) for e in emails]


# -- matching over what is read = matching over everyone ---------------------------------------------

# Small pools, so that names collide, nicknames and typos meet, identifiers are shared and phones
# differ only in their last digits: every rule of the cascade gets its turn.
FIRST = ["John", "Jon", "Johnny", "Joan", "Robert", "Bob", "Samantha", "Samatha", "Christopher",
         "Kristopher", "Chris", "Mary", "Marie", "Ann", "Anne", "Lee", "Smith", "", "José", "Jno",
         "Mary Ann"]
LAST = ["Smith", "Smyth", "Smiths", "Williams", "Wiliams", "Lee", "Li", "García", "Garcia",
        "O'Brien", "OBrien", "de la Cruz", "Dela Cruz", "John", "Jon", "", "Ann Smith", "Ann Smyth"]
EMAILS = ["starlight42@a.org", "starlight42@b.org", "jsmith@a.org", "john.smith@b.org", "bob@a.org",
          "jsmith1987@a.org", "jsmith1987@c.org", "sam@b.org", None]
PHONES = ["+16175550100", "+16175550199", "+16175551234", "+442071838750", None]
SCHOOLS = ["mit", "harvard", None]

people = st.lists(st.tuples(st.sampled_from(FIRST), st.sampled_from(LAST), st.sampled_from(EMAILS),
                            st.sampled_from(PHONES), st.sampled_from(SCHOOLS),
                            st.sampled_from([None, "female", "male"]), st.sampled_from([None, 2026, 2027]),
                            st.sets(st.sampled_from([1, 2]))), max_size=25)
# Guests mostly bring no known identifier: the names have to do the work.
guests = st.lists(st.tuples(st.sampled_from(FIRST), st.sampled_from(LAST),
                            st.sampled_from(EMAILS + [None] * 8 + ["starlight42@z.org", "jsmith@z.org"]),
                            st.sampled_from(PHONES + [None] * 6), st.sampled_from(SCHOOLS),
                            st.sampled_from([None, "female", "male"]), st.sampled_from([None, 2026, 2027])),
                  min_size=1, max_size=25)


def _store_community(conn, drawn: list[tuple], others: int = 0) -> None:
    """The drawn people, their identifiers (the first owner of a value keeps it) and check-ins at
    events 1 and 2; then `others` people of names of their own (a community large enough that
    the drawn names are rare: a name match counts)."""
    owned = set()
    with conn.cursor() as cur:
        cur.execute("INSERT INTO events (id, name) VALUES (1, 'One'), (2, 'Two'), (3, 'Three')")
        copy_rows(cur, "people", ["id", "first_name", "last_name", "school", "gender", "class_year"],
                  [(n, f or None, l or None, s, g, y) for n, (f, l, _, _, s, g, y, _) in enumerate(drawn, 1)]
                  + [(n, f"Other{n}", f"Family{n}", None, None, None)
                     for n in range(len(drawn) + 1, len(drawn) + others + 1)])
        identifiers = [(kind, value, n) for n, person in enumerate(drawn, 1)
                       for kind, value in (("email", person[2]), ("phone", person[3]))
                       if value and (kind, value) not in owned and not owned.add((kind, value))]
        copy_rows(cur, "person_identifiers", ["kind", "value", "person_id"], identifiers)
        copy_rows(cur, "attendance", ["event_id", "person_id", "checked_in_at"],
                  [(event, n, "2026-01-01T00:00:00Z") for n, person in enumerate(drawn, 1) for event in person[7]])


def _rows(drawn: list[tuple]) -> list[GuestRow]:
    return [GuestRow(number, Guest(None, email, phone, fold_name(first), fold_name(last), gender, year,
                                   school), first or None, last or None, None, "approved", None, None,
                     None, {}, {})
            for number, (first, last, email, phone, school, gender, year) in enumerate(drawn, 2)]


def _everyone(conn) -> PeopleIndex:
    """The yardstick: the whole community in an index, as matching saw it before the importer read
    only what a batch reaches (every person, every identifier, every check-in)."""
    index = PeopleIndex()
    with conn.cursor() as cur:
        cur.execute("SELECT id, first_name, last_name, gender, class_year, school FROM people")
        for person_id, first, last, gender, class_year, school in cur.fetchall():
            index.add_person(person_id, fold_name(first), fold_name(last), gender, class_year,
                             fold_name(school) or None)
        cur.execute("SELECT kind, value, person_id FROM person_identifiers ORDER BY created_at")
        for kind, value, person_id in cur.fetchall():
            index.add_identifier(kind, value, person_id)
        cur.execute("SELECT event_id, person_id FROM attendance WHERE checked_in_at IS NOT NULL")
        for event_id, person_id in cur.fetchall():
            index.add_attendance(event_id, person_id)
    return index


def _match(index, rows: list[GuestRow], batch: int, read=None) -> list:
    """What the importer's matching stages for these rows, `batch` rows at a time; `read` reads the
    community for each batch first."""
    ids, found, staged = LocalIds(), FileMatches({}), []
    for start in range(0, len(rows), batch):
        part = rows[start:start + batch]
        if read:
            read([row.guest for row in part])
        out = match_batch(part, index, ids, found, 3, "list.csv", 90.0)
        staged.append((out.guests, out.identifiers))
    return [staged, found.review, dict(found.found_by), found.new_people]


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(community=people, listed=guests, batch=st.integers(1, 8), others=st.sampled_from([3000, 0, 15, 150]))
def test_matching_over_what_is_read_is_matching_over_everyone(conn, community, listed, batch, others):
    try:
        _store_community(conn, community, others)
        rows = _rows(listed)
        everyone = _match(_everyone(conn), rows, batch)
        reading = open_community(conn, set())
        assert _match(reading.index, rows, batch, lambda g: read_for(reading, g)) == everyone
    finally:
        conn.rollback()


def test_a_short_list_reads_few_of_a_large_community(conn):
    """Three guests against 2,000 people of other names: the people read are the three's
    namesakes, not the community; the one known email's owner is looked up, not read."""
    community = [("Ann", "Lee", "ann@x.org", None, None, None, None, set()),
                 ("Ann", "Lee", None, None, None, None, None, set()),
                 ("Bo", "Quist", "bo@x.org", None, None, None, None, set())]
    _store_community(conn, community, others=2000)
    reading = open_community(conn, set())
    read_for(reading, [row.guest for row in _rows([("Ann", "Lee", None, None, None, None, None),
                                                   ("Robert", "Q", "bo@x.org", None, None, None, None),
                                                   ("Cy", "Twill", None, None, None, None, None)])])
    assert reading.index.population == 2003
    assert reading.people_read == {1, 2}
    assert reading.index.owner("email", "bo@x.org") == 3 and reading.events_read == {1, 2, 3}


def test_every_holder_of_a_name_reached_by_a_typo_is_read(conn):
    """"Mary Ann Smyth" reaches "Mary Ann" "Smith" by a typo in the last name; "Mary" "Ann Smith"
    carries the same full name, unreachable by its parts: she is read too, and, the two being
    equally likely, neither is taken."""
    _store_community(conn, [("Mary Ann", "Smith", None, None, None, None, None, set()),
                            ("Mary", "Ann Smith", None, None, None, None, None, set())], others=3000)
    rows = _rows([("Mary Ann", "Smyth", None, None, None, None, None)])
    reading = open_community(conn, set())
    matched = _match(reading.index, rows, 1, lambda g: read_for(reading, g))
    assert {1, 2} <= reading.people_read
    assert matched == _match(_everyone(conn), rows, 1)
    assert matched[2] == {} and matched[3] == 1  # nobody found: a new person


def test_how_common_a_name_is_counts_the_whole_community(conn):
    """4 Johns and 4 Lees among 38 people: 3 x 3 / 38 = 0.24 other John Lees expected by chance,
    too many to take (or ask about) the one John Lee on a name alone, though only he is read."""
    johns = [("John", last, None, None, None, None, None, set()) for last in ("Lee", "Park", "Cho", "Diaz")]
    lees = [(first, "Lee", None, None, None, None, None, set()) for first in ("Ida", "Bo", "Uma")]
    _store_community(conn, johns + lees, others=31)
    rows = _rows([("John", "Lee", None, None, None, None, None)])
    reading = open_community(conn, set())
    read_for(reading, [rows[0].guest])
    assert reading.people_read == {1}
    assert (reading.index.first_counts["john"], reading.index.last_counts["lee"]) == (4, 4)
    matched = _match(reading.index, rows, 1)
    assert matched == _match(_everyone(conn), rows, 1)
    assert matched[3] == 1  # a new person
