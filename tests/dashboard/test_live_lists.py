"""Every list of the dashboard is live, as the session page is: no reload needed (issue 11.6, 11.7)."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.support import held_callback, plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from tests.dashboard.browsing import text_of, wait  # noqa: E402

pytestmark = pytest.mark.browser


def mark_page(page) -> None:
    """A marker that a reload would wipe: the checks below prove the page was never reloaded."""
    page.execute_script("window.notReloaded = true;")


def assert_not_reloaded(page) -> None:
    assert page.execute_script("return window.notReloaded === true;"), "the page was reloaded"


def live_text(page, css: str) -> str | None:
    """The element's text read in one step (a live list may swap the element between two calls)."""
    return page.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)


def status_of(page, session_id: str) -> str | None:
    return live_text(page, f'#sessions [data-session="{session_id}"] .status')


def test_sessions_list_and_plugin_page_show_new_runs_and_their_end_live(page, host):
    plugin = host.create_plugin("Slow", class_names=["Vehicle"])
    release = threading.Event()
    with plugin_running(host, plugin.id, plugin.secret, lambda data: release.wait(10) and "done"):
        for path in ("/sessions", f"/plugins/{plugin.id}"):
            page.get(host.url + path)
            mark_page(page)
            session = host.start_run(plugin.id)
            wait(page, lambda d: status_of(d, session.id) == "running")
            release.set()
            wait(page, lambda d: status_of(d, session.id) == "succeeded")
            assert_not_reloaded(page)
            release.clear()


def test_plugins_list_shows_a_plugin_created_from_the_cli_live(page, host):
    page.get(f"{host.url}/plugins")
    assert "No plugins yet" in text_of(page, "#plugins")
    mark_page(page)
    created = requests.post(
        f"{host.url}/api/plugins",
        headers={"apikey": host.api_key},
        json={"name": "From the CLI", "classNames": ["Vehicle"]},
    ).json()
    row = f'#plugins [data-plugin="{created["_id"]}"]'
    wait(page, lambda d: live_text(d, row) is not None)
    assert "From the CLI" in live_text(page, row) and "offline" in live_text(page, row)
    with plugin_running(host, created["_id"], created["secret"], lambda data: "ok"):
        wait(page, lambda d: "live" in live_text(d, f"{row} .light").split())
    requests.delete(f"{host.url}/api/plugins/{created['_id']}", headers={"apikey": host.api_key})
    wait(page, lambda d: live_text(d, row) is None)
    assert "No plugins yet" in live_text(page, "#plugins")
    assert_not_reloaded(page)


def test_a_timed_out_session_shows_its_late_lines_and_answer_as_late(page, host):
    plugin = host.create_plugin("Slow", class_names=["Vehicle"])
    release = threading.Event()
    with plugin_running(
        host, plugin.id, plugin.secret, held_callback(release, "done, too late", then="finishing after all")
    ):
        session = host.run(plugin.id, timeout=0.3)
        assert session.status == "timed_out"
        page.get(f"{host.url}/sessions/{session.id}")
        assert "the plugin is still connected: its callback was still running" in text_of(page, '[data-field="reason"]')
        assert not page.find_element(By.ID, "late-answers").is_displayed()
        mark_page(page)
        release.set()
        wait(page, EC.text_to_be_present_in_element((By.ID, "late-answers"), "done, too late"))
    late_line = page.find_element(By.CSS_SELECTOR, "#log .line.late")
    assert "late" in late_line.find_element(By.CSS_SELECTOR, ".late-tag").text.lower()
    assert "finishing after all" in late_line.text
    assert not page.find_element(By.CSS_SELECTOR, "#log .line:not(.late)").find_elements(By.CSS_SELECTOR, ".late-tag")
    assert_not_reloaded(page)
    page.refresh()  # and the same after a reload, rendered by the server
    assert "finishing after all" in text_of(page, "#log .line.late")
    assert "done, too late" in text_of(page, "#late-answers .late-answer")


def test_the_session_page_asks_only_for_the_log_lines_it_has_not_shown(page, host):
    plugin = host.create_plugin("Chatty", class_names=["Vehicle"])
    gates = [threading.Event() for _ in range(4)]

    def callback(**data):
        data["logger"].info("line 0")
        data["logger"].info("line 1")
        for number, gate in enumerate(gates, start=2):
            gate.wait(10)
            if number < 5:
                data["logger"].info(f"line {number}")
        return "done"

    with plugin_running(host, plugin.id, plugin.secret, callback):
        session = host.start_run(plugin.id)
        wait(page, lambda d: len(host.session(session.id).logs) == 2)
        page.get(f"{host.url}/sessions/{session.id}")  # two lines rendered by the server
        mark_page(page)
        api = f"/api/sessions/{session.id}"
        for number, gate in enumerate(gates[:3], start=2):
            gate.set()
            wait(page, lambda d: f"line {number}" in (live_text(d, "#log") or ""))
        gates[3].set()
        wait(page, lambda d: live_text(d, "#session [data-status]") == "succeeded")
    lines = [line.text for line in page.find_elements(By.CSS_SELECTOR, "#log .line")]
    assert [text.split("INFO ", 1)[1].strip() for text in lines] == [
        f"line {n}" for n in range(5)
    ]  # each once, in order
    assert_not_reloaded(page)
    polls = [entry["query"] for entry in host.hub.journal_entries() if entry["path"] == api]
    asked = [int(query.removeprefix("logsFrom=")) for query in polls]
    assert polls and all(query.startswith("logsFrom=") for query in polls), polls
    assert asked[0] == 2 and asked == sorted(asked) and asked[-1] == 5, asked
