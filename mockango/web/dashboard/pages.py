"""The dashboard: server-rendered pages over the Hub (no CDN, no build step).

A browser signs in by opening ``/?apikey=KEY`` once (``mockango serve`` prints
that link) and confirming who it signs in as; the key is kept in an HTTP-only cookie,
as Jupyter does with its token. The confirmation is a POST carrying a one-time token
that only a page of this host can know (its twin is a SameSite=Strict cookie), so
another site cannot sign a visitor in to an organization of its choosing (login CSRF).
Pages call the Hub directly; the one script (static/dashboard.js) only polls the
control API (``/api/...``, same cookie) to keep live lights and session logs fresh.
Forms post back here and redirect (post/redirect/get); the host's own error
messages are shown next to the field they are about.
"""

from __future__ import annotations

import hmac
import json
import time
from urllib.parse import quote

from flask import make_response, redirect, render_template, request, url_for

from ...commands import example_plugin_command, plugin_command
from ...errors import AuthenticationError, Forbidden, InvalidRequest, MockangoError, NotFound
from ...models import CANCELLED, Session
from ...records.tasks import task_id_for
from ...runs.kinds import PluginKind
from ..listings import SESSION_STATUSES, SESSIONS_PER_PAGE, plugin_listing, session_listing
from ..middleware.caller import DASHBOARD_COOKIE, current_user, hub
from ..middleware.params import choice, page_and_limit, whole_number
from . import drawing
from .blueprint import SIGNIN_COOKIE, blueprint, form_fields, signed_in, signin_page
from .overview import overview_page
from .pager import page_count, pager

PRE_LABELED = {"all": None, "yes": True, "no": False}
"""The project page's ``prelabeled`` filter: its values and what each keeps."""
ASSETS_PER_PAGE = 60
BATCHES_SHOWN = 50
"""The project page lists a project's first batches and says how many more there are."""
PROJECTS_PER_PAGE = 50
PLUGIN_PAGE_SESSIONS = 10


# ------------------------------------------------------------------ sign-in


@blueprint.get("/")
def index():
    key = request.args.get("apikey")
    if key is not None:
        try:
            user = hub().authenticate(key.strip())
        except AuthenticationError as error:
            return signin_page("signin.html", 401, error=error.message)
        organization = hub().get_organization(user.organization_id)
        return signin_page("signin_confirm.html", 200, key=key.strip(), user=user, organization=organization)
    try:
        user = current_user()
    except AuthenticationError:
        return signin_page("signin.html", 401, error=None)
    return overview_page(user, _session_rows)


