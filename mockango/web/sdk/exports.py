"""Exports over HTTP: ``GET /v2/export`` (1.4.10) and ``GET /v2/exportV3`` (1.3.x) -> ``data.exportPath``."""

from __future__ import annotations

from flask import Blueprint, request

from ..middleware.caller import current_user, hub, run_session
from ..middleware.envelope import success

blueprint = Blueprint("exports", __name__, url_prefix="/v2")


@blueprint.get("/export")
@blueprint.get("/exportV3")
def export():
    user = current_user()
    params = request.args.to_dict()
    warnings: list[dict] = []
    path = hub().exports.build(user, params.get("project"), params, warnings_out=warnings)
    hub().log_lenient(run_session(), "the export's parameters", warnings)
    return success({"exportPath": path, **({"warnings": warnings} if warnings else {})})
