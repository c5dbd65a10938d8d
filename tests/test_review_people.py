"""review_people.py on a real PostgreSQL: the queue, merging and undoing, accepting and rejecting,
finding people and suggesting duplicates."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import psycopg2
import pytest

import review_people
from luma_pipeline.database import apply_schema, try_lock_step

UTC = timezone.utc
TABLES = ("people", "person_identifiers", "attendance", "match_review", "events")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def schema_db(db, database_url):
    """The test's database with the schema applied, as every script leaves it."""
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    return db


@pytest.fixture
def community(schema_db):
    """Three events; Maria Garcia twice (1 and 2, one person truly), John Roe, Ann Lee; review items."""
    db = schema_db
    with db.cursor() as cur:
        cur.execute("""INSERT INTO events (id, luma_event_id, name, start_at) VALUES
            (1, 'evt-1', 'Fall Social', '2025-10-01 22:00+00'), (2, 'evt-2', 'Hack Night', '2025-11-01 22:00+00'),
            (3, 'evt-3', 'Winter Party', '2025-12-01 22:00+00')""")
        cur.execute("""INSERT INTO people (id, first_name, last_name, email, phone, gender, school) VALUES
            (1, 'Maria', 'Garcia', 'm1@example.com', '+16175550101', NULL, 'BU'),
            (2, 'Maria', 'Garcia', 'm2@example.com', NULL, 'female', 'Boston University'),
            (3, 'John', 'Roe', 'john@example.com', '+16175550103', 'male', NULL),
            (4, 'Ann', 'Lee', 'ann@example.com', NULL, NULL, NULL)""")
        cur.execute("SELECT setval('people_id_seq', 4)")
        cur.execute("""INSERT INTO person_identifiers (kind, value, person_id) VALUES
            ('email', 'm1@example.com', 1), ('phone', '+16175550101', 1), ('email', 'm2@example.com', 2),
            ('email', 'maria.g@work.example', 2), ('email', 'john@example.com', 3),
            ('phone', '+16175550103', 3), ('email', 'ann@example.com', 4)""")
        cur.execute("""INSERT INTO attendance (event_id, person_id, luma_guest_id, approval_status,
                                               registered_at, checked_in_at, invite_token,
                                               registration_answers, match_method, match_score) VALUES
            (1, 1, 'gst-a', 'pending_approval', '2025-09-20 12:00+00', '2025-10-01 22:05+00', NULL, '{}',
             'email', NULL),
            (1, 2, 'gst-b', 'approved', '2025-09-25 12:00+00', '2025-10-01 22:02+00', 'newsletter',
             '{"Diet": "vegan"}', 'new', NULL),
            (2, 2, 'gst-c', 'approved', '2025-10-20 12:00+00', NULL, NULL, '{}', 'email', NULL),
            (3, 1, 'gst-d', 'approved', '2025-11-20 12:00+00', '2025-12-01 22:10+00', NULL, '{}', 'email', NULL),
            (1, 3, 'gst-e', 'approved', '2025-09-21 12:00+00', '2025-10-01 22:01+00', NULL, '{}', 'email', NULL),
            (2, 3, 'gst-f', 'approved', '2025-10-21 12:00+00', '2025-11-01 22:01+00', NULL, '{}', 'email', NULL),
            (3, 4, 'gst-g', 'approved', '2025-11-21 12:00+00', NULL, NULL, '{}', 'email', NULL)""")
        cur.execute("""INSERT INTO match_review (id, event_id, person_id, candidate_person_id, reason, score,
                                                 guest, source_file) VALUES
            (1, 1, 2, 1, 'several people have this name', 100, '{"row": 2}', 'fall.csv'),
            (2, 2, 2, 3, 'fuzzy_name matches but the phone differs', 91.5, NULL, 'hack.csv'),
            (3, 3, 4, 1, 'name matches but the name is common', 95, NULL, 'winter.csv')""")
        cur.execute("SELECT setval('match_review_id_seq', 3)")
    return db


