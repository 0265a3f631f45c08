"""Plugins (stored) and their live connections (process-local: a socket does not survive a restart)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from typing import Any, Protocol

from ..models import Plugin
from ..store import Store
from .values import from_json, to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS plugins (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    class_names TEXT NOT NULL DEFAULT '[]',
    default_config TEXT,
    created_at REAL NOT NULL,
    callback_url TEXT
);
CREATE INDEX IF NOT EXISTS plugins_by_organization ON plugins(organization_id, created_at);
CREATE INDEX IF NOT EXISTS plugins_with_callback ON plugins(callback_url) WHERE callback_url IS NOT NULL;
"""
EXPORTED = ("plugins",)


class PluginConnection(Protocol):
    """One live link to a plugin process (a Socket.IO socket, a REST callback URL, ...)."""

    id: str

    def send_run(self, event: dict) -> None:
        """Deliver a run event; raise to report that it could not be delivered."""


def plugin_from(row: sqlite3.Row) -> Plugin:
    return Plugin(
        id=row["id"],
        name=row["name"],
        organization_id=row["organization_id"],
        secret=row["secret"],
        type=row["type"],
        description=row["description"],
        class_names=json.loads(row["class_names"]),
        default_config=from_json(row["default_config"]),
        created_at=row["created_at"],
        callback_url=row["callback_url"],
    )


def exists(db: sqlite3.Connection, plugin_id: str) -> bool:
    """Whether any organization has a plugin with this id."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM plugins WHERE id = ?)", (plugin_id,)).fetchone()[0] == 1


def insert_plugin(db: sqlite3.Connection, plugin: Plugin) -> None:
    db.execute(
        "INSERT INTO plugins (id, organization_id, name, secret, type, description, class_names, "
        "default_config, created_at, callback_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            plugin.id,
            plugin.organization_id,
            plugin.name,
            plugin.secret,
            plugin.type,
            plugin.description,
            json.dumps(plugin.class_names),
            None if plugin.default_config is None else to_json(plugin.default_config, "defaultConfig"),
            plugin.created_at,
            plugin.callback_url,
        ),
    )


class Plugins:
    """Registered plugins, read from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, plugin_id: Any) -> Plugin | None:
        if not isinstance(plugin_id, str):
            return None
        with self.store.read() as db:
            row = db.execute("SELECT * FROM plugins WHERE id = ?", (plugin_id,)).fetchone()
        return plugin_from(row) if row else None

    def for_organization(self, organization_id: str) -> list[Plugin]:
        with self.store.read() as db:
            rows = db.execute(
                "SELECT * FROM plugins WHERE organization_id = ? ORDER BY created_at, rowid", (organization_id,)
            ).fetchall()
        return [plugin_from(row) for row in rows]

    def with_callback(self) -> list[tuple[str, str, str]]:
        """(id, callback URL, secret) of every plugin the host calls over HTTP."""
        with self.store.read() as db:
            return [
                (r["id"], r["callback_url"], r["secret"])
                for r in db.execute("SELECT id, callback_url, secret FROM plugins WHERE callback_url IS NOT NULL")
            ]

    def count(self) -> int:
        with self.store.read() as db:
            return db.execute("SELECT count(*) FROM plugins").fetchone()[0]


class Connections:
    """Which plugin each live connection speaks for, and its heartbeats. Process-local: never stored.

    Guarded by the Hub's condition (``lock``), which also wakes whoever waits for a plugin to go live.
    """

    def __init__(self, lock: threading.Condition) -> None:
        self.lock = lock
        self.by_plugin: dict[str, dict[str, PluginConnection]] = {}
        self.plugin_of: dict[str, str] = {}
        self.heartbeats: dict[str, float] = {}  # connection id -> monotonic time of its last heartbeat
        self.last_heartbeat: dict[str, float] = {}  # plugin id -> wall-clock time of its last heartbeat

    def clear(self) -> None:
        with self.lock:
            self.by_plugin.clear()
            self.plugin_of.clear()
            self.heartbeats.clear()
            self.last_heartbeat.clear()

    def bind(self, plugin_id: str, connection: PluginConnection) -> bool:
        """Record a heartbeat of ``connection`` for ``plugin_id``; True when it was not bound before."""
        with self.lock:
            self.by_plugin.setdefault(plugin_id, {})[connection.id] = connection
            first = connection.id not in self.plugin_of
            self.plugin_of[connection.id] = plugin_id
            self.heartbeats[connection.id] = time.monotonic()
            self.last_heartbeat[plugin_id] = time.time()
            return first

    def unbind(self, connection_id: str) -> str | None:
        with self.lock:
            plugin_id = self.plugin_of.pop(connection_id, None)
            self.heartbeats.pop(connection_id, None)
            if plugin_id is not None:
                self.by_plugin.get(plugin_id, {}).pop(connection_id, None)
            return plugin_id

    def drop_plugin(self, plugin_id: str) -> None:
        with self.lock:
            for connection_id in list(self.by_plugin.pop(plugin_id, {})):
                self.plugin_of.pop(connection_id, None)
                self.heartbeats.pop(connection_id, None)
            self.last_heartbeat.pop(plugin_id, None)

    def fresh(self, plugin_id: str, heartbeat_timeout: float) -> list[PluginConnection]:
        oldest = time.monotonic() - heartbeat_timeout
        with self.lock:
            return [
                connection
                for connection_id, connection in self.by_plugin.get(plugin_id, {}).items()
                if self.heartbeats.get(connection_id, 0.0) >= oldest
            ]

    def count(self, plugin_id: str) -> int:
        with self.lock:
            return len(self.by_plugin.get(plugin_id, {}))
