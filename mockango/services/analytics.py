"""A project's analytics, as Ango's API documents them (https://docs.imerit.net/api/docs/analytics).

- ``POST /v2/performance/{projectId}`` ("Get Project Performance Metrics") answers ``data.performance``: per
  member, the tasks they submitted and reviewed and the time they spent, within ``startDate``/``endDate`` (the
  docs' body) or ``interval`` (what the SDK's ``get_project_performance`` sends), optionally for some ``users``.
  It reads counters kept per project, member and day as history is written (:mod:`mockango.records.analytics`), so its cost
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
from ..records import analytics as analytics_rows
from ..records import tasks as task_rows
from ..workflow import status_at

if TYPE_CHECKING:
    from ..models import User
    from .context import Context
    from .tasks import TaskService

OVERVIEW_METRICS = ("LabelStageGroups", "AnnotationStatus")
KNOWN_METRICS = (*OVERVIEW_METRICS, "TimePerTask", "AnswerDistribution", "ConsensusRanges", "AssetSize")


class NotSimulated(MockangoError):
    status = 501


def _day(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a date-time string, got {value!r}")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise InvalidRequest(f"{name} must be an ISO date-time such as 2025-01-31T00:00:00.000Z, got {value!r}")


class AnalyticsService:
    """One host's project analytics."""

    def __init__(self, context: Context, tasks: TaskService) -> None:
        self._context = context
        self._tasks = tasks

    def performance(self, user: User, project_id: Any, body: Any) -> dict:
        project = self._context.scope(user).project(project_id)
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
        with self._context.store.read() as db:
            found = analytics_rows.totals(db, project.id, start, end)
        members: dict[str, dict] = {}
        for row in found:
            if users is not None and row["actor"] not in users:
                continue
            entry = members.setdefault(
                row["actor"], {"user": row["actor"], "submitted": 0, "reviewed": 0, "duration": 0.0}
            )
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

    def overview(self, user: User, project_id: Any, metric: str) -> dict:
        project = self._context.scope(user).project(project_id)
        if metric not in KNOWN_METRICS:
            raise InvalidRequest(f"metric must be one of {', '.join(KNOWN_METRICS)}, got {metric!r}")
        if metric not in OVERVIEW_METRICS:
            raise NotSimulated(
                f"the {metric} overview is an Ango Hub metric mockango does not simulate (it serves "
                f"{' and '.join(OVERVIEW_METRICS)})"
            )
        stages = self._tasks.stages(project.id)
        with self._context.store.read() as db:
            counts = task_rows.stage_counts(db, project.id)
        if metric == "LabelStageGroups":
            values = {stage["id"]: counts.get(stage["id"], 0) for stage in stages}
        else:
            values = {}
            for stage_id, n in counts.items():
                status = status_at(stages, stage_id)
                values[status] = values.get(status, 0) + n
        return {"metric": metric, "values": values}
