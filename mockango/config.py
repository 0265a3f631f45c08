"""One host's configuration: everything ``mockango serve``, ``MockAngo``, the fixtures and ``Hub`` are built from.

:class:`HostConfig` holds every setting, each with its one default; :func:`mockango.host.build_host`
assembles a host from it. The serving settings (``host``, ``port``, ``max_body``, ...) are read by
the server; the others by the host itself.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .connections import DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT
from .input_limits import MAX_BODY_BYTES

DEFAULT_RUN_TIMEOUT = 300.0
"""Seconds a run may take before its session is marked timed_out (unless the run sets its own)."""
DEFAULT_HEARTBEAT_TIMEOUT = 150.0
"""A connection whose last heartbeat is older than this is not live (clients send one a minute)."""
LOG_LINE_LIMIT = 64 * 1024
"""Characters of one log message kept; the rest is cut, and the entry says so."""
LOG_COUNT_LIMIT = 10_000
"""Log lines kept per session; later ones are counted, and the session says so."""
DEFAULT_HOST = "127.0.0.1"
DEFAULT_BASE_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class HostConfig:
    """Everything a host is built from. Change one with :meth:`replace` (it is immutable)."""

    seed: int = 0
    """Seed of the fake data: the same seed gives the same projects and assets, byte for byte."""
    run_timeout: float = DEFAULT_RUN_TIMEOUT
    heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT
    base_url: str = DEFAULT_BASE_URL
    """The URL the host gives out in absolute URLs; a server bound to another address gives the host its own."""
    populate: bool = True
    """Load the seeded data (a host without it starts empty)."""
    state: str | os.PathLike[str] | None = None
    """The SQLite file that keeps the state (``mockango serve``); None: in memory."""
    files_dir: str | os.PathLike[str] | None = None
    """Where uploaded files, brushes and exports are kept; None: in memory."""
    log_line_limit: int = LOG_LINE_LIMIT
    log_count_limit: int = LOG_COUNT_LIMIT
    import_worker: bool = True
    """Parse big label imports in a worker process (file stores only)."""
    strict: bool = False
    """Rules whose evidence that Ango Hub refuses is unknown refuse too, instead of warning (docs/validation.md)."""
    admin_key: str | None = None
    """The key that may reset the whole host (``POST /api/reset``); None: the default user's key."""
    kinds: Iterable[Any] | None = None
    """The plugin kinds the host knows (:class:`~mockango.runs.kinds.PluginKind` objects, e.g.
    ``BUILT_IN + [MyKind()]``); None: the six of Ango Hub (:data:`mockango.runs.kinds.BUILT_IN`)."""
    host: str = DEFAULT_HOST
    """The address the server binds (serving only)."""
    port: int = 0
    """The port the server binds; 0: any free port (serving only)."""
    max_body: int = MAX_BODY_BYTES
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    verbose: bool = False
    """Log every HTTP request (serving only)."""
    public_url: str | None = None
    """The URL others reach the server at, when that is not the address it binds (a container bound to
    0.0.0.0 and reached as ``http://mockango:8080``): every URL the host hands out (asset data, signed file
    and export URLs) starts with it. None: the bound address (serving only)."""
    worker_cpus: frozenset[int] | None = None
    """The CPUs the host's worker processes (big label imports, exports) may run on, when the host itself
    was pinned to one (``mockango serve`` is: :mod:`mockango.cpu_affinity`); None: wherever the host may."""

    def __post_init__(self) -> None:
        if self.public_url is not None:
            object.__setattr__(self, "public_url", checked_public_url(self.public_url))

    def replace(self, **changes: Any) -> HostConfig:
        """A copy with ``changes``; an unknown name is refused with the names it knows."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown host setting(s) {unknown}: a host takes {sorted(known)}")
        return dataclasses.replace(self, **changes)

    @property
    def serving(self) -> dict[str, Any]:
        """The server's own settings, as :func:`mockango.server.make_wsgi_server` takes them."""
        return {
            "verbose": self.verbose,
            "max_body": self.max_body,
            "read_timeout": self.read_timeout,
            "max_connections": self.max_connections,
            "public_url": self.public_url,
        }


def checked_public_url(url: str) -> str:
    """``url`` without its trailing ``/``, or ValueError saying what a public URL must be.

    It is the start of URLs handed to plugins, so only an http(s) origin (and a path, for a proxy that
    serves the host under one) can be used: no query, fragment or credentials.
    """
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(
            f"public URL {url!r} is not an http(s) address like http://mockango:8080 "
            "(scheme, host, optional port and path; no query, fragment or user)"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise ValueError(f"public URL {url!r} has a port that is not a number from 1 to 65535") from None
    return url.strip().rstrip("/")


class Settings:
    """What a running host's parts read at each call, and its server or a test may change while it runs.

    ``base_url``: the URL that every absolute URL the host gives out starts with (asset data, signed
    files, run events); it starts as the configuration's, and a server gives it the address it serves
    at. ``strict``: whether rules whose evidence is unknown refuse instead of warning
    (:mod:`mockango.validation.evidence`; the pytest marker switches it for one test).
    """

    __slots__ = ("base_url", "strict")

    def __init__(self, base_url: str, strict: bool = False) -> None:
        self.base_url = base_url
        self.strict = strict

    def __repr__(self) -> str:
        return f"Settings(base_url={self.base_url!r}, strict={self.strict!r})"
