"""Shared fixtures for mockango's own tests: real servers on loopback, real plugins in threads."""

from __future__ import annotations

import pytest

from mockango import MockAngo
from tests.support import DEMO_CONFIG, load_sample, plugin_running


@pytest.fixture
def host():
    """A fresh mockango host on 127.0.0.1 and a free port."""
    with MockAngo(seed=1) as server:
        yield server


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
