"""Issue 11, operations: nothing hangs, nothing leaks, nothing blocks the queue. Each test drives
one fault through the scripts, on the simulated Luma over real HTTP and a real PostgreSQL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import API_KEY, _with_database
from test_pipeline import pipeline, run_pipeline, table

import analyze
import entrypoint
import luma_sync
from luma_pipeline.config import ConfigError, load_settings
from luma_pipeline.logs import REDACTED, redact

REPO = Path(__file__).resolve().parent.parent


def every_form(secret: str) -> list[str]:
    """The ways a leaked secret shows: raw, trimmed, in a repr, URL-encoded."""
    return [secret, secret.strip(), repr(secret)[1:-1], quote(secret.strip(), safe=""),
            quote_plus(secret.strip())]


# -- 1. secrets ------------------------------------------------------------------------------------

def test_a_key_pasted_with_a_newline_is_trimmed_and_works(start_luma, small_community, db, monkeypatch):
    start_luma(small_community)
    monkeypatch.setenv("LUMA_API_KEY", API_KEY + "\n")

    assert luma_sync.main([]) == 0
    assert table(db, "SELECT count(*) FROM events") == [(len(small_community.events),)]


@pytest.mark.parametrize("pasted", [" secret-in ner-key ", "secret-in\tner", "secret-\x07bell"],
                         ids=["space", "tab", "control character"])
def test_a_key_with_whitespace_inside_is_refused_naming_the_variable_never_the_value(
        pasted, database_url, monkeypatch, caplog, capsys):
    monkeypatch.setenv("LUMA_API_KEY", pasted)

    assert luma_sync.main([]) == 2

    assert "configuration: LUMA_API_KEY has a space or a control character inside it" in caplog.text
    captured = capsys.readouterr()
    for form in every_form(pasted):
        assert form not in caplog.text + captured.err + captured.out


def test_a_wrong_key_with_a_newline_leaks_nowhere(start_luma, small_community, db, tmp_path):
    start_luma(small_community)
    wrong = "secret-wrong-key-Vb71q\n"  # Luma echoes the key it got in its 401 body
    env = {"LUMA_API_KEY": wrong}

    code, out, err = run_pipeline_with(env)

    assert code == 2
    assert out.startswith("[NOTIFICATION] Pipeline FAILED: sync: luma_sync: configuration: GET "
                          "/v1/calendars/events/list: Luma refused the API key (401). Check LUMA_API_KEY")
    page = (tmp_path / "out" / "index.html").read_text()
    [(messages,)] = table(db, "SELECT string_agg(coalesce(message, '') || counts::text, ' ') FROM run_log")
    for form in every_form(wrong):
        for text in (out, err, page, messages):
            assert form not in text
    assert REDACTED in err and REDACTED in messages


def run_pipeline_with(env: dict) -> tuple[int, str, str]:
    process = subprocess.Popen(["bash", str(REPO / "run_luma_pipeline.sh")],
                               env={**os.environ, "PYTHON": sys.executable, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


@pytest.mark.parametrize("shown", [
    "key=secret-Ab1 x", "'secret-Ab1 x\\n'", "key=secret-Ab1%20x%0A", "key=secret-Ab1+x%0A",
], ids=["raw", "repr", "URL-encoded", "form-encoded"])
def test_redact_catches_every_form_of_a_secret(shown):
    assert "secret-Ab1" not in redact(f"error: {shown}", ["secret-Ab1 x\n"])


def test_every_calendar_key_is_a_secret():
    settings = load_settings({"LUMA_API_KEY": "secret-one-1111", "LUMA_CALENDARS": "Robotics=secret-two-2222"})
    assert {"secret-one-1111", "secret-two-2222"} <= set(settings.secrets())


# -- 5. Retry-After of a day -----------------------------------------------------------------------

def test_retry_after_of_a_day_ends_the_step_at_once(start_luma, small_community, db, caplog, luma_waits):
    server = start_luma(small_community)
    server.faults.rate_limit_count, server.faults.retry_after = 1, 86400

    assert luma_sync.main([]) == 1

    assert luma_waits == []  # not one second waited
    assert len(server.requests) == 1
    assert ("429 Too Many Requests and Luma asked to wait 86400 s (Retry-After: '86400'), more than "
            "LUMA_MAX_WAIT_SECONDS=120") in caplog.text


def test_a_wait_within_luma_max_wait_seconds_is_waited(start_luma, small_community, db, monkeypatch,
                                                       luma_waits):
    monkeypatch.setenv("LUMA_MAX_WAIT_SECONDS", "600")
    server = start_luma(small_community)
    server.faults.rate_limit_count, server.faults.retry_after = 1, 300

    assert luma_sync.main([]) == 0
    assert luma_waits == [300]


# -- 6. a deadline on the whole answer ----------------------------------------------------------------

def test_a_trickling_answer_is_cut_at_the_timeout(start_luma, small_community, db, monkeypatch, caplog):
    monkeypatch.setenv("LUMA_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("LUMA_MAX_RETRIES", "0")
    server = start_luma(small_community)
    server.faults.trickle_count, server.faults.trickle_seconds = 1, 0.05  # 20 bytes a second

    started = time.monotonic()
    assert luma_sync.main([]) == 1
    elapsed = time.monotonic() - started

    assert "no complete answer within 0.5 s (LUMA_TIMEOUT_SECONDS)" in caplog.text
    assert elapsed < 5  # the first page alone is kilobytes: trickled whole it takes minutes


def test_a_trickled_answer_is_retried_and_the_sync_completes(start_luma, small_community, db, monkeypatch):
    monkeypatch.setenv("LUMA_TIMEOUT_SECONDS", "0.5")
    server = start_luma(small_community)
    server.faults.trickle_count, server.faults.trickle_seconds = 1, 0.05

    assert luma_sync.main([]) == 0
    assert table(db, "SELECT count(*) FROM events") == [(len(small_community.events),)]


# -- 8. run_log rows left running ---------------------------------------------------------------------

def test_a_killed_runs_row_becomes_interrupted_and_the_report_says_so(start_luma, small_community, db,
                                                                      tmp_path, caplog):
    start_luma(small_community)
    assert luma_sync.main([]) == 0  # the schema
    with db.cursor() as cur:  # as a sync killed with -9 leaves it
        cur.execute("INSERT INTO run_log (step, started_at) VALUES ('luma_sync', now() - interval '1 hour'),"
                    " ('analyze', now() - interval '1 hour')")

    assert luma_sync.main([]) == 0

    assert table(db, "SELECT step, status FROM run_log ORDER BY id") == [
        ("luma_sync", "ok"), ("luma_sync", "interrupted"), ("analyze", "running"), ("luma_sync", "ok")]
    assert "luma_sync: 1 earlier run(s) never finished (killed, or the connection was lost); marked " \
           "interrupted" in caplog.text
    assert analyze.main([]) == 0
    assert table(db, "SELECT step, status FROM run_log WHERE status NOT IN ('ok') ORDER BY id") == [
        ("luma_sync", "interrupted"), ("analyze", "interrupted")]
    page = (tmp_path / "out" / "index.html").read_text()
    assert page.count("<td>interrupted</td>") == 2
    assert page.count("<td>running</td>") == 1  # only the analysis writing the page


# -- 9. one pipeline at a time ---------------------------------------------------------------------

def test_a_second_pipeline_exits_75_at_once_and_the_first_succeeds(start_luma, small_community, db):
    server = start_luma(small_community)
    server.faults.slow_count, server.faults.slow_seconds = 3, 1.0
    first = pipeline()
    assert server.received.wait(timeout=60)  # the first is syncing, under the pipeline lock

    started = time.monotonic()
    code, out, err = run_pipeline()
    assert code == 75 and time.monotonic() - started < 15
    assert out == "[NOTIFICATION] Pipeline skipped: another run is in progress\n"
    assert [line.split(" ", 1)[1] for line in err.splitlines()] == [
        "ERROR pipeline: another pipeline run holds the pipeline lock; exiting (busy)"]

    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert out.startswith("[NOTIFICATION] Pipeline succeeded")
    assert table(db, "SELECT step, status FROM run_log ORDER BY id") == [
        ("luma_sync", "ok"), ("import_luma_attendance", "ok"), ("analyze", "ok")]


def test_a_step_run_by_hand_still_has_its_own_lock(start_luma, small_community, db):
    start_luma(small_community)
    assert luma_sync.main([]) == 0  # the pipeline lock does not stand in the way of a step by hand


# -- 10. leftovers ---------------------------------------------------------------------------------

def test_analyze_removes_temporaries_a_killed_analysis_left(database_url, tmp_path):
    out = tmp_path / "out"
    (out / "keep").mkdir(parents=True)
    left = [out / ".index.html.k2j4h_9a.tmp", out / ".summary_stats.csv.abcdefgh.tmp"]
    kept = [out / ".notes.tmp", out / "keep" / ".index.html.k2j4h_9a.tmp", out / "draft.tmp"]
    for path in left + kept:
        path.write_text("half a file")

    assert analyze.main([]) == 0

    assert [p.exists() for p in left] == [False, False]
    assert [p.exists() for p in kept] == [True, True, True]


def wait_until(condition, seconds: float = 30) -> bool:
    """Poll `condition` until it holds or `seconds` pass (a process we do not control is exiting)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP], ids=["KILL", "HUP"])  # TERM: test_pipeline
