"""The overview: the page a browser lands on after signing in, as the Firebase Emulator UI's home.

Everything needed to point a plugin and a script at this host, on one page: its URL, the
API key (with a copy button), where the state is kept, each plugin with its light and the
command that starts it, the latest sessions and the active faults.
"""

from __future__ import annotations

from flask import make_response, render_template

from ...commands import plugin_command
from ...models import User
from ..listings import plugin_listing
from ..middleware.caller import hub, request_api_key

LATEST_SESSIONS = 10
PLUGINS_SHOWN = 50
"""The overview lists an organization's first plugins; the Plugins page has them all."""


def overview_page(user: User, session_rows):
    """The overview of ``user``'s organization (``session_rows`` words sessions as the lists do)."""
    h = hub()
    plugins = plugin_listing(user.organization_id)
    latest, session_total = h.page_sessions(user.organization_id, limit=LATEST_SESSIONS, with_logs=False)
    secrets = {p.id: p.secret for p in h.list_plugins(user.organization_id)}
    shown = [
        {
            **plugin,
            "title": hub().kinds.get(plugin["type"]).title,
            "command": plugin_command(
                h.base_url, plugin["_id"], secrets[plugin["_id"]], plugin["name"], plugin["type"], readable=True
            ),
        }
        for plugin in plugins[:PLUGINS_SHOWN]
    ]
    page = render_template(
        "overview.html",
        url=h.base_url,
        api_key=request_api_key(),
        state=None if h.store.memory else str(h.store.path),
        seed=h.seed,
        plugins=shown,
        plugin_total=len(plugins),
        sessions=session_rows(latest),
        session_total=session_total,
        faults=h.faults.active(organization_id=user.organization_id) if h.faults else [],
        default_project=_default_project(h, user),
        nav="overview",
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the page holds the API key and secrets' commands
    return response


def _default_project(h, user: User):
    """The demo project, when it is this organization's (the one `mockango run` uses by default)."""
    project = h.default_project
    return project if project is not None and project.organization_id == user.organization_id else None
