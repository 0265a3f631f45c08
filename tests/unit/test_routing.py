"""URL builders are compiled once per process and shared by every app, each bound to its own rule;
a path is matched once unless it has repeated slashes to merge."""

from __future__ import annotations

import re
from types import SimpleNamespace

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, matcher

from mockango import Hub
from mockango.web import create_app
from mockango.web.routing import CompiledOnceRule, SlashMergingMap


def _rule(app, endpoint: str):
    return next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def test_a_second_app_reuses_the_first_apps_compiled_builders():
    first, second = create_app(Hub(populate=False)), create_app(Hub(populate=False))
    mine, theirs = _rule(first, "dashboard.session"), _rule(second, "dashboard.session")
    assert isinstance(mine, CompiledOnceRule) and mine is not theirs
    assert mine._build.__func__ is theirs._build.__func__  # compiled once
    assert mine._build.__self__ is mine and theirs._build.__self__ is theirs  # bound to each app's own rule


def test_each_app_builds_its_own_urls():
    for app in (create_app(Hub(populate=False)), create_app(Hub(populate=False))):
        with app.test_request_context(base_url="http://127.0.0.1:1234"):
            from flask import url_for

            assert url_for("dashboard.session", session_id="abc") == "/sessions/abc"
            assert url_for("dashboard.plugin", plugin_id="p 1", created=1) == "/plugins/p%201?created=1"
            assert url_for("dashboard.static", filename="style.css") == "/dashboard/static/style.css"


def _outcome(adapter, path: str, method: str):
    """What a map answers for ``path``: the endpoint and values, or the exception's type, code and details."""
    try:
        return adapter.match(path, method)
    except HTTPException as refused:
        return (
            type(refused).__name__,
            refused.code,
            sorted(getattr(refused, "valid_methods", None) or ()),
            getattr(refused, "new_url", None),
        )


def test_a_path_without_repeated_slashes_is_matched_once(monkeypatch):
    """A 404's path was scanned again to merge slashes it did not have (~0.3 ms for a 30 KB path)."""
    app = create_app(Hub(populate=False))
    merges: list[str] = []
    spy = SimpleNamespace(compile=re.compile, sub=lambda *args: merges.append(args[2]) or re.sub(*args))
    monkeypatch.setattr(matcher, "re", spy)
    client = app.test_client()
    assert client.get("/v2/" + "p" * 30_000).status_code == 404
    assert merges == []
    assert client.get("/v2//listProjects").status_code == 308  # repeated slashes: still merged
    assert merges == ["/v2//listProjects"]


def test_matching_answers_as_werkzeug_does():
    """The same endpoint, values, 404, 405 (with its methods) and 308 as werkzeug's own map."""
    ours = create_app(Hub(populate=False)).url_map
    theirs = Map([rule.empty() for rule in ours.iter_rules()], converters=ours.converters)
    assert isinstance(ours, SlashMergingMap) and type(theirs) is Map
    cases = [
        ("/v2/listProjects", "GET"),
        ("/v2/listProjects", "DELETE"),
        ("/v2//listProjects", "GET"),
        ("//v2///listProjects", "DELETE"),
        ("/v2/" + "p" * 3_000, "GET"),
        ("/v2/nothing//here", "GET"),
        ("/sessions/abc", "GET"),
        ("/sessions//abc", "GET"),
        ("/sessions/abc/", "GET"),
        ("/api/sessions/abc/cancel", "GET"),
        ("/", "GET"),
        ("//", "GET"),
    ]
    for path, method in cases:
        mine = _outcome(ours.bind("127.0.0.1"), path, method)
        assert mine == _outcome(theirs.bind("127.0.0.1"), path, method), (path, method)