@blueprint.post("/signin")
def signin():
    """Sign in with the posted key, if the post comes from this host's own sign-in page."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise Forbidden(f"a sign-in came from another site ({origin}): open the sign-in link yourself")
    fields = form_fields()
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, fields.get("token", "")):
        raise InvalidRequest("this sign-in form has expired or came from elsewhere: open the sign-in link again")
    key = fields.get("apikey", "").strip()
    try:
        hub().authenticate(key)
    except AuthenticationError as error:
        return signin_page("signin.html", 401, error=error.message)
    response = make_response(redirect(url_for("dashboard.index")))
    response.set_cookie(DASHBOARD_COOKIE, key, httponly=True, samesite="Strict")
    response.delete_cookie(SIGNIN_COOKIE, path=url_for("dashboard.signin"))
    return response


@blueprint.get("/signout")
def signout():
    response = make_response(redirect(url_for("dashboard.index")))
    response.delete_cookie(DASHBOARD_COOKIE)
    return response


# ------------------------------------------------------------------ plugins


def _error_field(message: str) -> str:
    """Which form field a host error is about, from the field name it quotes."""
    for field, quoted in (("defaultConfig", "'defaultConfig'"), ("classNames", "'classNames'"), ("name", "'name'")):
        if quoted in message:
            return field
    return "form"


@blueprint.get("/plugins")
@signed_in
def plugins(user):
    return _plugins_page(user)


def _plugins_page(user, form: dict | None = None, errors: dict | None = None) -> str:
    listed = plugin_listing(user.organization_id)
    kinds = hub().kinds
    first = next(iter(kinds))  # the form starts at the table's first type (Batch Model for the built-in six)
    form = form or {
        "name": "",
        "type": first.name,
        "description": "",
        "classNames": "",
        "defaultConfig": first.example_config,
    }
    return render_template(
        "plugins.html",
        plugins=listed,
        form=form,
        errors=errors or {},
        kinds=kinds,
        nav="plugins",
    )


@blueprint.post("/plugins")
@signed_in
def create_plugin(user):
    fields = form_fields()
    form = {k: fields.get(k, "") for k in ("name", "type", "description", "classNames", "defaultConfig")}
    class_names = [c.strip() for c in form["classNames"].replace("\n", ",").split(",") if c.strip()]
    config = form["defaultConfig"].strip() or None
    try:
        plugin = hub().create_plugin(
            form["name"].strip(),
            class_names=class_names,
            default_config=config,
            description=form["description"].strip(),
            plugin_type=form["type"] or "batch-model",
            organization_id=user.organization_id,
        )
    except MockangoError as error:
        return _plugins_page(user, form, {_error_field(error.message): error.message}), error.status
    return redirect(url_for("dashboard.plugin", plugin_id=plugin.id, created=1))


@blueprint.get("/plugins/<plugin_id>")
@signed_in
def plugin(user, plugin_id: str):
    h = hub()
    found = h.plugin_for(user.organization_id, plugin_id)
    command = plugin_command(h.base_url, found.id, found.secret, found.name, found.type, readable=True)
    example = example_plugin_command(h.base_url, found.id, found.secret, found.type, readable=True)
    latest, total = h.page_sessions(
        user.organization_id, plugin_id=found.id, limit=PLUGIN_PAGE_SESSIONS, with_logs=False
    )
    return render_template(
        "plugin.html",
        plugin=found.to_dict(live=h.is_live(found.id), with_secret=True),
        command=command,
        example=example if example != command else None,
        sessions=_session_rows(latest),
        session_total=total,
        created=bool(request.args.get("created")),
        config_text=_pretty(found.default_config),
        kind=h.kinds.get(found.type),
        nav="plugins",
    )


@blueprint.post("/plugins/<plugin_id>/delete")
@signed_in
def delete_plugin(user, plugin_id: str):
    # The form names the plugin it deletes: a post without it (or for another) changes nothing.
    if form_fields().get("confirm") != plugin_id:
        raise InvalidRequest("delete a plugin with the Delete button of its page (the form names the plugin)")
    hub().delete_plugin(user.organization_id, plugin_id)
    return redirect(url_for("dashboard.plugins"))


# ---------------------------------------------------------------------- run


@blueprint.route("/run", methods=["GET", "POST"])
@signed_in
def run(user):
    h = hub()
    source = form_fields(with_files=True) if request.method == "POST" else request.args
    plugins_ = h.list_plugins(user.organization_id)
    projects = _projects_without_batches(user)
    plugin = next((p for p in plugins_ if p.id == source.get("plugin")), plugins_[0] if plugins_ else None)
    project = next((p for p in projects if p["_id"] == source.get("project")), projects[0] if projects else None)
    if project is not None:  # only the chosen project's batches are offered
        project = h.project_for(user, project["_id"]).to_dict()
    error: MockangoError | None = _unknown_choice(source, plugin, project) if request.method == "GET" else None
    if request.method == "POST":
        # Run exactly what the form names: the host says so if it no longer exists.
        mapping = {key[len("map:") :]: value for key, value in source.items() if key.startswith("map:") and value}
        try:
            kind = h.kinds.get(plugin.type) if plugin is not None and plugin.id == source.get("plugin") else None
            session = h.start_run(
                user,
                source.get("plugin", ""),
                source.get("project", ""),
                class_mapping=mapping if kind is None or kind.has_classes else None,
                config=source.get("config", ""),
                batches=source.getlist("batches") if kind is None or "batches" in kind.options else None,
                **(_run_options(kind, source) if kind else {}),
            )
        except MockangoError as exc:
            error = exc
        else:
            return redirect(url_for("dashboard.session", session_id=session.id))
    config = source.get("config") if request.method == "POST" else None
    if config is None and plugin is not None:
        config = _pretty(plugin.default_config if plugin.default_config is not None else {})
    tools = project["categorySchema"].get("tools", []) if project else []
    mapped = _class_mapping(source, plugin.class_names if plugin else [], tools)
    kind = h.kinds.get(plugin.type) if plugin else None
    stages = _export_stages(h, project["_id"]) if project and kind and _asks(kind, "stages") else []
    page = render_template(
        "run.html",
        plugins=[p.to_dict(live=h.is_live(p.id)) for p in plugins_],
        kind=kind,
        form=source,
        assets=_first_assets(h, user, project["_id"]) if project and kind and _asks(kind, "asset") else [],
        projects=projects,
        plugin=plugin.to_dict(live=h.is_live(plugin.id)) if plugin else None,
        project=project,
        tools=tools,
        mapped=mapped,
        stages=stages,
        chosen_stages=_chosen_stages(source, stages, kind),
        config=config or "",
        chosen_batches=set(source.getlist("batches")),
        error=error,
        nav="run",
    )
    return page, (error.status if error else 200)


def _run_options(kind: PluginKind, form) -> dict:
    """The Run dialog's fields of the plugin's kind, as start_run options (empty fields left out)."""
    options = {}
    for run_field in kind.form_fields:
        upload = request.files.get(run_field.field_name) if run_field.widget == "file" else None
        content = upload.read() if upload is not None and upload.filename else None
        options[run_field.option] = run_field.from_form(form.getlist(run_field.field_name), content)
    return options


def _asks(kind: PluginKind, widget: str) -> bool:
    """Whether the kind's Run dialog has a field of this widget (its choices are then read for the page)."""
    return any(run_field.widget == widget for run_field in kind.form_fields)


