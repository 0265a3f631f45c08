"""Plugins as stored: who registered them, their type, secret, classes and default config."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

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


def delete_plugin(db: sqlite3.Connection, plugin_id: str) -> None:
    db.execute("DELETE FROM plugins WHERE id = ?", (plugin_id,))


class Plugins:
    """Registered plugins, read from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, plugin_id: Any) -> Plugin | None:
        if not isinstance(plugin_id, str):
            return None
        row = self.store.one("SELECT * FROM plugins WHERE id = ?", (plugin_id,))
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
