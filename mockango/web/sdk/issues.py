"""Issues over HTTP: create, list, update, delete, comment."""

from __future__ import annotations

from flask import Blueprint, request

from ..middleware.caller import current_user, hub
from ..middleware.envelope import success
from ..middleware.limits import json_body

blueprint = Blueprint("issues", __name__, url_prefix="/v2")


@blueprint.post("/issues")
def create_issue():
    user = current_user()
    return success({"issue": hub().issues.create(user, json_body())}, 201)


@blueprint.get("/issues")
def get_issues():
    user = current_user()
    args = request.args
    found = hub().issues.find(
        user,
        args.get("project"),
        asset=args.get("asset"),
        task=args.get("labelTask"),
        stage=args.get("stage"),
        created_by=args.get("createdBy"),
    )
    return success({"issues": found, "total": len(found)})


@blueprint.post("/issues/<issue_id>")
def update_issue(issue_id: str):
    user = current_user()
    return success({"issue": hub().issues.update(user, issue_id, json_body())})


@blueprint.delete("/issues/<issue_id>")
def delete_issue(issue_id: str):
    user = current_user()
    return success({"issue": hub().issues.delete(user, issue_id, request.args.get("project"))})


@blueprint.post("/issues/<issue_id>/comment")
def comment(issue_id: str):
    user = current_user()
    return success({"comment": hub().issues.comment(user, issue_id, json_body())}, 201)
