"""The pipeline as a product: run_luma_pipeline.sh, entrypoint.py, the scheduler, the container
files. End to end on the simulated Luma and a real PostgreSQL."""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import API_KEY
from croniter import croniter

import entrypoint
from luma_pipeline.scheduler import next_run, serve, valid_schedule

REPO = Path(__file__).resolve().parent.parent
UTC = timezone.utc


def pipeline(*args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.Popen(["bash", str(REPO / "run_luma_pipeline.sh"), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def run_pipeline(*args: str) -> tuple[int, str, str]:
    process = pipeline(*args)
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def table(db, query):
    with db.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def true_attendees(community) -> dict[str, int | None]:
    """Per settled event of the simulated community: how many real people checked in (None for
    the event where nobody did: analyze leaves its count empty)."""
    cutoff = datetime.now(UTC) - timedelta(hours=24)
    counts = {e.id: len({g.person for g in e.guests if g.checked_in_at}) for e in community.events
              if (e.end_at or e.start_at + timedelta(hours=2)) <= cutoff}
    return {event_id: count or None for event_id, count in counts.items()}


def test_a_normal_run(start_luma, small_community, db, tmp_path):
    start_luma(small_community)

    code, out, err = run_pipeline()

    assert code == 0, err
    assert out.startswith("[NOTIFICATION] Pipeline succeeded: ")
    assert f"report: {tmp_path / 'out' / 'index.html'}" in out
    assert (tmp_path / "out" / "index.html").exists()
    assert dict(table(db, "SELECT luma_event_id, attendance FROM events WHERE attendance_imported_at "
                          "IS NOT NULL")) == true_attendees(small_community)
    assert table(db, "SELECT step, status FROM run_log ORDER BY id") == [
        ("luma_sync", "ok"), ("import_luma_attendance", "ok"), ("analyze", "ok")]
    assert "pipeline: step sync: starting" in err  # timestamped pipeline lines
    assert API_KEY not in out + err


def test_luma_down_still_runs_analyze_and_fails(db, tmp_path, monkeypatch):
    monkeypatch.setenv("LUMA_API_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("LUMA_API_KEY", API_KEY)
    monkeypatch.setenv("LUMA_MAX_RETRIES", "0")

    code, out, err = run_pipeline()

    assert code == 1
    assert out.strip() == ("[NOTIFICATION] Pipeline FAILED: sync: luma_sync FAILED: GET "
                           "/v1/calendars/events/list: gave up after 1 attempts; last: ConnectionError")
    assert "step analyze: exit code 0" in err
    assert (tmp_path / "out" / "index.html").exists()


def test_one_bad_csv_does_not_stop_the_others(start_luma, small_community, db, csv_dir):
    start_luma(small_community)
    csv_dir.mkdir(parents=True)
    (csv_dir / "contacts.csv").write_text("Name,E-mail\nx,y\n")

    code, out, err = run_pipeline()

    assert code == 1
    assert out.startswith("[NOTIFICATION] Pipeline FAILED: import: ")
    assert "contacts.csv: not a Luma guest list" in out
    assert [p.name for p in (csv_dir / "failed").glob("*.csv")] == ["contacts.csv"]
    assert len(list((csv_dir / "processed").glob("*.csv"))) == len(true_attendees(small_community))
    assert dict(table(db, "SELECT luma_event_id, attendance FROM events WHERE attendance_imported_at "
                          "IS NOT NULL")) == true_attendees(small_community)


def test_two_pipelines_at_once_import_nothing_twice(start_luma, small_community, db, csv_dir):
    start_luma(small_community)

    first, second = pipeline(), pipeline()
    results = [p.communicate(timeout=300) for p in (first, second)]

    codes = sorted([first.returncode, second.returncode])
    assert codes in ([0, 0], [0, 75]), results
    if codes == [0, 75]:
        busy = results[[first.returncode, second.returncode].index(75)][0]
        assert busy.strip() == "[NOTIFICATION] Pipeline skipped: another run is in progress"
    assert dict(table(db, "SELECT luma_event_id, attendance FROM events WHERE attendance_imported_at "
                          "IS NOT NULL")) == true_attendees(small_community)
    assert table(db, "SELECT count(*) FROM (SELECT event_id, luma_guest_id FROM attendance "
                     "GROUP BY 1, 2 HAVING count(*) > 1) AS twice") == [(0,)]
    assert not (csv_dir / "failed").exists()


def test_sigterm_stops_the_current_step_cleanly(start_luma, small_community, db, tmp_path):
    server = start_luma(small_community)
    server.faults.slow_count, server.faults.slow_seconds = 1000, 0.5
    process = pipeline()
    assert server.received.wait(timeout=60)  # the sync step is talking to Luma
    assert process.poll() is None

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 143
    assert out.strip() == "[NOTIFICATION] Pipeline FAILED: stopped by SIGTERM"
    assert "luma_sync stopped by a signal; its unfinished work was rolled back" in err
    assert table(db, "SELECT step, status, message FROM run_log") == [
        ("luma_sync", "failed", "stopped by a signal")]  # import and analyze did not start
    assert not list((tmp_path / "out").rglob("*.tmp"))  # no half-written file


def test_the_demo_twice_then_a_failed_run_by_hand_leave_two_intact_reports(database_url, tmp_path, monkeypatch):
    by_hand = database_url
    for name in ("DATABASE_URL", "CSV_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LUMA_DEMO_PGDATA", str(tmp_path / "demo-pgdata"))
    demo = tmp_path / "out" / "demo"

    code, out, err = run_pipeline("--demo")
    assert code == 0, err
    assert out.strip().endswith(f"Report: {demo / 'index.html'}")
    assert "embedded PostgreSQL in " + str(tmp_path / "demo-pgdata") in err
    assert len(list((demo / "luma_csv" / "processed").glob("*.csv"))) > 10
    attention = int(out.split("; attention=")[1].split()[0])  # the demo has events without check-ins
    assert attention > 0 and f"attention={attention}" in err

    code, out, err = run_pipeline("--demo")
    assert code == 0, err
    assert "guest lists: written=0" in err and "step import: skipped" in err
    assert "stats changed=0" in err
    demo_report = (demo / "index.html").read_bytes()

    monkeypatch.setenv("DATABASE_URL", by_hand)  # by hand: another database, and Luma unreachable
    monkeypatch.setenv("LUMA_API_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("LUMA_API_KEY", API_KEY)
    monkeypatch.setenv("LUMA_MAX_RETRIES", "0")
    code, out, err = run_pipeline()
    assert code == 1 and out.startswith("[NOTIFICATION] Pipeline FAILED: sync: ")
    assert (demo / "index.html").read_bytes() == demo_report  # the demo's report, intact
    assert "No data yet" in (tmp_path / "out" / "index.html").read_text()  # and the by-hand one, whole
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_unknown_argument_is_a_usage_error():
    code, out, err = run_pipeline("--nope")
    assert code == 2 and "unknown argument: --nope" in err


# -- entrypoint.py ---------------------------------------------------------------------------------

def test_entrypoint_once_exits_with_the_pipelines_code(start_luma, small_community, db, monkeypatch):
    start_luma(small_community)
    monkeypatch.setenv("PYTHON", sys.executable)
    assert entrypoint.main(["--once"]) == 0
    monkeypatch.setenv("LUMA_API_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("LUMA_MAX_RETRIES", "0")
    assert entrypoint.main(["--once"]) == 1


def test_entrypoint_names_every_configuration_problem(monkeypatch, caplog):
    monkeypatch.setenv("CRON_SCHEDULE", "every six hours")
    assert entrypoint.main(["--once"]) == 2
    assert "LUMA_API_KEY is not set" in caplog.text
    assert "CRON_SCHEDULE='every six hours' is not a 5-field cron expression" in caplog.text


def test_entrypoint_never_prints_secret_values(monkeypatch, caplog, capsys):
    monkeypatch.setenv("LUMA_API_KEY", API_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:Hunter2-db-pw@127.0.0.1:1/none")
    monkeypatch.setenv("CRON_SCHEDULE", "bad")
    assert entrypoint.main(["--once"]) == 2
    captured = capsys.readouterr()
    for secret in (API_KEY, "Hunter2-db-pw"):
        assert secret not in caplog.text + captured.err + captured.out


@pytest.mark.parametrize("schedule, after, expected", [
    ("0 */6 * * *", datetime(2026, 11, 21, 11, 40, tzinfo=UTC), datetime(2026, 11, 21, 12, 0, tzinfo=UTC)),
    ("0 */6 * * *", datetime(2026, 11, 21, 12, 0, tzinfo=UTC), datetime(2026, 11, 21, 18, 0, tzinfo=UTC)),
    ("0 */6 * * *", datetime(2026, 11, 21, 23, 59, tzinfo=UTC), datetime(2026, 11, 22, 0, 0, tzinfo=UTC)),
    ("30 2 * * 1", datetime(2026, 11, 21, 12, 0, tzinfo=UTC), datetime(2026, 11, 23, 2, 30, tzinfo=UTC)),
], ids=["later today", "exactly on a run: the next one", "past midnight", "weekly on Monday"])
def test_next_run(schedule, after, expected):
    assert next_run(schedule, after) == expected


@pytest.mark.parametrize("schedule, valid", [("0 */6 * * *", True), ("*/15 * * * *", True),
                                              ("0 */6 * *", False), ("every 6 hours", False)])
def test_valid_schedule(schedule, valid):
    assert valid_schedule(schedule) is valid


def test_scheduler_survives_a_failing_run_and_stops_on_request(caplog):
    caplog.set_level(logging.INFO)
    stop, calls = threading.Event(), []
    clock = iter(datetime(2026, 11, 21, 11, 0, tzinfo=UTC) + timedelta(hours=3 * n) for n in range(100))

    def run() -> int:
        calls.append(len(calls))
        if len(calls) == 2:
            raise OSError("bash not found")
        if len(calls) == 4:
            stop.set()
        return 1 if len(calls) == 3 else 0

    serve("0 */6 * * *", run, stop, run_on_start=True, now=lambda: next(clock))

    assert calls == [0, 1, 2, 3]  # on start, then on schedule; failures did not end the loop
    assert "the pipeline could not be started" in caplog.text
    assert "pipeline finished with exit code 1" in caplog.text
    assert "next run at 2026-11-21T12:00:00+00:00" in caplog.text


def test_scheduler_without_run_on_start_waits_for_the_schedule():
    stop, calls = threading.Event(), []
    stop.set()
    serve("0 */6 * * *", lambda: calls.append(1) or 0, stop, run_on_start=False)
    assert calls == []


# -- the container files -----------------------------------------------------------------------------

def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, "--no-color", str(REPO / "Dockerfile")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr  # includes DL3002: last USER not root


def test_dockerfile_runs_an_entry_point_that_exists_as_a_user_not_root():
    instructions = dockerfile_instructions()
    command = json.loads(dict(instructions)["CMD"])
    assert command[0] == "python" and (REPO / command[1]).is_file()
    assert subprocess.run([sys.executable, str(REPO / command[1]), "--help"], capture_output=True,
                          cwd=REPO).returncode == 0
    user = [args for name, args in instructions if name == "USER"][-1]
    assert user.split(":")[0] not in ("0", "root")


def test_railway_toml_starts_the_pipeline_once_on_a_valid_cron():
    config = tomllib.loads((REPO / "railway.toml").read_text())
    assert (REPO / config["build"]["dockerfilePath"]).is_file()
    deploy = config["deploy"]
    script, *options = deploy["startCommand"].split()[1:]
    assert (REPO / script).is_file() and options == ["--once"]
    runs = croniter(deploy["cronSchedule"], datetime(2026, 1, 1, tzinfo=UTC))
    first, second = runs.get_next(datetime), runs.get_next(datetime)
    assert second - first == timedelta(hours=6)  # every 6 hours, as DESIGN.md says
    assert deploy["restartPolicyType"] in ("NEVER", "ON_FAILURE", "ALWAYS")


@pytest.mark.parametrize("path", ["Fall Social - Guests - 2026-02-26-18-17-47.csv",
                                  "evt-KRKLQQkGnKCpSq9_Fall-Social_guests_20260226T181747Z.csv",
                                  "notes/guest list.csv", "analysis_outputs/demo/reactivation.csv",
                                  "elsewhere/member_lifecycle.csv"])
def test_guest_lists_and_member_lists_stay_out_of_the_repository(path):
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO)
    assert result.returncode == 0, f"{path} is not ignored"
    kept = subprocess.run(["git", "check-ignore", "--no-index", "-q", "luma_pipeline/data/school_aliases.csv"],
                          cwd=REPO)
    assert kept.returncode == 1  # the built-in aliases are part of the code
