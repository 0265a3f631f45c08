"""Fixtures for the dashboard's browser tests: one headless Chromium, driven by Selenium.

Chromium and its driver come from Debian (``apt-get install chromium chromium-driver``);
Selenium is given both paths, so Selenium Manager never downloads anything.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the whole session, or a skip that says what is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    if not CHROMEDRIVER.exists():
        pytest.skip(f"{CHROMEDRIVER} is missing: apt-get install -y chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install selenium")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # belt and braces: Selenium Manager stays offline
    profile = tempfile.mkdtemp(prefix="mockango-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to check the page's console
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(browser, host) -> None:
    """Open the ``?apikey=`` link and confirm it, as a person does; wait for the plugins page."""
    from selenium.webdriver.common.by import By

    from tests.dashboard.browsing import click_and_load

    browser.delete_all_cookies()
    browser.get(f"{host.url}/?apikey={host.api_key}")
    click_and_load(browser, browser.find_element(By.ID, "signin-confirm"))


@pytest.fixture
def page(browser, host):
    """The browser signed in to a fresh host (the root conftest's ``host``) through the ``?apikey=`` link."""
    sign_in(browser, host)
    browser.get_log("browser")  # start each test with an empty console
    return browser
