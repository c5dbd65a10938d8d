"""Sending through apprise: NOTIFY_URLS checked at start, and one message sent to each URL.

apprise is imported only when a URL is set (it takes most of a second), and its own logging is
silenced: a URL can carry a token, and a failure is reported here in one line that names the URL by
its position and service, never by its text."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)


def url_problems(urls: Iterable[str]) -> list[str]:
    """One line per URL apprise cannot use, naming it by position and scheme only."""
    apprise = _apprise()
    problems = []
    for number, url in enumerate(urls, 1):
        if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
            problems.append(f"NOTIFY_URLS: URL {number} ({_scheme(url)}) is not a notification "
                            "URL apprise can use (see github.com/caronc/apprise/wiki)")
    return problems


def send(urls: Iterable[str], title: str, body: str, attachments: Iterable[Path] = ()) -> int:
    """Send the message to every URL (with the attachments where the service takes them); return
    how many took it. A URL that fails is logged in one line and the others still go."""
    apprise = _apprise()
    files = [str(path) for path in attachments if Path(path).is_file()]
    sent = 0
    for number, url in enumerate(urls, 1):
        service = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        if service is None:
            log.error("notification: NOTIFY_URLS URL %d (%s) is not usable; not sent", number, _scheme(url))
            continue
        notifier = apprise.Apprise()
        notifier.add(service)
        attach = apprise.AppriseAttachment(files) if files and service.attachment_support else None
        if notifier.notify(body=body, title=title, attach=attach):
            sent += 1
        else:
            log.warning("notification: NOTIFY_URLS URL %d (%s) could not be reached; not sent "
                        "(the run's result is unchanged)", number, service.service_name)
    return sent


def _scheme(url: str) -> str:
    """The URL's scheme when it looks like one (`slack://`), else a placeholder: never the URL."""
    scheme, found, _ = url.partition("://")
    return f"{scheme}://…" if found and scheme.isalnum() and len(scheme) <= 12 else "no scheme"


def _apprise():
    with warnings.catch_warnings():  # apprise 2.2's plugins import imghdr, deprecated in Python 3.11
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise
        apprise.Apprise.instantiate("json://localhost", suppress_exceptions=True)  # loads the plugins
    logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)
    return apprise
