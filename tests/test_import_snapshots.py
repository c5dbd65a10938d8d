"""Guest lists are snapshots, merged per guest (DESIGN.md): any order gives the same rows, nothing the
organiser gave is lost, --replace is the explicit correction, and the organiser's files are only read."""
from __future__ import annotations

import copy
import csv
import io
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import import_luma_attendance
import luma_sync
from luma_pipeline.config import load_settings
from luma_pipeline.database import apply_schema
from luma_pipeline.importing.rows import ImportOptions
from luma_pipeline.importing.step import run_import
from luma_pipeline.luma.guest_csv import EXPORT_COLUMNS
from luma_pipeline.runner import StepContext
from luma_pipeline.simulated_luma.community import Community

UTC = timezone.utc
EVENTS = {"evt-SnapFall000001": "Fall Social", "evt-SnapSpring00001": "Spring Hack Night"}
EXPORTED = [datetime(2025, 10, 12, 9, 0, tzinfo=UTC) + timedelta(hours=h) for h in (0, 3, 3, 7)]
CHECK_INS = [datetime(2025, 10, 10, 23, 5, tzinfo=UTC), datetime(2025, 10, 10, 23, 40, tzinfo=UTC)]
STATUSES = ["approved", "declined", "waitlist", "pending_approval", "invited"]


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str


# Two namesakes with different phones: whichever comes second is kept apart and queued for review.
PEOPLE = [Person("Jane Doe", "jane@example.com", "+16175550101"),
          Person("Omar Haddad", "omar@example.com", ""),
          Person("Maria Garcia", "maria.g@example.com", "+16175550103"),
          Person("Maria Garcia", "mgarcia@example.org", "+16175550104"),
          Person("Wei Chen", "wei@example.com", "+16175550105")]


def guest_row(event: str, n: int, status: str, checked_in: datetime | None, token: str = "") -> dict:
    """A guest of a Luma export: the same person keeps one guest id per event, as at Luma."""
    person = PEOPLE[n]
    first, last = person.name.split()
    return {"guest_id": f"gst-{event[8:12]}{n:011d}", "name": person.name, "first_name": first,
            "last_name": last, "email": person.email, "phone_number": person.phone,
            "created_at": f"2025-10-0{n + 1}T12:00:00.000Z", "approval_status": status,
            "checked_in_at": checked_in.strftime("%Y-%m-%dT%H:%M:%S.000Z") if checked_in else "",
            "utm_source": token, "qr_code_url": f"https://luma.com/check-in/{event}?pk=XXXX",
            "ticket_name": "Standard"}


