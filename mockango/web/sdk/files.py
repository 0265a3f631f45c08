"""Asset files: each hosted image asset's URL answers with a real PNG.

Like a public bucket's object URL, it needs no API key, so a model can load
pixels with a plain GET; the image is fake and derived from the asset id.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, request

from ..middleware.caller import hub

blueprint = Blueprint("files", __name__)


@blueprint.get("/files/<asset_id>.png")
def asset_png(asset_id: str) -> Response:
    png = hub().asset_file(asset_id)
    faults = hub().faults
    owner = hub().projects.organization_of_asset(asset_id) if faults else None
    wait, rate = faults.file_rate(request.path, owner)
    headers = {"Cache-Control": "public, max-age=3600"}
    if rate is None:
        return Response(png, mimetype="image/png", headers=headers)
    headers.update({"Cache-Control": "no-store", "Content-Length": str(len(png))})
    return Response(_trickle(png, wait, rate), mimetype="image/png", headers=headers)


def _trickle(data: bytes, wait: float, bytes_per_second: int):
    """Yield ``data`` at ``bytes_per_second`` after ``wait`` seconds (a slow_files fault)."""
    time.sleep(wait)
    chunk = max(1, min(bytes_per_second // 10, 65_536))
    for start in range(0, len(data), chunk):
        time.sleep(chunk / bytes_per_second)
        yield data[start : start + chunk]
