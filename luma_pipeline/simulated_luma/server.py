"""A simulated Luma public API on 127.0.0.1, serving a generated community over real HTTP.

Both endpoint generations are served (LUMA_API.md §2), with Luma's pagination envelope, its
`x-luma-api-key` auth and switchable faults (429, 5xx, slow, malformed JSON, a cursor-less
`has_more`, an old deployment without the current paths, a real per-key rate limit), so the
client's retry and fallback paths can be tested without the internet.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from . import payloads
from .community import Community, SimEvent, generate_community

DEFAULT_PAGE_LIMIT = 50
MAX_PAGE_LIMIT = 100  # what the client is told to request; larger asks are clamped, as Luma says it does
RATE_WINDOW_SECONDS = 60.0
SERVER_ERROR_CYCLE = (500, 502, 503)
MALFORMED_BODY = b'{"entries": [{"id": "evt-'  # a proxy cut the answer short
BAD_GATEWAY_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Faults:
    """Switchable misbehaviour; counters apply to the next N requests in arrival order."""

    rate_limit_count: int = 0
    retry_after: int | None = 1
    server_error_count: int = 0
    slow_count: int = 0
    slow_seconds: float = 0.0
    malformed_count: int = 0
    has_more_without_cursor: bool = False
    legacy_only: bool = False
    requests_per_minute: int | None = None
    write_rate_limit_count: int = 0  # 429 on the next N update-status calls only
    ignore_approval_status_filter: bool = False  # guest lists answer every guest, filter or not


class RequestRecord(NamedTuple):
    """One request the server received and the status it answered."""

    method: str
    path: str
    query: dict
    status: int


class WriteRecord(NamedTuple):
    """One update-status call the server received: its path, JSON body and the status answered."""

    path: str
    body: object
    status: int


class Answer(NamedTuple):
    """A response before it is written: status, extra headers, body, content type."""

    status: int
    body: bytes
    headers: dict = {}
    content_type: str = JSON_TYPE


def _json(status: int, payload: dict, headers: dict | None = None) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers or {})


def _error(status: int, message: str, headers: dict | None = None) -> Answer:
    return _json(status, {"message": message}, headers)


class BadRequest(Exception):
    """A query parameter the endpoint cannot use; answered as 400."""


# path -> (generation, handler name)
ROUTES = {
    "/v1/calendars/events/list": ("current", "_events_list"),
    "/v1/calendar/list-events": ("legacy", "_events_list"),
    "/v1/events/guests/list": ("current", "_guests_list"),
    "/v1/event/get-guests": ("legacy", "_guests_list"),
    "/v1/events/get": ("current", "_event_get"),
    "/v1/event/get": ("legacy", "_event_get"),
    "/v1/users/get-self": ("current", "_get_self"),
    "/v1/user/get-self": ("legacy", "_get_self"),
    "/v1/events/guests/update-status": ("current", "_update_status"),
    "/v1/event/update-guest-status": ("legacy", "_update_status"),
}
WRITE_PATHS = {"/v1/events/guests/update-status", "/v1/event/update-guest-status"}  # POST only
# The statuses each generation's update-status call accepts (LUMA_API.md §2).
NEW_STATUSES = {"current": ("approved", "declined", "pending_approval", "waitlist"),
                "legacy": ("approved", "declined")}
EVENT_ID_PARAMS = {  # which query parameter names the event, per path
    "/v1/events/guests/list": ("event_id",),
    "/v1/event/get-guests": ("event_api_id", "event_id"),
    "/v1/events/get": ("event_id",),
    "/v1/event/get": ("api_id", "id", "event_api_id", "event_id"),
}


class SimulatedLuma:
    """Luma's public API on a local port, backed by a Community; use as a context manager."""

    def __init__(self, community: Community | None = None, *, api_key: str = "sim-secret-key",
                 host: str = "127.0.0.1", port: int = 0, faults: Faults | None = None,
                 verbose: bool = False):
        self.community = community if community is not None else generate_community()
        self.api_key = api_key
        self.host, self.port = host, port
        self.faults = faults if faults is not None else Faults()
        self.verbose = verbose
        self.url = ""
        self.requests: list[RequestRecord] = []
        self.writes: list[WriteRecord] = []  # every update-status call, with its JSON body
        self.received = threading.Event()  # set at the first request: a test can wait for it
        self._lock = threading.Lock()
        self._errors_served = 0
        self._windows: dict[str, deque] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "SimulatedLuma":
        """Bind the port and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), _Handler)
        self._server.sim = self
        self.port = self._server.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="simulated-luma", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "SimulatedLuma":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- one request ------------------------------------------------------------------------

    def answer(self, method: str, target: str, api_key: str | None, body: bytes = b"") -> Answer:
        """The response to one request (faults first, then routing, auth, rate limit, endpoint)."""
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        payload = _json_body(body) if method == "POST" else None
        answer = self._answer(method, split.path, query, api_key, payload)
        with self._lock:
            self.requests.append(RequestRecord(method, split.path, query, answer.status))
            if split.path in WRITE_PATHS:
                self.writes.append(WriteRecord(split.path, payload, answer.status))
        self.received.set()
        return answer

    def _answer(self, method: str, path: str, query: dict, api_key: str | None, payload) -> Answer:
        delay, fault = self._take_fault(write=path in WRITE_PATHS)
        if delay:
            time.sleep(delay)
        if fault is not None:
            return fault
        route = ROUTES.get(path)
        if route is None or (route[0] == "current" and self.faults.legacy_only):
            return _error(404, f"Not found: {path}")
        if api_key != self.api_key:
            # Real Luma echoes the submitted key in some error bodies; clients must redact it.
            return _error(401, f"Invalid API key: {api_key}" if api_key else "Missing x-luma-api-key header")
        if method != ("POST" if path in WRITE_PATHS else "GET"):
            return _error(405, f"Method {method} not allowed on {path}")
        limited, limit_headers = self._rate_limit(api_key)
        if limited is not None:
            return limited
        generation, handler = route
        try:
            answer = getattr(self, handler)(generation, path, payload if path in WRITE_PATHS else query)
        except BadRequest as exc:
            answer = _error(400, str(exc))
        return answer._replace(headers={**answer.headers, **limit_headers})

    def _take_fault(self, write: bool = False) -> tuple[float, Answer | None]:
        """Consume this request's share of the fault counters, in the documented order."""
        f = self.faults
        with self._lock:
            delay = 0.0
            if f.slow_count > 0:
                f.slow_count -= 1
                delay = f.slow_seconds
            if write and f.write_rate_limit_count > 0:
                f.write_rate_limit_count -= 1
                headers = {} if f.retry_after is None else {"Retry-After": str(f.retry_after)}
                return delay, _error(429, "Too many requests, please slow down.", headers)
            if f.rate_limit_count > 0:
                f.rate_limit_count -= 1
                headers = {} if f.retry_after is None else {"Retry-After": str(f.retry_after)}
                return delay, _error(429, "Too many requests, please slow down.", headers)
            if f.server_error_count > 0:
                f.server_error_count -= 1
                status = SERVER_ERROR_CYCLE[self._errors_served % len(SERVER_ERROR_CYCLE)]
                # Each burst starts again at 500, so a test can predict the statuses it sets up.
                self._errors_served = 0 if f.server_error_count == 0 else self._errors_served + 1
                return delay, _server_error(status)
            if f.malformed_count > 0:
                f.malformed_count -= 1
                return delay, Answer(200, MALFORMED_BODY)
        return delay, None

    def _rate_limit(self, api_key: str) -> tuple[Answer | None, dict]:
        """A 429 when the key has used its requests of the last minute, and the limit headers."""
        limit = self.faults.requests_per_minute
        if not limit:
            return None, {}
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(api_key, deque())
            while window and window[0] <= now - RATE_WINDOW_SECONDS:
                window.popleft()
            reset = window[0] + RATE_WINDOW_SECONDS - now if window else RATE_WINDOW_SECONDS
            if len(window) >= limit:
                wait = max(1, math.ceil(reset))
                headers = {"Retry-After": str(wait), "X-RateLimit-Limit": str(limit),
                           "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + wait)}
                return _error(429, "Rate limit exceeded; retry later.", headers), {}
            window.append(now)
            remaining = limit - len(window)
        return None, {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                      "X-RateLimit-Reset": str(int(time.time() + reset))}

    # -- endpoints --------------------------------------------------------------------------

    def _events_list(self, generation: str, path: str, query: dict) -> Answer:
        after, before = _time_param(query, "after"), _time_param(query, "before")
        events = [ev for ev in self.community.events
                  if (after is None or ev.start_at > after) and (before is None or ev.start_at < before)]
        events.sort(key=lambda ev: (ev.start_at, ev.id), reverse=_descending(query))
        shape = payloads.event_current if generation == "current" else payloads.event_legacy_entry
        return self._page(events, query, shape)

    def _guests_list(self, generation: str, path: str, query: dict) -> Answer:
        event = self._event(path, query)
        if event is None:
            return _error(404, f"Event not found: {_event_id(path, query)}")
        guests = event.guests
        if query.get("approval_status") and not self.faults.ignore_approval_status_filter:
            guests = [g for g in guests if g.approval_status == query["approval_status"]]
        guests = sorted(guests, key=_guest_order, reverse=_descending(query))
        shape = payloads.guest_current if generation == "current" else payloads.guest_legacy_entry
        return self._page(guests, query, lambda guest: shape(guest, event))

    def _event_get(self, generation: str, path: str, query: dict) -> Answer:
        event = self._event(path, query)
        if event is None:
            return _error(404, f"Event not found: {_event_id(path, query)}")
        if generation == "current":
            return _json(200, {**payloads.event_current(event, with_tags=False), "hosts": payloads.hosts("current")})
        return _json(200, {"event": payloads.event_legacy(event), "hosts": payloads.hosts("legacy")})

    def _get_self(self, generation: str, path: str, query: dict) -> Answer:
        return _json(200, payloads.user_current() if generation == "current" else payloads.user_legacy())

    def _update_status(self, generation: str, path: str, payload) -> Answer:
        """Set one guest's approval status, as either generation's update-status call does."""
        if not isinstance(payload, dict):
            raise BadRequest("Invalid request: expected a JSON object body")
        legacy_guest = payload.get("guest") if isinstance(payload.get("guest"), dict) else {}
        event_id = payload.get("event_id" if generation == "current" else "event_api_id")
        status = payload.get("status")
        if not event_id or status not in NEW_STATUSES[generation]:
            raise BadRequest("Invalid request: expected an event id and a status of "
                             + "|".join(NEW_STATUSES[generation]))
        event = self.community.event(event_id)
        if event is None:
            return _error(404, f"Event not found: {event_id}")
        guest = next((g for g in event.guests if _is_guest(g, generation, payload, legacy_guest)), None)
        if guest is None:
            raise BadRequest("Guest not found on this event")
        with self._lock:
            guest.approval_status = status
        return _json(200, {})

    def _event(self, path: str, query: dict) -> SimEvent | None:
        event_id = _event_id(path, query)
        if not event_id:
            raise BadRequest(f"Missing required parameter: {EVENT_ID_PARAMS[path][0]}")
        return self.community.event(event_id)

    def _page(self, items: list, query: dict, shape: Callable[..., dict]) -> Answer:
        """One page of items in Luma's envelope; only this page is rendered."""
        limit = _page_limit(query)
        offset = _decode_cursor(query.get("pagination_cursor"))
        page = items[offset:offset + limit]
        has_more = offset + limit < len(items)
        body: dict = {"entries": [shape(item) for item in page], "has_more": has_more}
        if self.faults.has_more_without_cursor:
            body["has_more"] = True
        elif has_more:
            body["next_cursor"] = _encode_cursor(offset + limit)
        return _json(200, body)


def _is_guest(guest, generation: str, payload: dict, legacy_guest: dict) -> bool:
    """Whether the call names this guest: `guest_id` (current), or `{type: api_id|email}` (legacy)."""
    if generation == "current":
        return guest.id == payload.get("guest_id")
    if legacy_guest.get("type") == "email":
        return guest.email.strip().lower() == str(legacy_guest.get("email", "")).strip().lower()
    return legacy_guest.get("type") == "api_id" and guest.id == legacy_guest.get("api_id")


def _json_body(body: bytes):
    """A request body as JSON, or None when it is not JSON."""
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None


def _server_error(status: int) -> Answer:
    if status == 502:  # a proxy in front of Luma answers, not Luma itself
        return Answer(502, BAD_GATEWAY_BODY, {}, "text/html")
    return _error(status, "Internal server error" if status == 500 else "Service unavailable")


def _event_id(path: str, query: dict) -> str | None:
    return next((query[name] for name in EVENT_ID_PARAMS[path] if query.get(name)), None)


def _guest_order(guest) -> tuple:
    return (guest.registered_at or guest.invited_at or datetime.min.replace(tzinfo=timezone.utc), guest.id)


def _descending(query: dict) -> bool:
    return query.get("sort_direction", "asc").lower().startswith("desc")


def _time_param(query: dict, name: str) -> datetime | None:
    value = query.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid {name}: expected an ISO 8601 datetime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _page_limit(query: dict) -> int:
    raw = query.get("pagination_limit")
    if not raw:
        return DEFAULT_PAGE_LIMIT
    try:
        return max(1, min(MAX_PAGE_LIMIT, int(raw)))
    except ValueError:
        raise BadRequest("Invalid pagination_limit: expected an integer") from None


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise BadRequest("Invalid pagination_cursor")


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers its open connections so stop() can close them."""

    daemon_threads = True
    sim: SimulatedLuma

    def __init__(self, *args, **kwargs):
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def close_connections(self) -> None:
        """Shut every open keep-alive connection so its handler thread ends."""
        with self.connections_lock:
            for connection in list(self.connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so a paging client reuses one connection
    server_version = "SimulatedLuma/1.0"
    timeout = 60  # idle keep-alive connections give their thread back after a minute
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY the body waits for the
        # client's delayed ACK (40 ms) on every small page.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.sim.answer(method, self.path, self.headers.get("x-luma-api-key"), body)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args) -> None:
        if self.server.sim.verbose:
            super().log_message(format, *args)
