"""The dashboard shows active faults on every page, so nobody takes an injected failure for a bug."""

from __future__ import annotations

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402

from tests.dashboard.browsing import shot, text_of  # noqa: E402

pytestmark = pytest.mark.browser


def test_a_banner_lists_active_faults_until_they_are_cleared(page, host):
    page.get(f"{host.url}/plugins")
    assert not page.find_elements(By.ID, "faults-banner")

    failing = host.faults.fail("GET", "/v2/project/*/assets", status=503, times=2)
    host.faults.latency(event="response", seconds=1.5)
    for path in ("/plugins", "/sessions", f"/projects/{host.project_id}"):
        page.get(host.url + path)
        assert text_of(page, "#faults-banner strong") == "2 faults active"
        items = [li.text for li in page.find_elements(By.CSS_SELECTOR, "#faults-banner li")]
        assert items == [
            "GET /v2/project/*/assets answers 503, 2 more times — host-wide (set from Python)",
            "+1.5 s on socket event 'response' — host-wide (set from Python)",
        ]
    shot(page, "faults-banner")

    host.faults.remove(failing.id)
    page.get(f"{host.url}/plugins")
    assert text_of(page, "#faults-banner strong") == "1 fault active"
    host.faults.clear()
    page.get(f"{host.url}/plugins")
    assert not page.find_elements(By.ID, "faults-banner")


def test_the_sign_in_page_shows_no_faults(browser, host):
    host.faults.fail("GET", "/v2/**")
    browser.delete_all_cookies()
    browser.get(f"{host.url}/plugins")
    assert "Sign in" in text_of(browser, "h1")
    assert not browser.find_elements(By.ID, "faults-banner")


def test_the_banner_says_whose_each_fault_is_and_shows_no_other_organization_s(page, host):
    """Issue 17.6: a fault added over HTTP is its organization's; another organization never sees it."""
    import requests

    rival = host.create_organization("Rival")
    theirs = requests.post(
        host.url + "/api/faults", json={"kind": "fail", "path": "/v2/**"}, headers={"apikey": rival.api_key}, timeout=10
    )
    assert theirs.status_code == 201
    page.get(f"{host.url}/plugins")
    assert not page.find_elements(By.ID, "faults-banner")  # the rival's fault is the rival's
    ours = requests.post(
        host.url + "/api/faults",
        json={"kind": "latency", "path": "/v2/listProjects", "seconds": 0.5},
        headers={"apikey": host.api_key},
        timeout=10,
    ).json()
    host.faults.ignore_heartbeats()
    page.get(f"{host.url}/plugins")
    items = {li.get_attribute("data-fault"): li.text for li in page.find_elements(By.CSS_SELECTOR, "#faults-banner li")}
    assert len(items) == 2
    assert items[ours["_id"]] == "+0.5 s on * /v2/listProjects — your organization's"
    assert "ignore heartbeats of every plugin — host-wide (set from Python)" in items.values()
