"""Issue 12.2/12.5/12.7, 13.1/13.4: every JSON body and query number is strict, bounded and encodable.

Each refusal is a 400 whose message says what was wrong and where, and changes nothing.
"""

from __future__ import annotations

import json
import math

import pytest
import requests

from mockango import InvalidRequest, input_limits

from .conftest import DEEP, HUGE_INT, assert_refused

JSON_ROUTES = ["/api/plugins", "/api/runs", "/api/projects", "/v2/pluginLog", "/v2/pluginResponse", "/v2/import/labels"]
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


@pytest.mark.parametrize("route", JSON_ROUTES)
@pytest.mark.parametrize("number", NON_FINITE)
def test_non_finite_numbers_are_refused_on_every_json_route(api, route, number):
    answer = api.post(route, '{"name": "p", "timeout": %s, "session": "x"}' % number)
    assert_refused(answer, 400, "finite")


@pytest.mark.parametrize("route", JSON_ROUTES)
def test_json_nested_100k_deep_is_refused_naming_the_limit(api, route):
    answer = api.post(route, '{"name": "p", "x": %s}' % DEEP)
    assert_refused(answer, 400, f"{input_limits.MAX_DEPTH} levels")


@pytest.mark.parametrize("route", JSON_ROUTES)
def test_an_integer_of_5000_digits_is_refused(api, route):
    answer = api.post(route, '{"name": "p", "x": %s}' % HUGE_INT)
    assert_refused(answer, 400, "too many digits")


def test_nesting_just_past_the_limit_names_the_json_path(api):
    value = {"ok": 1}
    for _ in range(input_limits.MAX_DEPTH):
        value = {"inner": value}
    body = assert_refused(
        api.post("/api/plugins", json.dumps({"name": "deep", "defaultConfig": value})),
        400,
        "$.defaultConfig.inner.inner",
        "100 levels",
    )
    assert "deep" not in [p["name"] for p in api.get("/api/plugins").json()["plugins"]], body


def test_nesting_at_the_limit_is_accepted(api):
    value: object = 1
    for _ in range(input_limits.MAX_DEPTH - 2):  # the body and its defaultConfig make two more levels
        value = [value]
    answer = api.post("/api/plugins", json.dumps({"name": "deep enough", "defaultConfig": value}))
    assert answer.status_code == 201, answer.text[:300]


def test_a_lone_surrogate_is_refused_naming_the_field_and_the_dashboard_still_works(api, host):
    answer = api.post("/api/plugins", '{"name": "\\ud800"}')
    assert_refused(answer, 400, "$.name", "surrogate")
    answer = api.post(
        "/api/projects",
        '{"name": "p", "categorySchema": {"tools": []}, '
        '"assets": [{"externalId": "a", "data": "http://x/a.png", "x": ["\\udfff"]}]}',
    )
    assert_refused(answer, 400, "$.assets[0].x[0]")
    page = requests.get(f"{host.url}/plugins", cookies={"mockango_apikey": host.api_key}, timeout=10)
    assert page.status_code == 200


def test_a_surrogate_through_the_python_api_is_refused_too(host):
    with pytest.raises(InvalidRequest, match="'name'.*surrogate"):
        host.create_plugin("\ud800")
    with pytest.raises(InvalidRequest, match="defaultConfig.*finite"):
        host.create_plugin("ok", default_config={"threshold": math.nan})
    assert host.hub.list_plugins(host.hub.default_organization.id) == []


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda h: h.create_plugin("ok", class_names=["\ud800"]), "classNames"),
        (
            lambda h: h.create_project("ok", {"tools": [{"title": "\udc00", "tool": "bounding-box", "schemaId": "a"}]}),
            "categorySchema.tools[0].title",
        ),
        (
            lambda h: h.create_project("ok", {"tools": []}, [{"externalId": "a\ud800", "data": "http://x/a.png"}]),
            "assets[0].externalId",
        ),
        (
            lambda h: h.create_project(
                "ok", {"tools": []}, [{"externalId": "a", "data": "http://x", "metadata": {"width": math.inf}}]
            ),
            "assets[0].metadata.width",
        ),
        (lambda h: h.create_organization("\ud800"), "'name'"),
    ],
)
def test_text_and_numbers_through_the_python_api_are_checked_too(host, call, words):
    projects, organizations = host.hub.project_count(), host.hub.organization_count()
    with pytest.raises(InvalidRequest) as refused:
        call(host)
    assert words in refused.value.message
    assert (host.hub.project_count(), host.hub.organization_count()) == (projects, organizations)
    assert host.hub.list_plugins(host.hub.default_organization.id) == []


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("name", "n" * (input_limits.MAX_NAME_LENGTH + 1), ["'name'", "limit"]),
        ("description", "d" * (input_limits.MAX_TEXT_LENGTH + 1), ["'description'", "limit"]),
        ("description", {"nested": [1, 2]}, ["'description'", "text"]),
        ("defaultConfig", {"blob": "x" * input_limits.MAX_FREE_FORM_BYTES}, ["defaultConfig", "limit"]),
    ],
)
def test_free_form_plugin_fields_are_bounded(api, field, value, words):
    body = {"name": "bounded", field: value}
    assert_refused(api.post("/api/plugins", json.dumps(body)), 400, *words)
    assert api.get("/api/plugins").json()["plugins"] == []


