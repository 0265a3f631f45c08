"""Faults on demand: latency, failed calls, dropped sockets, ignored heartbeats, slow files.

Plugin authors use them to see their error handling at work, the way WireMock's
chaos or LocalStack's fault injection are used: "fail the next 2 asset listings
with 503", "drop the plugin's socket when the next run is sent". A :class:`Faults`
book belongs to one host (``hub.faults``); the web layer asks it, at each request,
socket event and file download, what to do. Probabilistic faults draw from their
own ``random.Random(seed)``, so a seeded test sees the same faults every time.

This module holds the rules only (no Flask, no socket): dropping a socket *now*
is done by whoever registered with :meth:`Faults.on_drop` (the Socket.IO namespace).

A fault belongs to whoever set it. One added through the control API belongs to the
caller's organization: it acts on that organization's calls, sockets and files only, and
only that organization sees and removes it. One added from Python (``hub.faults``,
``MockAngo.faults``: the host's own admin) is host-wide: it acts on everyone, and every
organization sees it, marked so.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from .errors import InvalidRequest

KINDS = ("latency", "fail", "drop_plugin", "ignore_heartbeats", "slow_files")
FAIL_STATUSES = (429, 500, 502, 503, 504)
SOCKET_EVENTS = ("heartbeat", "log", "response", "plugin")
"""Events latency can apply to: the three a plugin sends, and ``plugin`` (the run event the host sends)."""
DROP_WHEN = ("now", "before_run", "after_run")
MAX_SECONDS = 600.0
CONTROL_PATH = "/api/faults"
"""The faults' own control API is never subject to faults (else a fault on ``/**`` could not be removed)."""


def path_pattern(pattern: str) -> re.Pattern:
    """A glob over URL paths: ``*`` is one path segment (or part of one), ``**`` any number of them."""
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
    return re.compile(regex + r"\Z")


@dataclass
class Fault:
    """One active fault. ``times`` is how many more matches it applies to (None: until removed)."""

    id: str
    kind: str
    method: str = "*"
    path: str | None = None
    event: str | None = None
    plugin_id: str | None = None
    seconds: float = 0.0
    status: int = 503
    retry_after: int | None = None
    message: str | None = None
    when: str = "now"
    bytes_per_second: int | None = None
    times: int | None = None
    probability: float = 1.0
    seed: int = 0
    hits: int = 0
    organization_id: str | None = None
    """The organization that added it through the control API, the only one it acts on; None: added
    from Python, host-wide."""
    created_at: float = field(default_factory=time.time)
    _random: random.Random = field(init=False, repr=False)
    _pattern: re.Pattern | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._pattern = path_pattern(self.path) if self.path else None

    def acts_on(self, organization_id: str | None) -> bool:
        """Whether it acts on (and is seen by) the organization: its own, or any when host-wide."""
        return self.organization_id is None or self.organization_id == organization_id

    visible_to = acts_on

    @property
    def scope(self) -> str:
        """``host`` (added from Python, acts on everyone) or ``organization`` (acts on its own only)."""
        return "host" if self.organization_id is None else "organization"

    def matches_request(self, method: str, path: str) -> bool:
        return (
            self._pattern is not None and self.method in ("*", method.upper()) and self._pattern.match(path) is not None
        )

    def _fires(self) -> bool:
        """Whether this match triggers the fault (probability), counting it down when it does."""
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        self.hits += 1
        if self.times is not None:
            self.times -= 1
        return True

    @property
    def spent(self) -> bool:
        return self.times is not None and self.times <= 0

    def describe(self) -> str:
        """One line for people (the dashboard's banner)."""
        if self.kind == "latency":
            what = f"+{self.seconds:g} s on " + (
                f"{self.method} {self.path}" if self.path else f"socket event '{self.event}'"
            )
        elif self.kind == "fail":
            what = f"{self.method} {self.path} answers {self.status}"
            if self.retry_after is not None:
                what += f" (Retry-After: {self.retry_after})"
        elif self.kind == "drop_plugin":
            what = f"drop plugin {self.plugin_id}'s socket " + (
                "when its next run is sent"
                if self.when == "before_run"
                else f"{self.seconds:g} s after its next run is sent"
            )
        elif self.kind == "ignore_heartbeats":
            what = "ignore heartbeats of " + (f"plugin {self.plugin_id}" if self.plugin_id else "every plugin")
        else:
            what = f"image downloads ({self.path}) at {self.bytes_per_second} bytes/s"
            if self.seconds:
                what += f" after {self.seconds:g} s"
        if self.probability < 1.0:
            what += f", with probability {self.probability:g} (seed {self.seed})"
        if self.times is not None:
            what += f", {self.times} more time{'s' if self.times != 1 else ''}"
        return what

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"_id": self.id, "kind": self.kind}
        for key, value in (
            ("method", self.method if self.path else None),
            ("path", self.path),
            ("event", self.event),
            ("plugin", self.plugin_id),
            ("seconds", self.seconds if self.kind in ("latency", "drop_plugin", "slow_files") else None),
            ("status", self.status if self.kind == "fail" else None),
            ("retryAfter", self.retry_after),
            ("message", self.message),
            ("when", self.when if self.kind == "drop_plugin" else None),
            ("bytesPerSecond", self.bytes_per_second),
        ):
            if value is not None:
                data[key] = value
        data.update(
            {
                "times": self.times,
                "probability": self.probability,
                "seed": self.seed,
                "hits": self.hits,
                "scope": self.scope,
                "description": self.describe(),
            }
        )
        return data


