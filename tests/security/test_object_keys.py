"""Issue 17.1: an object key is resolved and checked as a whole before it is used.

Keys with ``.``/``..`` or empty segments (also ``%2e%2e``), NUL, backslashes or over-long names
answer 400; another organization's prefix answers 403; the bytes of another organization's file
never come back. Checked on a host whose object store is a real directory (as `mockango serve`
keeps it), on every route that takes a key: ``GET``/``PUT /objects/...``,
``/v2/getSignedUrl?name=...`` and ``POST /v2/project/{id}/cloud``.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockango import Hub, MockAngo

SECRET = b"organization A's export"


class Caller:
    """Raw HTTP to the host (http.client keeps ``..`` and ``%2e`` as sent; requests would tidy them)."""

    def __init__(self, host: MockAngo, api_key: str | None) -> None:
        self.address = urlsplit(host.url).netloc
        self.api_key = api_key

    def call(self, method: str, path: str, body: bytes | None = None, json_body=None) -> tuple[int, bytes, dict]:
        headers = {"apikey": self.api_key} if self.api_key else {}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.address, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.read(), dict(answer.getheaders())
        finally:
            connection.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A host with its files on disk, organization A's export in it, and organization B beside it."""
    files = tmp_path_factory.mktemp("objects") / "files"
    with MockAngo(hub=Hub(seed=1, files_dir=files)) as host:
        hub = host.hub
        org_a = hub.default_organization.id
        project_a = hub.default_project.id
        key = hub.objects.key_for(org_a, project_a, "exports", "export-20240101T000000.zip")
        hub.objects.put(key, SECRET)
        user_b = host.create_organization("B")
        project_b = hub.create_project("B's", {}, organization_id=user_b.organization_id).id
        yield {
            "host": host,
            "files": files,
            "a": Caller(host, host.api_key),
            "b": Caller(host, user_b.api_key),
            "anonymous": Caller(host, None),
            "org_a": org_a,
            "org_b": user_b.organization_id,
            "project_a": project_a,
            "project_b": project_b,
            "key": key,
        }


def _traversals(w) -> dict[str, str]:
    """Paths (after /objects/) that name A's export through B's prefix, or are otherwise not plain keys."""
    a_file = f"{w['org_a']}/{w['project_a']}/exports/export-20240101T000000.zip"
    return {
        "dot-dot": f"{w['org_b']}/../{a_file}",
        "encoded dot-dot": f"{w['org_b']}/%2e%2e/{a_file}",
        "upper-case encoded": f"{w['org_b']}/%2E%2E/{a_file}",
        "half encoded": f"{w['org_b']}/.%2e/{a_file}",
        "dot segment": f"{w['org_a']}/{w['project_a']}/./exports/export-20240101T000000.zip",
        "own dot-dot": f"{w['org_a']}/{w['project_a']}/../{w['project_a']}/exports/export-20240101T000000.zip",
        "backslash": f"{w['org_b']}/..%5c{a_file}",
        "nul": f"{w['org_a']}/x%00y",
        "long name": f"{w['org_a']}/{w['project_a']}/exports/" + "a" * 5000,
        "empty segment": f"{w['org_a']}//{w['project_a']}/exports/export-20240101T000000.zip",
    }


TRAVERSALS = [
    "dot-dot",
    "encoded dot-dot",
    "upper-case encoded",
    "half encoded",
    "dot segment",
    "own dot-dot",
    "backslash",
    "nul",
    "long name",
    "empty segment",
]


def _refused(status: int, body: bytes, expected: int) -> str:
    assert status == expected, (status, body[:300])
    assert SECRET not in body
    answer = json.loads(body)
    assert answer["status"] == "error"
    return answer["message"]


@pytest.mark.parametrize("caller", ["a", "b", "anonymous"])
@pytest.mark.parametrize("case", TRAVERSALS)
def test_a_key_that_is_not_plain_is_refused_with_400(world, case, caller):
    path = "/objects/" + _traversals(world)[case]
    message = _refused(*world[caller].call("GET", path)[:2], 400)
    assert "key" in message


@pytest.mark.parametrize("case", TRAVERSALS)
def test_a_put_to_a_key_that_is_not_plain_is_refused_and_writes_nothing(world, case):
    before = sorted(p for p in world["files"].parent.rglob("*"))
    path = "/objects/" + _traversals(world)[case] + "?expires=9999999999&signature=x"
    _refused(*world["b"].call("PUT", path, body=b"overwritten")[:2], 400)
    assert sorted(p for p in world["files"].parent.rglob("*")) == before
    assert world["host"].hub.objects.get(world["key"]) == SECRET


def test_another_organization_s_prefix_is_403_and_the_owner_still_reads(world):
    path = "/objects/" + world["key"]
    _refused(*world["b"].call("GET", path)[:2], 403)
    status, body, _ = world["a"].call("GET", path)
    assert status == 200 and body == SECRET


@pytest.mark.parametrize("case", ["dot-dot", "encoded dot-dot", "backslash", "nul", "long name"])
def test_get_signed_url_refuses_a_key_that_is_not_plain(world, case):
    name = f"{world['host'].url}/objects/{_traversals(world)[case]}"
    path = f"/v2/getSignedUrl?name={name}&project={world['project_b']}&type=exports"
    message = _refused(*world["b"].call("GET", path)[:2], 400)
    assert "name" in message


