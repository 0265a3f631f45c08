"""Project data over HTTP: projects, batches, assets added and deleted, attachments, chat assets, project settings."""

from __future__ import annotations

from flask import Blueprint, request

from ...errors import InvalidRequest
from ..middleware.caller import current_user, hub, run_session
from ..middleware.envelope import success
from ..middleware.limits import json_body
from ..middleware.params import json_list

blueprint = Blueprint("projects", __name__, url_prefix="/v2")


@blueprint.post("/project")
def create_project():
    user = current_user()
    return success({"project": hub().project_admin.create(user, json_body())}, 201)


@blueprint.post("/project/<project_id>")
def update_project(project_id: str):
    user = current_user()
    return success({"project": hub().project_admin.update(user, project_id, json_body())})


@blueprint.delete("/project/<project_id>")
def delete_project(project_id: str):
    user = current_user()
    return success({"project": hub().project_admin.delete(user, project_id)})


@blueprint.post("/project/<project_id>/purge")
def purge_project(project_id: str):
    user = current_user()
    body = json_body()
    return success(
        {"project": hub().project_admin.delete(user, project_id, confirm_name=body.get("confirmName"), purge=True)}
    )


@blueprint.post("/project/<project_id>/clone")
def clone_project(project_id: str):
    user = current_user()
    return success({"project": hub().project_admin.clone(user, project_id, json_body())}, 201)


@blueprint.post("/batches/<project_id>")
def create_batch(project_id: str):
    user = current_user()
    return success(hub().batches.create(user, project_id, json_body()), 201)


@blueprint.post("/assignBatches")
def assign_batches():
    user = current_user()
    return success(hub().batches.assign(user, json_body()))


@blueprint.post("/project/<project_id>/cloud")
def upload_cloud(project_id: str):
    user = current_user()
    body = json_body()
    chosen = json_list("batches")
    created = hub().uploads.add_assets(
        user,
        project_id,
        body.get("assets"),
        batches=chosen,
        priority=body.get("priority", 0),
        session_id=run_session(),
    )
    return success({"assets": created, "total": len(created)}, 201)


@blueprint.delete("/project/<project_id>/assets")
def delete_assets(project_id: str):
    user = current_user()
    body = json_body()
    if body.get("project", project_id) != project_id:
        raise InvalidRequest(f"project in the body ({body.get('project')!r}) is not the one in the path")
    return success({"deleted": hub().uploads.delete_assets(user, project_id, body.get("assets"))})


@blueprint.post("/project/<project_id>/labelValidation")
def update_label_validation(project_id: str):
    user = current_user()
    return success({"project": hub().project_admin.set_label_validation(user, project_id, json_body())})


@blueprint.post("/project/<project_id>/assetBuilderTemplates")
def create_asset_builder_template(project_id: str):
    user = current_user()
    return success({"template": hub().project_admin.add_asset_builder_template(user, project_id, json_body())}, 201)


@blueprint.post("/attachments")
def create_attachment():
    return success(hub().attachments.import_(current_user(), json_body()))


@blueprint.post("/project/<project_id>/chat")
def upload_chat_assets(project_id: str):
    user = current_user()
    uploaded = request.files.get("file")
    conversations = uploaded.read() if uploaded is not None else None
    return success(hub().chat_assets.upload(user, project_id, request.form, conversations), 201)
