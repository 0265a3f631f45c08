"""Error pages for browsers: an unknown URL gets the dashboard's own styled page, not werkzeug's."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from werkzeug.exceptions import HTTPException


@dataclass
class PageError:
    status: int
    message: str


def browser_error_page(error: HTTPException):
    """The dashboard's error page for an HTTP error (404, 405, ...) met by a browser."""
    if error.code == 404:
        message = f"There is no page at {request.path}."
    elif error.code == 405:
        message = f"{request.method} is not allowed on {request.path}."
    else:
        message = f"{error.name}: {error.description}"
    return render_template("error.html", error=PageError(error.code or 500, message), nav=""), error.code
