"""An organization's members (their role, when they joined) and its pending invitations, in SQL.

The shapes follow Ango's API docs (https://docs.imerit.net/api/docs/organization): a member's
``organizationRole`` is ``Admin``, ``Member`` or ``Guest``; an invite is ``{_id, to, organizationRole,
status, createdBy, createdAt, expiresAt}``. A user without a row here (made before this table existed) is an
Admin who joined when the row is first needed.
"""

from __future__ import annotations

import json
import sqlite3
import time

from ..ids import new_object_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS member_roles (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    organization_role TEXT NOT NULL,
    joined_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS invites (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    organization_role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    project_assignments TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS invites_by_organization ON invites(organization_id, status, created_at);
CREATE INDEX IF NOT EXISTS invites_by_email ON invites(organization_id, email);
"""
EXPORTED = ("member_roles", "invites")

ROLES = ("Admin", "Member", "Guest")
INVITE_DAYS = 7  # an invite's life (mockango's choice: the docs show expiresAt, not how far ahead)


def role_name(value: object) -> str | None:
    """``Admin``/``Member``/``Guest`` for any casing (the SDK's OrganizationRoles send ``admin``/``member``)."""
    if not isinstance(value, str):
        return None
    return next((role for role in ROLES if role.lower() == value.lower()), None)


def members_page(
    db: sqlite3.Connection, organization_id: str, *, page: int, limit: int, search: str | None = None
) -> list[sqlite3.Row]:
    """One page of the organization's members in joining order, optionally those whose email or name holds
    ``search`` (case-insensitive)."""
    where, args = "u.organization_id = ?", [organization_id]
    if search:
        where += " AND (instr(lower(u.email), lower(?)) OR instr(lower(u.name), lower(?)))"
        args += [search, search]
    return db.execute(
        "SELECT u.id, u.email, u.name, coalesce(m.organization_role, 'Admin') AS organization_role, "
        f"m.joined_at FROM users u LEFT JOIN member_roles m ON m.user_id = u.id WHERE {where} "
        "ORDER BY u.rowid LIMIT ? OFFSET ?",
        (*args, limit, (page - 1) * limit),
    ).fetchall()


def member_by_email(db: sqlite3.Connection, organization_id: str, email: str) -> sqlite3.Row | None:
    return db.execute(
        "SELECT id, email FROM users WHERE organization_id = ? AND lower(email) = lower(?) ORDER BY rowid LIMIT 1",
        (organization_id, email),
    ).fetchone()


def set_role(db: sqlite3.Connection, user_id: str, role: str, joined_at: float | None = None) -> None:
    db.execute(
        "INSERT INTO member_roles (user_id, organization_role, joined_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET organization_role = excluded.organization_role",
        (user_id, role, joined_at if joined_at is not None else time.time()),
    )


def note_joined(db: sqlite3.Connection, user_ids: list[str]) -> None:
    """Give members without a row (users from before this table) one: Admin, joined now."""
    db.executemany(
        "INSERT OR IGNORE INTO member_roles (user_id, organization_role, joined_at) VALUES (?, 'Admin', ?)",
        [(user_id, time.time()) for user_id in user_ids],
    )


def add_invite(
    db: sqlite3.Connection, organization_id: str, email: str, role: str, created_by: str, assignments: list
) -> str:
    invite_id = new_object_id()
    now = time.time()
    db.execute(
        "INSERT INTO invites (id, organization_id, email, organization_role, status, created_by, created_at, "
        "expires_at, project_assignments) VALUES (?, ?, ?, ?, 'Pending', ?, ?, ?, ?)",
        (invite_id, organization_id, email, role, created_by, now, now + INVITE_DAYS * 86400, json.dumps(assignments)),
    )
    return invite_id


def invites_page(
    db: sqlite3.Connection, organization_id: str, *, status: str | None, page: int, limit: int
) -> list[sqlite3.Row]:
    if status is None:
        return db.execute(
            "SELECT * FROM invites WHERE organization_id = ? ORDER BY created_at, rowid LIMIT ? OFFSET ?",
            (organization_id, limit, (page - 1) * limit),
        ).fetchall()
    return db.execute(
        "SELECT * FROM invites WHERE organization_id = ? AND lower(status) = lower(?) ORDER BY created_at, rowid "
        "LIMIT ? OFFSET ?",
        (organization_id, status, limit, (page - 1) * limit),
    ).fetchall()


def delete_invites(db: sqlite3.Connection, organization_id: str, email: str) -> int:
    return db.execute(
        "DELETE FROM invites WHERE organization_id = ? AND lower(email) = lower(?)", (organization_id, email)
    ).rowcount


def invite_row(db: sqlite3.Connection, invite_id: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM invites WHERE id = ?", (invite_id,)).fetchone()
