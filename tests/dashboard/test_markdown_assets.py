"""A Markdown asset (its ``data`` is the markdown text) is shown as a document, safely (issue 22 item 3)."""

from __future__ import annotations

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402

from tests.dashboard.browsing import click_and_load, text_of  # noqa: E402
from tests.dashboard.test_dashboard_security import _violations  # noqa: E402

TEXT = """# Order 1042

Shipped to **Ada** on *Monday*.

| item | count |
|:-----|------:|
| bolts | 12 |

<script>document.title = 'owned'</script> <img src=x onerror="document.title='owned'">
[click me](javascript:document.title='owned')
"""

pytestmark = pytest.mark.browser


def test_a_markdown_asset_is_a_document_on_the_project_and_asset_pages(page, host):
    project = host.create_project(
        "Orders",
        {"tools": [{"schemaId": "who", "tool": "ner", "title": "Name"}]},
        [{"externalId": "1042.md", "data": TEXT}],
    )
    page.get(f"{host.url}/projects/{project}")
    figure = page.find_element(By.CSS_SELECTOR, "figure.asset")
    assert not figure.find_elements(By.TAG_NAME, "img"), "a markdown asset is not an image"
    assert figure.find_element(By.CSS_SELECTOR, ".document h1").text == "Order 1042"
    assert "640×480" not in figure.text and "Markdown" in figure.text
    click_and_load(page, figure.find_element(By.CSS_SELECTOR, "a.thumb"))

    document = page.find_element(By.ID, "document")
    assert document.find_element(By.TAG_NAME, "h1").text == "Order 1042"
    assert document.find_element(By.TAG_NAME, "strong").text == "Ada"
    assert [td.text for td in document.find_elements(By.CSS_SELECTOR, "table td")] == ["bolts", "12"]
    assert not document.find_elements(By.TAG_NAME, "script") and not document.find_elements(By.TAG_NAME, "img")
    assert "<script>document.title = 'owned'</script>" in document.text  # raw HTML shows as text
    assert not document.find_elements(By.CSS_SELECTOR, "a"), "a javascript: link stays text"
    assert not page.find_elements(By.ID, "asset-view") and not page.find_elements(By.ID, "asset-file")
    facts = text_of(page, "#asset-facts")
    assert "Markdown document" in facts and "640×480" not in facts and "image file" not in facts
    assert page.title != "owned"
    assert _violations(page) == []


def test_a_ner_label_on_a_markdown_asset_lists_its_characters(page, host):
    project = host.create_project(
        "Orders",
        {"tools": [{"schemaId": "who", "tool": "ner", "title": "Name"}]},
        [{"externalId": "1042.md", "data": TEXT}],
    )
    host.hub.import_labels(
        host.hub.default_user,
        project,
        [{"externalId": "1042.md", "objects": [{"schemaId": "who", "ner": {"start": 28, "end": 31}}]}],
    )
    asset = host.assets(project)[0]
    page.get(f"{host.url}/projects/{project}/assets/{asset['_id']}")
    assert text_of(page, "#objects td.geometry") == "ner: characters 28–31 (not drawn)"
