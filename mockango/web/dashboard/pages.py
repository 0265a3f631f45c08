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

import functools
import hmac
import json
import secrets
import time
from urllib.parse import parse_qsl, quote

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ...commands import example_plugin_command, plugin_command
from ...errors import AuthenticationError, Forbidden, InvalidRequest, MockangoError, NotFound
from ...models import Session
from ...runs.kinds.registry import KINDS, OPTION_FIELDS
from ...runs.options import parse_config
from ..middleware.caller import DASHBOARD_COOKIE, current_user, hub
from ..middleware.limits import read_body
from ..middleware.params import SESSION_STATUSES, page_and_limit, page_count, pager, session_status, whole_number
from ..middleware.security_headers import link_url

# Static files under /dashboard/static: Flask 3 always registers the app's own
# /static route, which would shadow a blueprint's /static.
blueprint = Blueprint(
    "dashboard", __name__, template_folder="templates", static_folder="static", static_url_path="/dashboard/static"
)

SIGNIN_COOKIE = "mockango_signin"
FORM_TYPE = "application/x-www-form-urlencoded"
FILES_FORM_TYPE = "multipart/form-data"
PRE_LABELED = {"all": None, "yes": True, "no": False}
"""The project page's ``prelabeled`` filter: its values and what each keeps."""
EXAMPLE_CONFIG = '{\n  "dummy-bounding-box": {"x": 40, "y": 40, "width": 200, "height": 120}\n}'
ASSETS_PER_PAGE = 60
BATCHES_SHOWN = 50
"""The project page lists a project's first batches and says how many more there are."""
SESSIONS_PER_PAGE = 50
PLUGIN_PAGE_SESSIONS = 10
OBJECT_KINDS = (
    "bounding-box",
    "rotated-bounding-box",
    "polygon",
    "polyline",
    "point",
    "segmentation",
    "ner",
    "pdf",
    "pct",
    "brushDataUrl",
)


