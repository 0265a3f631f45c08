"""The dashboard: server-rendered pages over the Hub (no CDN, no build step).

A browser signs in by opening ``/?apikey=KEY`` once (``mockango serve`` prints
that link); the key is kept in an HTTP-only cookie, as Jupyter does with its token.
"""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from ..errors import AuthenticationError
from .auth import DASHBOARD_COOKIE, current_user, hub

blueprint = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


@blueprint.get("/")
def index():
    key = request.args.get("apikey")
    if key:
        hub().authenticate(key)
        response = make_response(redirect(url_for("dashboard.index")))
        response.set_cookie(DASHBOARD_COOKIE, key, httponly=True, samesite="Strict")
        return response
    try:
        user = current_user()
    except AuthenticationError:
        return render_template("signin.html"), 401
    h = hub()
    plugins = [p.to_dict(live=h.is_live(p.id)) for p in h.list_plugins(user.organization_id)]
    projects, _ = h.list_projects(user, page=1, limit=1000)
    sessions = [s.to_dict() for s in h.list_sessions(user.organization_id)]
    return render_template("index.html", plugins=plugins, projects=projects,
                           sessions=list(reversed(sessions)), base_url=h.base_url)
