"""Organizations, users and their API keys, and which of them are this host's defaults.

A user's key is kept (``mockango serve`` prints it again after a restart) and found
by its SHA-256 digest, so a lookup costs one index probe whatever the number of users.
"""

from __future__ import annotations

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
