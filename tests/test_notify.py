"""Notifications: one message per pipeline run to NOTIFY_URLS (apprise), received here by a tiny
local HTTP server (`json://127.0.0.1:PORT`); never a secret, never a changed exit code."""
from __future__ import annotations

import base64
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from conftest import API_KEY
from hypothesis import given, settings
from hypothesis import strategies as st

import entrypoint
from luma_pipeline.config import load_settings
from luma_pipeline.notify import __main__ as notify_cli
from luma_pipeline.notify import message

REPO = Path(__file__).resolve().parent.parent
UTC = timezone.utc
DB_PASSWORD = "Db-Pa55word-7Kq"


class Receiver:
    """A webhook that keeps every JSON body POSTed to it (and the raw bytes, to look for secrets)."""

    def __init__(self):
        self.raw: list[bytes] = []
        received = self.raw

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def messages(self) -> list[dict]:
        return [json.loads(raw) for raw in self.raw]

    def everything_received(self) -> str:
        """The raw bodies plus every attachment decoded: where a secret must not be."""
        decoded = [base64.b64decode(a["base64"]).decode("utf-8", "replace")
                   for m in self.messages for a in m.get("attachments") or []]
        return "\n".join([raw.decode("utf-8", "replace") for raw in self.raw] + decoded)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def database_url_with_password(database_url, monkeypatch) -> str:
    """The test database's URL with a password in it (the embedded server trusts local users, so
    any password works: it is there to be kept secret)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]  # empty for a socket named in ?host=
    netloc = f"{parts.username or 'postgres'}:{DB_PASSWORD}@{host}"
    url = urlunsplit(parts._replace(netloc=netloc))
    psycopg2.connect(url).close()
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_pipeline() -> tuple[int, str, str]:
    process = subprocess.run(["bash", str(REPO / "run_luma_pipeline.sh")], capture_output=True, text=True,
                             env={**os.environ, "PYTHON": sys.executable}, timeout=300)
    return process.returncode, process.stdout, process.stderr


def one_value(db, query: str):
    with db.cursor() as cur:
        cur.execute(query)
        return cur.fetchone()[0]


# -- the message (pure) ----------------------------------------------------------------------

RUN_COUNTS = {
    "luma_sync": {"events": {"fetched": 40, "new": 3, "changed": 2, "unchanged": 35, "deleted": 1}},
    "import_luma_attendance": {"imported": 4, "rows": 150, "new_people": 7, "review": 2, "attendees": 96},
    "approve_guests": {"mode": "on", "pending": 9, "approved": 3, "dry_run": 0, "not_admitted": 5, "failed": 1},
}


def test_the_body_of_a_run():
    assert message.title(None) == "Luma pipeline succeeded"
    assert message.title("import") == "Luma pipeline FAILED: import"
    assert message.body(RUN_COUNTS, 12, "/app/analysis_outputs/index.html", []) == (
        "events: new=3 changed=2 deleted=1\n"
        "guest lists imported: 4\n"
        "attendees: 96\n"
        "new people: 7\n"
        "open review items: 12\n"
        "approvals (on): pending=9 approved=3 dry_run=0 not_admitted=5 failed=1\n"
        "report: /app/analysis_outputs/index.html")


def test_the_body_of_a_run_that_failed_early():
    assert message.body({}, None, "out/index.html", ["sync: Luma refused the API key (401)"]) == (
        "failed: sync: Luma refused the API key (401)\n"
        "events: not synced\n"
        "guest lists imported: 0\n"
        "attendees: 0\n"
        "new people: 0\n"
        "open review items: unknown\n"
        "approvals: off\n"
        "report: out/index.html")


@settings(max_examples=100, deadline=None, derandomize=True)
@given(urls=st.lists(st.from_regex(r"json://127\.0\.0\.1:[0-9]{2,5}/[a-z]{0,6}", fullmatch=True),
                     min_size=1, max_size=4),
       separators=st.lists(st.sampled_from([",", ", ", " ", "\n", " , ", "\t"]), min_size=4, max_size=4))
def test_notify_urls_read_the_same_whatever_the_separators(urls, separators):
    text = "".join(u + s for u, s in zip(urls, separators))
    assert load_settings({"NOTIFY_URLS": text}).notify_urls == tuple(urls)


# -- the pipeline's message, end to end ------------------------------------------------------

def test_a_successful_run_sends_one_message_with_its_counts(start_luma, small_community, db, receiver,
                                                            database_url_with_password, monkeypatch,
                                                            tmp_path):
    start_luma(small_community)
    unreachable = f"json://127.0.0.1:{closed_port()}/"
    monkeypatch.setenv("NOTIFY_URLS", f"{receiver.url}, {unreachable}")
    monkeypatch.setenv("APPROVALS", "dry-run")
    monkeypatch.setenv("APPROVE_MIN_EVENTS", "2")

    code, out, err = run_pipeline()

    assert code == 0, err
    assert out.startswith("[NOTIFICATION] Pipeline succeeded: ")
    [sent] = receiver.messages
    approvals = one_value(db, "SELECT json_build_object('pending', count(*), 'dry_run', "
                              "count(*) FILTER (WHERE outcome = 'would-approve')) FROM approval_decisions")
    settled = one_value(db, "SELECT count(*) FROM events WHERE attendance_imported_at IS NOT NULL")
    assert sent["title"] == "Luma pipeline succeeded"
    assert sent["message"].splitlines() == [
        f"events: new={len(small_community.events)} changed=0 deleted=0",
        f"guest lists imported: {settled}",
        f"attendees: {one_value(db, 'SELECT count(*) FROM attendance WHERE checked_in_at IS NOT NULL')}",
        f"new people: {one_value(db, 'SELECT count(*) FROM people')}",
        f"open review items: {one_value(db, 'SELECT count(*) FROM match_review_open')}",
        f"approvals (dry-run): pending={approvals['pending']} approved=0 dry_run={approvals['dry_run']} "
        f"not_admitted={approvals['pending'] - approvals['dry_run']} failed=0",
        f"report: {tmp_path / 'out' / 'index.html'}"]
    assert approvals["pending"] == sum(g.approval_status == "pending_approval" for e in small_community.events
                                       if e.start_at > datetime.now(UTC) for g in e.guests)
    assert approvals["dry_run"] > 0
    assert [(a["filename"], a["mimetype"]) for a in sent["attachments"]] == [
        ("index.html", "text/html"), ("retention_by_event.png", "image/png")]
    assert err.count("notification: NOTIFY_URLS URL 2 (JSON) could not be reached") == 1
    for secret in (API_KEY, DB_PASSWORD):
        assert secret not in receiver.everything_received() + out + err


def test_a_failed_run_says_which_step_and_why_and_no_secret(start_luma, small_community, db, receiver,
                                                           database_url_with_password, monkeypatch):
    start_luma(small_community)
    wrong_key = "secret-wrong-key-Zq81"  # the simulated Luma echoes a wrong key, as Luma does
    monkeypatch.setenv("LUMA_API_KEY", wrong_key)
    monkeypatch.setenv("NOTIFY_URLS", receiver.url)

    code, out, err = run_pipeline()

    assert code == 1
    [sent] = receiver.messages
    assert sent["title"] == "Luma pipeline FAILED: sync"
    lines = sent["message"].splitlines()
    assert lines[0].startswith("failed: sync: luma_sync FAILED: GET /v1/calendars/events/list: Luma "
                               "refused the API key (401)")
    assert lines[1:3] == ["events: not synced", "guest lists imported: 0"]
    for secret in (API_KEY, wrong_key, DB_PASSWORD):
        assert secret not in receiver.everything_received() + out + err


def test_a_malformed_url_stops_the_pipeline_at_start_without_showing_it(db, receiver, monkeypatch):
    monkeypatch.setenv("LUMA_API_KEY", API_KEY)
    monkeypatch.setenv("NOTIFY_URLS", f"{receiver.url} slakc://T0ken-Secret-93/xyz")

    code, out, err = run_pipeline()

    assert code == 2
    assert out.strip() == "[NOTIFICATION] Pipeline FAILED: configuration: NOTIFY_URLS"
    assert "NOTIFY_URLS: URL 2 (slakc://…) is not a notification URL apprise can use" in err
    assert "T0ken-Secret-93" not in out + err
    assert "step sync" not in err and receiver.raw == []


def test_an_unreachable_receiver_is_one_line_and_exit_code_0(db, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    with db.cursor() as cur:
        cur.execute((REPO / "schema.sql").read_text())
    monkeypatch.setenv("NOTIFY_URLS", f"json://127.0.0.1:{closed_port()}/hook")
    since = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert notify_cli.main(["--since", since, "--failed-step", "sync", "--reason", "sync: down"]) == 0

    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in problems] == [
        "notification: NOTIFY_URLS URL 1 (JSON) could not be reached; not sent (the run's result is unchanged)"]


def test_no_urls_sends_nothing_and_check_prints_zero(monkeypatch, capsys):
    assert notify_cli.main(["--check"]) == 0
    assert capsys.readouterr().out == "0\n"


def test_entrypoint_names_a_malformed_url(monkeypatch, caplog):
    monkeypatch.setenv("LUMA_API_KEY", API_KEY)
    monkeypatch.setenv("NOTIFY_URLS", "json://127.0.0.1:9/ nonsense-with-a-token-77")
    assert entrypoint.main(["--once"]) == 2
    assert "NOTIFY_URLS: URL 2 (no scheme) is not a notification URL apprise can use" in caplog.text
    assert "nonsense-with-a-token-77" not in caplog.text


def test_entrypoint_notifies_when_the_pipeline_was_killed(db, receiver, monkeypatch):
    monkeypatch.setenv("NOTIFY_URLS", receiver.url)
    run = entrypoint.notifying(lambda: -9, load_settings())
    assert run() == -9
    [sent] = receiver.messages
    assert sent["title"] == "Luma pipeline FAILED: pipeline"
    assert sent["message"].splitlines()[0] == "failed: pipeline: killed by signal 9"


def test_entrypoint_leaves_a_finished_run_to_the_pipeline(db, receiver, monkeypatch):
    monkeypatch.setenv("NOTIFY_URLS", receiver.url)
    assert entrypoint.notifying(lambda: 1, load_settings())() == 1
    assert receiver.raw == []
