"""Issue 22 item 9 in the browser: types named as the lists name them, and an Export session's long
signed URL wraps (no sideways scroll at 420 px, nothing cut off in the Result box at 1280 px)."""

from __future__ import annotations

import pytest

from plugin_client import ExportPlugin, ExportResponse
from tests.support import plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402

from tests.dashboard.browsing import text_of, wait  # noqa: E402

pytestmark = pytest.mark.browser


def test_the_plugin_page_names_the_type_as_the_list_does(page, host):
    plugin = host.create_plugin("Boxer", class_names=["Car"], type="model")
    page.get(f"{host.url}/plugins/{plugin.id}")
    assert text_of(page, '[data-field="type"]') == "Model"
    page.get(f"{host.url}/plugins")
    assert text_of(page, f'tr[data-plugin="{plugin.id}"] [data-field="type"]') == "Model"


def exported_session(host):
    plugin = host.create_plugin("Exporter", type="export")

    def export(data):
        return ExportResponse(file=b'{"rows": []}', file_name="export.json")

    with plugin_running(host, plugin.id, plugin.secret, export, plugin_class=ExportPlugin):
        session = host.run(plugin.id, stage=["Label"])
    assert session.status == "succeeded", session.reason
    return session


def widths(page, css: str) -> tuple[int, int]:
    return tuple(
        page.execute_script(
            "const e = document.querySelector(arguments[0]); return [e.scrollWidth, e.clientWidth];", css
        )
    )


def test_an_export_sessions_signed_url_wraps_at_420_and_1280_px(page, host):
    session = exported_session(host)
    page.get(f"{host.url}/sessions/{session.id}")
    scroll, client = widths(page, "#session-result")
    assert scroll <= client, f"the Result box hides {scroll - client} px of its text at 1280 px"
    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 420, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        page.get(f"{host.url}/sessions/{session.id}")
        wait(page, lambda d: d.execute_script("return document.readyState") == "complete")
        scroll, client = widths(page, "html")
        assert client == 420 and scroll <= client, f"the Export session page is {scroll} px wide at 420 px"
        scroll, client = widths(page, "#session-result")
        assert scroll <= client, f"the Result box hides {scroll - client} px of its text at 420 px"
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert page.find_element(By.ID, "export-file").text


def test_the_run_dialog_says_an_export_plugin(page, host):
    plugin = host.create_plugin("Exporter", type="export")
    page.get(f"{host.url}/run?plugin={plugin.id}")
    assert text_of(page, "#plugin-type") == "This is an Export plugin."
