"""The control API: what a person does in Hub's UI, as JSON over HTTP.

Every path needs the ``apikey`` header like the REST API, and sees only the
caller's organization. Documented in docs/control-api.md.
"""

from __future__ import annotations

import difflib
from typing import Any

from flask import Blueprint

from ...errors import InvalidRequest, NotFound, RunTimeout
from ..listings import plugin_listing, session_listing
from ..middleware.caller import current_user, hub
from ..middleware.envelope import no_content, plain
from ..middleware.limits import json_body
from ..middleware.params import number, page_and_limit, whole_number

blueprint = Blueprint("control", __name__, url_prefix="/api")
RUN_FIELDS = frozenset({"plugin", "project", "config", "timeout"})
MAX_WAIT = 600.0
PROJECTS_PER_PAGE = ASSETS_PER_PAGE = 100


def _wait_seconds() -> float | None:
    return number("wait", low=0.0, high=MAX_WAIT)


def _given(body: dict, name: str) -> Any:
    """A body field as sent, None when missing: the Hub checks its type and says what is wrong."""
    return body.get(name)


def _require(body: dict, what: str, **fields: str) -> None:
    """Refuse a body that lacks a required string field, naming it (and a misspelt key it may have)."""
    for name, meaning in fields.items():
        if not isinstance(body.get(name), str) or not body.get(name):
            close = difflib.get_close_matches(name, [k for k in body if k not in fields], n=1, cutoff=0.6)
            hint = f" (the body has {close[0]!r}: a misspelling?)" if close else ""
            got = "" if name not in body else f", got {body[name]!r}"
            raise InvalidRequest(f"{what} needs {name!r}: {meaning}{got}{hint}")


@blueprint.get("/info")
def info():
    user = current_user()
    h = hub()
    org = h.get_organization(user.organization_id)
    if org is None:  # cannot happen while the caller's key works; said plainly if it ever does
        raise NotFound(f"the caller's organization {user.organization_id} no longer exists")
    default = h.default_project
    default = default if default and default.organization_id == org.id else None
    return plain(
        {
            "url": h.base_url,
            "organization": {"_id": org.id, "name": org.name},
            "user": {"_id": user.id, "name": user.name, "email": user.email},
            "defaultProject": default.id if default else None,
        }
    )


@blueprint.get("/plugins")
def list_plugins():
    user = current_user()
    return plain({"plugins": plugin_listing(user.organization_id)})


@blueprint.post("/plugins")
def create_plugin():
    user = current_user()
    body = json_body()
    plugin = hub().create_plugin(
        _given(body, "name"),
        class_names=body.get("classNames") or [],
        default_config=body.get("defaultConfig"),
        plugin_type=body.get("type", "batch-model"),
        description=body.get("description", ""),
        organization_id=user.organization_id,
        callback_url=body.get("callbackUrl"),
        plugin_id=body.get("id"),
        secret=body.get("secret"),
    )
    return plain(plugin.to_dict(live=False, with_secret=True), 201)


@blueprint.get("/plugins/<plugin_id>")
def get_plugin(plugin_id: str):
    user = current_user()
    plugin = hub().plugin_for(user.organization_id, plugin_id)
    return plain(
        plugin.to_dict(
            live=hub().is_live(plugin.id), with_secret=True, last_heartbeat=hub().last_heartbeat.get(plugin.id)
        )
    )


@blueprint.delete("/plugins/<plugin_id>")
def delete_plugin(plugin_id: str):
    user = current_user()
    hub().delete_plugin(user.organization_id, plugin_id)
    return no_content()


@blueprint.post("/runs")
def start_run():
    user = current_user()
    body = json_body()
    wait = _wait_seconds()  # read first: a refused request starts nothing
    field_options = hub().kinds.field_options()  # every plugin kind's run options, by JSON name
    unknown = sorted(set(body) - RUN_FIELDS - set(field_options))
    if unknown:
        known = sorted(RUN_FIELDS | set(field_options))
        hints = "".join(
            f" ({key!r}: a misspelling of {match[0]!r}?)"
            for key in unknown
            for match in [difflib.get_close_matches(key, known, n=1, cutoff=0.6)]
            if match
        )
        raise InvalidRequest(
            f"unknown field(s) {unknown} in the run{hints}: a run takes {sorted(RUN_FIELDS)} "
            f"and its plugin type's own {sorted(field_options)}"
        )
    _require(body, "a run", plugin="the id of the plugin to run", project="the id of the project to run it on")
    options = {
        field_options[key]: value
        for key, value in body.items()
        if key in field_options and key not in ("classMapping", "batches")
    }
    session = hub().start_run(
        user,
        body["plugin"],  # strings (_require above)
        body["project"],
        class_mapping=body.get("classMapping"),
        config=body.get("config"),
        batches=body.get("batches"),
        timeout=body.get("timeout"),
        **options,
    )
    if wait:
        try:
            session = hub().wait_session(session.id, timeout=wait)
        except RunTimeout:
            pass
    return plain(session.to_dict(), 201)


@blueprint.get("/sessions")
def list_sessions():
    user = current_user()
    return plain(session_listing(user.organization_id).to_dict())


@blueprint.get("/sessions/<session_id>")
def get_session(session_id: str):
    user = current_user()
    h = hub()
    wait = _wait_seconds()
    logs_from = whole_number("logsFrom", 0, low=0)  # a live page reads only lines it lacks
    session = h.get_session(session_id, organization_id=user.organization_id, logs_from=logs_from)
    if wait and not session.finished:
        try:
            session = h.wait_session(session_id, timeout=wait, logs_from=logs_from)
        except RunTimeout:
            pass  # still running: answer with it as it is
    return plain(session.to_dict())


@blueprint.post("/sessions/<session_id>/cancel")
def cancel_session(session_id: str):
    """Stop a running session: it ends ``cancelled`` (409 when it has ended already)."""
    return plain(hub().cancel_session(current_user(), session_id).to_dict())


@blueprint.get("/projects")
def list_projects():
    user = current_user()
    page, limit = page_and_limit(PROJECTS_PER_PAGE)
    projects, total = hub().list_projects(user, page=page, limit=limit)
    return plain({"projects": projects, "total": total})


@blueprint.post("/projects")
def create_project():
    user = current_user()
    body = json_body()
    project = hub().create_project(
        _given(body, "name"),
        _given(body, "categorySchema"),
        body.get("assets") or [],
        organization_id=user.organization_id,
        description=body.get("description", ""),
    )
    return plain(project.to_dict(), 201)


@blueprint.get("/projects/<project_id>/assets")
def project_assets(project_id: str):
    user = current_user()
    project = hub().project_for(user, project_id)
    page, limit = page_and_limit(ASSETS_PER_PAGE)
    assets, total = hub().page_project_assets(project.id, page=page, limit=limit)
    return plain({"assets": assets, "total": total, "page": page, "limit": limit})
