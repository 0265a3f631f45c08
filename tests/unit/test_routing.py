"""URL builders are compiled once per process and shared by every app, each bound to its own rule."""

from __future__ import annotations

from mockango import Hub
from mockango.web import create_app
from mockango.web.routing import CompiledOnceRule


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
