"""Shared fixtures: a real PostgreSQL (embedded, or TEST_DATABASE_URL), one fresh database per test,
the simulated Luma over real HTTP, and an environment that holds nothing from the developer's."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
import pytest

from luma_pipeline.config import VARIABLES
from luma_pipeline.database import embedded_server
from luma_pipeline.luma import api as luma_api
from luma_pipeline.simulated_luma.community import generate_community
from luma_pipeline.simulated_luma.server import SimulatedLuma

API_KEY = "secret-test-key-8Hq2vLx9"


@pytest.fixture(scope="session")
def postgres_admin_url():
    """A URL of a database on a PostgreSQL server the tests may create databases on."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    # Not under pytest's own temporary folder: every pytest start makes that folder private again
    # (mode 0700), which would lock the embedded server's own user out of its data while another
    # test session (a second checkout, CI beside a developer) is still running.
    folder = Path(tempfile.mkdtemp(prefix="luma-tests-"))
    server = embedded_server(folder / "pgdata", "delete")
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


@pytest.fixture
def database_url(postgres_admin_url, monkeypatch) -> str:
    """A new, empty database for this test; DATABASE_URL points at it."""
    name = "luma_test_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(postgres_admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(postgres_admin_url, name)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def db(database_url):
    """A connection to the test's database, for the test's own queries."""
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch) -> Path:
    """Nothing of the developer's environment or .env; fast Luma retries; files under tmp_path."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LUMA_MAX_REQUESTS_PER_MINUTE", "0")
    monkeypatch.setenv("LUMA_RETRY_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("LUMA_RATE_LIMIT_WAIT_SECONDS", "0.05")
    monkeypatch.setenv("LUMA_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("CSV_DIR", str(tmp_path / "out" / "csv"))
    return tmp_path


@pytest.fixture(autouse=True)
def luma_waits(monkeypatch) -> list[float]:
    """The Luma client's waits (pacing, Retry-After, backoff), recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(luma_api, "wait_out", waits.append)
    return waits


@pytest.fixture
def csv_dir(tmp_path) -> Path:
    return tmp_path / "out" / "csv"


@pytest.fixture(scope="session")
def small_community():
    """The default simulated community, generated once (tests must not change it)."""
    return generate_community(seed=7, n_events=12, n_people=120, mean_guests_per_event=25)


@pytest.fixture
def start_luma(monkeypatch):
    """Start a simulated Luma over a community; LUMA_API_BASE_URL and LUMA_API_KEY point at it."""
    servers = []

    def start(community, **kwargs) -> SimulatedLuma:
        server = SimulatedLuma(community, api_key=API_KEY, **kwargs).start()
        servers.append(server)
        monkeypatch.setenv("LUMA_API_BASE_URL", server.url)
        monkeypatch.setenv("LUMA_API_KEY", API_KEY)
        return server

    yield start
    for server in servers:
        server.stop()
