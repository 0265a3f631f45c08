"""How HTTP-level errors (404, 405, 413, ...) are answered: JSON for API callers, the dashboard's styled page for browsers."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from ...errors import error_body
from ..dashboard.error_pages import browser_error_page


def wants_json() -> bool:
    return request.path.startswith(("/v2/", "/api/")) or request.accept_mimetypes.best == "application/json"


def answer_http_error(error: HTTPException):
    if wants_json():
        message = f"{error.name}: {error.description}"
        if error.code == 404:
            message = f"no such endpoint: {request.method} {request.path}"
        elif error.code == 405:
            message = f"{request.method} is not allowed on {request.path}"
        return jsonify(error_body(error.code or 500, message)), error.code
    return browser_error_page(error)
