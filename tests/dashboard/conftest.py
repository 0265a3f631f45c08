"""Fixtures for the dashboard's browser tests: one headless Chromium, driven by Selenium.

Chromium and its driver come from Debian (``apt-get install chromium chromium-driver``);
Selenium is given both paths, so Selenium Manager never downloads anything.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def chromium_session():
    """A headless Chromium for the whole session, or a skip that says what is missing."""
    pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install selenium")
    from tests.dashboard.browsing import CHROMEDRIVER, CHROMIUM, chromium

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    if not CHROMEDRIVER.exists():
        pytest.skip(f"{CHROMEDRIVER} is missing: apt-get install -y chromium-driver")

    with chromium() as driver:
        yield driver


@pytest.fixture
def browser(chromium_session):
    """The session's Chromium, on a blank page and with no cookies after the test: a live page polls its
    host, and the host is shared by the tests that follow (a cookie is kept per host name, whatever the
    port, and delete_all_cookies() on about:blank would reach none of them)."""
    yield chromium_session
    chromium_session.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium_session.get("about:blank")


def sign_in(browser, host) -> None:
    """Open the ``?apikey=`` link and confirm it, as a person does; wait for the page it lands on."""
    from selenium.webdriver.common.by import By

    from tests.dashboard.browsing import click_and_load

    browser.delete_all_cookies()
    browser.get(f"{host.url}/?apikey={host.api_key}")
    click_and_load(browser, browser.find_element(By.ID, "signin-confirm"))


@pytest.fixture
def page(browser, host):
    """The browser signed in to a fresh host (the root conftest's ``host``) through the ``?apikey=`` link,
    on the Plugins page."""
    sign_in(browser, host)
    browser.get(f"{host.url}/plugins")
    browser.get_log("browser")  # start each test with an empty console
    return browser
