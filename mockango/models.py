"""The records the Hub keeps. Plain dataclasses: no behaviour beyond shaping JSON."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def iso_time(epoch: float) -> str:
    """Render a timestamp the way the real host does (ISO 8601, UTC, milliseconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".%03dZ" % int(epoch % 1 * 1000)


@dataclass
class Organization:
    id: str
    name: str


@dataclass
class User:
    id: str
    email: str
    name: str
    organization_id: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class Caller:
    """Who sent a REST call: the user its API key belongs to, and the run whose key it is
    (``None``: the user's own key). Resolved once per request."""

    user: User
    run_session: str | None = None


@dataclass
class Batch:
    id: str
    name: str

    def to_dict(self) -> dict:
        return {"_id": self.id, "name": self.name}


@dataclass
class Asset:
    id: str
    project_id: str
    external_id: str
    data: str
    metadata: dict = field(default_factory=dict)
    batches: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    labels: dict | None = None
    labeled_by_session: str | None = None
    hosted: bool = False
    """True when ``data`` is a path served by mockango itself (rendered against the base URL)."""

    @property
    def is_pre_labeled(self) -> bool:
        return self.labels is not None

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.data if self.hosted else self.data

    def reference(self, base_url: str) -> dict:
        """What label validation needs of an asset, without copies: treat it as read-only."""
        return {"_id": self.id, "externalId": self.external_id, "data": self.url(base_url), "metadata": self.metadata}

    def to_dict(self, base_url: str, *, with_labels: bool = False) -> dict:
        body = {
            "_id": self.id,
            "externalId": self.external_id,
            "data": self.url(base_url),
            "project": self.project_id,
            "batches": list(self.batches),
            "metadata": copy.deepcopy(self.metadata),
            "isPreLabeled": self.is_pre_labeled,
            "createdAt": iso_time(self.created_at),
        }
        if with_labels:
            body["labels"] = copy.deepcopy(self.labels)
            body["labeledBySession"] = self.labeled_by_session
        return body


@dataclass
class Project:
    id: str
    name: str
    description: str
    organization_id: str
    category_schema: dict
    asset_count: int = 0
    created_at: float = field(default_factory=time.time)
    pre_labeled_count: int = 0
    batch_loader: Callable[[], list[Batch]] | None = field(default=None, repr=False, compare=False)
    """Reads the batches on first use: a project may have very many, and most requests need none."""
    _batches: list[Batch] | None = field(default=None, repr=False, compare=False)
    batch_finder: Callable[[list[str]], list[Batch]] | None = field(default=None, repr=False, compare=False)
    """The batches whose id or name is one of the given, in order: a lookup, not a read of them all."""

    @property
    def batches(self) -> list[Batch]:
        if self._batches is None:
            self._batches = self.batch_loader() if self.batch_loader is not None else []
        return self._batches

    def tools(self) -> list[dict]:
        return self.category_schema.get("tools", [])

    def batch_ids(self) -> set[str]:
        return {b.id for b in self.batches}

    def named_batches(self, ids_or_names: list[str]) -> tuple[set[str], dict[str, str]]:
        """Of the given values, the batch ids, and the batch names with their ids (the last batch of a
        name wins, as it always has here)."""
        found = self.batch_finder(ids_or_names) if self.batch_finder is not None else self.batches
        return {b.id for b in found}, {b.name: b.id for b in found}

    def to_dict(self, *, with_batches: bool = True) -> dict:
        return {
            "_id": self.id,
            "name": self.name,
            "description": self.description,
            "categorySchema": copy.deepcopy(self.category_schema),
            "batches": [b.to_dict() for b in self.batches] if with_batches else [],
            "organization": self.organization_id,
            "assetCount": self.asset_count,
            "createdAt": iso_time(self.created_at),
        }


@dataclass
class Plugin:
    id: str
    name: str
    organization_id: str
    secret: str = field(repr=False)
    type: str = "batch-model"
    description: str = ""
    class_names: list[str] = field(default_factory=list)
    default_config: Any = None
    created_at: float = field(default_factory=time.time)
    callback_url: str | None = None

    def to_dict(self, *, live: bool, with_secret: bool = False, last_heartbeat: float | None = None) -> dict:
        body = {
            "_id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "classNames": list(self.class_names),
            "defaultConfig": copy.deepcopy(self.default_config),
            "organization": self.organization_id,
            "live": live,
            "createdAt": iso_time(self.created_at),
        }
        body["lastHeartbeat"] = iso_time(last_heartbeat) if last_heartbeat else None
        if self.callback_url:
            body["callbackUrl"] = self.callback_url
        if with_secret:
            body["secret"] = self.secret
        return body


RUNNING, SUCCEEDED, FAILED, TIMED_OUT, CANCELLED = "running", "succeeded", "failed", "timed_out", "cancelled"
FINAL_STATUSES = frozenset({SUCCEEDED, FAILED, TIMED_OUT, CANCELLED})


@dataclass
class Session:
    """One run of a plugin on a project: what was sent, what came back, what was logged."""

    id: str
    plugin_id: str
    project_id: str
    organization_id: str
    run_by: str
    event: dict
    deadline: float
    time_limit: float = 0.0
    started_at: float = field(default_factory=time.time)
    status: str = RUNNING
    message: Any = None
    reason: str | None = None
    ended_at: float | None = None
    connection_id: str | None = None
    logs: list[dict] = field(default_factory=list)  # a line logged after the session ended has "late": True
    imports: list[dict] = field(default_factory=list)
    plugin_type: str = "batch-model"
    result: Any = None
    """What the answer meant for the plugin's type (see :mod:`mockango.runs.kinds`): the stored answer, the listing, ..."""
    errors: list[dict] = field(default_factory=list)
    """Every error of a refused answer, with its JSON path."""
    late_answers: list[dict] = field(default_factory=list)  # responses that came after the session ended

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    def to_dict(self) -> dict:
        return {
            "_id": self.id,
            "plugin": self.plugin_id,
            "project": self.project_id,
            "organization": self.organization_id,
            "runBy": self.run_by,
            "status": self.status,
            "message": copy.deepcopy(self.message),
            "reason": self.reason,
            "startedAt": iso_time(self.started_at),
            "endedAt": iso_time(self.ended_at) if self.ended_at else None,
            "event": copy.deepcopy(self.event),
            "logs": copy.deepcopy(self.logs),
            "imports": copy.deepcopy(self.imports),
            "pluginType": self.plugin_type,
            "result": copy.deepcopy(self.result),
            "errors": copy.deepcopy(self.errors),
            "lateAnswers": copy.deepcopy(self.late_answers),
        }
