"""Who is calling: the API key of a REST call, the way the real host reads it."""

from __future__ import annotations

from flask import current_app, request

from ...errors import Forbidden
from ...hub import Hub
from ...models import User

API_KEY_HEADER = "apikey"
DASHBOARD_COOKIE = "mockango_apikey"


def hub() -> Hub:
    return current_app.extensions["mockango.hub"]


def request_api_key() -> str | None:
    """The key from the ``apikey`` header (the SDK's), else the dashboard's cookie."""
    return request.headers.get(API_KEY_HEADER) or request.cookies.get(DASHBOARD_COOKIE)


def current_user() -> User:
    """The caller, or :class:`~mockango.errors.AuthenticationError` (401) / ``Forbidden`` (403).

    A change made with the dashboard's cookie must come from the dashboard's own
    pages: a browser sends ``Origin`` on such requests, and another site's does not
    match (defence in depth beside the cookie's SameSite=Strict).
    """
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and not request.headers.get(API_KEY_HEADER)
        and request.cookies.get(DASHBOARD_COOKIE)
    ):
        origin = request.headers.get("Origin")
        if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
            raise Forbidden(f"a change signed by the dashboard cookie came from another site ({origin})")
    return hub().authenticate(request_api_key())
