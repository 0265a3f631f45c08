"""The object store over HTTP: presigned upload/download URLs, and the URLs themselves.

``GET /v2/getUploadUrl`` and ``GET /v2/getSignedUrl`` need the API key; the URLs they
give out need none (their signature is the permission), like S3's presigned URLs. A request
that does bring an API key speaks for that key's organization: with another organization's
key, a file URL is refused even when its signature is good.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file

from ...errors import Forbidden, InvalidRequest
from ...store.objects import ObjectTooLarge
from ..middleware.caller import API_KEY_HEADER, current_user, hub
from ..middleware.envelope import success

blueprint = Blueprint("objects", __name__)


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


def _refuse_other_organization(key: str) -> None:
    """With an API key, only the key's own organization's files (403), signed or not."""
    if request.headers.get(API_KEY_HEADER) and key.split("/", 1)[0] != current_user().organization_id:
        raise Forbidden("that file belongs to another organization")


@blueprint.put("/objects/<path:key>")
def put_object(key: str):
    store = hub().objects
    _refuse_other_organization(key)
    store.check("PUT", key, request.args.get("expires"), request.args.get("signature"))
    if request.content_length is not None and request.content_length > store.max_bytes:
        raise ObjectTooLarge(f"the file is {request.content_length} bytes; this host takes at most {store.max_bytes}")
    data = request.stream.read(store.max_bytes + 1)
    store.put(key, data)
    return Response(status=200)


@blueprint.get("/objects/<path:key>")
def get_object(key: str):
    store = hub().objects
    _refuse_other_organization(key)
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
    if "/" not in key:
        raise InvalidRequest(f"bad file key {key!r}")
    path = store.file_of(key)
    if path is not None:  # streamed from disk: an export of a million tasks is never read whole
        return send_file(path, mimetype=kind, conditional=False, etag=False, max_age=0)
    return Response(store.get(key), mimetype=kind)
