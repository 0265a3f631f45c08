"""The organization calls of Ango's API (https://docs.imerit.net/api/docs/organization): members and invites.

Thin: read the query and body, call :class:`mockango.services.organization.Organization`, answer.
"""

from __future__ import annotations

from flask import Blueprint, request

from ..middleware.caller import current_user, hub
from ..middleware.envelope import success
from ..middleware.limits import json_body
from ..middleware.params import documented_page

blueprint = Blueprint("organization", __name__, url_prefix="/v2")

DOC = "https://docs.imerit.net/api/docs/organization"
MAX_LIMIT = 100  # "Items per page (max 100)"


@blueprint.get("/organization/<organization_id>/users")
def organization_members(organization_id: str):
    user = current_user()
    page, limit = documented_page(MAX_LIMIT, DOC)
    members = hub().organization.members(
        user, organization_id, page=page, limit=limit, search=request.args.get("search") or None
    )
    return success({"users": members})


@blueprint.post("/organization/<organization_id>/users")
def update_organization_members_role(organization_id: str):
    return success(hub().organization.update_roles(current_user(), organization_id, json_body()))


@blueprint.delete("/organization/<organization_id>/users")
def delete_organization_members(organization_id: str):
    return success(hub().organization.delete_members(current_user(), organization_id, json_body()))


@blueprint.get("/organization/<organization_id>/invites")
def get_organization_invites(organization_id: str):
    user = current_user()
    page, limit = documented_page(MAX_LIMIT, DOC)
    return success(
        hub().organization.invites(
            user, organization_id, status=request.args.get("status") or None, page=page, limit=limit
        )
    )


@blueprint.post("/organization/<organization_id>/invites")
def invite_members_to_org(organization_id: str):
    return success(hub().organization.invite(current_user(), organization_id, json_body()), 201)


@blueprint.delete("/organization/<organization_id>/invites")
def delete_organization_invites(organization_id: str):
    return success(hub().organization.delete_invites(current_user(), organization_id, json_body()))
