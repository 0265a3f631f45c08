"""Issues 12.5/12.6 (dashboard forms) and 13.5 (dashboard security), over plain HTTP.

The browser side (the dashboard still works under its Content-Security-Policy, the
sign-in confirmation) is in tests/dashboard.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

COOKIE = "mockango_apikey"


@pytest.fixture
def browser_session(host):
    """A ``requests`` session signed in with the dashboard's cookie."""
    session = requests.Session()
    session.cookies.set(COOKIE, host.api_key)
    return session


# ------------------------------------------------------------------ forms (12.5, 12.6)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", None),
        (b"", "application/json"),
        (b'{"confirm": "x"}', "application/json"),
        (b"\xff\xfe\x00", "text/plain"),
        (b"[" * 100_000, "application/json"),
    ],
)
def test_delete_with_a_body_that_is_not_its_form_is_refused_and_deletes_nothing(
    host, browser_session, body, content_type
):
    plugin = host.create_plugin("keep me")
    headers = {"Content-Type": content_type} if content_type else {}
    answer = browser_session.post(
        f"{host.url}/plugins/{plugin.id}/delete", data=body, headers=headers, allow_redirects=False, timeout=10
    )
    assert 400 <= answer.status_code < 500, answer.status_code
    assert host.hub.get_plugin(plugin.id) is not None


def test_delete_from_its_own_form_deletes(host, browser_session):
    plugin = host.create_plugin("delete me")
    page = browser_session.get(f"{host.url}/plugins/{plugin.id}", timeout=10).text
    confirm = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    answer = browser_session.post(
        f"{host.url}/plugins/{plugin.id}/delete", data={"confirm": confirm}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    assert host.hub.get_plugin(plugin.id) is None


@pytest.mark.parametrize("route", ["/plugins", "/run"])
@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", None),
        (b"", "application/json"),
        (b'{"name": "x"}', "application/json"),
        (b"\xff\xfe", "text/plain"),
        (b"[" * 100_000, "application/json"),
        (b"name=" + b"%ED%A0%80", "application/x-www-form-urlencoded"),
        (b"--x\r\n", "multipart/form-data"),
    ],
)
def test_form_routes_answer_4xx_to_bodies_that_are_not_their_form(host, browser_session, route, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    answer = browser_session.post(host.url + route, data=body, headers=headers, allow_redirects=False, timeout=10)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert host.hub.list_plugins(host.hub.default_organization.id) == []


# ----------------------------------------------------------------- links (13.5)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "file:///etc/passwd",
    ],
)
def test_an_asset_url_that_is_not_http_or_an_image_is_never_a_link(host, browser_session, url):
    project = host.create_project("links", {"tools": []}, [{"externalId": "evil", "data": url}])
    page = browser_session.get(f"{host.url}/projects/{project}", timeout=10).text
    figure = page[page.index('data-asset="') :]
    figure = figure[: figure.index("</figure>")]
    # The links are the thumbnail's, to the dashboard's own asset page (issue 11.12), and the task's; no src at all.
    asset = host.assets(project)[0]
    asset_page = f"/projects/{project}/assets/{asset['_id']}"
    task_page = f"/tasks/{host.task_for_asset(asset['_id'])['_id']}"
    assert figure.count("href=") == 2 and f'href="{asset_page}"' in figure and f'href="{task_page}"' in figure, figure
    assert "src=" not in figure, figure
    # The asset page shows the URL as text only: no link, no image to it.
    page = browser_session.get(host.url + asset_page, timeout=10).text
    main = page[page.index("<main>") :]
    assert "<image" not in main and "src=" not in main, main
    assert all(href.startswith(("/", '"/')) for href in main.split("href=")[1:]), main


