"""Small helpers for the browser tests: waiting, reading text, full-page screenshots."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

SHOTS = Path("/tmp/mockango-shots")
WAIT = 10  # seconds: the longest any page may take to show what a test waits for


def wait(driver, condition, timeout: float = WAIT):
    """Poll ``condition(driver)`` every 50 ms until it is truthy; return its value."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def text_of(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def shot(driver, name: str) -> Path:
    """Save a screenshot of the whole page (not just the window) to /tmp/mockango-shots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = driver.execute_script("return document.documentElement.clientWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": min(height, 6000), "deviceScaleFactor": 1, "mobile": False})
    path = SHOTS / f"{name}.png"
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path