def test_get_signed_url_for_another_organization_s_file_is_403(world):
    name = f"{world['host'].url}/objects/{world['key']}"
    path = f"/v2/getSignedUrl?name={name}&project={world['project_b']}&type=exports"
    _refused(*world["b"].call("GET", path)[:2], 403)


@pytest.mark.parametrize("case", ["dot-dot", "encoded dot-dot", "own dot-dot"])
def test_cloud_upload_of_a_key_that_is_not_plain_is_refused_and_adds_nothing(world, case):
    hub = world["host"].hub
    before = hub.project_for(hub.authenticate(world["b"].api_key), world["project_b"]).asset_count
    url = f"{world['host'].url}/objects/{_traversals(world)[case]}"
    body = {"assets": [{"data": url, "externalId": "stolen"}]}
    status, answer, _ = world["b"].call("POST", f"/v2/project/{world['project_b']}/cloud", json_body=body)
    assert "assets[0].data" in _refused(status, answer, 400)
    assert hub.project_for(hub.authenticate(world["b"].api_key), world["project_b"]).asset_count == before


def test_cloud_upload_of_another_organization_s_file_is_403(world):
    url = f"{world['host'].url}/objects/{world['key']}"
    body = {"assets": [{"data": url, "externalId": "stolen"}]}
    status, answer, _ = world["b"].call("POST", f"/v2/project/{world['project_b']}/cloud", json_body=body)
    _refused(status, answer, 403)


# ------------------------------------------------------------------ generated keys

DOTS = st.sampled_from([".", "..", "%2e", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "%252e%252e", "..."])
ODD = st.sampled_from(["%00", "%5c", "\\", "%2f", "%0a", "%20", "%e2%80%ae", "%c0%ae%c0%ae", "~", "%ff"])
PLAIN = st.text("abcXYZ019._- ", min_size=1, max_size=12).map(lambda s: quote(s, safe="._-"))
UNICODE = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8).map(
    lambda s: quote(s, safe="")
)
LONG = st.integers(min_value=190, max_value=6000).map(lambda n: "a" * n)
SEGMENT = st.one_of(PLAIN, DOTS, ODD, UNICODE, LONG, st.just(""))


def _must_be_400(decoded: str) -> bool:
    """What issue 17.1 names: dot or empty segments, NUL, backslash, an over-long name."""
    segments = decoded.split("/")
    return (
        "\x00" in decoded
        or "\\" in decoded
        or any(s in ("", ".", "..") for s in segments)
        or any(len(s.encode()) > 255 for s in segments)
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    owner=st.sampled_from(["org_a", "org_b", "other"]),
    rest=st.lists(SEGMENT, min_size=0, max_size=6),
    tail=st.sampled_from(["", "a_file", "exports/export-20240101T000000.zip"]),
    caller=st.sampled_from(["a", "b", "anonymous"]),
    route=st.sampled_from(["get", "put", "signed", "cloud"]),
)
def test_generated_keys_never_reach_another_organization_s_bytes(world, owner, rest, tail, caller, route):
    """Whatever the path, across two organizations: never a 500, never A's bytes to anyone but A,
    never a file written outside the store, and each refusal is the one the rules name."""
    prefix = world.get(owner, "5f0000000000000000000000")
    path = "/".join([prefix, *rest, *([tail] if tail else [])])
    me = world[caller]
    mine = {"a": world["org_a"], "b": world["org_b"]}.get(caller)
    project = world["project_a"] if caller == "a" else world["project_b"]
    if route == "get":
        status, body, _ = me.call("GET", "/objects/" + path)
    elif route == "put":
        status, body, _ = me.call("PUT", "/objects/" + path + "?expires=9999999999&signature=x", body=b"junk")
    elif route == "signed":
        name = f"{world['host'].url}/objects/{path}"
        status, body, _ = me.call("GET", f"/v2/getSignedUrl?name={name}&project={project}&type=exports")
    else:
        data = {"assets": [{"data": f"{world['host'].url}/objects/{path}", "externalId": "x"}]}
        status, body, _ = me.call("POST", f"/v2/project/{project}/cloud", json_body=data)
    assert status < 500, (route, path, status, body[:300])
    if SECRET in body:
        assert caller == "a" and route == "get" and path == world["key"], (route, caller, path)
    if route in ("get", "put") and caller != "anonymous" or route in ("signed", "cloud") and caller != "anonymous":
        decoded = unquote(path, errors="replace")
        if _must_be_400(decoded):
            assert status == 400, (route, path, status, body[:300])
        elif decoded.split("/", 1)[0] != mine:
            assert status in (400, 403), (route, path, status, body[:300])
    if route == "get" and caller == "a" and path == world["key"]:
        assert status == 200
    if status >= 400 and caller != "anonymous":
        assert json.loads(body)["status"] == "error", body[:300]
    assert world["host"].hub.objects.get(world["key"]) == SECRET
    outside = [p for p in world["files"].parent.iterdir() if p.name != "files"]
    assert outside == [], outside
