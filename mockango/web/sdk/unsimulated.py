"""Ango Hub calls mockango knows of but does not simulate: each answers 501, never a bare 404.

Only these exact paths: an unknown path (a typo) still gets its 404. The caller's
API key is checked first, as on every other route.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..middleware.caller import current_user

blueprint = Blueprint("unsimulated", __name__)

UNSIMULATED: tuple[tuple[str, str, str], ...] = (
    # (HTTP method, Flask rule, the SDK method that calls it)
    ("POST", "/v2/project/<project_id>/assigned", "add_members_to_project"),
    ("POST", "/v2/attachments", "create_attachment"),
    ("GET", "/v2/<project_id>/overview/<metric>", "get_metrics"),
    ("POST", "/v2/project/<project_id>/labelValidation", "update_label_validation"),
    ("POST", "/v2/project/<project_id>/chat", "upload_chat_assets"),
    ("POST", "/v2/performance/<project_id>", "get_project_performance"),
    ("GET", "/v2/organization/<organization_id>/invites", "get_organization_invites"),
    ("POST", "/v2/organization/<organization_id>/invites", "invite_members_to_org"),
    ("DELETE", "/v2/organization/<organization_id>/invites", "delete_organization_invites"),
    ("POST", "/v2/organization/<organization_id>/users", "update_organization_members_role"),
    ("DELETE", "/v2/organization/<organization_id>/users", "delete_organization_members"),
    ("GET", "/v2/llms", "get_llms"),
    ("POST", "/v2/llms/", "create_llm"),
    ("DELETE", "/v2/llms/<llm_id>", "delete_llm"),
    ("POST", "/v2/notifications", "send_notification"),
    ("POST", "/v2/project/<project_id>/assetBuilderTemplates", "create_asset_builder_template"),
    ("POST", "/v2/project/<project_id>/instructions", "upload_instructions"),
    ("POST", "/v2/project/<project_id>/rerun-webhook", "rerun_webhook"),
)


def not_simulated(**_ignored: str):
    current_user()
    return jsonify(
        {
            "status": "error",
            "message": f"{request.method} {request.path} is an Ango Hub call that mockango does not simulate",
        }
    ), 501


for _method, _rule, _sdk_method in UNSIMULATED:
    blueprint.add_url_rule(_rule, endpoint=f"{_sdk_method}", view_func=not_simulated, methods=[_method])
