"""The REST API plugins call through the SDK, at the real host's paths (ango-host-facts §4).

Header ``apikey``, JSON bodies, answers wrapped as ``{"status": "success", "data": ...}``.
"""

from __future__ import annotations

from flask import Blueprint, request

from ...errors import InvalidRequest
from ..middleware.caller import caller, current_user, hub, run_session
from ..middleware.envelope import success
from ..middleware.limits import json_body, read_body
from ..middleware.params import documented_page, json_value, page_and_limit

PROJECTS_DOC = "https://docs.imerit.net/api/docs/projects"

blueprint = Blueprint("rest", __name__, url_prefix="/v2")


def _filters_from_query() -> dict:
    filters = json_value("filters") or {}
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
    page, limit = page_and_limit(10)
    assets, total = hub().find_assets(user, project_id, page=page, limit=limit, filters=_filters_from_query())
    return success({"assets": assets, "total": total})


@blueprint.get("/project/<project_id>")
def get_project(project_id: str):
    user = current_user()
    return success({"project": hub().project_admin.view(hub().project_for(user, project_id).id)})


LIST_PROJECTS_FIELDS = ("_id", "name", "description", "organization", "createdAt")
"""What Ango's API docs say listProjects returns ("only essential fields"): docs.imerit.net/api/docs/projects."""


@blueprint.get("/listProjects")
def list_projects():
    user = current_user()
    page, limit = documented_page(100, PROJECTS_DOC)
    projects, total = hub().list_projects(user, page=page, limit=limit)
    shown = [{key: project.get(key) for key in LIST_PROJECTS_FIELDS} for project in projects]
    return success({"projects": shown, "total": total})


@blueprint.post("/import/labels")
def import_labels():
    user = current_user()
    summary = hub().import_label_body(user, read_body(), session_id=run_session())
    return success({"imported": summary})


@blueprint.post("/pluginLog")
def plugin_log():
    who = caller()
    hub().record_log(json_body(), caller=who)
    return success({})


@blueprint.post("/pluginResponse")
def plugin_response():
    who = caller()
    session = hub().record_response(json_body(), caller=who)
    return success({"session": session.id, "status": session.status})
