"""/openapi.json is true: it describes every /v2 and /api route and nothing else, and real answers match it."""

from __future__ import annotations

import re
import threading

import pytest
import requests
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockango import Hub, create_app
from mockango.web.openapi import PATHS, description
from tests.support import DEMO_CONFIG, plugin_running

DESCRIBED_PREFIXES = ("/v2/", "/api/")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_routes() -> set[tuple[str, str]]:
    """(METHOD, /path/{param}) of every Flask route under /v2 and /api."""
    app = create_app(Hub(populate=False))
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(DESCRIBED_PREFIXES):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(method, path) for method in rule.methods - IGNORED_METHODS}
    return routes


def described_routes(doc: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, operations in doc["paths"].items() for method in operations}


def test_the_description_is_valid_openapi_3_1():
    openapi_spec_validator = pytest.importorskip("openapi_spec_validator")
    doc = description("http://127.0.0.1:8080")
    assert doc["openapi"] == "3.1.0"
    openapi_spec_validator.validate(doc)


def test_every_route_is_described_and_every_description_is_a_route():
    routes, described = app_routes(), described_routes(description())
    missing = sorted(routes - described)
    assert not missing, (
        "routes missing from the OpenAPI description (add them to PATHS in "
        "mockango/web/openapi.py): " + ", ".join(f"{m} {p}" for m, p in missing)
    )
    stale = sorted(described - routes)
    assert not stale, "described in mockango/web/openapi.py but no such route: " + ", ".join(
        f"{m} {p}" for m, p in stale
    )
    assert len(routes) >= 20  # the walk found the API, not an empty map


def test_it_is_served_at_openapi_json_with_the_hosts_url(host):
    served = requests.get(host.url + "/openapi.json")
    assert served.status_code == 200 and served.headers["Content-Type"] == "application/json"
    assert served.json() == description(host.url)


class Checker:
    """Validates real answers against the described schema of their operation and status."""

    def __init__(self, host) -> None:
        self.host = host
        self.doc = description(host.url)
        self.registry = Registry().with_resource(
            "urn:openapi", Resource.from_contents(self.doc, default_specification=DRAFT202012)
        )
        self.http = requests.Session()
        self.http.headers["apikey"] = host.api_key
        self.checked: list[tuple[str, str, int]] = []

    def call(
        self, method: str, template: str, *, expect: int, params: dict | None = None, json=None, **path_values: str
    ) -> requests.Response:
        path = template.format(**path_values)
        response = self.http.request(method, self.host.url + path, params=params, json=json)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        responses = self.doc["paths"][template][method.lower()]["responses"]
        key = str(response.status_code) if str(response.status_code) in responses else "default"
        content = responses[key].get("content")
        if content is None:
            assert response.content == b"", f"{method} {path}: {key} is described without a body"
        else:
            assert response.headers["Content-Type"] == "application/json"
            pointer = "/".join(
                p.replace("~", "~0").replace("/", "~1")
                for p in ("paths", template, method.lower(), "responses", key, "content", "application/json", "schema")
            )
            validator = Draft202012Validator({"$ref": f"urn:openapi#/{pointer}"}, registry=self.registry)
            errors = [
                f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in validator.iter_errors(response.json())
            ]
            assert not errors, f"{method} {path} answered {response.status_code} off its description: {errors}"
        self.checked.append((method, template, response.status_code))
        return response