def _class_mapping(form, class_names: list[str], tools: list[dict]) -> dict[str, str]:
    """Each model class's tool in the dialog: what the form chose, or, before anything was chosen,
    the project's tool of the same name (exactly, else ignoring case)."""
    if any(key.startswith("map:") for key in form):
        return {name: form.get(f"map:{name}", "") for name in class_names}
    mapped = {}
    for name in class_names:
        same = [t for t in tools if t.get("title") == name] or [
            t for t in tools if str(t.get("title", "")).casefold() == name.casefold()
        ]
        mapped[name] = same[0].get("schemaId", "") if same else ""
    return mapped


def _export_stages(h, project_id: str) -> list[dict]:
    """The workflow's stages with how many tasks each holds, for an Export run to pick from."""
    counts = h.tasks.stage_counts(project_id)
    return [{**stage, "count": counts.get(stage["id"], 0)} for stage in h.tasks.stages(project_id)]


def _chosen_stages(form, stages: list[dict], kind: PluginKind | None) -> set[str]:
    """The stages ticked: the form's; first, the field's default (Complete), or every stage holding tasks
    when the default holds none (so a first run exports something)."""
    field = next((f for f in kind.form_fields if f.widget == "stages"), None) if kind else None
    if field is None or field.field_name in form or not stages:
        return set(form.getlist(field.field_name if field else "stage"))
    defaults = {name.strip() for name in field.form_default.split(",")}
    complete = [s for s in stages if s["id"] in defaults and s["count"]]
    return {s["id"] for s in complete} or {s["id"] for s in stages if s["count"]}


def _first_assets(h, user, project_id: str) -> list[dict]:
    """The first assets of a project, offered in the Model run's asset list (any other by id or external id)."""
    assets, _ = h.find_assets(user, project_id, page=1, limit=50)
    return assets


def _unknown_choice(source, plugin, project) -> NotFound | None:
    """A link's ?plugin= or ?project= that names nothing of yours: say so instead of silently showing another."""
    for what, wanted, shown in (
        ("plugin", source.get("plugin"), plugin and plugin.id),
        ("project", source.get("project"), project and project["_id"]),
    ):
        if wanted and wanted != shown:
            return NotFound(f"{what} '{wanted}' not found: pick one of yours below")
    return None


# ----------------------------------------------------------------- sessions


def _duration(session: Session) -> str:
    seconds = (session.ended_at or time.time()) - session.started_at
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds} s"


OUTCOME_CHARACTERS = 80


def _outcome(session: Session) -> dict | None:
    """What a sessions list says of a run: why it failed, timed out or was cancelled (``kind`` "reason",
    shown as an error, or "cancelled"), else the plugin's message (an answer that is not text as
    JSON), cut to one line; None while nothing is known."""
    if session.reason:
        text, kind = session.reason, ("cancelled" if session.status == CANCELLED else "reason")
    elif session.message is not None:
        text, kind = (session.message if isinstance(session.message, str) else json.dumps(session.message)), "message"
    else:
        return None
    text = " ".join(text.split())
    short = text if len(text) <= OUTCOME_CHARACTERS else text[: OUTCOME_CHARACTERS - 1] + "…"
    return {"kind": kind, "text": short, "full": text}


