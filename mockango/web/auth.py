"""Who is calling: the API key of a REST call, the way the real host reads it."""

from __future__ import annotations

from flask import current_app, request

from ..hub import Hub
from ..models import User

API_KEY_HEADER = "apikey"
DASHBOARD_COOKIE = "mockango_apikey"


def hub() -> Hub:
    return current_app.extensions["mockango.hub"]


def request_api_key() -> str | None:
    """The key from the ``apikey`` header (the SDK's), else the dashboard's cookie."""
    return request.headers.get(API_KEY_HEADER) or request.cookies.get(DASHBOARD_COOKIE)


def current_user() -> User:
    """The caller, or :class:`~mockango.errors.AuthenticationError` (401)."""
    return hub().authenticate(request_api_key())
