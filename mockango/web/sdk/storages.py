"""Storages over HTTP: create, list (all or by ``_id``), delete, list files, the file explorer."""

from __future__ import annotations

from flask import Blueprint, request

from ..middleware.caller import current_user, hub
from ..middleware.envelope import success
from ..middleware.limits import json_body
from ..middleware.params import flag

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
    signed = flag("getSignedUrls", default=True)
    files, folders = hub().storages.listing(
        user, storage_id, request.args.get("bucketName"), request.args.get("path", ""), signed=signed
    )
    return success({"files": files, "folders": folders})


@blueprint.post("/file-explorer")
def file_explorer():
    user = current_user()
    return success(hub().storages.file_explorer(user, json_body()))