def _session_rows(sessions: list[Session]) -> list[dict]:
    h = hub()
    rows = []
    for s in sessions:
        plugin = h.get_plugin(s.plugin_id)
        project = h.get_project(s.project_id)
        run_by = h.get_user(s.run_by)
        rows.append(
            {
                "id": s.id,
                "status": s.status,
                "plugin_id": s.plugin_id,
                "plugin": plugin.name if plugin else None,
                "project_id": s.project_id,
                "project": project.name if project else s.project_id,
                "run_by": run_by.name if run_by else s.run_by,
                "started": s.to_dict()["startedAt"],
                "duration": _duration(s),
                "outcome": _outcome(s),
            }
        )
    return rows


@blueprint.get("/sessions")
@signed_in
def sessions(user):
    listing = session_listing(user.organization_id, with_logs=False, clamp=True)
    chosen = {"plugin": listing.plugin, "status": listing.status}
    query: dict[str, str | int] = {key: value for key, value in chosen.items() if value}
    if listing.limit != SESSIONS_PER_PAGE:
        query["limit"] = listing.limit
    pages = page_count(listing.total, listing.limit)
    return render_template(
        "sessions.html",
        sessions=_session_rows(listing.sessions),
        total=listing.total,
        page=listing.page,
        pages=pages,
        links=pager(listing.page, pages),
        chosen=chosen,
        statuses=SESSION_STATUSES,
        query=query,
        plugins=hub().list_plugins(user.organization_id),
        nav="sessions",
    )


@blueprint.get("/sessions/<session_id>")
@signed_in
def session(user, session_id: str):
    h = hub()
    found = h.get_session(session_id, organization_id=user.organization_id)
    data = found.to_dict()
    event = data["event"]
    row = _session_rows([found])[0]
    shown = {"categorySchema", "configJSON", "batches", "tags", "projectId", "orgId", "runBy", "session", "apiKey"}
    type_fields = [
        (key, value if key != "inputFile" else f"({len(value)} characters of base64)")
        for key, value in event.items()
        if key not in shown
    ]
    return render_template(
        "session.html",
        session=data,
        row=row,
        category_schema=_pretty(event.get("categorySchema")),
        config_json=event.get("configJSON"),
        event=event,
        nav="sessions",
        kind=h.kinds.get(found.plugin_type),
        kind_title=h.kinds.get(found.plugin_type).title,
        type_fields=type_fields,
        result_text=_pretty(data["result"]),
    )


@blueprint.post("/sessions/<session_id>/cancel")
@signed_in
def cancel_session(user, session_id: str):
    """The session page's Cancel button: the run ends cancelled; back to its page."""
    # The form names the session it cancels: a post without it (or for another) changes nothing.
    if form_fields().get("confirm") != session_id:
        raise InvalidRequest("cancel a run with the Cancel button of its session page (the form names the session)")
    hub().cancel_session(user, session_id)
    return redirect(url_for("dashboard.session", session_id=session_id))


@blueprint.get("/sessions/<session_id>/export")
@signed_in
def session_export(user, session_id: str):
    """The file an Export run uploaded, as a download."""
    h = hub()
    found = h.get_session(session_id, organization_id=user.organization_id)
    exports = h.kinds.get(found.plugin_type).exports
    url = (found.result or {}).get("url") if exports and isinstance(found.result, dict) else None
    exported = h.runs.services.exported_file(url, user.organization_id) if url else None
    if exported is None:
        raise NotFound(f"session '{session_id}' has no exported file")
    name, content = exported
    response = make_response(content)
    response.headers["Content-Type"] = "application/octet-stream"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ----------------------------------------------------------------- projects


@blueprint.get("/projects")
@signed_in
def projects(user):
    """The organization's projects, a page at a time (an organization may have many thousands), each
    with its tasks per stage (from the stage counters)."""
    page, limit = page_and_limit(PROJECTS_PER_PAGE)
    found, total = hub().projects.page_for_organization(user.organization_id, page, limit)
    pages = page_count(total, limit)
    if page > pages:  # past the end (projects were deleted): the last page
        page = pages
        found, total = hub().projects.page_for_organization(user.organization_id, page, limit)
    listed = [p.to_dict(with_batches=False) for p in found]
    for project in listed:
        counts = hub().tasks.stage_counts(project["_id"])
        project["stages"] = [
            {**stage, "count": counts.get(stage["id"], 0)} for stage in hub().tasks.stages(project["_id"])
        ]
    return render_template(
        "projects.html",
        projects=listed,
        total=total,
        page=page,
        pages=pages,
        links=pager(page, pages),
        query={} if limit == PROJECTS_PER_PAGE else {"limit": limit},
        nav="projects",
    )


