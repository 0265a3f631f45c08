"""Shared fixtures for mockango's own tests: real servers on loopback, real plugins in threads.

``host`` (from tests/shared_host.py) is one server per test process (per xdist worker), reset
before each test; a test that needs a server of its own (other options, one it stops, state a
reset cannot undo) says so with ``@pytest.mark.own_host("why")``. A test that leaves the shared
server changed in a way a reset does not undo fails its teardown, saying what it left.

Modules with long tests (marked slow, browser, official, crash, packaging or container) run first: with
xdist's work stealing (``--dist worksteal`` in pyproject.toml), the workers then end together
on short tests instead of one waiting for the other's last long one.
"""

from __future__ import annotations

import pytest

from tests.support import DEMO_CONFIG, load_sample, plugin_running

pytest_plugins = ["tests.shared_host"]

LONG_MARKERS = {"slow", "browser", "official", "crash", "packaging", "container"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whole modules with a long test first (module fixtures stay set up once), each group in its own order."""
    long_modules = {item.path for item in items if any(m.name in LONG_MARKERS for m in item.iter_markers())}
    items.sort(key=lambda item: item.path not in long_modules)


@pytest.fixture
def demo_plugin(host):
    """The seed's plugin: classes Vehicle and Person, the seed's default config."""
    return host.create_plugin("Demo detector", class_names=["Vehicle", "Person"], default_config=DEMO_CONFIG)


@pytest.fixture
def sample_plugin(host, demo_plugin):
    """The seed's sample script connected to ``host`` through plugin_client, live."""
    sample = load_sample(host.url, demo_plugin.id, demo_plugin.secret)
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, sample["run_model"]) as running:
        yield running[0]
