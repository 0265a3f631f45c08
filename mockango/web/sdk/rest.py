"""The REST API plugins call through the SDK, at the real host's paths (ango-host-facts §4).

Header ``apikey``, JSON bodies, answers wrapped as ``{"status": "success", "data": ...}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from ... import input_limits
from ...errors import InvalidRequest
from ...services.project_admin import project_view
from ..middleware.caller import current_user, hub, request_api_key
from ..middleware.limits import read_body

blueprint = Blueprint("rest", __name__, url_prefix="/v2")


def success(data: Any, status: int = 200):
    return jsonify({"status": "success", "data": data}), status


def json_body() -> dict:
    """The request's JSON object (strict: see :mod:`mockango.input_limits`), or a 400 saying what was wrong.

    Read whatever the Content-Type says, as the real host does for its SDK's bodies.
    """
    return input_limits.loads_object(read_body())


def _filters_from_query() -> dict:
    filters: dict = {}
    raw = request.args.get("filters")
    if raw:
        filters = input_limits.loads(raw, where="'filters'")
        if not isinstance(filters, dict):
            raise InvalidRequest("'filters' must be a JSON object")
    # Clients 1.1.x send these as plain query parameters instead of 'filters'.
    if request.args.get("assetId"):
        filters.setdefault("_id", request.args["assetId"])
    if request.args.get("externalId"):
        filters.setdefault("externalId", request.args["externalId"])
    return filters


@blueprint.get("/project/<project_id>/assets")
def get_assets(project_id: str):
    user = current_user()
    assets, total = hub().find_assets(
        user,
        project_id,
        page=request.args.get("page", 1),
        limit=request.args.get("limit", 10),
        filters=_filters_from_query(),
    )
    return success({"assets": assets, "total": total})


@blueprint.get("/project/<project_id>")
def get_project(project_id: str):
    user = current_user()
    return success({"project": project_view(hub(), hub().project_for(user, project_id).id)})


@blueprint.get("/listProjects")
def list_projects():
    user = current_user()
    projects, total = hub().list_projects(user, page=request.args.get("page", 1), limit=request.args.get("limit", 10))
    return success({"projects": projects, "total": total})


@blueprint.post("/import/labels")
def import_labels():
    user = current_user()
    session_id = hub().session_for_key(request_api_key())
    summary = hub().import_label_body(user, read_body(), session_id=session_id)
    return success({"imported": summary})


@blueprint.post("/pluginLog")
def plugin_log():
    user = current_user()
    hub().record_log(json_body(), user=user, api_key=request_api_key())
    return success({})


@blueprint.post("/pluginResponse")
def plugin_response():
    user = current_user()
    session = hub().record_response(json_body(), user=user, api_key=request_api_key())
    return success({"session": session.id, "status": session.status})