def _projects_without_batches(user) -> list[dict]:
    """The organization's first 1000 projects, without their batch lists (a project may have very many)."""
    found, _ = hub().projects.page_for_organization(user.organization_id, 1, 1000)
    return [p.to_dict(with_batches=False) for p in found]


@blueprint.get("/projects/<project_id>")
@signed_in
def project(user, project_id: str):
    h = hub()
    found = h.project_for(user, project_id).to_dict(with_batches=False)
    shown = choice("prelabeled", tuple(PRE_LABELED), default="all")
    page = whole_number("page", 1, low=1)
    counts = {"all": found["assetCount"], "yes": h.page_project_assets(project_id, limit=1, pre_labeled=True)[1]}
    counts["no"] = counts["all"] - counts["yes"]
    pages = page_count(counts[shown], ASSETS_PER_PAGE)
    page = min(page, pages)  # past the end (e.g. after a filter change): the last page
    assets, _ = h.page_project_assets(project_id, page=page, limit=ASSETS_PER_PAGE, pre_labeled=PRE_LABELED[shown])
    ontology = drawing.Ontology(found["categorySchema"])
    batches = h.projects.batch_names(project_id, (b for a in assets for b in a.get("batches", [])))
    answers = h.tasks.own_answers([task_id_for(a["_id"]) for a in assets])
    cards = [
        drawing.asset_card(a, ontology, batches, answer=answers[task_id_for(a["_id"])], excerpt=True) for a in assets
    ]
    listed, batch_count = h.projects.first_batches(project_id, BATCHES_SHOWN)  # a project may have very many
    found["batches"] = [b.to_dict() for b in listed]
    for card in cards:  # each asset's task: where it waits in the workflow
        card["task"] = h.tasks.for_asset(card["asset"]["_id"])
    waiting = h.tasks.stage_counts(project_id)
    stages = [{**stage, "count": waiting.get(stage["id"], 0)} for stage in h.tasks.stages(project_id)]
    return render_template(
        "project.html",
        project=found,
        cards=cards,
        shown=shown,
        counts=counts,
        page=page,
        pages=pages,
        links=pager(page, pages),
        batches=batches,
        stages=stages,
        batch_count=batch_count,
        nav="projects",
    )


@blueprint.post("/projects/<project_id>/export")
@signed_in
def project_export(user, project_id: str):
    """Build the project's export (all stages, JSON) and send the browser to its zip.

    A POST (the project page's form), since it writes a file: a GET could be set off by any page's
    ``<img>`` (the cookie's SameSite=Strict and the Origin check guard a POST)."""
    stages = json.dumps([s["id"] for s in hub().tasks.stages(hub().project_for(user, project_id).id)])
    return redirect(hub().exports.build(user, project_id, {"stage": stages}), code=303)


@blueprint.get("/projects/<project_id>/assets/<asset_id>")
@signed_in
def asset(user, project_id: str, asset_id: str):
    """One asset, large (or its Markdown document), with its pre-label and its task's answer drawn over
    it and each object listed (class, id, coordinates)."""
    h = hub()
    project = h.project_for(user, project_id)
    found = {"_id": project.id, "name": project.name, "categorySchema": project.category_schema}  # the template's
    stored = h.project_asset(project.id, asset_id)
    if stored is None:
        raise NotFound(f"asset '{asset_id}' not found in project '{project.name}'")
    task = h.tasks.for_asset(stored["_id"])
    card = drawing.asset_card(
        stored,
        drawing.Ontology(project.category_schema),
        h.projects.batch_names(project.id, stored.get("batches", [])),
        answer=h.tasks.own_answers([task["_id"]])[task["_id"]],
    )
    return render_template("asset.html", project=found, card=card, task=task, nav="projects")


def _pretty(value) -> str:
    return json.dumps(value, indent=2)


# The other page modules add their routes to the same blueprint once imported.
from . import tasks  # noqa: E402, F401
