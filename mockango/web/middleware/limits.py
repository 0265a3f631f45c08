"""Request bodies: the size limit (413 before a body over it is read, saying how to raise it) and reading them."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from ... import input_limits
from ...input_limits import format_size
from .http_errors import answer_http_error


def limit_bodies(app: Flask, max_body: int) -> None:
    """Refuse bodies over ``max_body`` bytes, by their Content-Length or while a chunked body is read."""
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = max_body
    message = (
        f"the request body is larger than this host's limit of {format_size(max_body)}; raise it with "
        f"`mockango serve --max-body SIZE` or MockAngo(max_body=...)"
    )

    @app.before_request
    def refuse_large_bodies() -> None:
        if request.content_length is not None and request.content_length > max_body:
            raise RequestEntityTooLarge(message)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        error.description = message  # werkzeug's own, raised while a chunked body is read, says less
        return answer_http_error(error)


def read_body() -> bytes:
    """The whole request body; 413 when a chunked body reaches the limit.

    Werkzeug stops reading a chunked body at the limit without saying so (it raises
    only on a further read), so a body cut at exactly the limit is taken as over it.
    """
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        raise RequestEntityTooLarge()
    return raw


def json_body() -> dict:
    """The request's JSON object (strict: see :mod:`mockango.input_limits`), or a 400 saying what was wrong.

    Read whatever the Content-Type says, as the real host does for its SDK's bodies.
    """
    return input_limits.loads_object(read_body())
