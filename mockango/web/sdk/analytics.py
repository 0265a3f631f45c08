"""Ango's analytics calls (https://docs.imerit.net/api/docs/analytics): project performance and overview metrics."""

from __future__ import annotations

from flask import Blueprint

from ..middleware.caller import current_user, hub
from ..middleware.envelope import success
from ..middleware.limits import json_body, read_body

blueprint = Blueprint("analytics", __name__, url_prefix="/v2")


@blueprint.post("/performance/<project_id>")
def get_project_performance(project_id: str):
    body = json_body() if read_body() else {}  # the docs mark the body optional
    return success(hub().analytics.performance(current_user(), project_id, body))


@blueprint.get("/<project_id>/overview/<metric>")
def get_metrics(project_id: str, metric: str):
    return success(hub().analytics.overview(current_user(), project_id, metric))
