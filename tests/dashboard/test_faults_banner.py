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
        assert items == ["GET /v2/project/*/assets answers 503, 2 more times", "+1.5 s on socket event 'response'"]
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
