"""Keeping a Hub's state in a JSON file, so `mockango serve` can restart and lose nothing.

The plugin id and secret a developer pasted into their plugin's environment, the
API key, sessions with their logs, and imported labels all survive a restart.
One JSON snapshot, written atomically a moment after each change, is enough for
a single-user local host (and stays readable by hand); the Hub itself stays
in memory and knows nothing of files.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import threading
from pathlib import Path

from . import models
from .hub import Hub
from .models import Asset, Batch, Organization, Plugin, Project, Session, User

FORMAT_VERSION = 2


class StateFileError(Exception):
    """The state file cannot be used; the message says why and what to do."""


def dump_state(hub: Hub) -> dict:
    """Everything a Hub holds, as JSON-ready data."""
    with hub._lock:
        def rows(records):
            return [dataclasses.asdict(record) for record in records]

        sessions = []
        for session in hub.sessions.values():
            row = dataclasses.asdict(session)
            row.pop("deadline")
            sessions.append(row)
        return {
            "format": FORMAT_VERSION,
            "seed": hub.seed,
            "defaults": {
                "organization": hub.default_organization.id if hub.default_organization else None,
                "user": hub.default_user.id if hub.default_user else None,
                "project": hub.default_project.id if hub.default_project else None,
            },
            "organizations": rows(hub.organizations.values()),
            "users": rows(hub.users.values()),
            "projects": rows(hub.projects.values()),
            "assets": rows(hub.assets.values()),
            "plugins": rows(hub.plugins.values()),
            "sessions": sessions,
            "runKeys": [{"digest": digest, "user": user, "session": session}
                        for digest, (user, session) in hub._run_keys.items()],
        }


def load_state(hub: Hub, state: dict) -> None:
    """Replace the Hub's state with a snapshot from :func:`dump_state`.

    Runs that were in flight when the snapshot was taken cannot finish any more:
    they are marked failed, with the reason.
    """
    if state.get("format") != FORMAT_VERSION:
        raise StateFileError(f"state format {state.get('format')!r} is not {FORMAT_VERSION}: start with --fresh")
    with hub._lock:
        hub._clear()
        for row in state["organizations"]:
            hub.organizations[row["id"]] = Organization(**row)
        for row in state["users"]:
            hub.users[row["id"]] = User(**row)
        for row in state["projects"]:
            project = Project(**{**row, "batches": [Batch(**b) for b in row["batches"]]})
            hub.projects[project.id] = project
        for row in state["assets"]:
            hub.assets[row["id"]] = Asset(**row)
        for project in hub.projects.values():  # tasks are not kept in this file yet: back to their first stage
            hub.tasks.add(project, (hub.assets[i] for i in project.asset_ids if i in hub.assets))
        for row in state["plugins"]:
            hub.plugins[row["id"]] = Plugin(**row)
        for row in state["sessions"]:
            session = Session(**{**row, "deadline": 0.0, "connection_id": None})
            if session.status == models.RUNNING:
                session.status = models.FAILED
                session.reason = "mockango restarted while the run was in flight"
                session.ended_at = session.started_at
            hub.sessions[session.id] = session
        for row in state["runKeys"]:
            hub._run_keys[row["digest"]] = (row["user"], row["session"])
        defaults = state["defaults"]
        hub.default_organization = hub.organizations.get(defaults["organization"])
        hub.default_user = hub.users.get(defaults["user"])
        hub.default_project = hub.projects.get(defaults["project"])
        hub._changed.notify_all()


class StateFile:
    """Loads a Hub from ``path`` (when it exists) and saves it there after every change.

    Saving happens on a background thread a short ``delay`` after a change, so a
    burst of log lines costs one write; :meth:`close` writes what is pending.
    """

    def __init__(self, path: str | os.PathLike, delay: float = 0.2) -> None:
        self.path = Path(path)
        self.delay = delay
        self._dirty = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._hub: Hub | None = None

    def load_into(self, hub: Hub) -> bool:
        """Restore ``hub`` from the file; False when there is no file yet."""
        if not self.path.exists():
            return False
        try:
            state = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise StateFileError(f"cannot read the state file {self.path}: {exc}. Delete it or start with --fresh")
        if state.get("seed") != hub.seed:
            raise StateFileError(f"the state file {self.path} was made with --seed {state.get('seed')}, not "
                                 f"{hub.seed}: use that seed, or --fresh to start over")
        load_state(hub, state)
        return True

    def attach(self, hub: Hub) -> None:
        """Save ``hub`` after each of its changes, until :meth:`close`."""
        self._hub = hub
        hub.subscribe(lambda kind, payload: self._dirty.set())
        self._thread = threading.Thread(target=self._loop, name="mockango state file", daemon=True)
        self._thread.start()
        self.save()

    def save(self) -> None:
        state = dump_state(self._hub)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".state-", suffix=".json")
        try:
            with os.fdopen(handle, "w") as file:
                json.dump(state, file)
            os.chmod(temporary, 0o600)  # it holds secrets and API keys
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _loop(self) -> None:
        while not self._closed.is_set():
            if self._dirty.wait(0.5) and not self._closed.wait(self.delay):
                self._dirty.clear()
                self.save()

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._hub is not None:
            self._dirty.clear()
            self.save()
