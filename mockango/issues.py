"""Issues: notes a reviewer pins on a task (optionally on an object or a place), with comments."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidRequest, NotFound
from .ids import new_object_id
from .models import User, iso_time

if TYPE_CHECKING:
    from .hub import Hub

STATUSES = ("Open", "Resolved", "Closed")
OPTIONAL_FIELDS = {"position": str, "objectId": str, "pctDetails": dict, "errorCodes": list, "page": int,
                   "pageEnd": int, "dataIndex": int, "plane": str}


def _mentions(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"{where} must be a list of emails")
    return list(value)


def _error_codes(value: Any) -> None:
    for index, code in enumerate(value):
        if not isinstance(code, Mapping) or not isinstance(code.get("category"), str) \
                or not isinstance(code.get("name"), str):
            raise InvalidRequest(f"errorCodes[{index}] must be an object with 'category' and 'name' strings")


class IssueBook:
    """Every issue on one Hub, indexed by task for the tasks' ``openIssuesCount``."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._lock = hub._lock
        self.issues: dict[str, dict] = {}
        self._open_by_task: dict[str, int] = {}

    def open_count(self, task_id: str) -> int:
        return self._open_by_task.get(task_id, 0)

    def _count(self, issue: dict, change: int) -> None:
        if issue["status"] == "Open":
            self._open_by_task[issue["labelTask"]] = self._open_by_task.get(issue["labelTask"], 0) + change

    def create(self, user: User, body: Any) -> dict:
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be an issue object")
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            raise InvalidRequest("content must be a non-empty string")
        mentions = _mentions(body.get("contentMentions"), "contentMentions")
        extra = {}
        for name, kind in OPTIONAL_FIELDS.items():
            if body.get(name) is None:
                continue
            value = body[name]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise InvalidRequest(f"{name} must be a {kind.__name__}")
            extra[name] = copy.deepcopy(value)
        if "errorCodes" in extra:
            _error_codes(extra["errorCodes"])
        with self._lock:
            task = self._hub.tasks._task(user, body.get("labelTask"))
            if "objectId" in extra:
                object_ids = {o.get("objectId") for o in self._hub.tasks.answer_of(task).get("objects", [])}
                if extra["objectId"] not in object_ids:
                    raise InvalidRequest(f"objectId '{extra['objectId']}' is no object of the task's answer")
            issue = {"_id": new_object_id(), "content": content, "contentMentions": mentions,
                     "labelTask": task.id, "asset": task.asset_id, "project": task.project_id, "stage": task.stage,
                     "status": "Open", "createdBy": user.email, "createdAt": iso_time(time.time()),
                     "comments": [], **extra}
            self.issues[issue["_id"]] = issue
            self._count(issue, +1)
            return copy.deepcopy(issue)

    def _issue(self, user: User, issue_id: Any) -> dict:
        issue = self.issues.get(issue_id) if isinstance(issue_id, str) else None
        project = self._hub.projects.get(issue["project"]) if issue else None
        if project is None or project.organization_id != user.organization_id:
            raise NotFound(f"issue '{issue_id}' not found")
        return issue

    def find(self, user: User, project_id: Any, *, asset: Any = None, task: Any = None, stage: Any = None,
             created_by: Any = None) -> list[dict]:
        with self._lock:
            project = self._hub.project_for(user, project_id)
            wanted = {"asset": asset, "labelTask": task, "stage": stage, "createdBy": created_by}
            wanted = {k: v for k, v in wanted.items() if v is not None}
            return [copy.deepcopy(i) for i in self.issues.values()
                    if i["project"] == project.id and all(i.get(k) == v for k, v in wanted.items())]

    def update(self, user: User, issue_id: Any, body: Any) -> dict:
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be an object of fields to change")
        allowed = ("content", "contentMentions", "status", "pctDetails", "errorCodes")
        unknown = set(body) - set(allowed)
        if unknown:
            raise InvalidRequest(f"cannot change {sorted(unknown)}: an update may set {', '.join(allowed)}")
        if "content" in body and (not isinstance(body["content"], str) or not body["content"].strip()):
            raise InvalidRequest("content must be a non-empty string")
        if "status" in body and body["status"] not in STATUSES:
            raise InvalidRequest(f"status must be one of {list(STATUSES)}, got {body['status']!r}")
        mentions = _mentions(body.get("contentMentions"), "contentMentions") if "contentMentions" in body else None
        if "pctDetails" in body and not isinstance(body["pctDetails"], dict):
            raise InvalidRequest("pctDetails must be an object")
        if "errorCodes" in body:
            if not isinstance(body["errorCodes"], list):
                raise InvalidRequest("errorCodes must be a list")
            _error_codes(body["errorCodes"])
        with self._lock:
            issue = self._issue(user, issue_id)
            self._count(issue, -1)
            issue.update({k: copy.deepcopy(v) for k, v in body.items() if k != "contentMentions"})
            if mentions is not None:
                issue["contentMentions"] = mentions
            self._count(issue, +1)
            return copy.deepcopy(issue)

    def delete(self, user: User, issue_id: Any, project_id: Any) -> dict:
        with self._lock:
            issue = self._issue(user, issue_id)
            if project_id != issue["project"]:
                raise NotFound(f"issue '{issue_id}' not found in project '{project_id}'")
            self._count(issue, -1)
            del self.issues[issue["_id"]]
            return copy.deepcopy(issue)

    def comment(self, user: User, issue_id: Any, body: Any) -> dict:
        if not isinstance(body, Mapping) or not isinstance(body.get("content"), str) or not body["content"].strip():
            raise InvalidRequest("content must be a non-empty string")
        mentions = _mentions(body.get("contentMentions"), "contentMentions")
        with self._lock:
            issue = self._issue(user, issue_id)
            comment = {"_id": new_object_id(), "content": body["content"], "contentMentions": mentions,
                       "createdBy": user.email, "createdAt": iso_time(time.time())}
            issue["comments"].append(comment)
            return copy.deepcopy(comment)

    def forget_project(self, project_id: str) -> None:
        for issue in [i for i in self.issues.values() if i["project"] == project_id]:
            self._count(issue, -1)
            del self.issues[issue["_id"]]
