"""Organizations, users and their API keys, and which of them are this host's defaults.

A user's key is kept (``mockango serve`` prints it again after a restart) and found
by its SHA-256 digest, so a lookup costs one index probe whatever the number of users.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from ..ids import key_digest, new_object_id, new_secret, same_secret
from ..models import Organization, User
from ..store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    api_key TEXT NOT NULL,
    key_digest TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS users_by_organization ON users(organization_id);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT
);
"""
EXPORTED = ("settings", "organizations", "users")

DEFAULTS = ("organization", "user", "project")  # settings rows: default_<name> -> id


def user_from(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        organization_id=row["organization_id"],
        api_key=row["api_key"],
    )


def insert_organization(db: sqlite3.Connection, org_id: str, name: str) -> None:
    db.execute("INSERT INTO organizations (id, name) VALUES (?, ?)", (org_id, name))


def insert_user(
    db: sqlite3.Connection, user_id: str, org_id: str, name: str, email: str, api_key: str | None = None
) -> User:
    api_key = api_key or new_secret()
    db.execute(
        "INSERT INTO users (id, organization_id, name, email, api_key, key_digest) VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, org_id, name, email, api_key, key_digest(api_key)),
    )
    # Its organization role and when it joined (records/organization.py): the first user is the Admin.
    db.execute(
        "INSERT OR IGNORE INTO member_roles (user_id, organization_role, joined_at) VALUES (?, 'Admin', ?)",
        (user_id, time.time()),
    )
    return User(id=user_id, email=email, name=name, organization_id=org_id, api_key=api_key)


def set_default(db: sqlite3.Connection, name: str, record_id: str | None) -> None:
    db.execute(
        "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (f"default_{name}", record_id),
    )


def set_setting(db: sqlite3.Connection, name: str, value: str | None) -> None:
    db.execute(
        "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def rotate_key(db: sqlite3.Connection, user_id: str, api_key: str | None = None) -> str:
    """Give the user a new API key: ``api_key``, or a fresh one from ``secrets``."""
    api_key = api_key or new_secret()
    db.execute("UPDATE users SET api_key = ?, key_digest = ? WHERE id = ?", (api_key, key_digest(api_key), user_id))
    return api_key


def is_member(db: sqlite3.Connection, org_id: str, email: str) -> bool:
    """Whether a user of the organization has this email."""
    return (
        db.execute("SELECT 1 FROM users WHERE organization_id = ? AND email = ?", (org_id, email)).fetchone()
        is not None
    )


def members(db: sqlite3.Connection, org_id: str) -> list[sqlite3.Row]:
    """(id, email, name) of the organization's users, oldest first."""
    return db.execute(
        "SELECT id, email, name FROM users WHERE organization_id = ? ORDER BY rowid", (org_id,)
    ).fetchall()


def delete_user(db: sqlite3.Connection, user_id: str) -> None:
    db.execute("DELETE FROM users WHERE id = ?", (user_id,))


def has_organizations(db: sqlite3.Connection) -> bool:
    """Whether the store holds a host's data at all."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM organizations)").fetchone()[0] == 1


def count_organizations(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM organizations").fetchone()[0]


class Accounts:
    """Organizations and users, read from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create_organization(self, name: str, user_name: str, email: str) -> User:
        with self.store.write() as db:
            org_id = new_object_id()
            insert_organization(db, org_id, name)
            return insert_user(db, new_object_id(), org_id, user_name, email)

    def organization(self, org_id: Any) -> Organization | None:
        if not isinstance(org_id, str):
            return None
        with self.store.read() as db:
            row = db.execute("SELECT id, name FROM organizations WHERE id = ?", (org_id,)).fetchone()
        return Organization(id=row["id"], name=row["name"]) if row else None

    def user(self, user_id: Any) -> User | None:
        if not isinstance(user_id, str):
            return None
        row = self.store.one("SELECT * FROM users WHERE id = ?", (user_id,))
        return user_from(row) if row else None

    def first_user(self, org_id: str) -> User | None:
        """The organization's first user (who a workflow's Plugin stage runs as)."""
        with self.store.read() as db:
            row = db.execute(
                "SELECT * FROM users WHERE organization_id = ? ORDER BY rowid LIMIT 1", (org_id,)
            ).fetchone()
        return user_from(row) if row else None

    def user_by_key(self, api_key: str) -> User | None:
        """The user whose key this is: found by digest, then compared in constant time."""
        row = self.store.one("SELECT * FROM users WHERE key_digest = ?", (key_digest(api_key),))
        if row is None or not same_secret(api_key, row["api_key"]):
            return None
        return user_from(row)

    def setting(self, name: str) -> str | None:
        with self.store.read() as db:
            row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def default_id(self, name: str) -> str | None:
        return self.setting(f"default_{name}")
