"""Query parameters are read by one strict parser: never a 500, a 400 that names the parameter, nothing changed.

Issue 17 item 2: asset filters of another shape (an operator, a list, a 23-digit integer) reached SQLite
(ProgrammingError, 500); a 20-digit page overflowed SQLite's integers (500); JSON query parameters skipped
the strict JSON reader (3,000-deep nesting a 500, NaN accepted).
"""

from __future__ import annotations

import json

import pytest
import requests

DEEP_LIST = "[" * 3000 + "]" * 3000
DEEP_OBJECT = '{"status": ' + DEEP_LIST + "}"
HUGE = "99999999999999999999"


@pytest.fixture
def http(host):
    session = requests.Session()
    session.headers["apikey"] = host.api_key
    return session


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"externalId": {"$regex": "x"}}, "filter 'externalId' must be text"),
        ({"externalId": ["a", "b"]}, "filter 'externalId' must be text"),
        ({"_id": 12345678901234567890123}, "filter '_id' must be text"),
        ({"_id": 5}, "filter '_id' must be text"),
        ({"_id": {"$in": ["a"]}}, "filter '_id' must be text"),
        ({"isPreLabeled": {"$eq": True}}, "filter 'isPreLabeled' must be true or false"),
    ],
)
def test_asset_filters_of_another_shape_are_a_400_naming_the_supported_ones(host, http, filters, named):
    answer = http.get(f"{host.url}/v2/project/{host.project_id}/assets", params={"filters": json.dumps(filters)})
    assert answer.status_code == 400, answer.text
    message = answer.json()["message"]
    assert named in message
    assert "_id, externalId (text), isPreLabeled (true or false), batches (a list of batch ids)" in message


def test_an_operator_in_an_asset_filter_is_said_to_be_not_simulated(host, http):
    answer = http.get(
        f"{host.url}/v2/project/{host.project_id}/assets", params={"filters": '{"externalId": {"$regex": "^a"}}'}
    )
    assert answer.status_code == 400
    assert "operators such as $regex are not simulated" in answer.json()["message"]


def test_a_null_asset_filter_still_matches_nothing(host, http):
    answer = http.get(f"{host.url}/v2/project/{host.project_id}/assets", params={"filters": '{"_id": null}'})
    assert answer.status_code == 200 and answer.json()["data"] == {"assets": [], "total": 0}


@pytest.mark.parametrize(
    ("path", "listing"),
    [
        ("/v2/listProjects", lambda body: body["data"]["projects"]),
        ("/v2/project/{project}/assets", lambda body: body["data"]["assets"]),
        ("/v2/project/{project}/tasks", lambda body: body["data"]["tasks"]),
        ("/api/projects", lambda body: body["projects"]),
        ("/api/sessions", lambda body: body["sessions"]),
        ("/api/projects/{project}/assets", lambda body: body["assets"]),
        ("/api/projects/{project}/tasks", lambda body: body["tasks"]),
    ],
)
def test_a_page_past_any_data_is_an_empty_page_not_a_500(host, http, path, listing):
    answer = http.get(host.url + path.format(project=host.project_id), params={"page": HUGE})
    assert answer.status_code == 200, answer.text
    assert listing(answer.json()) == []


def test_log_lines_from_past_any_data_are_none_not_a_500(host, http, demo_plugin, sample_plugin):
    session = host.run(demo_plugin.id)
    answer = http.get(f"{host.url}/api/sessions/{session.id}", params={"logsFrom": HUGE})
    assert answer.status_code == 200, answer.text
    assert answer.json()["logs"] == []


@pytest.mark.parametrize("path", ["/sessions", "/projects/{project}"])
def test_dashboard_pages_past_any_data_show_the_last_page(host, path):
    answer = requests.get(
        host.url + path.format(project=host.project_id),
        params={"page": HUGE},
        cookies={"mockango_apikey": host.api_key},
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "name", "value", "said"),
    [
        ("GET", "/v2/project/{project}/tasks", "filter", DEEP_OBJECT, "nested deeper than the limit"),
        ("GET", "/v2/project/{project}/tasks", "filter", '{"priority": NaN}', "NaN"),
        ("GET", "/v2/project/{project}/tasks", "filter", '{"priority": 1e999}', "finite"),
        ("GET", "/v2/project/{project}/tasks", "batches", DEEP_LIST, "nested deeper than the limit"),
        ("GET", "/v2/project/{project}/tasks", "batches", "[NaN]", "NaN"),
        ("GET", "/v2/export?project={project}", "stage", DEEP_LIST, "nested deeper than the limit"),
        ("GET", "/v2/export?project={project}", "stage", "[NaN]", "NaN"),
        ("GET", "/v2/export?project={project}", "createdAt", '{"$gt": NaN}', "NaN"),
        ("GET", "/v2/project/{project}/assets", "filters", DEEP_OBJECT, "nested deeper than the limit"),
        ("POST", "/v2/project/{project}/cloud", "batches", DEEP_LIST, "nested deeper than the limit"),
        ("POST", "/v2/project/{project}/cloud", "batches", "[NaN]", "NaN"),
    ],
)
def test_json_query_parameters_are_read_strictly(host, http, method, path, name, value, said):
    before = len(host.assets())
    answer = http.request(method, host.url + path.format(project=host.project_id), params={name: value}, json={})
    assert answer.status_code == 400, answer.text[:300]
    message = answer.json()["message"]
    assert f"'{name}'" in message and said in message, message
    assert len(host.assets()) == before


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "1_000"}, "query parameter 'page' must be a whole number, got '1_000'"),
        ({"page": " 2"}, "query parameter 'page' must be a whole number, got ' 2'"),
        ({"page": "-" + HUGE}, f"query parameter 'page' must be 1 or more, got -{HUGE}"),
        ({"limit": HUGE}, f"query parameter 'limit' must be between 1 and 1000, got {HUGE}"),
        ({"includeAnswer": "yes"}, "query parameter 'includeAnswer' must be true or false, got 'yes'"),
    ],
)
def test_numbers_and_flags_are_whole_and_in_range(host, http, params, message):
    answer = http.get(f"{host.url}/v2/project/{host.project_id}/tasks", params=params)
    assert answer.status_code == 400
    assert answer.json()["message"] == message


def test_a_page_of_more_than_thirty_digits_is_refused_by_its_length(host, http):
    answer = http.get(f"{host.url}/v2/listProjects", params={"page": "9" * 31})
    assert answer.status_code == 400
    assert (
        answer.json()["message"] == "query parameter 'page' must be a whole number of at most 30 digits, got 31 digits"
    )
