"""A sweep of bad input over every route of the app: no answer is a 5xx, every refusal says why.

Each route of the Flask url_map, with each method it allows, gets a handful of bad
bodies (and bad query numbers) over real HTTP. Bounded: about 260 requests, a few seconds.
Afterwards the host still answers and every dashboard page still renders.
"""

from __future__ import annotations

import re

import pytest
import requests

from .conftest import DEEP, HUGE_INT

pytestmark = pytest.mark.slow  # thousands of hostile requests

BAD_BODIES = {
    "empty": (b"", None),
    "not JSON": (b"this is not JSON {", "application/json"),
    "bytes": (b"\xff\xfe\x00\x81", "application/octet-stream"),
    "deep": (DEEP.encode(), "application/json"),
    "huge int": (('{"name": %s, "timeout": %s}' % (HUGE_INT, HUGE_INT)).encode(), "application/json"),
    "NaN": (
        b'{"name": NaN, "timeout": NaN, "plugin": NaN, "session": NaN, "config": {"t": Infinity}}',
        "application/json",
    ),
    "surrogate": (b'{"name": "\\ud800", "session": "\\udfff", "description": "\\ud800"}', "application/json"),
    "wrong types": (
        b'{"name": 5, "plugin": [], "project": {}, "timeout": "soon", "assets": "x", '
        b'"categorySchema": [], "classNames": "Car", "jsonContent": 7, "session": 3}',
        "application/json",
    ),
    "array": (b"[1, 2, 3]", "application/json"),
    "form junk": (b"name=%ED%A0%80&confirm=&plugin=%00", "application/x-www-form-urlencoded"),
}
BAD_QUERY = "wait=nan&page=nan&limit=inf&timeout=NaN&filters=%7B%22_id%22%3ANaN%7D&apikey=%ED%A0%80"
METHODS = ("GET", "POST", "PUT", "DELETE")


def _fill(rule: str, ids: dict) -> str:
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: ids.get(m.group(1), "x"), rule)


def test_no_bad_input_gets_a_5xx_and_every_refusal_says_why(host):
    session = requests.Session()
    session.headers["apikey"] = host.api_key
    session.cookies.set("mockango_apikey", host.api_key)
    asset_id = host.assets()[0]["_id"]
    rules = [r for r in host._server.app.url_map.iter_rules() if not r.rule.startswith("/static")]
    assert len(rules) > 20, [r.rule for r in rules]
    failures, sent = [], 0
    for rule in rules:
        for method in sorted(set(METHODS) & set(rule.methods)):
            bodies = BAD_BODIES.items() if method != "GET" else [("none", (b"", None))]
            for name, (body, content_type) in bodies:
                ids = {
                    "plugin_id": host.create_plugin("swept").id,
                    "project_id": host.project_id,
                    "asset_id": asset_id,
                    "session_id": "f" * 24,
                    "filename": "style.css",
                }
                url = host.url + _fill(rule.rule, ids)
                for query in ("", BAD_QUERY):
                    headers = {"Content-Type": content_type} if content_type else {}
                    answer = session.request(
                        method,
                        url + ("?" + query if query else ""),
                        data=body,
                        headers=headers,
                        allow_redirects=False,
                        timeout=10,
                    )
                    sent += 1
                    problem = _problem(answer)
                    if problem:
                        failures.append(f"{method} {rule.rule} [{name}{' +query' if query else ''}]: {problem}")
    assert sent > 200
    assert failures == [], f"{len(failures)} of {sent} answers were wrong:\n" + "\n".join(failures[:40])
    # Nothing stored broke anything: the listings are strict JSON and every page renders.
    assert session.get(host.url + "/api/plugins", timeout=10).json()["plugins"]
    for path in ("/plugins", "/run", "/sessions", "/projects", f"/projects/{host.project_id}"):
        assert session.get(host.url + path, timeout=10).status_code == 200, path


NOT_SIMULATED = "is an Ango Hub call that mockango does not simulate"


def _problem(answer: requests.Response) -> str | None:
    if answer.status_code == 501 and answer.json().get("message", "").endswith(NOT_SIMULATED):
        return None  # a known Ango call mockango answers on purpose with 501 (docs/sdk-coverage.md)
    if answer.status_code >= 500:
        return f"{answer.status_code}: {answer.text[:200]}"
    if answer.status_code < 400:
        return None
    if answer.headers.get("Content-Type", "").startswith("application/json"):
        message = answer.json().get("message")
        if not message:
            return f"{answer.status_code} without a message: {answer.text[:200]}"
        if "Traceback" in message or "Error:" in message.split(":")[0]:
            return f"{answer.status_code} carries exception text: {message[:200]}"
        return None
    if "text/html" in answer.headers.get("Content-Type", ""):
        return None if len(answer.text) > 50 and "Traceback" not in answer.text else "an empty or raw error page"
    return f"{answer.status_code} is neither JSON nor a page: {answer.headers.get('Content-Type')}"
