"""How HTTP-level errors (404, 405, 413, ...) are answered: JSON for API callers, the dashboard's styled page for browsers.

Headers the error carries (``Allow`` of a 405) are kept either way; werkzeug's redirect of a path with
repeated slashes (308) is JSON on JSON routes too (:func:`answer_slash_redirect`).
"""

from __future__ import annotations

import re

from flask import jsonify, make_response, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ...errors import error_body
from ..dashboard.error_pages import browser_error_page

SHOWN_PATH = 200
"""Characters of a request's path an error message repeats: a 30 KB path was echoed twice in a 60 KB answer."""


def wants_json() -> bool:
    path = request.path
    if "//" in path:
        path = re.sub("//+", "/", path)
    return path.startswith(("/v2/", "/api/", "/objects/")) or request.accept_mimetypes.best == "application/json"


def shown_path(path: str) -> str:
    """``path`` as an error message shows it: cut past :data:`SHOWN_PATH` characters, saying how long it was."""
    return path if len(path) <= SHOWN_PATH else f"{path[: SHOWN_PATH - 50]}... ({len(path):,} characters)"


def answer_http_error(error: HTTPException):
    if wants_json():
        message = f"{error.name}: {error.description}"
        if error.code == 404:
            message = f"no such endpoint: {request.method} {shown_path(request.path)}"
        elif error.code == 405:
            message = f"{request.method} is not allowed on {shown_path(request.path)}"
        answer = jsonify(error_body(error.code or 500, message))
    else:
        answer = make_response(browser_error_page(error))
    answer.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            answer.headers[name] = value  # e.g. the Allow of a 405
    return answer


def answer_slash_redirect():
    """``before_request``: werkzeug answers a path with repeated slashes (``/v2//listProjects``) with a 308 to
    the merged path and an HTML body; on a JSON route the body is JSON, like every other answer there."""
    redirect = request.routing_exception
    if not isinstance(redirect, RequestRedirect) or not wants_json():
        return None
    answer = jsonify(
        error_body(
            redirect.code,
            f"{shown_path(request.path)} has repeated slashes: send the request to {shown_path(redirect.new_url)} (it is the same)",
        )
    )
    answer.status_code = redirect.code
    answer.headers["Location"] = redirect.new_url
    return answer
