"""One mockango host per test process (per xdist worker), reset before each test that uses it.

Starting a host costs milliseconds, a reset a fraction of one: the suite's ``host`` fixture
hands out this shared host (the way the product's ``mockango`` fixture does for plugin
authors) unless a test is marked ``@pytest.mark.own_host("why")``.

A reset rolls back the data, the faults, the journal and the live connections, but not what
a test does to the objects themselves (a Hub option set, a listener subscribed, a client left
connected, the server stopped). Strict mode is the exception: tests switch it on for themselves
(``host.hub.strict = True``), and it is switched back off before the next one, as the product's
``mockango`` fixture does after a test marked ``strict=True``. :meth:`SharedHost.leftovers` looks for those after each test
(after all its fixtures are torn down, so a ``monkeypatch`` undo counts): the test fails its
teardown with the list, and the next test gets a fresh server.

A pytest plugin (``pytest_plugins`` in tests/conftest.py): the ``host`` fixture and its hooks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from mockango import MockAngo
from mockango.host import Through

SEED = 1
"""The seed of every host the suite's ``host`` fixture gives (shared or its own)."""
CONNECTIONS_GRACE = 5.0
"""Seconds a stopped plugin's socket may take to close on the server's side."""

_SCALARS = (str, int, float, bool, type(None))
PER_TEST_OPTIONS = {"strict": False}
"""Hub options a test may set for itself: put back to these values before each test, not reported."""


def fingerprint(server: MockAngo) -> dict[str, Any]:
    """What a reset leaves alone, as comparable values: the Hub's options by value, its parts by identity."""
    hub = server.hub
    taken: dict[str, Any] = {"server running": server.running, "server url": server.url}
    options = [name for name, value in vars(type(hub)).items() if isinstance(value, Through)]  # kept by its parts
    for name, value in [*vars(hub).items(), *((name, getattr(hub, name)) for name in options)]:
        if not name.startswith("_") and name not in PER_TEST_OPTIONS:
            taken[f"hub.{name}"] = value if isinstance(value, _SCALARS) else f"the object {id(value):#x}"
    for name in ("interval", "timeout"):
        taken[f"hub.rest_plugins.{name}"] = getattr(hub.rest_plugins, name)
    taken["change listeners"] = hub.held_in_memory()["listeners"]
    return taken


class SharedHost:
    """The process's shared :class:`MockAngo`: :meth:`take` it reset, check :meth:`leftovers` after."""

    def __init__(self, seed: int = SEED) -> None:
        self.seed = seed
        self.server: MockAngo | None = None
        self._pristine: dict[str, Any] = {}
        self.started = 0
        """How many servers this process started for the shared host (1 unless a test left one unusable)."""

    def _start(self) -> MockAngo:
        self.server = MockAngo(seed=self.seed).start()
        self._pristine = fingerprint(self.server)
        self.started += 1
        return self.server

    def take(self) -> MockAngo:
        """The shared host with the seeded data again, a fresh API key, no faults and no plugins."""
        server = self.server if self.server is not None else self._start()
        server.hub.deletions.wait_idle(30)
        server.reset()
        for name, value in PER_TEST_OPTIONS.items():
            if hasattr(server.hub, name):
                setattr(server.hub, name, value)
        return server

    def leftovers(self, grace: float = CONNECTIONS_GRACE) -> list[str]:
        """What the last test changed that a reset does not undo, one line each (empty: nothing);
        plugin connections get ``grace`` seconds to close."""
        if self.server is None:
            return []
        found = []
        deadline = time.monotonic() + grace
        while (connections := self.server.hub.held_in_memory()["connections"]) and time.monotonic() < deadline:
            time.sleep(0.01)
        if connections:
            found.append(f"{connections} plugin connection(s) still open: stop every plugin client the test started")
        now = fingerprint(self.server)
        for name, before in self._pristine.items():
            if now.get(name) != before:
                found.append(f"{name} is {now.get(name)!r}, was {before!r}")
        return found

    def replace(self) -> None:
        """Drop the shared host (a test left it unusable); the next :meth:`take` starts another."""
        server, self.server = self.server, None
        if server is not None:
            server.stop()

    def close(self) -> None:
        self.replace()


SHARED_HOST = pytest.StashKey[SharedHost]()
USED_SHARED_HOST = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "own_host(why): the `host` fixture gives this test a server of its own, not the shared one"
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Stopped here rather than by a session fixture, so the last test's leftovers are still checked.
    shared = session.config.stash.get(SHARED_HOST, None)
    if shared is not None:
        shared.close()


@pytest.fixture
def host(request: pytest.FixtureRequest) -> Iterator[MockAngo]:
    """A mockango host on 127.0.0.1 with the seeded data of :data:`SEED`: the shared one, reset, or the
    test's own when it is marked ``@pytest.mark.own_host("why")``."""
    marker = request.node.get_closest_marker("own_host")
    if marker is None:
        if SHARED_HOST not in request.config.stash:
            request.config.stash[SHARED_HOST] = SharedHost()
        request.node.stash[USED_SHARED_HOST] = True
        yield request.config.stash[SHARED_HOST].take()
        return
    if not marker.args or not str(marker.args[0]).strip():
        raise pytest.UsageError(f"{request.node.nodeid}: @pytest.mark.own_host needs a reason: own_host('why')")
    with MockAngo(seed=SEED) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Once every fixture of a test on the shared host is torn down, fail the test loudly if it left
    something the next test's reset would not undo (and drop the server: the next test gets a fresh one)."""
    result = yield
    if item.stash.get(USED_SHARED_HOST, False):
        shared = item.config.stash[SHARED_HOST]
        problems = shared.leftovers()
        if problems:
            shared.replace()
            pytest.fail(
                "this test left the shared host changed in ways a reset does not undo:\n  - "
                + "\n  - ".join(problems)
                + "\nundo it in the test (monkeypatch, a `with` block), or mark the test "
                '@pytest.mark.own_host("why") to give it a server of its own',
                pytrace=False,
            )
    return result
