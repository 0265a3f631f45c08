"""Asset files: each hosted image asset's URL answers with a real PNG.

Like a public bucket's object URL, it needs no API key, so a model can load
pixels with a plain GET; the image is fake and derived from the asset id.
"""

from __future__ import annotations

from flask import Blueprint, Response

from .auth import hub

blueprint = Blueprint("files", __name__)


@blueprint.get("/files/<asset_id>.png")
def asset_png(asset_id: str) -> Response:
    return Response(hub().asset_file(asset_id), mimetype="image/png",
                    headers={"Cache-Control": "public, max-age=3600"})
