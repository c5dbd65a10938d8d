"""Guest lists written in Luma's CSV export format."""
import csv
import io
from datetime import datetime, timezone

from test_luma_entries import CURRENT_GUEST, LEGACY_GUEST

from luma_pipeline.luma.entries import guest_from_entry
from luma_pipeline.luma.guest_csv import (
    EXPORT_COLUMNS,
    SYNC_COLUMNS,
    guest_csv_name,
    write_guest_csv,
)

QUESTION = 'How did you hear about us? (friends, "flyers", etc.)'


def test_guest_csv_is_in_lumas_export_format(tmp_path):
    legacy = guest_from_entry(LEGACY_GUEST)
    current = guest_from_entry(CURRENT_GUEST)
    current["answers"].append((QUESTION, "friends"))
    current["answers"].append(("email", "the question is literally called email"))
    path = tmp_path / "x.csv"

    write_guest_csv(path, [legacy, current])

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, as Luma writes
    assert raw.count(b"\r\n") == 3 and b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header = rows[0]
    assert header == list(SYNC_COLUMNS) + ["Preferred Shirt/Hoodie Size", "Pronouns", "Over 18?",
                                           QUESTION, "email (question)"]
    assert header[:1] + header[2:len(SYNC_COLUMNS)] == list(EXPORT_COLUMNS)
    assert f'"{QUESTION.replace(chr(34), chr(34) * 2)}"'.encode() in raw  # RFC-4180 quoting
    first = dict(zip(header, rows[1]))
    assert first["guest_id"] == "abc-123"
    assert first["user_id"] == "usr-9E2KaeIyCFXLmpE"
    assert first["created_at"] == "2024-07-08T17:03:49.605Z"
    assert first["checked_in_at"] == "2024-07-10T18:05:00.000Z"
    assert first["utm_source"] == "newsletter"
    assert first["amount"] == "$12.50" and first["amount_discount"] == "$0.00"
    assert first["amount_tax"] == "" and first["currency"] == "usd"
    assert first["Preferred Shirt/Hoodie Size"] == "M" and first["Pronouns"] == ""
    second = dict(zip(header, rows[2]))
    assert second["checked_in_at"] == "2026-05-10T18:05:00.000Z"
    assert second["qr_code_url"] == "https://luma.com/check-in/evt-Q1?pk=g-1"
    assert second[QUESTION] == "friends"
    assert second["email"] == "a@x.com"
    assert second["email (question)"] == "the question is literally called email"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_guest_csv_name_carries_the_event_id():
    name = guest_csv_name("evt-AbC123", "Café Night: Q&A!! 🎉",
                          datetime(2026, 11, 21, 11, 40, 5, tzinfo=timezone.utc))
    assert name == "evt-AbC123_cafe-night-q-a_guests_20261121T114005Z.csv"