def rows(db, sql, *params):
    with db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def dump(db) -> dict[str, list[str]]:
    """Every row of every table a merge touches, as text, in a fixed order."""
    return {t: [r[0] for r in rows(db, f"SELECT to_jsonb(t)::text FROM {t} t ORDER BY 1")] for t in TABLES}


def run(capsys, *argv) -> tuple[int, str]:
    code = review_people.main(list(argv))
    return code, capsys.readouterr().out


def test_merge_then_undo_leaves_every_table_as_it_was(community, capsys):
    before = dump(community)
    code, out = run(capsys, "merge", "1", "2")
    assert code == 0 and out.strip().isdigit()
    assert rows(community, "SELECT count(*) FROM people WHERE id = 2") == [(0,)]
    assert dump(community) != before
    code, out = run(capsys, "undo", out.strip())
    assert (code, out) == (0, "")
    assert dump(community) == before


def test_two_rows_of_one_event_become_one_with_the_check_in(community, capsys):
    code, merge_id = run(capsys, "merge", "1", "2")
    assert code == 0
    assert rows(community, """SELECT event_id, luma_guest_id, approval_status, registered_at, checked_in_at,
                                     invite_token, registration_answers FROM attendance
                              WHERE person_id = 1 ORDER BY event_id""") == [
        # the latest registration's guest id, status and time; the earliest check-in; OTHER's token
        (1, "gst-b", "approved", at("2025-09-25 12:00"), at("2025-10-01 22:02"), "newsletter", {"Diet": "vegan"}),
        (2, "gst-c", "approved", at("2025-10-20 12:00"), None, None, {}),
        (3, "gst-d", "approved", at("2025-11-20 12:00"), at("2025-12-01 22:10"), None, {}),
    ]
    # blanks filled from OTHER, values kept; every identifier now KEEP's
    assert rows(community, "SELECT email, phone, gender, school FROM people WHERE id = 1") == [
        ("m1@example.com", "+16175550101", "female", "BU")]
    assert rows(community, "SELECT value FROM person_identifiers WHERE person_id = 1 ORDER BY value") == [
        ("+16175550101",), ("m1@example.com",), ("m2@example.com",), ("maria.g@work.example",)]
    # the item about the pair is settled by the merge; the one about OTHER and John now names KEEP
    assert rows(community, """SELECT id, person_id, candidate_person_id, status FROM match_review
                              ORDER BY id""") == [(1, 1, 1, "closed"), (2, 1, 3, "open"), (3, 4, 1, "open")]
    assert rows(community, """SELECT keep_person_id, other_person_id, moved FROM person_merges""") == [
        (1, 2, {"fields_filled": ["gender"], "identifiers": 2, "attendance_moved": 1,
                "attendance_combined": 1, "review_items": 2})]


def test_a_merge_dry_run_changes_nothing(community, capsys):
    before = dump(community)
    code, out = run(capsys, "merge", "1", "2", "--dry-run")
    assert code == 0
    assert out.startswith("would merge person 2 into 1: 2 identifier(s), 1 attendance row(s) moved, 1 combined")
    assert dump(community) == before
    assert rows(community, "SELECT count(*) FROM person_merges") == [(0,)]


def test_accept_merges_the_candidate_and_settles_the_item(community, capsys):
    code, out = run(capsys, "accept", "1")
    assert code == 0
    assert rows(community, "SELECT id, keep_person_id, other_person_id, review_id FROM person_merges") == [
        (int(out), 1, 2, 1)]
    assert rows(community, "SELECT status, merge_id, decided_by IS NOT NULL FROM match_review WHERE id = 1") == [
        ("accepted", int(out), True)]
    assert rows(community, "SELECT review_id FROM match_review_open ORDER BY 1") == [(2,), (3,)]