def signed_in(view):
    """Run ``view(user, ...)`` for a signed-in browser; anyone else gets the sign-in page (401)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            user = current_user()
        except AuthenticationError:
            return _signin_page("signin.html", 401)
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


# ------------------------------------------------------------------ sign-in


def _signin_page(template: str, status: int, **context):
    """A sign-in page with a fresh one-time token in its form and in a SameSite=Strict cookie."""
    token = secrets.token_urlsafe(32)
    response = make_response(render_template(template, token=token, **context), status)
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, samesite="Strict", max_age=600, path=url_for("dashboard.signin")
    )
    response.headers["Cache-Control"] = "no-store"  # the page may hold the key
    return response


@blueprint.get("/")
def index():
    key = request.args.get("apikey")
    if key is not None:
        try:
            user = hub().authenticate(key.strip())
        except AuthenticationError as error:
            return _signin_page("signin.html", 401, error=error.message)
        organization = hub().get_organization(user.organization_id)
        return _signin_page("signin_confirm.html", 200, key=key.strip(), user=user, organization=organization)
    try:
        current_user()
    except AuthenticationError:
        return _signin_page("signin.html", 401, error=None)
    return redirect(url_for("dashboard.plugins"))


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
        return _signin_page("signin.html", 401, error=error.message)
    response = make_response(redirect(url_for("dashboard.plugins")))
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
    h = hub()
    listed = [p.to_dict(live=h.is_live(p.id)) for p in h.list_plugins(user.organization_id)]
    form = form or {
        "name": "",
        "type": "batch-model",
        "description": "",
        "classNames": "",
        "defaultConfig": EXAMPLE_CONFIG,
    }
    return render_template("plugins.html", plugins=listed, form=form, errors=errors or {}, kinds=KINDS, nav="plugins")


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
    command = plugin_command(h.base_url, found.id, found.secret, found.name, found.type)
    example = example_plugin_command(h.base_url, found.id, found.secret, found.type)
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
        kind=KINDS[found.type],
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
    error = _unknown_choice(source, plugin, project) if request.method == "GET" else None
    if request.method == "POST":
        # Run exactly what the form names: the host says so if it no longer exists.
        mapping = {key[len("map:") :]: value for key, value in source.items() if key.startswith("map:") and value}
        try:
            kind = KINDS[plugin.type] if plugin is not None and plugin.id == source.get("plugin") else None
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
    mapped = {name: source.get(f"map:{name}", "") for name in (plugin.class_names if plugin else [])}
    page = render_template(
        "run.html",
        plugins=[p.to_dict(live=h.is_live(p.id)) for p in plugins_],
        kind=KINDS[plugin.type] if plugin else None,
        form=source,
        assets=_first_assets(h, user, project["_id"]) if project and plugin and plugin.type == "model" else [],
        projects=projects,
        plugin=plugin.to_dict(live=h.is_live(plugin.id)) if plugin else None,
        project=project,
        tools=tools,
        mapped=mapped,
        config=config or "",
        chosen_batches=set(source.getlist("batches")),
        error=error,
        nav="run",
    )
    return page, (error.status if error else 200)


def _run_options(kind, form) -> dict:
    """The Run dialog's fields of the plugin's type, as start_run options (empty fields left out)."""
    text = {option: form.get(field, "").strip() for option, field in OPTION_FIELDS.items()}
    if kind.name == "model":
        return {
            "asset": text["asset"] or None,
            "task": text["task"] or None,
            "overwrite": not form.get("keepAnswer"),
            "workflow": bool(form.get("workflow")),
        }
    if kind.name == "export":
        return {"stage": [s.strip() for s in text["stage"].split(",") if s.strip()] or None}
    if kind.name == "file-explorer":
        files = [line.strip() for line in form.get("files", "").splitlines() if line.strip()]
        return {
            "bucket": text["bucket"],
            "folder": text["folder"],
            "files": files or None,
            "upload": bool(form.get("upload")),
            "storage_id": text["storage_id"] or None,
            "scroll_token": text["scroll_token"] or None,
        }
    if kind.name == "markdown":
        upload = request.files.get("inputFile")
        content = upload.read() if upload is not None and upload.filename else None
        return {"input_file": content, "markdown_text": form.get("markdownText", "") or None}
    if kind.name == "input":
        raw = text["file_explorer_options"]
        return {"file_explorer_options": parse_config(raw, "fileExplorerOptions") if raw else None}
    return {}


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
            }
        )
    return rows


@blueprint.get("/sessions")
@signed_in
def sessions(user):
    h = hub()
    page, limit = page_and_limit(request.args, SESSIONS_PER_PAGE)
    chosen = {"plugin": request.args.get("plugin") or None, "status": session_status(request.args)}
    found, total = h.page_sessions(
        user.organization_id,
        plugin_id=chosen["plugin"],
        status=chosen["status"],
        page=page,
        limit=limit,
        with_logs=False,
    )
    pages = page_count(total, limit)
    if page > pages:  # past the end (e.g. the list shrank): show the last page
        page = pages
        found, total = h.page_sessions(
            user.organization_id,
            plugin_id=chosen["plugin"],
            status=chosen["status"],
            page=page,
            limit=limit,
            with_logs=False,
        )
    query = {key: value for key, value in chosen.items() if value}
    if limit != SESSIONS_PER_PAGE:
        query["limit"] = limit
    return render_template(
        "sessions.html",
        sessions=_session_rows(found),
        total=total,
        page=page,
        pages=pages,
        links=pager(page, pages),
        chosen=chosen,
        statuses=SESSION_STATUSES,
        query=query,
        plugins=h.list_plugins(user.organization_id),
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
        kind_title=KINDS[found.plugin_type].title,
        type_fields=type_fields,
        result_text=_pretty(data["result"]),
    )


@blueprint.get("/sessions/<session_id>/export")
@signed_in
def session_export(user, session_id: str):
    """The file an Export run uploaded, as a download."""
    h = hub()
    found = h.get_session(session_id, organization_id=user.organization_id)
    url = (found.result or {}).get("url") if found.plugin_type == "export" and isinstance(found.result, dict) else None
    exported = h.type_runs.exported_file(url, user.organization_id) if url else None
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
    return render_template("projects.html", projects=_projects_without_batches(user), nav="projects")


def _projects_without_batches(user) -> list[dict]:
    """The organization's first 1000 projects, without their batch lists (a project may have very many)."""
    found, _ = hub().projects.page_for_organization(user.organization_id, 1, 1000)
    return [p.to_dict(with_batches=False) for p in found]


@blueprint.get("/projects/<project_id>")
@signed_in
def project(user, project_id: str):
    h = hub()
    found = h.project_for(user, project_id).to_dict(with_batches=False)
    shown = request.args.get("prelabeled", "all")
    if shown not in PRE_LABELED:
        raise InvalidRequest(f"query parameter 'prelabeled' must be one of {', '.join(PRE_LABELED)}, got {shown!r}")
    page = whole_number(request.args, "page", 1, low=1)
    counts = {"all": found["assetCount"], "yes": h.page_project_assets(project_id, limit=1, pre_labeled=True)[1]}
    counts["no"] = counts["all"] - counts["yes"]
    pages = page_count(counts[shown], ASSETS_PER_PAGE)
    page = min(page, pages)  # past the end (e.g. after a filter change): the last page
    assets, _ = h.page_project_assets(project_id, page=page, limit=ASSETS_PER_PAGE, pre_labeled=PRE_LABELED[shown])
    schema = found["categorySchema"]
    tools = {t.get("schemaId"): t for t in schema.get("tools", [])}
    by_title = {t.get("title"): t for t in schema.get("tools", [])}
    names = _classification_names(schema.get("classifications", []))
    batches = h.projects.batch_names(project_id, (b for a in assets for b in a.get("batches", [])))
    cards = [_asset_card(a, tools, by_title, names, batches) for a in assets]
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
    from ...services.exports import build_export

    stages = json.dumps([s["id"] for s in hub().tasks.stages(hub().project_for(user, project_id).id)])
    return redirect(build_export(hub(), user, project_id, {"stage": stages}), code=303)


