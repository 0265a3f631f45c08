"""Small helpers for the browser tests: waiting, reading text, full-page screenshots."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path("/tmp/mockango-shots")
WAIT = 10  # seconds: the longest any page may take to show what a test waits for


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator:
    """Debian's headless Chromium driven by Selenium (the browser tests' and ``make screenshots``'),
    with a profile of its own; Selenium Manager stays offline, since both paths are given."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
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
        f"--window-size={width},{height}",
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


def wait(driver, condition, timeout: float = WAIT):
    """Poll ``condition(driver)`` every 50 ms until it is truthy; return its value."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def click_and_load(driver, element, timeout: float = WAIT) -> None:
    """Click something that loads a new page, and wait until the old page is gone.

    Without this, a wait that follows can find an element of the old page (say its
    error message), which goes stale when the new page arrives.
    """
    old_page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    # While the old document is torn down, chromedriver sometimes answers "Node with given id
    # does not belong to the document" instead of "stale element": poll on through it.
    waiting = WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=[WebDriverException])
    waiting.until(EC.staleness_of(old_page))
    waiting.until(lambda d: d.execute_script("return document.readyState") == "complete")


def text_of(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def shot(driver, name: str) -> Path:
    """Save a screenshot of the whole page (not just the window) to /tmp/mockango-shots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = driver.execute_script("return document.documentElement.clientWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(height, 6000), "deviceScaleFactor": 1, "mobile": False},
    )
    path = SHOTS / f"{name}.png"
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path