@pytest.mark.parametrize(
    "url", ["http://example.invalid/a.png", "https://example.invalid/a.png", "data:image/png;base64,iVBORw0KGgo="]
)
def test_http_and_image_data_urls_are_links(host, browser_session, url):
    project = host.create_project("links", {"tools": []}, [{"externalId": "ok", "data": url}])
    page = browser_session.get(f"{host.url}/projects/{project}", timeout=10).text
    assert f'src="{url}"' in page  # the thumbnail; it links to the asset page, which links to the file
    asset_page = browser_session.get(
        f"{host.url}/projects/{project}/assets/{host.assets(project)[0]['_id']}", timeout=10
    ).text
    assert f'href="{url}" id="asset-file"' in asset_page and f'<image href="{url}"' in asset_page


# ------------------------------------------------------------------- CSP (13.5)


def _pages(host) -> list[str]:
    plugin = host.create_plugin("p")
    return [
        "/",
        "/plugins",
        f"/plugins/{plugin.id}",
        "/run",
        "/sessions",
        "/projects",
        f"/projects/{host.project_id}",
        "/no-such-page",
    ]


def test_every_dashboard_page_has_a_strict_content_security_policy(host, browser_session):
    for path in _pages(host):
        answer = browser_session.get(host.url + path, timeout=10)
        policy = answer.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy, (path, policy)
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy, (path, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (path, policy)
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", path
        if answer.headers["Content-Type"].startswith("text/html"):
            assert "<script>" not in answer.text and " style=" not in answer.text, path
            assert not re.search(r"<script(?![^>]*\bsrc=)", answer.text), path


def test_the_signed_out_page_has_the_policy_too(host):
    answer = requests.get(host.url + "/plugins", timeout=10)
    assert answer.status_code == 401
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


# ------------------------------------------------------------- sign-in (13.5)


def test_the_apikey_link_asks_before_it_signs_in(host):
    answer = requests.get(f"{host.url}/?apikey={host.api_key}", allow_redirects=False, timeout=10)
    assert answer.status_code == 200
    assert COOKIE not in answer.cookies
    assert 'method="post"' in answer.text
    assert host.hub.default_organization.name in answer.text
    assert answer.headers.get("Referrer-Policy") == "same-origin"  # the key in the URL never leaves the host
    assert answer.headers.get("Cache-Control") == "no-store"


def test_confirming_the_sign_in_signs_in(host):
    session = requests.Session()
    page = session.get(f"{host.url}/?apikey={host.api_key}", timeout=10).text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    answer = session.post(f"{host.url}/signin", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    assert session.cookies.get(COOKIE) == host.api_key


@pytest.mark.parametrize("case", ["no token", "wrong token", "no cookie", "other site"])
def test_a_sign_in_post_from_another_site_is_refused(host, case):
    """Login CSRF: a page elsewhere posting the attacker's key must not sign the visitor in."""
    attacker = host.create_organization("Attacker")
    session = requests.Session()
    page = session.get(f"{host.url}/?apikey={attacker.api_key}", timeout=10).text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    headers = {}
    if case == "no token":
        form.pop("token")
    elif case == "wrong token":
        form["token"] = "0" * len(form["token"])
    elif case == "no cookie":
        session.cookies.clear()
    else:
        headers["Origin"] = "http://evil.example"
    answer = session.post(f"{host.url}/signin", data=form, headers=headers, allow_redirects=False, timeout=10)
    assert answer.status_code in (400, 403), answer.status_code
    assert COOKIE not in session.cookies


def test_the_sign_in_form_posts_the_key(host):
    page = requests.get(f"{host.url}/", timeout=10).text
    assert 'method="post"' in page and 'action="/signin"' in page
    assert 'method="get"' not in page


def test_a_wrong_key_by_post_says_so(host):
    session = requests.Session()
    page = session.get(f"{host.url}/", timeout=10).text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    answer = session.post(f"{host.url}/signin", data={**form, "apikey": "not-a-key"}, timeout=10)
    assert answer.status_code == 401
    assert "invalid API key" in answer.text
    assert json.dumps(COOKIE) not in json.dumps(dict(session.cookies))
