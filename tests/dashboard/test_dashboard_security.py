"""Issue 13.5 in a real browser: the dashboard works under its Content-Security-Policy,
never links a ``javascript:`` URL, and signs in only when the person confirms."""

from __future__ import annotations

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from tests.dashboard.browsing import click_and_load, text_of, wait  # noqa: E402
from tests.support import plugin_running  # noqa: E402

pytestmark = pytest.mark.browser


def _violations(browser) -> list[str]:
    return [
        e["message"]
        for e in browser.get_log("browser")
        if "Content Security Policy" in e["message"] or e["level"] == "SEVERE"
    ]


def test_every_page_works_under_the_policy_without_a_violation(page, host):
    plugin = host.create_plugin("Watched", class_names=["Vehicle"])
    for path in ("/plugins", f"/plugins/{plugin.id}", "/run", "/sessions", "/projects", f"/projects/{host.project_id}"):
        page.get(host.url + path)
        wait(page, lambda d: d.execute_script("return document.readyState") == "complete")
        assert _violations(page) == [], path
    # The one script still runs: the live light turns green when the plugin connects.
    page.get(f"{host.url}/plugins")
    with plugin_running(host, plugin.id, plugin.secret, lambda **data: None):
        wait(page, EC.text_to_be_present_in_element((By.CSS_SELECTOR, f'[data-plugin="{plugin.id}"] .light'), "live"))
    # Swatches are drawn without inline styles.
    page.get(f"{host.url}/projects/{host.project_id}")
    fill = page.find_element(By.CSS_SELECTOR, "#ontology .swatch rect").get_attribute("fill")
    assert fill.startswith("#")
    assert _violations(page) == []


def test_a_javascript_asset_url_is_shown_as_text_not_a_link(page, host):
    project = host.create_project(
        "Evil", {"tools": []}, [{"externalId": "evil", "data": "javascript:document.title='owned'"}]
    )
    page.get(f"{host.url}/projects/{project}")
    figure = page.find_element(By.CSS_SELECTOR, "figure.asset")
    # The thumbnail links to the dashboard's own asset page (issue 11.12), never to the asset's URL;
    # the card's other link is the asset's task page.
    asset = host.assets(project)[0]
    asset_page = f"{host.url}/projects/{project}/assets/{asset['_id']}"
    task_page = f"{host.url}/tasks/{host.task_for_asset(asset['_id'])['_id']}"
    assert [a.get_attribute("href") for a in figure.find_elements(By.TAG_NAME, "a")] == [asset_page, task_page]
    assert not figure.find_elements(By.TAG_NAME, "img")
    assert "javascript:" in figure.find_element(By.CSS_SELECTOR, ".thumb").text
    figure.find_element(By.CSS_SELECTOR, ".thumb").click()
    assert page.title != "owned"
    wait(page, EC.url_to_be(asset_page))  # where the URL is text again: no link, no image
    main = page.find_element(By.TAG_NAME, "main")
    assert all("javascript" not in (a.get_attribute("href") or "") for a in main.find_elements(By.TAG_NAME, "a"))
    assert not main.find_elements(By.CSS_SELECTOR, "svg image") and "javascript:" in main.text
    assert page.title != "owned"


def test_signing_in_with_the_pasted_key_posts_it(browser, host):
    browser.delete_all_cookies()
    browser.get(f"{host.url}/")
    browser.find_element(By.ID, "apikey").send_keys(host.api_key)
    click_and_load(browser, browser.find_element(By.CSS_SELECTOR, "#signin button[type=submit]"))
    assert browser.current_url == f"{host.url}/", browser.find_element(By.TAG_NAME, "main").text
    assert "apikey" not in browser.current_url
    assert text_of(browser, "h1") == "Overview"
