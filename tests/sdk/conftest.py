"""Fixtures of the SDK-surface tests: a live MockAngo and real HTTP calls with an API key."""

from __future__ import annotations

import pytest
import requests


class Api:
    """Real HTTP calls to a host as one user: ``api.get(path, **params)`` -> (status, body)."""

    def __init__(self, base_url: str, api_key: str | None) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        if api_key:
            self.http.headers["apikey"] = api_key

    def call(self, method: str, path: str, *, json=None, params=None, data=None):
        response = self.http.request(method, self.base_url + path, json=json, params=params, data=data, timeout=10)
        try:
            body = response.json()
        except ValueError:
            body = response.content
        return response.status_code, body

    def get(self, path: str, **params):
        return self.call("GET", path, params=params)

    def post(self, path: str, body=None, **params):
        return self.call("POST", path, json=body, params=params)

    def delete(self, path: str, body=None, **params):
        return self.call("DELETE", path, json=body, params=params)


@pytest.fixture
def api(host) -> Api:
    return Api(host.url, host.api_key)


@pytest.fixture
def stranger(host) -> Api:
    """A user of another organization on the same host."""
    return Api(host.url, host.create_organization("Elsewhere").api_key)


@pytest.fixture
def project(host):
    return host.hub.default_project


@pytest.fixture
def box_schema(project) -> str:
    return next(t["schemaId"] for t in project.category_schema["tools"] if t["tool"] == "bounding-box")


def asset_ids(host) -> list[str]:
    """The default project's asset ids, in order."""
    return [a["_id"] for a in host.assets()]


def task_of(host, asset_id: str) -> dict:
    return host.hub.tasks.for_asset(asset_id)
