"""How answers are wrapped, defined once: the REST API's ``{"status": "success", "data": ...}``, the
control API's plain JSON, and the one error shape both share (``{"status": "error", "message": ...}``)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from ...errors import error_body


def success(data: Any, status: int = 200) -> tuple[Response, int]:
    """A REST API (``/v2``) answer, wrapped as the real host wraps it (ango-host-facts §4)."""
    return jsonify({"status": "success", "data": data}), status


def plain(body: Any, status: int = 200) -> tuple[Response, int]:
    """A control API (``/api``) answer: the JSON itself."""
    return jsonify(body), status


def no_content() -> tuple[str, int]:
    return "", 204


def error(message: str, status: int) -> Response:
    """An error in the shape every JSON route answers with (:func:`mockango.errors.error_body`)."""
    response = jsonify(error_body(status, message))
    response.status_code = status
    return response