def test_project_description_and_asset_extras_are_bounded(api, host):
    schema = {"tools": []}
    deep: object = "x"
    for _ in range(500):
        deep = {"d": deep}
    projects = host.hub.project_count()
    answer = api.post("/api/projects", json.dumps({"name": "p", "categorySchema": schema, "description": deep}))
    assert_refused(answer, 400, "$.description.d.d", "levels")
    answer = api.post("/api/projects", json.dumps({"name": "p", "categorySchema": schema, "description": ["x"]}))
    assert_refused(answer, 400, "'description'", "text")
    asset = {"externalId": "a", "data": "http://x/a.png", "extra": deep}
    answer = api.post("/api/projects", json.dumps({"name": "p", "categorySchema": schema, "assets": [asset]}))
    assert_refused(answer, 400, "$.assets[0].extra.d", "levels")
    asset = {"externalId": "a", "data": "http://x/a.png", "metadata": {"note": deep}}
    answer = api.post("/api/projects", json.dumps({"name": "p", "categorySchema": schema, "assets": [asset]}))
    assert_refused(answer, 400, "$.assets[0].metadata.note.d", "levels")
    item = {"externalId": "a", "objects": [], "extra": deep}
    answer = api.post("/v2/import/labels", json.dumps({"project": host.project_id, "jsonContent": [item]}))
    assert_refused(answer, 400, "$.jsonContent[0].extra.d", "levels")
    assert host.hub.project_count() == projects


@pytest.mark.parametrize("query", ["wait=nan", "wait=inf", "wait=-inf", "wait=1e999", "wait=" + "9" * 5000])
def test_wait_must_be_a_finite_number(api, query):
    assert_refused(api.get(f"/api/sessions/{'0' * 24}?{query}"), 400, "'wait'")


@pytest.mark.parametrize("query", ["page=nan", "limit=inf", "page=" + "9" * 5000, "limit=1e3"])
def test_page_and_limit_must_be_whole_numbers(api, host, query):
    assert_refused(api.get(f"/v2/project/{host.project_id}/assets?{query}"), 400)
    assert_refused(api.get(f"/api/projects?{query}"), 400)


@pytest.mark.parametrize("timeout", ["NaN", "Infinity", '"10"', "true", "-1", "0", "1e12"])
def test_a_run_time_limit_must_be_a_positive_finite_number(api, host, timeout):
    plugin = host.create_plugin("p")
    answer = api.post(
        "/api/runs", '{"plugin": "%s", "project": "%s", "timeout": %s}' % (plugin.id, host.project_id, timeout)
    )
    assert answer.status_code == 400, answer.text[:300]
    assert host.sessions() == []


@pytest.mark.parametrize("timeout", [math.nan, math.inf, -1.0, "10", True])
def test_a_run_time_limit_through_the_python_api_is_checked(host, timeout):
    plugin = host.create_plugin("p")
    with pytest.raises(InvalidRequest, match="time limit"):
        host.start_run(plugin.id, timeout=timeout)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_json_in_any_standard_encoding_is_read(api, encoding):
    answer = api.post("/api/plugins", '{"name": "Détecteur 🚗"}'.encode(encoding))
    assert answer.status_code == 201, answer.text[:300]
    assert answer.json()["name"] == "Détecteur 🚗"


def test_bytes_that_are_not_utf8_are_refused(api):
    assert_refused(api.post("/api/plugins", b'{"name": "\xc3\x28"}'), 400, "UTF-8", "byte 10")


def test_every_answer_is_strict_json(api, host):
    """No answer may carry bare NaN/Infinity: read every listing back with a strict parser."""
    for config in ('{"t": NaN}', '{"t": 1e999}', '{"t": -Infinity}', '{"t": 1e308}'):
        api.post("/api/plugins", '{"name": "p", "defaultConfig": %s}' % config)
    for path in ("/api/plugins", "/api/projects", "/api/sessions", "/api/info", f"/v2/project/{host.project_id}"):
        text = api.get(path).text
        json.loads(text, parse_constant=lambda name: pytest.fail(f"{path} answered bare {name}"))


def test_filters_in_the_query_are_strict(api, host):
    answer = api.get(f"/v2/project/{host.project_id}/assets", params={"filters": '{"_id": NaN}'})
    assert_refused(answer, 400, "'filters'")


def test_a_crash_answers_without_exception_text(host):
    """An unexpected exception is logged, and the answer says only that mockango failed."""
    from mockango.web import create_app

    app = create_app(host.hub)
    app.logger.disabled = True

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals /home/user/x.py line 3")

    answer = app.test_client().get("/api/boom", headers={"apikey": host.api_key})
    assert answer.status_code == 500
    assert "secret internals" not in answer.get_data(as_text=True)
    assert "RuntimeError" not in answer.get_data(as_text=True)
    assert "mockango failed on GET /api/boom" in answer.get_json()["message"]