def test_killing_the_demo_leaves_no_simulated_luma_or_temp_folder(sig, tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "CSV_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LUMA_DEMO_PGDATA", str(tmp_path / "demo-pgdata"))
    process = pipeline("--demo")
    for line in process.stderr:
        if "demo: simulated Luma at" in line:
            break
    luma_pid = int(line.split("(pid ")[1].split(",")[0])
    work = Path(line.split("files in ")[1].rstrip(")\n"))
    assert alive(luma_pid) and work.is_dir()

    process.send_signal(sig)
    process.wait(timeout=120)  # not communicate(): after a SIGKILL the orphaned step keeps the pipes
    process.stdout.close()
    process.stderr.close()

    assert wait_until(lambda: not alive(luma_pid)), "the simulated Luma was orphaned"
    assert wait_until(lambda: not work.exists()), "its temporary folder was left behind"


# -- 11. configuration errors -----------------------------------------------------------------------

def test_a_database_url_that_is_not_a_url_is_a_configuration_error(monkeypatch, caplog, capsys):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    monkeypatch.setenv("LUMA_API_KEY", API_KEY)

    assert luma_sync.main([]) == 2

    assert "luma_sync: configuration: DATABASE_URL is not a PostgreSQL URL: set it to " \
           "postgresql://USER:PASSWORD@HOST:5432/DATABASE" in caplog.text