def test_answers_match_their_description(host, demo_plugin):
    check = Checker(host)
    project, plugin = host.project_id, demo_plugin.id
    asset = host.assets()[0]
    check.call("GET", "/v2/project/{project_id}/assets", expect=200, project_id=project)
    check.call(
        "GET",
        "/v2/project/{project_id}/assets",
        expect=200,
        project_id=project,
        params={"page": 2, "limit": 3, "filters": '{"isPreLabeled": false}'},
    )
    check.call("GET", "/v2/project/{project_id}/assets", expect=400, project_id=project, params={"limit": 0})
    check.call("GET", "/v2/project/{project_id}/assets", expect=404, project_id="nope")
    check.call("GET", "/v2/project/{project_id}", expect=200, project_id=project)
    check.call("GET", "/v2/listProjects", expect=200)
    tool = host.hub.project_for(host.hub.default_user, project).category_schema["tools"][0]["schemaId"]
    box = {"schemaId": tool, "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}
    check.call(
        "POST",
        "/v2/import/labels",
        expect=200,
        json={"project": project, "jsonContent": [{"externalId": asset["externalId"], "objects": [box]}]},
    )
    check.call("POST", "/v2/import/labels", expect=400, json={"project": project, "jsonContent": [{"x": 1}]})
    check.call("GET", "/api/info", expect=200)
    check.call("GET", "/api/plugins", expect=200)
    made = check.call("POST", "/api/plugins", expect=201, json={"name": "Other", "classNames": ["A"]}).json()
    check.call("GET", "/api/plugins/{plugin_id}", expect=200, plugin_id=made["_id"])
    check.call("DELETE", "/api/plugins/{plugin_id}", expect=204, plugin_id=made["_id"])
    check.call("POST", "/api/runs", expect=409, json={"plugin": plugin, "project": project})
    hold, release = threading.Event(), threading.Event()

    def answer(**data):
        if hold.is_set():  # the second run works until released: one to cancel
            release.wait(20)
        return "done"

    # One plugin process for both runs: a second one started after the first stops may find the
    # first's connection not yet closed, and run before it is live.
    with plugin_running(host, plugin, demo_plugin.secret, answer):
        session = check.call(
            "POST",
            "/api/runs",
            expect=201,
            params={"wait": 5},
            json={"plugin": plugin, "project": project, "config": DEMO_CONFIG},
        ).json()
        assert session["status"] == "succeeded"
        check.call("POST", "/v2/pluginLog", expect=200, json={"session": session["_id"], "msg": "late"})
        check.call("POST", "/v2/pluginResponse", expect=200, json={"session": session["_id"], "response": "x"})
        check.call("POST", "/api/sessions/{session_id}/cancel", expect=409, session_id=session["_id"])
        hold.set()
        running = check.call("POST", "/api/runs", expect=201, json={"plugin": plugin, "project": project}).json()
        check.call("POST", "/api/sessions/{session_id}/cancel", expect=200, session_id=running["_id"])
        check.call("POST", "/api/sessions/{session_id}/cancel", expect=404, session_id="0" * 24)
        release.set()
    check.call("GET", "/api/sessions", expect=200)
    check.call("GET", "/api/sessions", expect=200, params={"plugin": plugin})
    check.call("GET", "/api/sessions/{session_id}", expect=200, session_id=session["_id"])
    check.call("GET", "/api/sessions/{session_id}", expect=404, session_id="nope")
    check.call("GET", "/api/projects", expect=200)
    made = check.call(
        "POST",
        "/api/projects",
        expect=201,
        json={
            "name": "P",
            "categorySchema": {"tools": [{"schemaId": "t", "tool": "bounding-box", "title": "Car"}]},
            "assets": [{"externalId": "a.png", "data": "https://example.com/a.png"}],
        },
    ).json()
    check.call("GET", "/api/projects/{project_id}/assets", expect=200, project_id=made["_id"])
    fault = check.call(
        "POST", "/api/faults", expect=201, json={"kind": "latency", "path": "/nowhere", "seconds": 0.1}
    ).json()
    check.call("POST", "/api/faults", expect=201, json={"kind": "drop_plugin", "plugin": plugin})
    check.call("POST", "/api/faults", expect=400, json={"kind": "fail", "path": "/v2/**", "status": 418})
    check.call("GET", "/api/faults", expect=200)
    check.call("DELETE", "/api/faults/{fault_id}", expect=204, fault_id=fault["_id"])
    check.call("DELETE", "/api/faults/{fault_id}", expect=404, fault_id=fault["_id"])
    check.call("DELETE", "/api/faults", expect=204)
    check.call("POST", "/api/reset", expect=200)  # last: it forgets everything made above
    http_401 = requests.get(host.url + "/api/info")
    assert http_401.status_code == 401 and http_401.json()["status"] == "error"

    exercised = {(m, t) for m, t, status in check.checked if status < 300}
    # Every operation described with its schemas (PATHS); the loosely described SDK_ROUTES are
    # exercised by their own tests (tests/sdk) and by schemathesis.
    unchecked = sorted(described_routes({"paths": PATHS}) - exercised)
    assert not unchecked, "add a successful call here (tests/openapi/test_openapi.py) for: " + ", ".join(
        f"{m} {p}" for m, p in unchecked
    )


def test_every_described_query_parameter_belongs_to_a_described_route():
    from mockango.web.openapi import LOOSE_QUERIES, SDK_ROUTES

    loose = {" ".join(line.split()[:2]) for line in SDK_ROUTES.strip().splitlines()}
    assert set(LOOSE_QUERIES) <= loose, sorted(set(LOOSE_QUERIES) - loose)