def test_reject_keeps_the_pair_apart_and_is_logged(community, capsys):
    assert run(capsys, "reject", "3") == (0, "")
    assert rows(community, "SELECT status FROM match_review WHERE id = 3") == [("rejected",)]
    code, out = run(capsys, "history", "--csv")
    assert code == 0
    history = list(csv.DictReader(io.StringIO(out)))
    assert [(h["action"], h["item_id"], h["person_id"], h["other_person_id"]) for h in history] == [
        ("reject", "3", "1", "4")]
    assert history[0]["by"]


@pytest.mark.parametrize("argv, expected", [
    (["accept", "99"], 2), (["reject", "99"], 2), (["undo", "99"], 2), (["show", "99"], 2),
    (["merge", "1", "99"], 2), (["merge", "1", "1"], 2), (["accept", "x"], 2), (["queue", "--limit", "0"], 2),
    ([], 2), (["frobnicate"], 2),
], ids=["unknown item to accept", "unknown item to reject", "unknown merge", "unknown person",
        "unknown person to merge", "a person with themselves", "not a number", "limit 0",
        "no command", "unknown command"])
def test_unknown_ids_and_bad_usage_exit_2(community, capsys, argv, expected):
    before = dump(community)
    try:
        code = review_people.main(argv)
    except SystemExit as stop:  # argparse refuses before any work
        code = stop.code
    assert code == expected
    assert dump(community) == before


def test_an_item_is_settled_once_and_a_merge_undone_once(community, capsys):
    assert run(capsys, "reject", "3")[0] == 0
    assert run(capsys, "accept", "3")[0] == 2
    assert run(capsys, "reject", "3")[0] == 2
    code, merge_id = run(capsys, "accept", "1")
    assert code == 0
    assert run(capsys, "accept", "1")[0] == 2
    assert run(capsys, "undo", merge_id.strip())[0] == 0
    assert run(capsys, "undo", merge_id.strip())[0] == 2
    assert rows(community, "SELECT status FROM match_review WHERE id = 1") == [("open",)]


def test_an_earlier_merge_is_undone_only_after_a_later_one_of_the_same_people(community, capsys):
    first = run(capsys, "merge", "1", "2")[1].strip()
    second = run(capsys, "merge", "1", "4")[1].strip()
    assert run(capsys, "undo", first)[0] == 2
    assert run(capsys, "undo", second)[0] == 0
    assert run(capsys, "undo", first)[0] == 0
    assert rows(community, "SELECT id FROM people ORDER BY id") == [(1,), (2,), (3,), (4,)]


def test_writing_commands_wait_for_a_running_import(community, database_url, capsys):
    holder = psycopg2.connect(database_url)
    try:
        assert try_lock_step(holder, "import_luma_attendance")
        assert run(capsys, "accept", "1") == (75, "")
        assert run(capsys, "queue")[0] == 0  # reading needs no lock
    finally:
        holder.close()
    assert run(capsys, "accept", "1")[0] == 0


def test_queue_is_ordered_by_events_involved_then_score(community, capsys):
    # item 1: Maria + Maria: events 1, 2, 3 → 3; item 2: Maria 2 + John: events 1, 2 → 2;
    # item 3: Ann + Maria 1: events 1, 3 → 2, but a higher score than item 2
    code, out = run(capsys, "queue", "--csv")
    assert code == 0
    queue = list(csv.DictReader(io.StringIO(out)))
    assert [(q["item_id"], q["events_involved"], q["score"]) for q in queue] == [
        ("1", "3", "100"), ("3", "2", "95"), ("2", "2", "91.5")]
    assert queue[0] | {"queued_at": ""} == {
        "item_id": "1", "person_id": "2", "candidate_person_id": "1",
        "reason": "several people have this name", "score": "100", "events_involved": "3",
        "person_name": "Maria Garcia", "person_emails": "m2@example.com maria.g@work.example",
        "person_phones": "", "person_school": "Boston University", "person_events": "1",
        "candidate_name": "Maria Garcia", "candidate_emails": "m1@example.com",
        "candidate_phones": "+16175550101", "candidate_school": "BU", "candidate_events": "2",
        "event": "Fall Social", "source_file": "fall.csv", "queued_at": ""}
    limited = run(capsys, "queue", "--csv", "--limit", "1")[1]
    assert [q["item_id"] for q in csv.DictReader(io.StringIO(limited))] == ["1"]