@dataclass
class RequestFaults:
    """What to do to one HTTP request: wait ``delay`` seconds, then answer with ``failure`` if set."""

    delay: float = 0.0
    failure: Fault | None = None


class Faults:
    """The active faults of one host. Thread-safe; every method is cheap when none is active."""

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._ids = itertools.count(1)
        self._droppers: list[Callable[[str], int]] = []

    # ------------------------------------------------------------- adding

    def latency(
        self,
        method: str | None = None,
        path: str | None = None,
        seconds: float = 1.0,
        *,
        event: str | None = None,
        times: int | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> Fault:
        """Delay matching requests (``method``, ``path`` glob) or a Socket.IO ``event`` by ``seconds``."""
        return self.add(
            {
                "kind": "latency",
                "method": method,
                "path": path,
                "event": event,
                "seconds": seconds,
                "times": times,
                "probability": probability,
                "seed": seed,
            }
        )

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int = 503,
        times: int | None = 1,
        retry_after: int | None = None,
        message: str | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` (None: every one until removed)."""
        return self.add(
            {
                "kind": "fail",
                "method": method,
                "path": path,
                "status": status,
                "times": times,
                "retryAfter": retry_after,
                "message": message,
                "probability": probability,
                "seed": seed,
            }
        )

    def drop_plugin(self, plugin_id: str, *, when: str = "now", seconds: float = 0.5) -> Fault:
        """Close the plugin's socket: ``now``, ``before_run`` (its next run event is never delivered),
        or ``after_run`` (``seconds`` after its next run event is sent, while the plugin works on it)."""
        return self.add({"kind": "drop_plugin", "plugin": plugin_id, "when": when, "seconds": seconds})

    def ignore_heartbeats(self, plugin_id: str | None = None, *, times: int | None = None) -> Fault:
        """Ignore heartbeats (of one plugin, or all): the plugin stops being live once its last one ages
        out (``hub.heartbeat_timeout``), and a socket that connects now is never bound."""
        return self.add({"kind": "ignore_heartbeats", "plugin": plugin_id, "times": times})

    def slow_files(
        self, bytes_per_second: int = 16_384, *, seconds: float = 0.0, path: str = "/files/*", times: int | None = None
    ) -> Fault:
        """Serve asset images slowly: wait ``seconds``, then send at ``bytes_per_second``."""
        return self.add(
            {"kind": "slow_files", "bytesPerSecond": bytes_per_second, "seconds": seconds, "path": path, "times": times}
        )

    def add(self, spec: Any, *, organization_id: str | None = None) -> Fault:
        """Add a fault from its JSON form (the control API's body); :class:`InvalidRequest` names what is wrong."""
        fault = self._parse(spec)
        fault.organization_id = organization_id
        if fault.kind == "drop_plugin" and fault.when == "now" and fault.plugin_id is not None:
            fault.hits = self.drop_now(fault.plugin_id)
            fault.times = 0
            return fault
        with self._lock:
            self._faults[fault.id] = fault
        return fault

    # ------------------------------------------------------------ removing

    def remove(self, fault_id: str, *, organization_id: str | None = None) -> Fault | None:
        """Remove one fault (only one that ``organization_id`` set, when given); None when there is none."""
        with self._lock:
            fault = self._faults.get(fault_id)
            if fault is None or (organization_id is not None and fault.organization_id != organization_id):
                return None
            return self._faults.pop(fault_id)

    def clear(self, *, organization_id: str | None = None) -> None:
        """Remove every fault (every one that ``organization_id`` set, when given)."""
        with self._lock:
            for fault in list(self._faults.values()):
                if organization_id is None or fault.organization_id == organization_id:
                    self._faults.pop(fault.id, None)

    def active(self, *, organization_id: str | None = None) -> list[Fault]:
        """Faults still in effect, oldest first (those ``organization_id`` may see, when given)."""
        with self._lock:
            return [
                fault for fault in self._faults.values() if organization_id is None or fault.visible_to(organization_id)
            ]

    def __bool__(self) -> bool:
        return bool(self._faults)

    # --------------------------------------------------- asked by the web layer

    def on_request(self, method: str, path: str, organization_id: str | None = None) -> RequestFaults:
        """The latency and failure for one HTTP request of ``organization_id`` (None: a caller without a
        key, on whom only host-wide faults act); counts them as used."""
        result = RequestFaults()
        if not self._faults or path.startswith(CONTROL_PATH):
            return result
        with self._lock:
            for fault in list(self._faults.values()):
                if (
                    fault.kind not in ("latency", "fail")
                    or not fault.acts_on(organization_id)
                    or not fault.matches_request(method, path)
                ):
                    continue
                if fault.kind == "fail" and result.failure is not None:
                    continue
                if fault._fires():
                    if fault.kind == "latency":
                        result.delay += fault.seconds
                    else:
                        result.failure = fault
                self._drop_if_spent(fault)
        return result

    def event_delay(self, event: str, organization_id: str | None = None) -> float:
        """Seconds to hold a Socket.IO event (one of :data:`SOCKET_EVENTS`) of a plugin of ``organization_id``."""
        return self._sum_seconds(
            lambda fault: fault.kind == "latency" and fault.event == event and fault.acts_on(organization_id)
        )

    def file_rate(self, path: str, organization_id: str | None = None) -> tuple[float, int | None]:
        """``(seconds to wait, bytes per second or None)`` for downloading the file at ``path``, a file of
        ``organization_id``."""
        if not self._faults:
            return 0.0, None
        with self._lock:
            for fault in list(self._faults.values()):
                if (
                    fault.kind == "slow_files"
                    and fault.acts_on(organization_id)
                    and fault.matches_request("GET", path)
                    and fault._fires()
                ):
                    self._drop_if_spent(fault)
                    return fault.seconds, fault.bytes_per_second
        return 0.0, None

    def ignores_heartbeat(self, plugin_id: object, organization_id: str | None = None) -> bool:
        """Whether to ignore a heartbeat naming ``plugin_id``, a plugin of ``organization_id`` (None: unknown)."""
        return (
            self._first(
                lambda fault: (
                    fault.kind == "ignore_heartbeats"
                    and fault.plugin_id in (None, plugin_id)
                    and fault.acts_on(organization_id)
                )
            )
            is not None
        )

    def drop_on_run(self, plugin_id: str | None) -> Fault | None:
        """The ``before_run``/``after_run`` drop waiting for this plugin's next run (used up by asking);
        None for a socket that has not said which plugin it is."""
        return self._first(lambda fault: fault.kind == "drop_plugin" and fault.plugin_id == plugin_id)

    def on_drop(self, dropper: Callable[[str], int]) -> None:
        """Register ``dropper(plugin_id) -> sockets closed``, which :meth:`drop_now` calls."""
        self._droppers.append(dropper)

    def drop_now(self, plugin_id: str) -> int:
        """Close every socket of the plugin at once; returns how many were closed."""
        return sum(dropper(plugin_id) for dropper in list(self._droppers))

    # ----------------------------------------------------------------- inner

    def _first(self, wanted: Callable[[Fault], bool]) -> Fault | None:
        if not self._faults:
            return None
        with self._lock:
            for fault in list(self._faults.values()):
                if wanted(fault) and fault._fires():
                    self._drop_if_spent(fault)
                    return fault
        return None

    def _sum_seconds(self, wanted: Callable[[Fault], bool]) -> float:
        if not self._faults:
            return 0.0
        total = 0.0
        with self._lock:
            for fault in list(self._faults.values()):
                if wanted(fault) and fault._fires():
                    total += fault.seconds
                    self._drop_if_spent(fault)
        return total

    def _drop_if_spent(self, fault: Fault) -> None:
        if fault.spent:
            self._faults.pop(fault.id, None)

    def _parse(self, spec: Any) -> Fault:
        if not isinstance(spec, Mapping):
            raise InvalidRequest(f"a fault must be a JSON object, got {type(spec).__name__}")
        known = {
            "kind",
            "method",
            "path",
            "event",
            "plugin",
            "seconds",
            "status",
            "retryAfter",
            "message",
            "when",
            "bytesPerSecond",
            "times",
            "probability",
            "seed",
        }
        unknown = sorted(set(spec) - known)
        if unknown:
            raise InvalidRequest(f"$.{unknown[0]}: unknown field; a fault takes {sorted(known)}")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise InvalidRequest(f"$.kind: must be one of {list(KINDS)}, got {kind!r}")
        get = _Reader(spec)
        fault = Fault(
            id=f"fault-{next(self._ids)}",
            kind=kind,
            times=get.integer("times", None, minimum=1),
            probability=get.number("probability", 1.0, minimum=0.0, maximum=1.0),
            seed=get.integer("seed", self.seed, minimum=-(2**63), maximum=2**63 - 1),
        )
        fault.message = get.string("message", None)
        if kind in ("latency", "fail"):
            fault.method = (get.string("method", None) or "*").upper()
            fault.path = get.string("path", None)
        if kind == "latency":
            fault.event = get.string("event", None)
            fault.seconds = get.number("seconds", 1.0, minimum=0.0, maximum=MAX_SECONDS)
            if (fault.path is None) == (fault.event is None):
                raise InvalidRequest("$.path: a latency fault takes either 'path' (with 'method') or 'event'")
            if fault.event is not None and fault.event not in SOCKET_EVENTS:
                raise InvalidRequest(f"$.event: must be one of {list(SOCKET_EVENTS)}, got {fault.event!r}")
        elif kind == "fail":
            if fault.path is None:
                raise InvalidRequest("$.path: a fail fault needs the path (a glob such as '/v2/project/*/assets')")
            fault.status = get.integer("status", 503)
            if fault.status not in FAIL_STATUSES:
                raise InvalidRequest(f"$.status: must be one of {list(FAIL_STATUSES)}, got {fault.status}")
            fault.retry_after = get.integer(
                "retryAfter", 1 if fault.status == 429 else None, minimum=0, maximum=int(MAX_SECONDS)
            )
            if "times" not in spec:
                fault.times = 1
        elif kind == "drop_plugin":
            fault.plugin_id = get.string("plugin", None)
            if fault.plugin_id is None:
                raise InvalidRequest("$.plugin: a drop_plugin fault needs the plugin's id")
            fault.when = get.string("when", "now")
            if fault.when not in DROP_WHEN:
                raise InvalidRequest(f"$.when: must be one of {list(DROP_WHEN)}, got {fault.when!r}")
            fault.seconds = get.number("seconds", 0.5, minimum=0.0, maximum=MAX_SECONDS)
            fault.times = 1
        elif kind == "ignore_heartbeats":
            fault.plugin_id = get.string("plugin", None)
        else:
            fault.path = get.string("path", None) or "/files/*"
            fault.method = "GET"
            fault.bytes_per_second = get.integer("bytesPerSecond", 16_384, minimum=1)
            fault.seconds = get.number("seconds", 0.0, minimum=0.0, maximum=MAX_SECONDS)
        fault._pattern = path_pattern(fault.path) if fault.path else None
        return fault


class _Reader:
    """Typed reads of a fault's fields, each error naming its JSON path."""

    def __init__(self, spec: Mapping) -> None:
        self.spec = spec

    def number(self, key: str, default: float, *, minimum: float, maximum: float) -> float:
        value = self.spec.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidRequest(f"$.{key}: must be a finite number, got {value!r}")
        if not minimum <= value <= maximum:
            raise InvalidRequest(f"$.{key}: must be between {minimum:g} and {maximum:g}, got {value!r}")
        return float(value)

    @overload
    def integer(self, key: str, default: int, *, minimum: int = 0, maximum: int = 2**31) -> int: ...
    @overload
    def integer(self, key: str, default: None, *, minimum: int = 0, maximum: int = 2**31) -> int | None: ...
    def integer(self, key: str, default: int | None, *, minimum: int = 0, maximum: int = 2**31) -> int | None:
        value = self.spec.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidRequest(f"$.{key}: must be an integer, got {value!r}")
        if not minimum <= value <= maximum:
            raise InvalidRequest(f"$.{key}: must be between {minimum} and {maximum}, got {value}")
        return value

    @overload
    def string(self, key: str, default: str) -> str: ...
    @overload
    def string(self, key: str, default: None) -> str | None: ...
    def string(self, key: str, default: str | None) -> str | None:
        value = self.spec.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value or len(value) > 1000:
            raise InvalidRequest(f"$.{key}: must be a non-empty string of at most 1000 characters, got {value!r}")
        return value
