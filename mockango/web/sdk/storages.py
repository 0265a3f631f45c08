"""Storages over HTTP: create, list (all or by ``_id``), delete, list files, the file explorer."""

from __future__ import annotations

from flask import Blueprint, request

from ...errors import InvalidRequest
from ..middleware.caller import current_user, hub
from .rest import json_body, success

blueprint = Blueprint("storages", __name__, url_prefix="/v2")


@blueprint.post("/storages/")
@blueprint.post("/storages")
def create_storage():
    user = current_user()
    return success({"storage": hub().storages.create(user, json_body())}, 201)


@blueprint.get("/storages")
def get_storages():
    user = current_user()
    return success({"storages": hub().storages.list(user, request.args.get("_id"))})


@blueprint.delete("/storages/<storage_id>")
def delete_storage(storage_id: str):
    user = current_user()
    return success({"storage": hub().storages.delete(user, storage_id)})


@blueprint.get("/storages/<storage_id>/files")
def list_storage_files(storage_id: str):
    user = current_user()
    signed = request.args.get("getSignedUrls", "true")
    if signed not in ("true", "false"):
        raise InvalidRequest(f"getSignedUrls must be true or false, got {signed!r}")
    files, folders = hub().storages.listing(
        user, storage_id, request.args.get("bucketName"), request.args.get("path", ""), signed=signed == "true"
    )
    return success({"files": files, "folders": folders})


@blueprint.post("/file-explorer")
def file_explorer():
    user = current_user()
    return success(hub().storages.file_explorer(user, json_body()))