def export_file(folder: Path, event: str, exported_at: datetime, rows: list[dict], tag: str = "") -> Path:
    """A guest list as Luma's Guests tab exports it, named `<Event> - Guests - <export time>.csv`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows([row.get(c, "") for c in EXPORT_COLUMNS] for row in rows)
    path = folder / f"{tag}{EVENTS[event]} - Guests - {exported_at:%Y-%m-%d-%H-%M-%S}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())
    return path


def add_events(conn, events: list[tuple] | None = None) -> dict[str, int]:
    """The events as sync stores them (luma id, name, start, end): EVENTS unless told others."""
    start, end = datetime(2025, 10, 10, 23, tzinfo=UTC), datetime(2025, 10, 11, 2, tzinfo=UTC)
    with conn.cursor() as cur:
        for row in events or [(luma_id, name, start, end) for luma_id, name in EVENTS.items()]:
            cur.execute("INSERT INTO events (luma_event_id, name, start_at, end_at, timezone) VALUES "
                        "(%s, %s, %s, %s, 'America/New_York')", row)
        cur.execute("SELECT luma_event_id, id FROM events")
        return dict(cur.fetchall())


def rows_of(conn) -> dict[str, list]:
    """Every table the import writes, as a person reads it: people by their values, not their ids."""
    queries = {
        "people": "SELECT first_name, last_name, email, phone, gender, school, class_year, "
                  "field_snapshots FROM people",
        "identifiers": "SELECT i.kind, i.value, p.email FROM person_identifiers i "
                       "JOIN people p ON p.id = i.person_id",
        "attendance": "SELECT e.luma_event_id, p.email, a.luma_guest_id, a.approval_status, "
                      "a.registered_at, a.checked_in_at, a.invite_token, a.registration_answers, "
                      "a.snapshot_at, a.field_snapshots FROM attendance a "
                      "JOIN people p ON p.id = a.person_id JOIN events e ON e.id = a.event_id",
        "events": "SELECT luma_event_id, attendance, attendance_exported_at FROM events",
        "review": "SELECT least(p.email, c.email), greatest(p.email, c.email), r.reason "
                  "FROM match_review r JOIN people p ON p.id = r.person_id "
                  "JOIN people c ON c.id = r.candidate_person_id",
        "imported_files": "SELECT content_hash, exported_at, rows, result FROM imported_files",
    }
    found = {}
    with conn.cursor() as cur:
        for name, query in queries.items():
            cur.execute(query)
            found[name] = sorted(cur.fetchall(), key=repr)
    return found


@contextmanager
def fresh_schema(database_url: str, events: list[tuple] | None = None):
    """A connection whose tables live in a schema of their own, dropped afterwards."""
    name = "s_" + uuid.uuid4().hex[:10]
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {name}")
    joiner = "&" if "?" in database_url else "?"
    conn = psycopg2.connect(f"{database_url}{joiner}options=" + quote(f"-csearch_path={name}"))
    try:
        apply_schema(conn)
        add_events(conn, events)
        conn.commit()
        yield conn
    finally:
        conn.close()
        with admin.cursor() as cur:
            cur.execute(f"DROP SCHEMA {name} CASCADE")
        admin.close()


def import_in_order(database_url: str, files: list[Path],
                    events: list[tuple] | None = None) -> dict[str, list]:
    """Each file imported on its own, in this order, into a fresh schema; the rows it leaves."""
    settings_ = load_settings()
    with fresh_schema(database_url, events) as conn:
        for path in files:
            result = run_import(StepContext(settings_, conn), [path], ImportOptions.from_settings(settings_))
            assert not result.failed, result.summary
        return rows_of(conn)


# -- any order, the same rows ----------------------------------------------------------------------

guest_entries = st.lists(
    st.tuples(st.integers(0, len(PEOPLE) - 1), st.sampled_from(STATUSES),
              st.sampled_from([None, 0, 1]), st.sampled_from(["", "newsletter", "instagram"])),
    max_size=len(PEOPLE), unique_by=lambda entry: entry[0])
snapshots = st.lists(st.tuples(st.sampled_from(sorted(EVENTS)), st.integers(0, len(EXPORTED) - 1),
                               guest_entries), min_size=1, max_size=5)


def write_snapshots(folder: Path, drawn) -> list[Path]:
    shutil.rmtree(folder, ignore_errors=True)
    return [export_file(folder, event, EXPORTED[t], [
        guest_row(event, n, status, CHECK_INS[c] if c is not None else None, token)
        for n, status, c, token in entries], tag=f"{i} ") for i, (event, t, entries) in enumerate(drawn)]


def expected_attendance(drawn) -> dict[tuple[str, str], tuple]:
    """The merge rule, told plainly: per guest, the status and invite of the newest export that
    gives them (the greater value on a tie), and the earliest check-in any export shows."""
    best: dict[tuple[str, str], dict] = {}
    for event, t, entries in drawn:
        for n, status, c, token in entries:
            key, seen = (event, PEOPLE[n].email), (EXPORTED[t], status)
            mine = best.setdefault(key, {"status": seen, "token": None, "check_in": None})
            mine["status"] = max(mine["status"], seen)
            if token:
                mine["token"] = max(mine["token"] or (EXPORTED[t], token), (EXPORTED[t], token))
            if c is not None:
                mine["check_in"] = min(mine["check_in"] or CHECK_INS[c], CHECK_INS[c])
    return {key: (v["status"][1], v["check_in"], v["token"] and v["token"][1]) for key, v in best.items()}


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(drawn=snapshots, data=st.data())
def test_snapshots_imported_in_any_order_leave_the_same_rows(drawn, data, database_url, tmp_path):
    files = write_snapshots(tmp_path / "exports", drawn)
    first = data.draw(st.permutations(files), label="first order")
    second = data.draw(st.permutations(files), label="second order")

    rows = import_in_order(database_url, first)

    assert import_in_order(database_url, second) == rows
    assert {(luma_id, email): (status, checked_in, token)
            for luma_id, email, _, status, _, checked_in, token, *_ in rows["attendance"]
            } == expected_attendance(drawn)


# -- hand-written cases ------------------------------------------------------------------------------

FALL, SPRING = sorted(EVENTS)[0], sorted(EVENTS)[1]
T1, T2 = EXPORTED[0], EXPORTED[3]


def attendance_table(db) -> list[tuple]:
    with db.cursor() as cur:
        cur.execute("""SELECT e.name, p.email, a.approval_status, a.checked_in_at FROM attendance a
                       JOIN people p ON p.id = a.person_id JOIN events e ON e.id = a.event_id
                       ORDER BY e.name, p.email""")
        return cur.fetchall()


@pytest.fixture
def events(db, database_url) -> dict[str, int]:
    conn = psycopg2.connect(database_url)
    apply_schema(conn)
    conn.commit()
    conn.close()
    return add_events(db)


def import_each(paths: list[Path]) -> list[int]:
    return [import_luma_attendance.main([str(path)]) for path in paths]


@pytest.mark.parametrize("order", ["as exported", "reversed"])
def test_a_full_export_then_the_checked_in_tab(order, events, db, tmp_path, caplog):
    full = export_file(tmp_path, FALL, T1, [guest_row(FALL, 0, "approved", CHECK_INS[0]),
                                            guest_row(FALL, 1, "approved", None),
                                            guest_row(FALL, 4, "declined", None)])
    checked_in_tab = export_file(tmp_path, FALL, T2, [guest_row(FALL, 0, "approved", CHECK_INS[0])])
    files = [full, checked_in_tab]

    assert import_each(files if order == "as exported" else files[::-1]) == [0, 0]

    assert attendance_table(db) == [("Fall Social", "jane@example.com", "approved", CHECK_INS[0]),
                                    ("Fall Social", "omar@example.com", "approved", None),
                                    ("Fall Social", "wei@example.com", "declined", None)]


@pytest.mark.parametrize("order", ["as exported", "reversed"])
def test_a_declined_guest_who_checked_in_attended(order, events, db, tmp_path, caplog):
    at_the_door = export_file(tmp_path, FALL, T1, [guest_row(FALL, 0, "approved", CHECK_INS[1])])
    later = export_file(tmp_path, FALL, T2, [guest_row(FALL, 0, "declined", None),
                                             guest_row(FALL, 1, "approved", CHECK_INS[0])])
    files = [at_the_door, later]

    assert import_each(files if order == "as exported" else files[::-1]) == [0, 0]

    assert attendance_table(db) == [("Fall Social", "jane@example.com", "declined", CHECK_INS[1]),
                                    ("Fall Social", "omar@example.com", "approved", CHECK_INS[0])]
    with db.cursor() as cur:
        cur.execute("SELECT attendance FROM events WHERE luma_event_id = %s", (FALL,))
        assert cur.fetchone() == (2,)
    if order == "as exported":
        assert "check-ins kept=1" in caplog.text


def test_the_same_file_twice_under_two_names(events, db, tmp_path, caplog):
    first = export_file(tmp_path / "a", FALL, T1, [guest_row(FALL, 0, "approved", CHECK_INS[0])])
    second = tmp_path / "b" / "guests (1).csv"
    second.parent.mkdir()
    shutil.copy(first, second)

    assert import_each([first, second]) == [0, 0]

    assert attendance_table(db) == [("Fall Social", "jane@example.com", "approved", CHECK_INS[0])]
    assert f"guests (1).csv: already imported on {datetime.now(UTC):%Y-%m-%d}" in caplog.text
    assert f"as {first.name}; nothing changed" in caplog.text
    assert "files: imported=0 already_imported=1 empty=0 failed=0" in caplog.text


def test_an_empty_guest_list_changes_nothing_and_says_so(events, db, tmp_path, caplog):
    export_file(tmp_path, FALL, T1, [guest_row(FALL, 0, "approved", CHECK_INS[0])])
    header_only = export_file(tmp_path, FALL, T2, [])
    assert import_each(sorted(tmp_path.glob("*.csv"))) == [0, 0]
    assert attendance_table(db) == [("Fall Social", "jane@example.com", "approved", CHECK_INS[0])]
    assert f"{header_only.name}: event not known: empty guest list; nothing changed" in caplog.text


# -- sync: an empty guest list at Luma ---------------------------------------------------------------

def test_an_empty_list_at_luma_writes_no_file_and_the_manual_export_counts(
        start_luma, small_community, db, csv_dir, tmp_path, caplog, capsys):
    community = Community(events=copy.deepcopy(small_community.events[:3]), people=small_community.people)
    emptied = community.events[0]  # 14 months ago: settled
    at_the_door = list({g.person: g for g in emptied.guests if g.checked_in_at}.values())
    emptied.guests = []  # attendance taken with another tool
    start_luma(community)

    assert luma_sync.main([]) == 0

    assert "written=2 " in caplog.text and "empty=1;" in caplog.text
    assert not list(csv_dir.glob(f"{emptied.id}_*.csv"))
    export = tmp_path / "Downloads" / "Door list - Guests - 2025-01-01-10-00-00.csv"
    export.parent.mkdir()
    with export.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for g in at_the_door:
            writer.writerow([{"guest_id": g.id, "name": g.name, "email": g.email, "approval_status":
                              g.approval_status, "checked_in_at": g.checked_in_at.isoformat(),
                              "qr_code_url": f"https://luma.com/check-in/{emptied.id}?pk=x"}.get(c, "")
                             for c in EXPORT_COLUMNS])
    assert import_luma_attendance.main([]) == 0  # the sync's files
    assert import_luma_attendance.main([str(export)]) == 0  # an export older than any of them
    caplog.clear()

    assert luma_sync.main([]) == 0
    assert "written=0 " in caplog.text and "empty=0;" in caplog.text  # not asked again
    assert luma_sync.main(["--full-refresh"]) == 0
    assert "empty=1;" in caplog.text

    with db.cursor() as cur:
        cur.execute("SELECT attendance FROM events WHERE luma_event_id = %s", (emptied.id,))
        assert cur.fetchone() == (len(at_the_door),)
    assert len(at_the_door) > 5


def test_a_header_only_file_of_an_older_version_blocks_no_real_export(events, db, csv_dir, tmp_path, caplog):
    stamped_now = csv_dir / f"{FALL}_fall-social_guests_{datetime.now(UTC):%Y%m%dT%H%M%SZ}.csv"
    csv_dir.mkdir(parents=True)
    stamped_now.write_bytes(b"\xef\xbb\xbf" + ",".join(EXPORT_COLUMNS).encode() + b"\r\n")
    manual = export_file(tmp_path / "Downloads", FALL, T1, [guest_row(FALL, 0, "approved", CHECK_INS[0])])

    assert import_luma_attendance.main([]) == 0
    assert import_luma_attendance.main([str(manual)]) == 0

    assert f"event {events[FALL]} {FALL} (Fall Social): empty guest list; nothing changed" in caplog.text
    assert attendance_table(db) == [("Fall Social", "jane@example.com", "approved", CHECK_INS[0])]
    assert (csv_dir / "processed" / stamped_now.name).exists()


# -- --replace ---------------------------------------------------------------------------------------

def test_replace_makes_one_file_the_whole_truth_for_its_event(events, db, tmp_path, caplog):
    import_each([export_file(tmp_path, FALL, T1, [guest_row(FALL, 0, "approved", CHECK_INS[0]),
                                                  guest_row(FALL, 1, "approved", CHECK_INS[0]),
                                                  guest_row(FALL, 4, "approved", None)]),
                 export_file(tmp_path, SPRING, T1, [guest_row(SPRING, 4, "approved", CHECK_INS[1])])])
    correction = export_file(tmp_path / "fix", FALL, T1 - timedelta(days=1), [
        guest_row(FALL, 0, "approved", CHECK_INS[1]), guest_row(FALL, 1, "declined", None),
        guest_row(FALL, 2, "waitlist", None)])
    caplog.clear()

    assert import_luma_attendance.main(["--replace", str(correction)]) == 0

    assert attendance_table(db) == [
        ("Fall Social", "jane@example.com", "approved", CHECK_INS[1]),  # its (later) time, as it says
        ("Fall Social", "maria.g@example.com", "waitlist", None),  # new in it
        ("Fall Social", "omar@example.com", "declined", None),  # check-in undone
        ("Spring Hack Night", "wei@example.com", "approved", CHECK_INS[1])]  # another event: untouched
    assert "replaced: removed=1 check-ins undone=1" in caplog.text
    assert f"removed gst-{FALL[8:12]}00000000004 Wei Chen (wei@example.com): not in this file" in caplog.text
    assert f"check-in undone for gst-{FALL[8:12]}00000000001 Omar Haddad (omar@example.com)" in caplog.text
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM people WHERE email = 'wei@example.com'")
        assert cur.fetchone() == (1,)  # the person stays; only their attendance of that event went
        cur.execute("SELECT attendance FROM events ORDER BY luma_event_id")
        assert cur.fetchall() == [(1,), (1,)]
        cur.execute("SELECT result FROM imported_files WHERE file_name = %s", (correction.name,))
        assert cur.fetchone() == ("replaced",)


def test_replace_needs_one_file(tmp_path):
    path = export_file(tmp_path, FALL, T1, [])
    for argv in (["--replace", str(path), str(path)], ["--replace", str(tmp_path)]):
        with pytest.raises(SystemExit) as exit_:
            import_luma_attendance.main(argv)
        assert exit_.value.code == 2


# -- the organiser's files ---------------------------------------------------------------------------

def test_a_named_file_outside_csv_dir_stays_byte_identical_and_in_place(events, db, csv_dir, tmp_path):
    good = export_file(tmp_path / "Downloads", FALL, T1, [guest_row(FALL, 0, "approved", CHECK_INS[0])])
    bad = export_file(tmp_path / "Downloads", SPRING, T1, [dict(guest_row(SPRING, 1, "approved", None),
                                                                created_at="last tuesday")])
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (good, bad)}

    assert import_luma_attendance.main([str(good)]) == 0
    assert import_luma_attendance.main([str(good)]) == 0  # the same path again: a no-op, not exit 2
    assert import_luma_attendance.main([str(bad)]) == 1

    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (good, bad)} == before
    assert sorted(p.name for p in (tmp_path / "Downloads").iterdir()) == sorted([good.name, bad.name])
    assert not csv_dir.exists() or not list(csv_dir.rglob("*"))
    assert attendance_table(db) == [("Fall Social", "jane@example.com", "approved", CHECK_INS[0])]


def test_list_imported_newest_first_as_a_table_and_as_csv(events, db, tmp_path, capsys):
    older = export_file(tmp_path, FALL, T1, [guest_row(FALL, 0, "approved", None)])
    newer = export_file(tmp_path, SPRING, T1, [guest_row(SPRING, 1, "approved", None),
                                               guest_row(SPRING, 2, "approved", None)])
    assert import_each([older]) == [0]
    with db.cursor() as cur:
        cur.execute("UPDATE imported_files SET imported_at = '2025-10-13 08:00+00'")
    assert import_each([newer]) == [0]
    capsys.readouterr()

    assert import_luma_attendance.main(["--list-imported"]) == 0
    table_lines = capsys.readouterr().out.splitlines()
    assert import_luma_attendance.main(["--list-imported", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))

    assert table_lines[0].split() == ["imported", "(UTC)", "file", "event", "exported", "(UTC)", "rows",
                                      "result"]
    assert [line.split("  ")[0] for line in table_lines[2:]] == ["2025-10-13 08:00"]
    assert newer.name in table_lines[1] and older.name in table_lines[2]
    assert [(r["file_name"], r["event"], r["rows"], r["result"]) for r in rows] == [
        (newer.name, "Spring Hack Night", "2", "imported"), (older.name, "Fall Social", "1", "imported")]
    assert len(rows[0]["content_hash"]) == 64 and rows[0]["file_path"] == str(newer.resolve())
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM run_log")
        assert cur.fetchone() == (2,)  # the two imports; listing leaves no row


# -- an existing database ----------------------------------------------------------------------------

def test_a_database_of_the_previous_version_upgrades_in_place(events, db, database_url, tmp_path):
    with db.cursor() as cur:  # as the previous version left it: none of the snapshot bookkeeping
        cur.execute("""ALTER TABLE attendance DROP COLUMN snapshot_at, DROP COLUMN field_snapshots;
                       ALTER TABLE people DROP COLUMN field_snapshots;
                       ALTER TABLE events DROP COLUMN luma_guest_list_empty_at;
                       DROP TABLE imported_files;
                       INSERT INTO people (id, first_name, last_name, email)
                       VALUES (7, 'Jane', 'Doe', 'jane@example.com');
                       INSERT INTO person_identifiers VALUES ('email', 'jane@example.com', 7);""")
        cur.execute("""INSERT INTO attendance (event_id, person_id, luma_guest_id, approval_status,
                                               checked_in_at)
                       VALUES (%s, 7, 'gst-old', 'approved', %s)""", (events[FALL], CHECK_INS[1]))
        cur.execute("UPDATE events SET attendance = 1, attendance_imported_at = now(), "
                    "attendance_exported_at = %s WHERE id = %s", (T2, events[FALL]))
    older = export_file(tmp_path, FALL, T1, [guest_row(FALL, 0, "declined", CHECK_INS[0]),
                                             guest_row(FALL, 1, "approved", None)])

    assert import_luma_attendance.main([str(older)]) == 0

    assert attendance_table(db) == [
        ("Fall Social", "jane@example.com", "approved", CHECK_INS[0]),  # newer status, earlier check-in
        ("Fall Social", "omar@example.com", "approved", None)]
    with db.cursor() as cur:
        cur.execute("SELECT luma_guest_id, snapshot_at FROM attendance WHERE person_id = 7")
        assert cur.fetchone() == ("gst-old", T2)  # the older file's guest id does not replace the newer
        cur.execute("SELECT count(*) FROM people")
        assert cur.fetchone() == (2,)


# -- the simulated community: sync files and the organiser's exports, in two orders ---------------

def checked_in_tab(folder: Path, event, exported_at: datetime) -> Path:
    """The organiser's export of an event's "Checked In" tab: Luma's columns, no user ids."""
    path = folder / f"{event.id} Checked In - Guests - {exported_at:%Y-%m-%d-%H-%M-%S}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for g in event.guests:
            if g.checked_in_at:
                writer.writerow([{"guest_id": g.id, "name": g.name, "first_name": g.first_name,
                                  "last_name": g.last_name, "email": g.email,
                                  "phone_number": g.phone_number or "", "approval_status": g.approval_status,
                                  "created_at": g.registered_at.isoformat(),
                                  "checked_in_at": g.checked_in_at.isoformat(),
                                  "qr_code_url": f"https://luma.com/check-in/{event.id}?pk=x"}.get(c, "")
                                 for c in EXPORT_COLUMNS])
    return path


