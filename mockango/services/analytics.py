"""A project's analytics, as Ango's API documents them (https://docs.imerit.net/api/docs/analytics).

- ``POST /v2/performance/{projectId}`` ("Get Project Performance Metrics") answers ``data.performance``: per
  member, the tasks they submitted and reviewed and the time they spent, within ``startDate``/``endDate`` (the
  docs' body) or ``interval`` (what the SDK's ``get_project_performance`` sends), optionally for some ``users``.
  It reads counters kept per project, member and day as history is written (``performance_counts``), so its cost
  follows the days and members asked about, not the project's history.
- ``GET /v2/{projectId}/overview/{metric}`` ("Retrieve Project Overview") answers ``LabelStageGroups`` (tasks per
  stage) and ``AnnotationStatus`` (tasks per status) from the per-stage task counts; the other metrics the SDK
  names would need a scan of every task and answer 501. The docs do not show this call's answer: its shape,
  ``{metric, values}``, is mockango's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest, MockangoError
from ..workflow import status_at

if TYPE_CHECKING:
    from ..hub import Hub
    from ..models import User

SCHEMA = """
CREATE TABLE IF NOT EXISTS performance_counts (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    day TEXT NOT NULL,
    action TEXT NOT NULL,
    count INTEGER NOT NULL,
    duration REAL NOT NULL,
    PRIMARY KEY (project_id, day, actor, action)
) WITHOUT ROWID;
"""
EXPORTED = ("performance_counts",)

COUNTED = {"submit": "submitted", "plugin-submit": "submitted", "review": "reviewed"}
OVERVIEW_METRICS = ("LabelStageGroups", "AnnotationStatus")
KNOWN_METRICS = (*OVERVIEW_METRICS, "TimePerTask", "AnswerDistribution", "ConsensusRanges", "AssetSize")


class NotSimulated(MockangoError):
    status = 501


def count(db, task_pk: int, action: str, actor: str | None, when: float, duration: Any) -> None:
    """Add one history entry to the counters (called where task history is written)."""
    if action not in COUNTED or not actor:
        return
    seconds = float(duration) if isinstance(duration, (int, float)) and not isinstance(duration, bool) else 0.0
    day = dt.datetime.fromtimestamp(when, dt.timezone.utc).date().isoformat()
    db.execute(
        "INSERT INTO performance_counts (project_id, actor, day, action, count, duration) "
        "SELECT project_id, ?, ?, ?, 1, ? FROM tasks WHERE pk = ? "
        "ON CONFLICT (project_id, day, actor, action) DO UPDATE SET count = count + 1, "
        "duration = duration + excluded.duration",
        (actor, day, COUNTED[action], seconds, task_pk),
    )


def _day(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a date-time string, got {value!r}")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise InvalidRequest(f"{name} must be an ISO date-time such as 2025-01-31T00:00:00.000Z, got {value!r}")


def performance(hub: Hub, user: User, project_id: Any, body: Any) -> dict:
    project = hub.project_for(user, project_id)
    body = body if isinstance(body, Mapping) else {}
    start = end = None
    if body.get("interval") is not None:
        interval = body["interval"]
        if not isinstance(interval, list) or len(interval) != 2:
            raise InvalidRequest("interval must be [start, end] date-times")
        start, end = _day(interval[0], "interval[0]"), _day(interval[1], "interval[1]")
    if body.get("startDate") is not None:
        start = _day(body["startDate"], "startDate")
    if body.get("endDate") is not None:
        end = _day(body["endDate"], "endDate")
    users = body.get("users")
    if users is not None and (not isinstance(users, list) or not all(isinstance(u, str) for u in users)):
        raise InvalidRequest("users must be a list of member emails")
    where, args = ["project_id = ?"], [project.id]
    if start:
        where.append("day >= ?")
        args.append(start)
    if end:
        where.append("day <= ?")
        args.append(end)
    with hub.store.read() as db:
        found = db.execute(
            f"SELECT actor, action, sum(count) AS n, sum(duration) AS seconds FROM performance_counts "
            f"WHERE {' AND '.join(where)} GROUP BY actor, action ORDER BY actor",
            args,
        ).fetchall()
    members: dict[str, dict] = {}
    for row in found:
        if users is not None and row["actor"] not in users:
            continue
        entry = members.setdefault(row["actor"], {"user": row["actor"], "submitted": 0, "reviewed": 0, "duration": 0.0})
        entry[row["action"]] += row["n"]
        entry["duration"] += row["seconds"]
    for entry in members.values():
        entry["averageDuration"] = entry["duration"] / entry["submitted"] if entry["submitted"] else 0.0
    return {
        "performance": {
            "project": project.id,
            "startDate": start,
            "endDate": end,
            "users": list(members.values()),
        }
    }


def overview(hub: Hub, user: User, project_id: Any, metric: str) -> dict:
    project = hub.project_for(user, project_id)
    if metric not in KNOWN_METRICS:
        raise InvalidRequest(f"metric must be one of {', '.join(KNOWN_METRICS)}, got {metric!r}")
    if metric not in OVERVIEW_METRICS:
        raise NotSimulated(
            f"the {metric} overview is an Ango Hub metric mockango does not simulate (it serves "
            f"{' and '.join(OVERVIEW_METRICS)})"
        )
    stages = hub.tasks.stages(project.id)
    with hub.store.read() as db:
        counts = {
            r["stage"]: r["count"]
            for r in db.execute("SELECT stage, count FROM task_counts WHERE project_id = ?", (project.id,))
        }
    if metric == "LabelStageGroups":
        values = {stage["id"]: counts.get(stage["id"], 0) for stage in stages}
    else:
        values: dict[str, int] = {}
        for stage_id, n in counts.items():
            status = status_at(stages, stage_id)
            values[status] = values.get(status, 0) + n
    return {"metric": metric, "values": values}
