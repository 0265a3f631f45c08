"""Exports over HTTP: ``GET /v2/export`` (1.4.10) and ``GET /v2/exportV3`` (1.3.x) -> ``data.exportPath``."""

from __future__ import annotations

from flask import Blueprint, request

from ...services import exports
from ..middleware.caller import current_user, hub
from .rest import success

blueprint = Blueprint("exports", __name__, url_prefix="/v2")


@blueprint.get("/export")
@blueprint.get("/exportV3")
def export():
    user = current_user()
    params = request.args.to_dict()
    return success({"exportPath": exports.build_export(hub(), user, params.get("project"), params)})
