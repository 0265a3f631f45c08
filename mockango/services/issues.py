"""Issues: notes a reviewer pins on a task (optionally on an object or a place), with comments.

The SDK's create_issue, get_issues, update_issue, delete_issue and comment; the rows are
:mod:`mockango.records.issues` (an issue goes with its task).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest, NotFound
from ..ids import new_object_id
from ..models import User, iso_time
from ..records import issues as issue_rows
from ..records.issues import issue_dict
from ..records.tasks import answer_of
from ..records.values import to_json
from .context import Context

STATUSES = ("Open", "Resolved", "Closed")
OPTIONAL_FIELDS = {
    "position": str,
    "objectId": str,
    "pctDetails": dict,
    "errorCodes": list,
    "page": int,
    "pageEnd": int,
    "dataIndex": int,
    "plane": str,
}


def _mentions(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"{where} must be a list of emails")
    return list(value)


def _error_codes(value: Any) -> None:
    for index, code in enumerate(value):
        if (
            not isinstance(code, Mapping)
            or not isinstance(code.get("category"), str)
            or not isinstance(code.get("name"), str)
        ):
            raise InvalidRequest(f"errorCodes[{index}] must be an object with 'category' and 'name' strings")


class IssueService:
    """Every issue of one host."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.store = context.store

    def create(self, user: User, body: Any) -> dict:
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be an issue object")
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            raise InvalidRequest("content must be a non-empty string")
        extra: dict = {"content": content, "contentMentions": _mentions(body.get("contentMentions"), "contentMentions")}
        for name, kind in OPTIONAL_FIELDS.items():
            if body.get(name) is None:
                continue
            value = body[name]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise InvalidRequest(f"{name} must be a {kind.__name__}")
            extra[name] = copy.deepcopy(value)
        if "errorCodes" in extra:
            _error_codes(extra["errorCodes"])
        extra["comments"] = []
        issue_id = new_object_id()
        with self.store.write() as db:
            task = self._context.scope(user).task(db, body.get("labelTask"))
            if "objectId" in extra:
                object_ids = {o.get("objectId") for o in answer_of(task).get("objects", [])}
                if extra["objectId"] not in object_ids:
                    raise InvalidRequest(f"objectId '{extra['objectId']}' is no object of the task's answer")
            issue_rows.insert(db, issue_id, task, user.email, time.time(), to_json(extra, "issue"))
        return self._get(user, issue_id)

    def _get(self, user: User, issue_id: str) -> dict:
        with self.store.read() as db:
            return issue_dict(self._context.scope(user).issue(db, issue_id))

    def find(
        self,
        user: User,
        project_id: Any,
        *,
        asset: Any = None,
        task: Any = None,
        stage: Any = None,
        created_by: Any = None,
    ) -> list[dict]:
        project = self._context.scope(user).project(project_id)
        with self.store.read() as db:
            found = issue_rows.find(db, project.id, asset=asset, task=task, stage=stage, created_by=created_by)
        return [issue_dict(r) for r in found]

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
        if "contentMentions" in body:
            _mentions(body["contentMentions"], "contentMentions")
        if "pctDetails" in body and not isinstance(body["pctDetails"], dict):
            raise InvalidRequest("pctDetails must be an object")
        if "errorCodes" in body:
            if not isinstance(body["errorCodes"], list):
                raise InvalidRequest("errorCodes must be a list")
            _error_codes(body["errorCodes"])
        with self.store.write() as db:
            row = self._context.scope(user).issue(db, issue_id)
            stored = json.loads(row["body"])
            stored.update({k: copy.deepcopy(v) for k, v in body.items() if k != "status"})
            issue_rows.update(db, row["pk"], body.get("status", row["status"]), to_json(stored, "issue"))
        return self._get(user, row["id"])

    def delete(self, user: User, issue_id: Any, project_id: Any) -> dict:
        with self.store.write() as db:
            row = self._context.scope(user).issue(db, issue_id)
            if project_id != row["project_id"]:
                raise NotFound(f"issue '{issue_id}' not found in project '{project_id}'")
            issue_rows.delete(db, row["pk"])
            return issue_dict(row)

    def comment(self, user: User, issue_id: Any, body: Any) -> dict:
        if not isinstance(body, Mapping) or not isinstance(body.get("content"), str) or not body["content"].strip():
            raise InvalidRequest("content must be a non-empty string")
        comment = {
            "_id": new_object_id(),
            "content": body["content"],
            "contentMentions": _mentions(body.get("contentMentions"), "contentMentions"),
            "createdBy": user.email,
            "createdAt": iso_time(time.time()),
        }
        with self.store.write() as db:
            row = self._context.scope(user).issue(db, issue_id)
            stored = json.loads(row["body"])
            stored["comments"].append(comment)
            issue_rows.update(db, row["pk"], row["status"], to_json(stored, "issue"))
        return comment
