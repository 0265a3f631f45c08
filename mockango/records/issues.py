"""Issues: notes a reviewer pins on a task (optionally on an object or a place), with comments
(table ``issues``; an issue goes with its task)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest, NotFound
from ..ids import new_object_id
from ..models import User, iso_time
from ..store import RowLike
from .project_deletion import visible
from .tasks import answer_of
from .values import to_json

if TYPE_CHECKING:
    import sqlite3

    from ..hub import Hub

SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    task_pk INTEGER NOT NULL REFERENCES tasks(pk) ON DELETE CASCADE,
    task_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT,
    created_at REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS issues_by_project ON issues(project_id, pk);
CREATE INDEX IF NOT EXISTS issues_by_task ON issues(task_id, status);
CREATE INDEX IF NOT EXISTS issues_of_task ON issues(task_id, pk);
CREATE INDEX IF NOT EXISTS issues_by_asset ON issues(asset_id, pk);
CREATE INDEX IF NOT EXISTS issues_by_task_pk ON issues(task_pk);
CREATE INDEX IF NOT EXISTS issues_by_stage ON issues(project_id, stage, pk);
CREATE INDEX IF NOT EXISTS issues_by_creator ON issues(project_id, created_by, pk);
"""
EXPORTED = ("issues",)  # after tasks, which they hang on

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


def _issue(row: RowLike) -> dict:
    return {
        "_id": row["id"],
        "labelTask": row["task_id"],
        "asset": row["asset_id"],
        "project": row["project_id"],
        "stage": row["stage"],
        "status": row["status"],
        "createdBy": row["created_by"],
        "createdAt": iso_time(row["created_at"]),
        **json.loads(row["body"]),
    }


class IssueBook:
    """Every issue on one Hub, over its store."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self.store = hub.store

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
            task = self._hub.tasks._row(db, user, body.get("labelTask"))
            if "objectId" in extra:
                object_ids = {o.get("objectId") for o in answer_of(task).get("objects", [])}
                if extra["objectId"] not in object_ids:
                    raise InvalidRequest(f"objectId '{extra['objectId']}' is no object of the task's answer")
            db.execute(
                "INSERT INTO issues (id, project_id, task_pk, task_id, asset_id, stage, status, created_by, "
                "created_at, body) VALUES (?, ?, ?, ?, ?, ?, 'Open', ?, ?, ?)",
                (
                    issue_id,
                    task["project_id"],
                    task["pk"],
                    task["id"],
                    task["asset_id"],
                    task["stage"],
                    user.email,
                    time.time(),
                    to_json(extra, "issue"),
                ),
            )
        return self._get(user, issue_id)

    def _row(self, db: sqlite3.Connection, user: User, issue_id: Any) -> sqlite3.Row:
        row = db.execute(
            "SELECT i.*, p.organization_id FROM issues i JOIN projects p ON p.id = i.project_id "
            f"WHERE i.id = ? AND {visible('i.project_id')}",
            (issue_id if isinstance(issue_id, str) else "",),
        ).fetchone()
        if row is None or row["organization_id"] != user.organization_id:
            raise NotFound(f"issue '{issue_id}' not found")
        return row

    def _get(self, user: User, issue_id: str) -> dict:
        with self.store.read() as db:
            return _issue(self._row(db, user, issue_id))

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
        project = self._hub.project_for(user, project_id)
        where, args = ["project_id = ?"], [project.id]
        for column, value in (("asset_id", asset), ("task_id", task), ("stage", stage), ("created_by", created_by)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        with self.store.read() as db:
            return [
                _issue(r) for r in db.execute(f"SELECT * FROM issues WHERE {' AND '.join(where)} ORDER BY pk", args)
            ]

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
            row = self._row(db, user, issue_id)
            stored = json.loads(row["body"])
            stored.update({k: copy.deepcopy(v) for k, v in body.items() if k != "status"})
            db.execute(
                "UPDATE issues SET status = ?, body = ? WHERE pk = ?",
                (body.get("status", row["status"]), to_json(stored, "issue"), row["pk"]),
            )
        return self._get(user, row["id"])

    def delete(self, user: User, issue_id: Any, project_id: Any) -> dict:
        with self.store.write() as db:
            row = self._row(db, user, issue_id)
            if project_id != row["project_id"]:
                raise NotFound(f"issue '{issue_id}' not found in project '{project_id}'")
            db.execute("DELETE FROM issues WHERE pk = ?", (row["pk"],))
            return _issue(row)

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
            row = self._row(db, user, issue_id)
            stored = json.loads(row["body"])
            stored["comments"].append(comment)
            db.execute("UPDATE issues SET body = ? WHERE pk = ?", (to_json(stored, "issue"), row["pk"]))
        return comment
