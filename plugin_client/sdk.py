"""A small REST client for the host's API: the calls a Batch Model plugin needs.

One ``requests.Session`` per SDK reuses connections where the host keeps them alive.
Every answer is returned as the host sent it (``{"status": "success", "data": ...}``),
so code written for the official SDK (``resp["data"]["assets"]``) works unchanged.
"""

from __future__ import annotations

import json
import os
from typing import Any

import requests

from .errors import SDKError


def resolve_host(host: str | None) -> str:
    """The host's base URL: the argument, else ``ANGO_HOST`` / ``MOCKANGO_URL`` from the environment."""
    host = host or os.environ.get("ANGO_HOST") or os.environ.get("MOCKANGO_URL")
    if not host:
        raise ValueError("no host given: pass host='http://127.0.0.1:8080' (mockango) or your Ango host's API URL, "
                         "or set ANGO_HOST")
    return host.rstrip("/")


class SDK:
    def __init__(self, api_key: str, host: str | None = None, *, timeout: float = 30.0) -> None:
        if not api_key:
            raise ValueError("SDK needs an api_key: the plugin receives one in data['apiKey']")
        self.api_key = api_key
        self.host = resolve_host(host)
        self.timeout = timeout
        self._http = requests.Session()
        self._http.headers.update({"apikey": api_key, "Content-Type": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "SDK":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _call(self, method: str, path: str, *, params: dict | None = None, body: Any = None) -> dict:
        url = self.host + path
        try:
            response = self._http.request(method, url, params=params,
                                          data=None if body is None else json.dumps(body), timeout=self.timeout)
        except requests.RequestException as exc:
            raise SDKError(0, f"could not reach the host: {exc}", method=method, url=url) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not response.ok:
            message = payload.get("message") if isinstance(payload, dict) else None
            errors = payload.get("errors") if isinstance(payload, dict) else None
            raise SDKError(response.status_code, message or response.text or response.reason, method=method,
                           url=url, errors=errors, body=payload)
        if not isinstance(payload, dict):
            raise SDKError(response.status_code, f"the host answered with something that is not JSON: "
                           f"{response.text[:200]!r}", method=method, url=url)
        return payload

    def get_assets(self, project_id: str, asset_id: str | None = None, external_id: str | None = None,
                   page: int = 1, limit: int = 10, filters: dict | None = None) -> dict:
        """One page of the project's assets: ``resp["data"]["assets"]`` and ``resp["data"]["total"]``."""
        filters = dict(filters or {})
        if asset_id:
            filters["_id"] = asset_id
        if external_id:
            filters["externalId"] = external_id
        params: dict = {"page": page, "limit": limit}
        if filters:
            params["filters"] = json.dumps(filters)
        return self._call("GET", f"/v2/project/{project_id}/assets", params=params)

    def get_project(self, project_id: str) -> dict:
        """The project with its ontology: ``resp["data"]["project"]["categorySchema"]``."""
        return self._call("GET", f"/v2/project/{project_id}")

    def list_projects(self, page: int = 1, limit: int = 10) -> dict:
        return self._call("GET", "/v2/listProjects", params={"page": page, "limit": limit})

    def import_labels(self, project_id: str, labels: list) -> dict:
        """Import pre-labels; raises :class:`SDKError` (with every error) when the host refuses them."""
        return self._call("POST", "/v2/import/labels", body={"project": project_id, "jsonContent": labels})