def test_queue_for_a_person_shows_both_sides(community, capsys):
    code, out = run(capsys, "queue", "--limit", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "item 1  score 100  events involved 3  several people have this name  (Fall Social · fall.csv)"
    assert lines[2].split() == ["name", "Maria", "Garcia", "Maria", "Garcia"]
    assert lines[5].split() == ["school", "Boston", "University", "BU"]


@pytest.mark.parametrize("text, found", [
    ("M1@Example.com ", [1]), ("(617) 555-0103", [3]), ("maria garcia", [1, 2]), ("GARCÍA", [1, 2]),
    ("Johnny Roe", [3]), ("Joan Roe", []), ("maria.g", [1, 2]), ("john", [3]), ("nobody", []),
], ids=["email folded", "phone in another format", "name", "accents and case", "a nickname of John",
        "Joan is not John", "initials of a name", "an email local part or a name",
        "nobody"])
def test_find_folds_like_the_matcher(community, capsys, text, found):
    code, out = run(capsys, "find", text)
    assert code == 0
    assert [int(line.split(":")[0].split()[1]) for line in out.splitlines() if line.startswith("person ")] == found


def test_show_tells_everything_known_of_a_person(community, capsys):
    run(capsys, "merge", "1", "2")
    code, out = run(capsys, "show", "1")
    assert code == 0
    assert "  emails   m1@example.com, m2@example.com, maria.g@work.example" in out
    assert "2025-10-01  event 1 Fall Social: approved, checked in 22:02 (found by email)" in out
    assert ": merge 1: person 2 into 1 (2 identifier(s)" in out
    code, _ = run(capsys, "show", "2")
    assert code == 2


def test_suggest_finds_one_person_twice_and_queues_them_once(community, capsys):
    with community.cursor() as cur:
        cur.execute("""INSERT INTO people (id, first_name, last_name, email, school) VALUES
            (5, 'Bob', 'Smith', 'bob.smith@gmail.com', 'Tufts'), (6, 'Robert', 'Smith', 'bob.smith@tufts.edu', NULL),
            (7, 'Robert', 'Smith', 'rsmith@example.com', NULL), (8, 'Ann', 'Lee', 'ann.lee@example.com', 'MIT')""")
    code, out = run(capsys, "suggest")
    assert code == 0
    assert out.splitlines() == [
        "person 6 / candidate 5: suggest: nickname pair (bob/robert) and a shared email local part (score 80)"]
    assert run(capsys, "suggest", "--apply-to-queue")[0] == 0
    assert run(capsys, "suggest", "--apply-to-queue")[0] == 0
    assert rows(community, """SELECT person_id, candidate_person_id, event_id, queued_by IS NOT NULL
                              FROM match_review WHERE id > 3""") == [(6, 5, None, True)]
    code, out = run(capsys, "suggest")
    assert out.endswith("(score 80) [already queued]\n")


def write_guest_list(path, guests):
    """A guest list in Luma's export shape: (guest id, name, email, phone)."""
    from luma_pipeline.luma.guest_csv import EXPORT_COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, EXPORT_COLUMNS, lineterminator="\r\n", restval="")
    writer.writeheader()
    for guest_id, name, email, phone in guests:
        writer.writerow({"guest_id": guest_id, "name": name, "first_name": name.split()[0],
                         "last_name": " ".join(name.split()[1:]), "email": email, "phone_number": phone,
                         "created_at": "2025-10-01T12:00:00.000Z", "approval_status": "approved",
                         "qr_code_url": f"https://luma.com/check-in/{path.stem}?pk=x"})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def events(schema_db):
    """Three events, nobody yet."""
    db = schema_db
    with db.cursor() as cur:
        cur.execute("""INSERT INTO events (luma_event_id, name, start_at) VALUES
            ('evt-1', 'Fall Social', '2025-10-01 22:00+00'), ('evt-2', 'Hack Night', '2025-11-01 22:00+00'),
            ('evt-3', 'Winter Party', '2025-12-01 22:00+00')""")
    return db


