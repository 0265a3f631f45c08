"""The sessions list says why a run failed and what a run answered, without opening it (issue 22 item 6)."""

from __future__ import annotations

import pytest

from tests.support import plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402

pytestmark = pytest.mark.browser


def test_the_sessions_list_shows_each_runs_message_or_reason(page, host):
    plugin = host.create_plugin("Detector", class_names=["Vehicle"])

    def broken(data):
        raise RuntimeError("weights missing")

    with plugin_running(host, plugin.id, plugin.secret, lambda data: "All annotations are imported!"):
        good = host.run(plugin.id)
    with plugin_running(host, plugin.id, plugin.secret, broken):
        bad = host.run(plugin.id)
    for path in ("/sessions", f"/plugins/{plugin.id}"):
        page.get(host.url + path)
        shown = {
            row.get_attribute("data-session"): row.find_element(By.CSS_SELECTOR, '[data-field="outcome"]').text
            for row in page.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")
        }
        assert shown == {good.id: "All annotations are imported!", bad.id: "the plugin reported an error"}, path