def test_a_database_that_does_not_exist_is_a_configuration_error(database_url, monkeypatch, caplog):
    monkeypatch.setenv("DATABASE_URL", _with_database(database_url, "no_such_database"))
    assert analyze.main([]) == 2
    assert 'database "no_such_database" does not exist' in caplog.text
    assert "check the user, password and database name in DATABASE_URL" in caplog.text


@pytest.mark.parametrize("url", ["not a url", "mysql://u:p@h/db", "postgresql://u:p@h/db\x00"])
def test_database_urls_refused(url):
    with pytest.raises(ConfigError, match="DATABASE_URL is not a PostgreSQL URL"):
        load_settings({"DATABASE_URL": url})


def test_the_pipeline_with_a_bad_database_url_exits_2_with_the_notification(monkeypatch):
    code, out, err = run_pipeline_with({"DATABASE_URL": "not a url", "LUMA_API_KEY": API_KEY})
    assert code == 2
    assert out.startswith("[NOTIFICATION] Pipeline FAILED: configuration: DATABASE_URL is not a "
                          "PostgreSQL URL")


def test_entrypoint_once_prints_the_failed_notification_on_a_configuration_error(capsys):
    assert entrypoint.main(["--once"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("[NOTIFICATION] Pipeline FAILED: configuration: LUMA_API_KEY is not set")


def test_entrypoint_once_prints_the_failed_notification_when_the_settings_cannot_be_read(monkeypatch, capsys):
    monkeypatch.setenv("LUMA_API_KEY", "secret-with inner-space")
    assert entrypoint.main(["--once"]) == 2
    out = capsys.readouterr().out
    assert out == ("[NOTIFICATION] Pipeline FAILED: configuration: LUMA_API_KEY has a space or a control "
                   "character inside it; paste it again (the value is not shown)\n")
