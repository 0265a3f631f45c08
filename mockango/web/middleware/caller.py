"""Who is calling: the API key of a REST call, the way the real host reads it, resolved once per request.

The caller (its user, and the run whose key it is) is looked up on first use and kept on
``flask.g`` for the rest of the request: the route, the domain call it makes and the journal
entry written afterwards all use the one lookup.
"""

from __future__ import annotations

from flask import current_app, g, request

from ...errors import AuthenticationError, Forbidden
from ...hub import Hub
from ...models import Caller, User

API_KEY_HEADER = "apikey"
DASHBOARD_COOKIE = "mockango_apikey"


def hub() -> Hub:
    return current_app.extensions["mockango.hub"]


def request_api_key() -> str | None:
    """The key from the ``apikey`` header (the SDK's), else the dashboard's cookie."""
    return request.headers.get(API_KEY_HEADER) or request.cookies.get(DASHBOARD_COOKIE)


def caller() -> Caller:
    """The caller, or :class:`~mockango.errors.AuthenticationError` (401) / ``Forbidden`` (403).

    A change made with the dashboard's cookie must come from the dashboard's own
    pages: a browser sends ``Origin`` on such requests, and another site's does not
    match (defence in depth beside the cookie's SameSite=Strict).
    """
    found = g.get("mockango_caller")
    if found is None:
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and not request.headers.get(API_KEY_HEADER)
            and request.cookies.get(DASHBOARD_COOKIE)
        ):
            origin = request.headers.get("Origin")
            if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
                raise Forbidden(f"a change signed by the dashboard cookie came from another site ({origin})")
        found = g.mockango_caller = hub().identify(request_api_key())
    return found


def current_user() -> User:
    """The calling user (see :func:`caller`)."""
    return caller().user


def run_session() -> str | None:
    """The session whose run key made this call (None: a user's own key)."""
    return caller().run_session


def journal_session() -> str | None:
    """For the request journal: the run whose key made the call, if it had a valid one (never raises)."""
    found = g.get("mockango_caller")
    if found is None and request_api_key():
        try:
            found = g.mockango_caller = hub().identify(request_api_key())
        except AuthenticationError:
            return None
    return found.run_session if found is not None else None
