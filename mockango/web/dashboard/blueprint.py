"""The dashboard's blueprint and what every page of it shares: who is signed in, the sign-in page
for anyone else, the active faults banner, error pages, and strictly read forms.

The pages live in modules of their own (``pages``, ``tasks``, ``overview``), each adding its
routes to this one blueprint, so they share its templates, static files and handlers.
"""

from __future__ import annotations

import functools
import secrets
from urllib.parse import parse_qsl

from flask import Blueprint, make_response, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ...errors import AuthenticationError, InvalidRequest, MockangoError
from ..middleware.caller import current_user, hub
from ..middleware.limits import read_body
from ..middleware.security_headers import link_url

# Static files under /dashboard/static: Flask 3 always registers the app's own
# /static route, which would shadow a blueprint's /static.
blueprint = Blueprint(
    "dashboard", __name__, template_folder="templates", static_folder="static", static_url_path="/dashboard/static"
)

SIGNIN_COOKIE = "mockango_signin"
FORM_TYPE = "application/x-www-form-urlencoded"
FILES_FORM_TYPE = "multipart/form-data"


def signed_in(view):
    """Run ``view(user, ...)`` for a signed-in browser; anyone else gets the sign-in page (401)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            user = current_user()
        except AuthenticationError:
            return signin_page("signin.html", 401)
        return view(user, *args, **kwargs)

    return wrapper


@blueprint.context_processor
def active_faults() -> dict:
    """Every signed-in page shows the host's active faults, so nobody mistakes one for a bug."""
    if not hub().faults:
        return {"active_faults": []}
    try:
        user = current_user()
    except MockangoError:
        return {"active_faults": []}
    return {"active_faults": hub().faults.active(organization_id=user.organization_id)}


@blueprint.errorhandler(MockangoError)
def error_page(error: MockangoError):
    return render_template("error.html", error=error, nav=""), error.status


blueprint.add_app_template_filter(link_url, "link_url")


def form_fields(*, with_files: bool = False) -> MultiDict:
    """The posted form, read strictly: only a URL-encoded form of UTF-8 text, as the pages' forms send
    (or, ``with_files``, the multipart form of a page that uploads a file: its files are in ``request.files``).

    Anything else (JSON, an empty body without a form type, bytes that are not UTF-8, a
    lone surrogate) is a 400 that changes nothing.
    """
    if with_files and request.mimetype == FILES_FORM_TYPE:
        fields = request.form  # parsed under the app's body limit; undecodable bytes became U+FFFD
        if any("\ufffd" in value for value in fields.values()):
            raise InvalidRequest("the form's fields are not UTF-8 text")
        return MultiDict(fields.items(multi=True))
    if request.mimetype != FORM_TYPE:
        raise InvalidRequest(
            f"this page takes its form's fields ({FORM_TYPE}), not "
            f"{request.mimetype or 'a body without a Content-Type'}"
        )
    try:  # strict decoding: a lone surrogate or stray byte is refused, not replaced
        pairs = parse_qsl(read_body().decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("the form's fields are not URL-encoded UTF-8 text")
    return MultiDict(pairs)


def signin_page(template: str, status: int, **context):
    """A sign-in page with a fresh one-time token in its form and in a SameSite=Strict cookie."""
    token = secrets.token_urlsafe(32)
    response = make_response(render_template(template, token=token, **context), status)
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, samesite="Strict", max_age=600, path=url_for("dashboard.signin")
    )
    response.headers["Cache-Control"] = "no-store"  # the page may hold the key
    return response
