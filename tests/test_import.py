"""import_luma_attendance.py on a real PostgreSQL, with guest lists written as Luma writes them."""
from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime, timezone

import psycopg2
import pytest
from guest_lists import HEADER_GENERATIONS

import import_luma_attendance
import luma_sync
from luma_pipeline.database import apply_schema
from luma_pipeline.luma.guest_csv import SYNC_COLUMNS

UTC = timezone.utc
EVT = "evt-KRKLQQkGnKCpSq9"
QR = f"https://luma.com/check-in/{EVT}?pk=XXXXXXXXXXXXXXX"
GENDER_Q, SCHOOL_Q, YEAR_Q = "What is your gender?", "Which school do you attend?", "Class year"
ODD_Q = 'How did you hear about us? (friends, "flyers", etc.)'
UNICODE_Q = "¿Necesidades dietéticas?"


def write_csv(path, columns, rows, *, bom=True, crlf=True):
    """A guest list as Luma writes it: `rows` are dicts; missing columns are empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode())
    return path


def guest(n, name, email, *, status="approved", checked_in=None, phone="", source="", **answers):
    row = {"api_id": f"gst-{n:015d}", "guest_id": f"gst-{n:015d}", "name": name,
           "first_name": name.split()[0] if name else "", "last_name": " ".join(name.split()[1:]),
           "email": email, "phone_number": phone, "created_at": f"2025-10-0{1 + n % 8}T12:00:00.000Z",
           "approval_status": status, "checked_in_at": checked_in or "", "custom_source": source,
           "utm_source": source, "qr_code_url": QR, "ticket_name": "Standard"}
    row.update(answers)
    return row


CHECKED_IN = "2025-10-10T23:05:00.000Z"
GUESTS = [
    guest(1, "Jane Doe", "jane@example.com", checked_in=CHECKED_IN, source="newsletter",
          **{GENDER_Q: "Woman", SCHOOL_Q: "State University", YEAR_Q: "Junior", ODD_Q: "friends",
             UNICODE_Q: "ninguna"}),
    guest(2, "John Roe", "JOHN@example.com ", status="pending_approval", phone="(617) 555-0100"),
    guest(3, "Ann Lee", "ann@example.com", status="declined", checked_in=CHECKED_IN),
    guest(4, "Bo", "bo@example.com", status="waitlist", **{YEAR_Q: "'28"}),
    guest(5, "", "", status="invited"),  # neither email nor name: skipped
]
QUESTIONS = [GENDER_Q, SCHOOL_Q, YEAR_Q, ODD_Q, UNICODE_Q]


@pytest.fixture
def event(db, database_url):
    """The event of the guest lists, as luma_sync.py would have stored it."""
    return store_event(db, database_url)


def store_event(db, database_url) -> int:
    """The schema, and the event of the guest lists as luma_sync.py would have stored it."""
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.close()
    with db.cursor() as cur:
        cur.execute("INSERT INTO events (luma_event_id, name, start_at, end_at, timezone) VALUES "
                    "(%s, 'Fall Hack Night', '2025-10-10 23:00+00', '2025-10-11 02:00+00', "
                    "'America/New_York') RETURNING id", (EVT,))
        return cur.fetchone()[0]


def table(db, sql):
    with db.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def attendance(db):
    return table(db, """SELECT p.email, a.approval_status, a.checked_in_at IS NOT NULL, a.invite_token
                        FROM attendance a JOIN people p ON p.id = a.person_id ORDER BY p.email""")


EXPECTED_ATTENDANCE = [
    ("ann@example.com", "declined", True, None),  # declined but checked in: attended
    ("bo@example.com", "waitlist", False, None),
    ("jane@example.com", "approved", True, "newsletter"),
    ("john@example.com", "pending_approval", False, None),
]


def name_of(generation: str) -> str:
    return generation.split()[0] + ".csv"


@pytest.mark.parametrize("generation", list(HEADER_GENERATIONS) + ["ours (luma_sync.py)"])
def test_every_header_generation_imports_the_same(generation, event, db, csv_dir, caplog):
    columns = list(HEADER_GENERATIONS.get(generation, SYNC_COLUMNS)) + QUESTIONS
    path = write_csv(csv_dir / "Fall Hack Night - Guests - 2025-10-12-10-00-00.csv", columns, GUESTS)

    assert import_luma_attendance.main([]) == 0

    expected = EXPECTED_ATTENDANCE
    if "custom_source" not in columns and "utm_source" not in columns:
        expected = [(e, s, c, None) for e, s, c, _ in expected]
    assert attendance(db) == expected
    assert table(db, "SELECT attendance, attendance_imported_at IS NOT NULL, attendance_exported_at "
                     "FROM events") == [(2, True, datetime(2025, 10, 12, 10, 0, tzinfo=UTC))]
    assert not path.exists() and (csv_dir / "processed" / path.name).exists()
    assert "rows=5 skipped=1" in caplog.text


@pytest.mark.parametrize("bom, crlf", [(True, True), (False, False), (True, False), (False, True)],
                         ids=["BOM CRLF", "no BOM LF", "BOM LF", "no BOM CRLF"])
def test_bom_and_line_endings(bom, crlf, event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"]) + QUESTIONS
    write_csv(csv_dir / "guests.csv", columns, GUESTS, bom=bom, crlf=crlf)
    assert import_luma_attendance.main([]) == 0
    assert attendance(db) == EXPECTED_ATTENDANCE


def test_question_columns_fill_gender_school_and_class_year(event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"]) + QUESTIONS
    write_csv(csv_dir / "guests.csv", columns, GUESTS)
    assert import_luma_attendance.main([]) == 0
    assert table(db, "SELECT first_name, last_name, gender, school, class_year FROM people ORDER BY id") == [
        ("Jane", "Doe", "female", "State University", 2027),  # a junior in fall 2025
        ("John", "Roe", None, None, None),
        ("Ann", "Lee", None, None, None),
        ("Bo", None, None, None, 2028),  # a one-word name is a first name
    ]
    [(answers,)] = table(db, "SELECT registration_answers FROM attendance a JOIN people p "
                             "ON p.id = a.person_id WHERE p.email = 'jane@example.com'")
    assert answers[ODD_Q] == "friends" and answers[UNICODE_Q] == "ninguna"
    assert table(db, "SELECT kind, value FROM person_identifiers ORDER BY kind, value") == [
        ("email", "ann@example.com"), ("email", "bo@example.com"), ("email", "jane@example.com"),
        ("email", "john@example.com"), ("phone", "+16175550100")]


def snapshot(db):
    return {t: table(db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in
            ("people", "person_identifiers", "attendance", "events", "match_review")}


def test_the_same_file_again_is_a_no_op_under_any_name(event, db, csv_dir, tmp_path, caplog):
    columns = list(SYNC_COLUMNS) + QUESTIONS
    path = write_csv(csv_dir / f"{EVT}_fall_guests_20251012T100000Z.csv", columns, GUESTS)
    assert import_luma_attendance.main([]) == 0
    before = snapshot(db)
    shutil.copy(csv_dir / "processed" / path.name, csv_dir / "renamed.csv")
    elsewhere = tmp_path / "Downloads" / "guests (1).csv"
    elsewhere.parent.mkdir()
    shutil.copy(csv_dir / "processed" / path.name, elsewhere)
    caplog.clear()

    assert import_luma_attendance.main([]) == 0
    assert import_luma_attendance.main([str(elsewhere)]) == 0

    assert snapshot(db) == before
    assert caplog.text.count(f"already imported on {date.today():%Y-%m-%d}") == 2
    assert f"as {path.name}; nothing changed" in caplog.text
    assert (csv_dir / "processed" / "renamed.csv").exists() and elsewhere.exists()
    assert table(db, "SELECT file_name, rows, result FROM imported_files") == [(path.name, 5, "imported")]


def shown(db):
    """Every row as a person sees it: what the snapshot merge keeps, without ids and times of import."""
    return {"people": table(db, "SELECT first_name, last_name, email, phone, gender, school, class_year "
                                "FROM people ORDER BY email"),
            "attendance": table(db, """
                SELECT p.email, a.luma_guest_id, a.approval_status, a.registered_at, a.checked_in_at,
                       a.invite_token, a.registration_answers
                FROM attendance a JOIN people p ON p.id = a.person_id ORDER BY p.email""")}


def test_a_newer_export_of_the_same_guests_changes_nothing_a_person_sees(event, db, csv_dir, caplog):
    columns = list(SYNC_COLUMNS) + QUESTIONS
    write_csv(csv_dir / f"{EVT}_fall_guests_20251012T100000Z.csv", columns, GUESTS)
    assert import_luma_attendance.main([]) == 0
    before = shown(db)
    write_csv(csv_dir / f"{EVT}_fall_guests_20251013T100000Z.csv", columns, GUESTS, bom=False)
    caplog.clear()

    assert import_luma_attendance.main([]) == 0

    assert shown(db) == before
    assert ("people found by luma_user_id=0 email=0 phone=0 name=0 fuzzy_name=0 luma_guest_id=4; "
            "new people=0; attendance new=0 updated=0") in caplog.text
    assert table(db, "SELECT DISTINCT snapshot_at FROM attendance") == [
        (datetime(2025, 10, 13, 10, tzinfo=UTC),)]


def test_an_older_export_is_merged_and_never_undoes_a_check_in(event, db, csv_dir, caplog):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    newer = [dict(GUESTS[0]), dict(GUESTS[1], checked_in_at=CHECKED_IN, approval_status="approved")]
    older = [dict(GUESTS[0], checked_in_at=""), dict(GUESTS[1]), dict(GUESTS[2])]
    write_csv(csv_dir / "Fall - Guests - 2025-10-12-10-00-00.csv", columns, newer)
    assert import_luma_attendance.main([]) == 0
    write_csv(csv_dir / "Fall - Guests - 2025-10-11-09-00-00.csv", columns, older)
    caplog.clear()

    assert import_luma_attendance.main([]) == 0

    assert "attendance new=1 updated=0; attendees=3; review=0; check-ins kept=2" in caplog.text
    assert attendance(db) == [("ann@example.com", "declined", True, None),  # only the older lists Ann
                              ("jane@example.com", "approved", True, "newsletter"),
                              ("john@example.com", "approved", True, None)]  # the newer's status
    undone = [dict(GUESTS[0], checked_in_at=""), dict(GUESTS[1], checked_in_at=CHECKED_IN)]
    write_csv(csv_dir / "Fall - Guests - 2025-10-13-09-00-00.csv", columns, undone)
    assert import_luma_attendance.main([]) == 0
    assert [row[2] for row in attendance(db)] == [True, True, True]  # a newer list lacking it undoes nothing
    assert "check-ins kept=1" in caplog.text
    assert table(db, "SELECT attendance, attendance_exported_at FROM events") == [
        (3, datetime(2025, 10, 13, 9, tzinfo=UTC))]


def test_rows_of_one_person_become_one_attendance_row(event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    rows = [guest(1, "Jane Doe", "jane@example.com", status="declined"),
            guest(2, "Jane Doe", "JANE@example.com", checked_in=CHECKED_IN),
            guest(3, "Jane Doe", "jane@example.com", status="approved")]
    write_csv(csv_dir / "guests.csv", columns, rows)
    assert import_luma_attendance.main([]) == 0
    assert table(db, "SELECT luma_guest_id, approval_status, checked_in_at IS NOT NULL FROM attendance") == [
        ("gst-000000000000002", "approved", True)]  # attended wins over a later registration


def test_matching_across_events_records_how_each_person_was_found(event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    with db.cursor() as cur:
        cur.execute("INSERT INTO events (luma_event_id, name, start_at) VALUES "
                    "('evt-Second00000001', 'Spring Social', '2026-03-01 23:00+00') RETURNING id")
        second = cur.fetchone()[0]
    write_csv(csv_dir / "first.csv", columns, GUESTS[:4])
    assert import_luma_attendance.main([]) == 0
    qr = "https://luma.com/check-in/evt-Second00000001?pk=x"
    later = [guest(11, "Janet Doe", " Jane@Example.com", qr_code_url=qr),
             guest(12, "Johnny Roe", "johnny@work.example", phone="617.555.0100", qr_code_url=qr),
             guest(13, "Ann Lee", "ann.lee@work.example", qr_code_url=qr),
             guest(14, "New Person", "new@example.com", qr_code_url=qr)]
    write_csv(csv_dir / "second.csv", columns, later)

    assert import_luma_attendance.main([]) == 0

    assert table(db, f"""SELECT p.first_name, a.match_method FROM attendance a JOIN people p
                         ON p.id = a.person_id WHERE a.event_id = {second} ORDER BY a.luma_guest_id""") == [
        ("Jane", "email"), ("John", "phone"), ("Ann", "name"), ("New", "new")]
    assert table(db, "SELECT count(*) FROM people") == [(5,)]
    assert table(db, """SELECT p.first_name FROM person_identifiers i JOIN people p ON p.id = i.person_id
                        WHERE i.value IN ('johnny@work.example', 'ann.lee@work.example')
                        ORDER BY 1""") == [("Ann",), ("John",)]  # second emails attached


def test_blanks_never_overwrite(event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"]) + QUESTIONS
    write_csv(csv_dir / "a.csv", columns, [GUESTS[0]])
    assert import_luma_attendance.main([]) == 0
    write_csv(csv_dir / "b.csv", columns, [dict(GUESTS[0], **{SCHOOL_Q: "", GENDER_Q: "", YEAR_Q: ""},
                                                 phone_number="+1 617 555 0123")])
    assert import_luma_attendance.main(["--event-id", str(event), str(csv_dir / "b.csv")]) == 0
    assert table(db, "SELECT gender, school, class_year, phone FROM people") == [
        ("female", "State University", 2027, "+16175550123")]  # the blank phone was filled


def test_unsure_matches_go_to_the_review_queue(event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    write_csv(csv_dir / "a.csv", columns, [
        guest(1, "Maria Garcia", "m1@example.com", phone="+1 617 555 0101"),
        guest(2, "Maria Garcia", "m2@example.com", phone="+1 617 555 0102")])  # different phones
    write_csv(csv_dir / "b.csv", columns, [guest(3, "Maria Garcia", "m3@example.com")])

    assert import_luma_attendance.main([str(csv_dir / "a.csv")]) == 0
    assert import_luma_attendance.main([str(csv_dir / "b.csv")]) == 0

    assert table(db, "SELECT count(*) FROM people") == [(3,)]  # nobody merged with a stranger
    assert table(db, """SELECT reason, new_email, candidate_email FROM match_review_open
                        ORDER BY review_id""") == [
        ("name matches but the phone differs", "m2@example.com", "m1@example.com"),
        ("several people have this name", "m3@example.com", "m1@example.com"),
        ("several people have this name", "m3@example.com", "m2@example.com"),
    ]


def test_event_from_the_command_line_or_the_file_name(event, db, csv_dir, tmp_path):
    columns = [c for c in HEADER_GENERATIONS["2026-09 guest_id 35 columns"] if c != "qr_code_url"]
    by_name = write_csv(csv_dir / f"{EVT}-guests.csv", columns, GUESTS[:1])
    assert import_luma_attendance.main([str(by_name)]) == 0
    elsewhere = write_csv(tmp_path / "download.csv", columns, GUESTS[1:2])
    written = elsewhere.read_bytes()
    assert import_luma_attendance.main(["--luma-event-id", EVT, str(elsewhere)]) == 0
    assert table(db, "SELECT count(*) FROM attendance") == [(2,)]
    assert (csv_dir / "processed" / by_name.name).exists()  # the inbox's file moved
    assert elsewhere.read_bytes() == written  # the organiser's file: read, never moved
    assert not (csv_dir / "processed" / "download.csv").exists()


def test_bad_files_fail_alone_with_a_reason_beside_them(event, db, csv_dir, caplog):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    write_csv(csv_dir / "good.csv", columns, GUESTS[:2])
    (csv_dir / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    write_csv(csv_dir / "contacts.csv", ["Name", "E-mail"], [{"Name": "x", "E-mail": "y"}])
    write_csv(csv_dir / "other-event.csv", columns,
              [dict(GUESTS[0], qr_code_url="https://luma.com/check-in/evt-Unknown000001?pk=1")])
    write_csv(csv_dir / "no-event.csv", columns, [dict(GUESTS[0], qr_code_url="")])
    write_csv(csv_dir / "bad-time.csv", columns, [dict(GUESTS[0], checked_in_at="yesterday evening")])

    assert import_luma_attendance.main([]) == 1

    assert (csv_dir / "processed" / "good.csv").exists()
    assert len(attendance(db)) == 2
    reasons = {p.name: p.read_text() for p in (csv_dir / "failed").glob("*.error.txt")}
    assert sorted(p.name for p in (csv_dir / "failed").glob("*.csv")) == [
        "bad-time.csv", "contacts.csv", "no-event.csv", "other-event.csv", "photo.csv"]
    assert "not a CSV file (binary content)" in reasons["photo.csv.error.txt"]
    assert ("missing column(s) guest_id (or api_id), email, approval_status, name (or first_name/"
            "last_name)") in reasons["contacts.csv.error.txt"]
    assert "event evt-Unknown000001 is not in the events table" in reasons["other-event.csv.error.txt"]
    assert "cannot tell which event this is" in reasons["no-event.csv.error.txt"]
    assert ("row 2, column checked_in_at: 'yesterday evening' is not a time"
            in reasons["bad-time.csv.error.txt"])
    assert list(csv_dir.glob("*.csv")) == []


def test_nul_bytes_are_stripped(event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    write_csv(csv_dir / "nul.csv", columns, [guest(1, "Ja\x00ne Doe", "jane@example.com\x00")])
    assert import_luma_attendance.main([]) == 0
    assert table(db, "SELECT first_name, email FROM people") == [("Jane", "jane@example.com")]


def test_failure_halfway_leaves_nothing_and_the_file_importable(event, db, csv_dir, caplog):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    rows = [guest(n, "", f"p{n}@example.com") for n in range(1, 61)]  # 60 people, told apart by email
    path = write_csv(csv_dir / "guests.csv", columns, rows)
    with db.cursor() as cur:  # a real failure inside the transaction, at the 30th attendance row
        cur.execute("""CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
                       BEGIN IF NEW.luma_guest_id = 'gst-000000000000030' THEN
                           RAISE EXCEPTION 'disk full (injected)'; END IF; RETURN NEW; END $$""")
        cur.execute("CREATE TRIGGER fail_once BEFORE INSERT ON attendance "
                    "FOR EACH ROW EXECUTE FUNCTION fail_once()")

    assert import_luma_attendance.main([]) == 1

    assert "guests.csv: not imported, left pending: disk full (injected)" in caplog.text
    assert table(db, "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM attendance), "
                     "(SELECT count(*) FROM person_identifiers), (SELECT attendance_imported_at "
                     "FROM events)") == [(0, 0, 0, None)]
    assert path.exists()
    with db.cursor() as cur:
        cur.execute("DROP TRIGGER fail_once ON attendance")

    assert import_luma_attendance.main([]) == 0
    assert table(db, "SELECT count(*), count(DISTINCT person_id) FROM attendance") == [(60, 60)]


def test_dry_run_reports_but_writes_and_moves_nothing(event, db, csv_dir, caplog):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    path = write_csv(csv_dir / "guests.csv", columns, GUESTS)
    assert import_luma_attendance.main(["--dry-run"]) == 0
    assert "rows=5 skipped=1" in caplog.text and "new people=4" in caplog.text
    assert table(db, "SELECT count(*) FROM people") == [(0,)]
    assert path.exists()


def test_usage_errors(event, tmp_path):
    for argv in (["--event-id", "1"], ["--event-id", "1", "--luma-event-id", EVT, "x.csv"],
                 [str(tmp_path / "missing.csv")]):
        with pytest.raises(SystemExit) as exit_:
            import_luma_attendance.main(argv)
        assert exit_.value.code == 2


def test_sync_then_import_on_the_simulated_community(start_luma, small_community, db, csv_dir):
    start_luma(small_community)
    assert luma_sync.main([]) == 0
    assert import_luma_attendance.main([]) == 0

    imported = dict(table(db, "SELECT luma_event_id, attendance FROM events "
                              "WHERE attendance_imported_at IS NOT NULL"))
    for event in small_community.events:
        if event.id in imported:  # each event's attendees, one per real person
            assert imported[event.id] == len({g.person for g in event.guests if g.checked_in_at})
    assert len(imported) == len(list((csv_dir / "processed").glob("*.csv"))) > 5
    assert list(csv_dir.glob("*.csv")) == []


def test_a_second_row_of_a_new_person_fills_what_the_first_lacked(event, db, csv_dir):
    columns = list(HEADER_GENERATIONS["2026-09 guest_id 35 columns"])
    write_csv(csv_dir / "guests.csv", columns, [guest(1, "Jane Doe", "jane@example.com", status="declined"),
                                                guest(2, "Jane Doe", "jane@example.com",
                                                      phone="617-555-0177")])
    assert import_luma_attendance.main([]) == 0
    assert table(db, "SELECT email, phone FROM people") == [("jane@example.com", "+16175550177")]
