"""Ango Hub calls mockango knows of but does not simulate: each answers 501, never a bare 404.

Only these exact paths: an unknown path (a typo) still gets its 404. The caller's
API key is checked first, as on every other route.
"""

from __future__ import annotations

from flask import Blueprint, request

from ..middleware.caller import current_user
from ..middleware.envelope import error

blueprint = Blueprint("unsimulated", __name__)

UNSIMULATED: tuple[tuple[str, str, str], ...] = (
    # (HTTP method, Flask rule, the SDK method that calls it)
    ("POST", "/v2/project/<project_id>/assigned", "add_members_to_project"),
    ("GET", "/v2/llms", "get_llms"),
    ("POST", "/v2/llms/", "create_llm"),
    ("DELETE", "/v2/llms/<llm_id>", "delete_llm"),
    ("POST", "/v2/notifications", "send_notification"),
    ("POST", "/v2/project/<project_id>/instructions", "upload_instructions"),
    ("POST", "/v2/project/<project_id>/rerun-webhook", "rerun_webhook"),
)


def not_simulated(**_ignored: str):
    current_user()
    return error(f"{request.method} {request.path} is an Ango Hub call that mockango does not simulate", 501)


for _method, _rule, _sdk_method in UNSIMULATED:
    blueprint.add_url_rule(_rule, endpoint=f"{_sdk_method}", view_func=not_simulated, methods=[_method])