def guest_rows_of(rows: dict[str, list]) -> list[tuple]:
    """The attendance rows by guest (event, Luma guest id and every merged value), not by person."""
    return sorted((luma_id, *rest) for luma_id, _email, *rest in rows["attendance"])


def test_sync_files_and_the_organisers_exports_in_two_orders(start_luma, small_community, database_url,
                                                             db, csv_dir, tmp_path):
    """The simulated community's sync files and "Checked In" tabs of six events (one whose list at
    Luma is empty): every guest's merged row is the same in either order. Who a guest is can still
    differ where only a name links registrations and a namesake is in play (README): here one
    registration of 247, "Arjun Torres" with a second Luma account, whose namesake may or may not
    have arrived before it."""
    community = copy.deepcopy(small_community)
    exports = tmp_path / "exports"
    exports.mkdir()
    settled = [e for e in community.events if (e.end_at or e.start_at + timedelta(hours=2))
               < datetime.now(UTC) - timedelta(days=2)]
    manual = [checked_in_tab(exports, e, e.start_at + timedelta(days=d))
              for e, d in zip(settled[:6], (1, 40) * 3)]
    settled[1].guests = []  # its list at Luma is empty: only the organiser's export has it
    start_luma(community)
    assert luma_sync.main([]) == 0
    synced = [Path(shutil.move(path, exports / path.name)) for path in sorted(csv_dir.glob("*.csv"))]
    with db.cursor() as cur:
        cur.execute("SELECT luma_event_id, name, start_at, end_at FROM events")
        events = cur.fetchall()

    rows = import_in_order(database_url, synced + manual, events)
    other = import_in_order(database_url, manual[::-1] + synced[::-1], events)

    assert guest_rows_of(other) == guest_rows_of(rows)
    assert other["events"] == rows["events"] and other["imported_files"] == rows["imported_files"]
    assert sum(1 for row in rows["attendance"] if row[5]) > 40  # checked in
