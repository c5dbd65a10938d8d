"""The schema, the configuration, and the embedded PostgreSQL's life cycle."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg2
import pytest

from luma_pipeline.config import ConfigError, load_settings, parse_tag_categories
from luma_pipeline.database import apply_schema, forget_dead_users

REPO = Path(__file__).resolve().parent.parent


def columns(db, table: str) -> set[str]:
    with db.cursor() as cur:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
        return {name for (name,) in cur.fetchall()}


def test_schema_applies_twice_and_upgrades_an_older_events_table(database_url, db):
    with db.cursor() as cur:  # the events table of the original design, with a row in it
        cur.execute("CREATE TABLE events (id serial PRIMARY KEY, name text NOT NULL, "
                    "attendance integer, attendance_data jsonb)")
        cur.execute("INSERT INTO events (name, attendance) VALUES ('Old social', 41)")
    conn = psycopg2.connect(database_url)
    try:
        apply_schema(conn)
        apply_schema(conn)
    finally:
        conn.close()
    assert {"luma_event_id", "start_at", "end_at", "timezone", "venue", "category", "luma_category",
            "cost", "attendance_taken", "attendance_imported_at", "sync_status", "placard_pdf",
            "created_at", "updated_at"} <= columns(db, "events")
    with db.cursor() as cur:
        cur.execute("SELECT id, name, attendance, sync_status FROM events")
        assert cur.fetchall() == [(1, "Old social", 41, "synced")]
        cur.execute("SELECT to_regclass(t) IS NOT NULL FROM unnest(ARRAY['people', "
                    "'person_identifiers', 'attendance', 'match_review', 'run_log']) AS t")
        assert [ok for (ok,) in cur.fetchall()] == [True] * 5
        with pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute("UPDATE events SET sync_status = 'gone'")


def test_settings_defaults_and_derived_csv_dir():
    settings = load_settings({"OUTPUT_DIR": "/data/out", "LUMA_API_KEY": "k" * 10})
    assert settings.csv_dir == Path("/data/out/luma_csv")
    assert settings.luma_max_requests_per_minute == 150
    assert settings.luma_rate_limit_wait_seconds == 60
    assert settings.settle_hours == 24
    assert settings.database_url is None and not settings.pg_configured
    assert settings.pgdata == REPO / ".pgdata"  # the project's, wherever the script is run from
    assert load_settings({"LUMA_PGDATA": "data/pg"}).pgdata == REPO / "data" / "pg"
    assert load_settings({"LUMA_PGDATA": "/srv/pg"}).pgdata == Path("/srv/pg")


@pytest.mark.parametrize("env, message", [
    ({"LUMA_MAX_RETRIES": "three"}, "LUMA_MAX_RETRIES='three' is not a whole number"),
    ({"SETTLE_HOURS": "-1"}, "SETTLE_HOURS='-1' must be at least 0"),
    ({"LUMA_TAG_CATEGORY_MAP": "party"}, "'party' is not of the form 'Tag=category'"),
])
def test_bad_settings_are_named(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(env)


def test_require_names_every_missing_variable():
    with pytest.raises(ConfigError, match="LUMA_API_KEY, DATABASE_URL"):
        load_settings({}).require("LUMA_API_KEY", "DATABASE_URL")


def test_secrets_include_the_database_password():
    settings = load_settings({"DATABASE_URL": "postgresql://u:hunter2-pw@db/x", "LUMA_API_KEY": "secret-abc"})
    assert set(settings.secrets()) >= {"hunter2-pw", "secret-abc"}


def test_tag_category_map():
    assert parse_tag_categories("Party Night=party; Workshops = Workshop") == {
        "party night": "party", "workshops": "workshop"}


def test_forget_dead_users_keeps_only_living_processes(tmp_path):
    handle = tmp_path / ".handle_pids.json"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    handle.write_text(json.dumps([os.getpid(), dead.pid]))
    forget_dead_users(tmp_path)
    assert json.loads(handle.read_text()) == [os.getpid()]


def _server_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def _run(code: str, pgdata: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, str(pgdata)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True, **kwargs)


START = ("import sys; from pathlib import Path; from luma_pipeline.database import start_embedded; "
         "start_embedded(Path(sys.argv[1])); print('up', flush=True)")


def test_a_killed_run_does_not_leave_the_embedded_server_unstoppable(tmp_path):
    pgdata = tmp_path / "pgdata"
    killed = _run(START + "; sys.stdin.read()", pgdata, stdin=subprocess.PIPE)
    assert killed.stdout.readline().strip() == "up"
    server = _server_pid(pgdata)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert psutil.pid_exists(server)  # kill -9 left it running, its pid still in the list

    later = _run(START, pgdata)
    assert later.communicate(timeout=60)[0].strip() == "up"
    assert later.returncode == 0

    assert _server_pid(pgdata) is None  # the later run, the last user, stopped it
    assert not psutil.pid_exists(server) or psutil.Process(server).status() == psutil.STATUS_ZOMBIE
