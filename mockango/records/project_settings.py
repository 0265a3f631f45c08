"""Project settings the SDK sets beside the project record (table ``project_settings``: benchmark settings)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from .values import to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS project_settings (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    settings TEXT NOT NULL
);
"""
EXPORTED = ("project_settings",)


def settings(db: sqlite3.Connection, project_id: str) -> dict[str, Any]:
    row = db.execute("SELECT settings FROM project_settings WHERE project_id = ?", (project_id,)).fetchone()
    return json.loads(row["settings"]) if row else {}


def save(db: sqlite3.Connection, project_id: str, values: Mapping[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO project_settings (project_id, settings) VALUES (?, ?)",
        (project_id, to_json(dict(values), "settings")),
    )


def copy(db: sqlite3.Connection, source_id: str, clone_id: str) -> None:
    db.execute(
        "INSERT INTO project_settings (project_id, settings) SELECT ?, settings FROM project_settings "
        "WHERE project_id = ?",
        (clone_id, source_id),
    )
