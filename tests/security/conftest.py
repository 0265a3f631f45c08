"""Helpers for the hostile-input tests: raw HTTP bodies against a real host on loopback."""

from __future__ import annotations

import pytest
import requests

DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = "1" * 5000


@pytest.fixture
def api(host):
    """POST/GET raw bytes to ``host`` with its API key; answers are ``requests`` responses."""

    class Api:
        url = host.url
        key = host.api_key

        def post(self, path: str, body: bytes | str, *, content_type: str = "application/json", **kw):
            headers = {"apikey": host.api_key, "Content-Type": content_type, **kw.pop("headers", {})}
            return requests.post(host.url + path, data=body, headers=headers, timeout=10, **kw)

        def get(self, path: str, **kw):
            return requests.get(host.url + path, headers={"apikey": host.api_key}, timeout=10, **kw)

    return Api()


def assert_refused(answer, status: int, *words: str) -> dict:
    """A JSON refusal with ``status`` whose message holds each of ``words``; returns the body."""
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert body["status"] == "error"
    for word in words:
        assert word in body["message"], (word, body["message"])
    return body
