"""The object store over HTTP: presigned upload/download URLs, and the URLs themselves.

``GET /v2/getUploadUrl`` and ``GET /v2/getSignedUrl`` need the API key; the URLs they
give out need none (their signature is the permission), like S3's presigned URLs. A request
that does bring an API key speaks for that key's organization: with another organization's
key, a file URL is refused even when its signature is good.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from ...errors import Forbidden
from ..middleware.caller import API_KEY_HEADER, current_user, hub
from ..middleware.envelope import success

blueprint = Blueprint("objects", __name__)


class ObjectKeyConverter(PathConverter):
    """Any path, control characters included, so that every odd key reaches the key check (and gets its 400)
    instead of falling through to a 404 of no route."""

    regex = "(?s:[^/].*?)"


@blueprint.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("object_key", ObjectKeyConverter)


def _file_url(make) -> str:
    """``make(user, name, project, type)`` from the query: what both URL calls take."""
    user = current_user()
    return make(user, request.args.get("name"), request.args.get("project"), request.args.get("type"))


@blueprint.get("/v2/getUploadUrl")
def upload_url():
    return success({"uploadUrl": _file_url(hub().uploads.upload_url)})


@blueprint.get("/v2/getSignedUrl")
def signed_url():
    # The official client sends the upload URL unencoded as 'name': its own query (expires,
    # signature) arrives as separate parameters and is ignored; the path names the file.
    return success({"signedUrl": _file_url(hub().uploads.signed_url)})


def _checked_key(raw: str) -> str:
    """The key of the URL, checked whole (400) and, with an API key, of the key's own organization only
    (403), signed or not."""
    key = hub().objects.parse_key(raw)
    if request.headers.get(API_KEY_HEADER) and key.split("/", 1)[0] != current_user().organization_id:
        raise Forbidden("that file belongs to another organization")
    return key


@blueprint.put("/objects/<object_key:key>")
def put_object(key: str):
    store = hub().objects
    key = _checked_key(key)
    store.check("PUT", key, request.args.get("expires"), request.args.get("signature"))
    store.check_size(request.content_length)
    store.put_stream(key, request.stream.read)
    return Response(status=200)


@blueprint.get("/objects/<object_key:key>")
def get_object(key: str):
    store = hub().objects
    key = _checked_key(key)
    if not (request.headers.get(API_KEY_HEADER) and "signature" not in request.args):
        store.check("GET", key, request.args.get("expires"), request.args.get("signature"))
    name = key.rsplit("/", 1)[-1]
    kind = (
        "application/zip"
        if name.endswith(".zip")
        else "image/png"
        if name.endswith(".png")
        else "application/octet-stream"
    )
    path = store.file_of(key)
    if path is not None:  # streamed from disk: an export of a million tasks is never read whole
        return send_file(path, mimetype=kind, conditional=False, etag=False, max_age=0)
    return Response(store.get(key), mimetype=kind)