def test_a_rejected_pair_stays_apart_when_a_later_file_brings_the_same_two_names(events, csv_dir, capsys):
    import import_luma_attendance
    write_guest_list(csv_dir / "evt-1.csv", [("gst-1", "Maria Garcia", "m1@example.com", "+1 617 555 0101"),
                                             ("gst-2", "Maria Garcia", "m2@example.com", "+1 617 555 0102")])
    assert import_luma_attendance.main([]) == 0
    assert rows(events, "SELECT id, person_id, candidate_person_id, reason FROM match_review") == [
        (1, 2, 1, "name matches but the phone differs")]
    assert run(capsys, "reject", "1")[0] == 0
    for n in (2, 3):  # the same two people, by their emails and by their phones
        write_guest_list(csv_dir / f"evt-{n}.csv", [
            (f"gst-{n}1", "Maria Garcia", "m1@example.com" if n == 2 else "", "+1 617 555 0101"),
            (f"gst-{n}2", "Maria Garcia", "m2@example.com" if n == 2 else "", "(617) 555-0102")])
        assert import_luma_attendance.main([]) == 0
    assert rows(events, "SELECT person_id, count(*) FROM attendance GROUP BY 1 ORDER BY 1") == [(1, 3), (2, 3)]
    assert rows(events, "SELECT count(*), count(*) FILTER (WHERE status = 'open') FROM match_review") == [(1, 0)]


def test_the_same_pair_is_queued_once_whichever_event_brings_it(events, csv_dir):
    import import_luma_attendance
    from luma_pipeline.importing.attendance_table import queue_for_review
    write_guest_list(csv_dir / "evt-1.csv", [("gst-1", "Maria Garcia", "m1@example.com", "+1 617 555 0101"),
                                             ("gst-2", "Maria Garcia", "m2@example.com", "+1 617 555 0102")])
    assert import_luma_attendance.main([]) == 0
    with events.cursor() as cur:
        cur.execute("SELECT id FROM events WHERE luma_event_id = 'evt-2'")
        event_2 = cur.fetchone()[0]
    conn = psycopg2.connect(events.dsn)
    item = {"event_id": event_2, "person_id": 1, "candidate_person_id": 2, "reason": "again", "score": 100.0,
            "guest": None, "source_file": "evt-2.csv"}
    assert queue_for_review(conn, [item, dict(item, event_id=None)]) == 0
    conn.commit()
    conn.close()
    assert rows(events, "SELECT event_id, person_id, candidate_person_id FROM match_review") == [(1, 2, 1)]


def test_the_report_page_shows_open_items_and_analyze_counts_merges_since_its_last_run(community, capsys,
                                                                                       tmp_path):
    import analyze

    def analyze_counts(outdir):
        assert analyze.main(["--outdir", str(tmp_path / outdir)]) == 0
        return rows(community, "SELECT counts->>'merges_since_last_run', counts->>'open_review_items', message "
                               "FROM run_log WHERE step = 'analyze' ORDER BY id DESC LIMIT 1")[0]

    merges, open_items, message = analyze_counts("a")
    assert (merges, open_items) == ("0", "3")
    assert message.endswith("; people: merges since last run=0 open review items=3")
    page = (tmp_path / "a" / "index.html").read_text()
    assert "Review queue: 3 open item(s)" in page and "python review_people.py queue" in page
    assert run(capsys, "accept", "1")[0] == 0
    assert run(capsys, "merge", "3", "4")[0] == 0
    assert analyze_counts("b")[:2] == ("2", "1")  # item 3 named Ann (4): now John's, still open
    assert analyze_counts("c")[:2] == ("0", "1")
