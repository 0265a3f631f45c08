"""The dashboard's project page shows the workflow (stages with their task counts), each asset's
task, and links to the export (real HTTP, the dashboard's cookie)."""

from __future__ import annotations

import io
import re
import zipfile

import requests


def signed_in(host) -> requests.Session:
    """Open the ``?apikey=`` link and confirm it, as a person does."""
    browser = requests.Session()
    page = browser.get(f"{host.url}/?apikey={host.api_key}", timeout=10).text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert browser.post(f"{host.url}/signin", data=form, timeout=10).status_code == 200
    return browser


def test_project_page_shows_stages_tasks_and_export(host, api):
    first = host.tasks()[0]
    host.set_task(first["_id"], stage="Review", assignee="reviewer@example.com")
    browser = signed_in(host)
    page = browser.get(f"{host.url}/projects/{host.project_id}", timeout=10).text
    total = len(host.tasks())
    assert 'data-stage="Label"><strong>Label</strong>' in page and f"{total - 1} tasks" in page
    assert 'data-stage="Review"' in page and 'class="stage-count">1 task</a>' in page
    assert f'data-task="{first["_id"]}" href="/tasks/{first["_id"]}">Review · TODO · reviewer@example.com' in page
    download = browser.post(f"{host.url}/projects/{host.project_id}/export", timeout=10)  # a form: it writes a file
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    rows = zipfile.ZipFile(io.BytesIO(download.content)).read("export.json")
    assert rows.count(b'"taskId"') == total
