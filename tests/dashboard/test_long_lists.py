"""The dashboard's long lists in a real browser: sessions paged and filtered, a big project's bounded pager."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from mockango.web.dashboard.pages import PLUGIN_PAGE_SESSIONS
from tests.dashboard.browsing import click_and_load, shot, text_of
from tests.support import answer_or_fail, plugin_running, session_history

pytestmark = pytest.mark.slow  # a browser pages through long lists

BIG_PROJECT_ASSETS = 60 * 40 + 7  # 41 pages of 60 on the project page


def rows(page) -> list[str]:
    return [row.get_attribute("data-session") for row in page.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")]


def pager_links(page) -> list[str]:
    return [link.text for link in page.find_elements(By.CSS_SELECTOR, "#pager a, #pager strong, #pager .gap")]


def test_sessions_page_is_paged_newest_first_and_filters_by_plugin_and_status(page, host):
    history = session_history(host)
    newest = [session_id for session_id, _, _ in history["newest_first"]]
    page.get(f"{host.url}/sessions?limit=2")
    assert rows(page) == newest[:2]
    assert text_of(page, "#session-total") == "7 sessions, newest first."
    assert text_of(page, "#pager").startswith("Page 1 of 4:")
    assert pager_links(page) == ["1", "2", "3", "4", "next ›"]

    click_and_load(page, page.find_element(By.CSS_SELECTOR, '#pager a[rel="next"]'))
    assert rows(page) == newest[2:4]
    assert page.find_element(By.CSS_SELECTOR, "#pager strong").text == "2"
    click_and_load(page, page.find_element(By.CSS_SELECTOR, '#pager a[data-page="4"]'))
    assert rows(page) == newest[6:]
    assert not page.find_elements(By.CSS_SELECTOR, '#pager a[rel="next"]')

    # Filter: plugin A's failed runs; the page size chosen in the URL is kept.
    Select(page.find_element(By.NAME, "plugin")).select_by_visible_text("A")
    Select(page.find_element(By.NAME, "status")).select_by_visible_text("failed")
    click_and_load(page, page.find_element(By.ID, "filter-sessions"))
    failed_a = [s for s, p, status in history["newest_first"] if p == history["first"] and status == "failed"]
    assert rows(page) == failed_a
    assert text_of(page, "#session-total") == "2 sessions match these filters, newest first."
    assert "status=failed" in page.current_url and "limit=2" in page.current_url
    assert Select(page.find_element(By.NAME, "plugin")).first_selected_option.text == "A"
    assert not page.find_elements(By.ID, "pager")  # one page only
    shot(page, "sessions-filtered")

    Select(page.find_element(By.NAME, "plugin")).select_by_visible_text("B")
    click_and_load(page, page.find_element(By.ID, "filter-sessions"))
    assert rows(page) == []
    assert text_of(page, "#session-total") == "0 sessions match these filters, newest first."


def test_sessions_page_refuses_a_bad_status_or_page_plainly(page, host):
    page.get(f"{host.url}/sessions?status=done")
    assert "query parameter 'status' must be one of running, cancelled, failed, succeeded, timed_out" in text_of(
        page, "main"
    )
    page.get(f"{host.url}/sessions?page=0")
    assert "query parameter 'page' must be 1 or more, got 0" in text_of(page, "main")


def test_plugin_page_shows_its_latest_sessions_and_links_to_all(page, host):
    history = session_history(host)
    page.get(f"{host.url}/plugins/{history['first']}")
    mine = [s for s, p, _ in history["newest_first"] if p == history["first"]]
    assert rows(page) == mine  # 5 sessions: all fit, so no link to more
    assert not page.find_elements(By.ID, "all-sessions")

    busy = host.create_plugin("Busy")
    with plugin_running(host, busy.id, busy.secret, answer_or_fail):
        ran = [host.run(busy.id, timeout=10).id for _ in range(PLUGIN_PAGE_SESSIONS + 2)]
    page.get(f"{host.url}/plugins/{busy.id}")
    assert rows(page) == ran[::-1][:PLUGIN_PAGE_SESSIONS]
    link = page.find_element(By.ID, "all-sessions")
    assert link.text == f"All {PLUGIN_PAGE_SESSIONS + 2} sessions of this plugin…"
    click_and_load(page, link)
    assert rows(page) == ran[::-1]
    assert Select(page.find_element(By.NAME, "plugin")).first_selected_option.text == "Busy"


def test_big_project_page_shows_one_page_of_assets_and_a_bounded_pager(page, host):
    image = host.assets()[0]["data"]  # a real PNG on this host: the browser loads nothing from elsewhere
    assets = [{"externalId": f"img-{i:05}.png", "data": image} for i in range(BIG_PROJECT_ASSETS)]
    project = host.hub.create_project("Big", {"tools": []}, assets)
    page.get(f"{host.url}/projects/{project.id}")
    names = [e.text for e in page.find_elements(By.CSS_SELECTOR, "#assets figure.asset .name")]
    assert names == [a["externalId"] for a in assets[:60]]
    assert text_of(page, "#pager").startswith("Page 1 of 41:")
    assert pager_links(page) == ["1", "2", "3", "…", "41", "next ›"]

    click_and_load(page, page.find_element(By.CSS_SELECTOR, '#pager a[data-page="3"]'))
    assert pager_links(page) == ["‹ previous", "1", "2", "3", "4", "5", "…", "41", "next ›"]
    click_and_load(page, page.find_element(By.CSS_SELECTOR, '#pager a[data-page="5"]'))
    assert pager_links(page) == ["‹ previous", "1", "…", "3", "4", "5", "6", "7", "…", "41", "next ›"]
    names = [e.text for e in page.find_elements(By.CSS_SELECTOR, "#assets figure.asset .name")]
    assert names == [a["externalId"] for a in assets[240:300]]

    click_and_load(page, page.find_element(By.CSS_SELECTOR, '#pager a[data-page="41"]'))
    names = [e.text for e in page.find_elements(By.CSS_SELECTOR, "#assets figure.asset .name")]
    assert names == [a["externalId"] for a in assets[2400:]]
    assert pager_links(page) == ["‹ previous", "1", "…", "39", "40", "41"]
    shot(page, "project-last-page")

    # A page past the end shows the last page; a page that is not a number is refused plainly.
    page.get(f"{host.url}/projects/{project.id}?page=999")
    assert text_of(page, "#pager").startswith("Page 41 of 41:")
    page.get(f"{host.url}/projects/{project.id}?page=x")
    assert "query parameter 'page' must be a whole number, got 'x'" in text_of(page, "main")
    # Only the two refusals above (their 400s) show as errors in the console.
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE" and "400" not in e["message"]] == []


def test_project_page_lists_its_first_batches_and_how_many_more(page, host):
    """One batch per asset: the page names the first BATCHES_SHOWN and counts the rest; each card still
    names its asset's batch."""
    from mockango.web.dashboard.pages import BATCHES_SHOWN

    image = host.assets()[0]["data"]
    assets = [{"externalId": f"img-{i:03}.png", "data": image, "batches": [f"batch-{i:03}"]} for i in range(120)]
    project = host.hub.create_project("Many batches", {"tools": []}, assets)
    page.get(f"{host.url}/projects/{project.id}?page=2")
    listed = [
        e.text.split()[0] for e in page.find_elements(By.CSS_SELECTOR, "ul.plain li") if e.text.startswith("batch-")
    ]
    assert listed == [f"batch-{i:03}" for i in range(BATCHES_SHOWN)]
    assert text_of(page, "#more-batches") == f"and {120 - BATCHES_SHOWN} more"
    cards = page.find_elements(By.CSS_SELECTOR, "#assets figure.asset")
    assert [c.find_element(By.CSS_SELECTOR, ".name").text for c in cards] == [a["externalId"] for a in assets[60:]]
    assert all(f"batch-{60 + n:03}" in card.text for n, card in enumerate(cards))
    asset_id = host.hub.page_project_assets(project.id, page=3, limit=1)[0][0]["_id"]
    page.get(f"{host.url}/projects/{project.id}/assets/{asset_id}")
    assert "batch-002" in text_of(page, "main")


def test_projects_page_is_paged_oldest_first(page, host):
    """An organization with many projects: the list shows a page of them and a pager (issue 21: the page
    used to render the first 1,000 at once, so its cost grew with the organization)."""
    from mockango.web.dashboard.pages import PROJECTS_PER_PAGE

    before = host.hub.project_count()
    made = [host.hub.create_project(f"Project {n:03}", {"tools": []}).id for n in range(PROJECTS_PER_PAGE + 5)]
    total = before + len(made)

    def listed():
        return [r.get_attribute("data-project") for r in page.find_elements(By.CSS_SELECTOR, "#projects tbody tr")]

    page.get(f"{host.url}/projects")
    assert len(listed()) == PROJECTS_PER_PAGE
    assert text_of(page, "#project-total") == f"{total} projects, oldest first."
    assert text_of(page, "#pager").startswith("Page 1 of 2:")
    click_and_load(page, page.find_element(By.CSS_SELECTOR, '#pager a[data-page="2"]'))
    assert listed() == made[PROJECTS_PER_PAGE - before :]
    page.get(f"{host.url}/projects?page=99")
    assert text_of(page, "#pager").startswith("Page 2 of 2:")
