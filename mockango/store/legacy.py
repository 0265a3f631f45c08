"""Reading the JSON state file of mockango before the SQLite store (``.mockango/state.json``, format 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StateFileError
from ..ids import key_digest


def tables_from_v2(state: dict, source: Path) -> dict[str, list[dict]]:
    """The rows of a format-2 snapshot, shaped as the store's tables."""
    try:
        return _convert(state)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise StateFileError(
            f"{source} looks like an old mockango state file but cannot be read "
            f"({type(exc).__name__}: {exc}): start with --fresh"
        ) from None


def _convert(state: dict) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {
        name: []
        for name in (
            "settings",
            "organizations",
            "users",
            "projects",
            "batches",
            "assets",
            "asset_batches",
            "plugins",
            "sessions",
            "session_logs",
            "session_imports",
            "run_keys",
        )
    }
    defaults = state.get("defaults") or {}
    tables["settings"] = [
        {"name": f"default_{name}", "value": defaults.get(name)} for name in ("organization", "user", "project")
    ]
    tables["settings"].append({"name": "seed", "value": str(state.get("seed", 0))})
    tables["organizations"] = [{"id": o["id"], "name": o["name"]} for o in state["organizations"]]
    tables["users"] = [
        {
            "id": u["id"],
            "organization_id": u["organization_id"],
            "name": u["name"],
            "email": u["email"],
            "api_key": u["api_key"],
            "key_digest": key_digest(u["api_key"]),
        }
        for u in state["users"]
    ]
    positions: dict[str, int] = {}
    labeled: dict[str, int] = {}
    batch_counts: dict[str, int] = {}
    members: list[dict] = []
    pk = 0
    assets = {a["id"]: a for a in state["assets"]}
    for project in state["projects"]:
        for position, batch in enumerate(project.get("batches") or []):
            tables["batches"].append(
                {
                    "id": batch["id"],
                    "project_id": project["id"],
                    "name": batch["name"],
                    "position": position,
                    "asset_count": 0,
                }
            )
        for asset_id in project.get("asset_ids") or []:
            asset: dict[str, Any] = assets[asset_id]
            pk += 1
            position = positions.get(project["id"], 0)
            positions[project["id"]] = position + 1
            pre = asset.get("labels") is not None
            labeled[project["id"]] = labeled.get(project["id"], 0) + pre
            tables["assets"].append(
                {
                    "pk": pk,
                    "id": asset["id"],
                    "project_id": project["id"],
                    "position": position,
                    "external_id": asset["external_id"],
                    "data": asset["data"],
                    "hosted": int(bool(asset.get("hosted"))),
                    "metadata": asset.get("metadata") or {},
                    "batches": asset.get("batches") or [],
                    "created_at": asset["created_at"],
                    "labels": asset.get("labels"),
                    "labeled_by_session": asset.get("labeled_by_session"),
                    "pre_labeled": int(pre),
                }
            )
            for batch_id in dict.fromkeys(asset.get("batches") or []):
                members.append({"batch_id": batch_id, "asset_pk": pk})
                batch_counts[batch_id] = batch_counts.get(batch_id, 0) + 1
        tables["projects"].append(
            {
                "id": project["id"],
                "organization_id": project["organization_id"],
                "name": project["name"],
                "description": project.get("description") or "",
                "category_schema": project["category_schema"],
                "created_at": project["created_at"],
                "asset_count": positions.get(project["id"], 0),
                "pre_labeled_count": labeled.get(project["id"], 0),
            }
        )
    for batch in tables["batches"]:
        batch["asset_count"] = batch_counts.get(batch["id"], 0)
    tables["asset_batches"] = members
    tables["plugins"] = [
        {
            "id": p["id"],
            "organization_id": p["organization_id"],
            "name": p["name"],
            "secret": p["secret"],
            "type": p.get("type", "batch-model"),
            "description": p.get("description") or "",
            "class_names": p.get("class_names") or [],
            "default_config": p.get("default_config"),
            "created_at": p["created_at"],
            "callback_url": p.get("callback_url"),
        }
        for p in state["plugins"]
    ]
    for s in state["sessions"]:
        running = s["status"] == "running"
        tables["sessions"].append(
            {
                "id": s["id"],
                "organization_id": s["organization_id"],
                "plugin_id": s["plugin_id"],
                "project_id": s["project_id"],
                "run_by": s["run_by"],
                "event": s["event"],
                "time_limit": s.get("time_limit") or 0.0,
                "started_at": s["started_at"],
                "deadline_at": s["started_at"] + (s.get("time_limit") or 0.0),
                "status": "failed" if running else s["status"],
                "message": s.get("message"),
                "reason": "mockango restarted while the run was in flight" if running else s.get("reason"),
                "ended_at": s["started_at"] if running else s.get("ended_at"),
                "connection_id": None,
                "log_count": len(s.get("logs") or []),
                "dropped_logs": 0,
            }
        )
        tables["session_logs"] += [
            {"session_id": s["id"], "seq": n, "entry": entry} for n, entry in enumerate(s.get("logs") or [])
        ]
        tables["session_imports"] += [
            {"session_id": s["id"], "seq": n, "entry": entry} for n, entry in enumerate(s.get("imports") or [])
        ]
    tables["run_keys"] = [
        {"digest": k["digest"], "user_id": k["user"], "session_id": k["session"]} for k in state.get("runKeys") or []
    ]
    return tables
