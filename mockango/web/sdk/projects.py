"""Project data over HTTP: projects, batches, assets added and deleted, organization members."""

from __future__ import annotations

from flask import Blueprint, request

from ...errors import InvalidRequest
from ...services import batches, project_admin
from ...services.exports import json_parameter
from ..middleware.caller import current_user, hub, request_api_key
from .rest import json_body, success

blueprint = Blueprint("projects", __name__, url_prefix="/v2")


@blueprint.post("/project")
def create_project():
    user = current_user()
    return success({"project": project_admin.create_project(hub(), user, json_body())}, 201)


@blueprint.post("/project/<project_id>")
def update_project(project_id: str):
    user = current_user()
    return success({"project": project_admin.update_project(hub(), user, project_id, json_body())})


@blueprint.delete("/project/<project_id>")
def delete_project(project_id: str):
    user = current_user()
    return success({"project": project_admin.delete_project(hub(), user, project_id)})


@blueprint.post("/project/<project_id>/purge")
def purge_project(project_id: str):
    user = current_user()
    body = json_body()
    return success(
        {
            "project": project_admin.delete_project(
                hub(), user, project_id, confirm_name=body.get("confirmName"), purge=True
            )
        }
    )


@blueprint.post("/project/<project_id>/clone")
def clone_project(project_id: str):
    user = current_user()
    return success({"project": project_admin.clone_project(hub(), user, project_id, json_body())}, 201)


@blueprint.post("/batches/<project_id>")
def create_batch(project_id: str):
    user = current_user()
    return success(batches.create(hub(), user, project_id, json_body()), 201)


@blueprint.post("/assignBatches")
def assign_batches():
    user = current_user()
    return success(batches.assign(hub(), user, json_body()))


@blueprint.post("/project/<project_id>/cloud")
def upload_cloud(project_id: str):
    user = current_user()
    body = json_body()
    chosen = json_parameter(request.args, "batches", "a JSON list of batch ids")
    created = hub().uploads.add_assets(
        user,
        project_id,
        body.get("assets"),
        batches=chosen,
        priority=body.get("priority", 0),
        session_id=hub().session_for_key(request_api_key()),
    )
    return success({"assets": created, "total": len(created)}, 201)


@blueprint.delete("/project/<project_id>/assets")
def delete_assets(project_id: str):
    user = current_user()
    body = json_body()
    if body.get("project", project_id) != project_id:
        raise InvalidRequest(f"project in the body ({body.get('project')!r}) is not the one in the path")
    return success({"deleted": hub().uploads.delete_assets(user, project_id, body.get("assets"))})


@blueprint.get("/organization/<organization_id>/users")
def organization_members(organization_id: str):
    user = current_user()
    return success({"users": project_admin.organization_members(hub(), user, organization_id)})
