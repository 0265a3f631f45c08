"""Screenshots of every dashboard page at 1280 px, for docs/screenshots/ (``make screenshots``).

Drives the same headless Chromium as the browser tests against a host with a little of
everything: plugins of three types (two live), succeeded and failed runs, pre-labels, a Model
plugin's answer on a task. Run: ``.venv/bin/python -m tests.dashboard.screenshots [FOLDER]``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from mockango import MockAngo
from plugin_client import Answer, ModelPlugin
from tests.support import DEMO_CONFIG, ROOT, load_sample, plugin_running

WIDTH = 1280
MAX_HEIGHT = 2400
"""A page longer than this is cut here: the screenshot shows what a reader needs, not every row."""
FOLDER = ROOT / "docs" / "screenshots"
ALL_IMAGES_LOADED = "return Array.from(document.images).every(image => image.complete)"


def failing_model(data):
    data["logger"].info("loading weights from ./weights/detector.pt")
    raise FileNotFoundError("./weights/detector.pt")


def held_model(release: threading.Event):
    """A callback that works until ``release`` (a run to show running, and one to cancel)."""

    def callback(data):
        data["logger"].info("tagging 25 assets, one batch at a time")
        release.wait(600)
        return "tagged"

    return callback


def box_model(data):
    mapped = data["categorySchema"][0]["schemaId"]
    return Answer(objects=[{"schemaId": mapped, "bounding-box": {"x": 180, "y": 120, "width": 260, "height": 190}}])


@contextlib.contextmanager
def staged_host() -> Iterator[tuple[MockAngo, dict[str, str]]]:
    """A host with plugins, runs, pre-labels and a task answer; yields it and the paths to shoot."""
    with MockAngo(seed=0) as host:
        detector = host.create_plugin("Demo detector", class_names=["Vehicle", "Person"], default_config=DEMO_CONFIG)
        boxer = host.create_plugin("Box model", class_names=["Car"], type="model", description="One box per asset.")
        host.create_plugin("Exporter", type="export", description="Writes the project's tasks as JSON.")
        slow = host.create_plugin("Slow tagger", class_names=["Vehicle"], description="Takes its time.")
        sample = load_sample(host.url, detector.id, detector.secret)
        with plugin_running(host, detector.id, detector.secret, sample["run_model"]):
            labelled = host.run(detector.id, class_mapping={"Vehicle": "Vehicle"})
        with plugin_running(host, detector.id, detector.secret, failing_model):
            failed = host.run(detector.id, class_mapping={"Vehicle": "Vehicle"})
        asset = host.assets()[0]
        release = threading.Event()
        with (
            plugin_running(host, boxer.id, boxer.secret, box_model, plugin_class=ModelPlugin),
            plugin_running(host, detector.id, detector.secret, sample["run_model"]),
            plugin_running(host, slow.id, slow.secret, held_model(release)),
        ):
            host.run(boxer.id, asset=asset["_id"], class_mapping={"Car": "Vehicle"})
            task = host.task_for_asset(asset["_id"])
            host.start_run(slow.id, class_mapping={"Vehicle": "Vehicle"}).cancel()
            running = host.start_run(slow.id, class_mapping={"Vehicle": "Vehicle"}, timeout=600)
            paths = {
                "overview": "/",
                "plugins": "/plugins",
                "plugin": f"/plugins/{detector.id}",
                "run": f"/run?plugin={detector.id}",
                "sessions": "/sessions",
                "session": f"/sessions/{labelled.id}",
                "session-failed": f"/sessions/{failed.id}",
                "session-running": f"/sessions/{running.id}",
                "projects": "/projects",
                "project": f"/projects/{host.project_id}",
                "asset": f"/projects/{host.project_id}/assets/{asset['_id']}",
                "tasks": f"/projects/{host.project_id}/tasks",
                "task": f"/tasks/{task['_id']}",
            }
            try:
                yield host, paths
            finally:
                release.set()


def shoot(folder: Path) -> list[Path]:
    """Sign in, open each page and save it as ``folder/NAME.png``; return the files written."""
    from selenium.webdriver.common.by import By

    from tests.dashboard.browsing import chromium, click_and_load, wait

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with staged_host() as (host, paths), chromium(width=WIDTH) as driver:
        driver.get(f"{host.url}/?apikey={host.api_key}")
        written.append(save(driver, folder / "signin.png"))
        click_and_load(driver, driver.find_element(By.ID, "signin-confirm"))
        for name, path in paths.items():
            driver.get(host.url + path)
            wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
            written.append(save(driver, folder / f"{name}.png"))
    return written


def save(driver, path: Path) -> Path:
    """The page at WIDTH px, as tall as its content (up to MAX_HEIGHT)."""
    from tests.dashboard.browsing import wait

    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": min(height, MAX_HEIGHT), "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        wait(driver, lambda d: d.execute_script(ALL_IMAGES_LOADED))  # lazy thumbnails load once in view
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("plugin_client").setLevel(logging.CRITICAL)  # the failing run's traceback is staged
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=FOLDER, help=f"where to write (default {FOLDER})")
    folder = parser.parse_args(argv).folder
    for path in shoot(folder):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