@blueprint.get("/projects/<project_id>/assets/<asset_id>")
@signed_in
def asset(user, project_id: str, asset_id: str):
    """One asset, large, with its labels drawn over it and each object listed (class and id)."""
    h = hub()
    project = h.project_for(user, project_id)
    found = {"_id": project.id, "name": project.name, "categorySchema": project.category_schema}
    stored = h.project_asset(found["_id"], asset_id)
    if stored is None:
        raise NotFound(f"asset '{asset_id}' not found in project '{found['name']}'")
    schema = found["categorySchema"]
    card = _asset_card(
        stored,
        {t.get("schemaId"): t for t in schema.get("tools", [])},
        {t.get("title"): t for t in schema.get("tools", [])},
        _classification_names(schema.get("classifications", [])),
        h.projects.batch_names(project.id, stored.get("batches", [])),
    )
    return render_template("asset.html", project=found, card=card, nav="projects")


def _classification_names(classifications: list, names: dict | None = None) -> dict:
    names = {} if names is None else names
    for c in classifications:
        names[c.get("schemaId")] = c.get("title") or c.get("schemaId")
        _classification_names(c.get("classifications") or [], names)
    return names


def _num(value, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _points(value) -> str:
    try:
        return " ".join(f"{_num(p[0])},{_num(p[1])}" for p in value)
    except (TypeError, IndexError, KeyError):
        return ""


def _asset_card(asset: dict, tools: dict, by_title: dict, names: dict, batches: dict) -> dict:
    """An asset with its pre-labels as SVG shapes in image pixels (the SVG's viewBox scales them)."""
    meta = asset.get("metadata") or {}
    width, height = _num(meta.get("width"), 640) or 640, _num(meta.get("height"), 480) or 480
    shapes, answers, objects = [], [], []
    labels = asset.get("labels") or {}
    for obj in labels.get("objects") or []:
        if not isinstance(obj, dict):
            continue
        tool = tools.get(obj.get("schemaId")) or by_title.get(obj.get("title")) or {}
        shape = {
            "color": tool.get("color") or "#ff00ff",
            "title": tool.get("title") or obj.get("schemaId"),
            "object_id": obj.get("objectId"),
            "index": len(shapes),
        }
        if isinstance(obj.get("bounding-box"), dict):
            box = obj["bounding-box"]
            shapes.append(
                {
                    **shape,
                    "kind": "rect",
                    "x": _num(box.get("x")),
                    "y": _num(box.get("y")),
                    "w": _num(box.get("width")),
                    "h": _num(box.get("height")),
                    "rotation": 0,
                }
            )
        elif isinstance(obj.get("rotated-bounding-box"), dict):
            box = obj["rotated-bounding-box"]
            shapes.append(
                {
                    **shape,
                    "kind": "rect",
                    "x": _num(box.get("x")),
                    "y": _num(box.get("y")),
                    "w": _num(box.get("width")),
                    "h": _num(box.get("height")),
                    "rotation": _num(box.get("rotation")),
                }
            )
        elif isinstance(obj.get("polygon"), list):
            shapes.append({**shape, "kind": "polygon", "points": _points(obj["polygon"])})
        elif isinstance(obj.get("polyline"), list):
            shapes.append({**shape, "kind": "polyline", "points": _points(obj["polyline"])})
        elif isinstance(obj.get("point"), list) and len(obj["point"]) >= 2:
            shapes.append({**shape, "kind": "point", "x": _num(obj["point"][0]), "y": _num(obj["point"][1])})
        drawn = shapes[-1] if shapes and shapes[-1]["index"] == shape["index"] else None
        objects.append(
            {
                **shape,
                "shape": shape["index"] if drawn else None,
                "label_at": _label_at(drawn),
                "geometry": next((k for k in OBJECT_KINDS if k in obj), "—"),
            }
        )
    for c in labels.get("classifications") or []:
        if isinstance(c, dict):
            answer = c.get("answer")
            answer = ", ".join(map(str, answer)) if isinstance(answer, list) else answer
            answers.append(f"{names.get(c.get('schemaId'), c.get('title') or c.get('schemaId'))}: {answer}")
    return {
        "asset": asset,
        "width": width,
        "height": height,
        "shapes": shapes,
        "answers": answers,
        "objects": objects,
        "radius": max(width, height) / 45,
        "batches": [batches.get(b, b) for b in asset.get("batches", [])],
    }


def _label_at(shape: dict | None) -> tuple[float, float] | None:
    """Where a shape's name is written on the asset page: its top-left corner, point or first vertex."""
    if shape is None:
        return None
    if "x" in shape:
        return shape["x"], shape["y"]
    first = shape.get("points", "").split(" ", 1)[0]
    x, _, y = first.partition(",")
    return (float(x), float(y)) if y else None


def _pretty(value) -> str:
    return json.dumps(value, indent=2)
