"""Exceptions the library raises; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class CdsError(Exception):
    """Base class. ``str(err)`` is the one line shown to the user."""

    exit_code = 1


class ConfigError(CdsError):
    """Bad configuration or usage: exit 2. Carries every problem found, one per line."""

    exit_code = 2

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class FetchError(CdsError):
    """A request failed: HTTP error, timeout, reset, too large, too many redirects; or it was
    never sent (``refused``: the address, or a redirect's, is off the source's site)."""

    def __init__(self, url: str, reason: str, *, status: int | None = None,
                 retry_after: float | None = None, refused: bool = False):
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.refused = refused
        super().__init__(f"{url}: {reason}")


class ExtractError(CdsError):
    """Fetched bytes could not be read as what the source promised (e.g. HTML for a feed)."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class LockedError(CdsError):
    """Another process holds the root's run lock."""


class StoreError(CdsError):
    """A file in content/ cannot be read or written."""
