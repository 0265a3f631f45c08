"""Plugins (stored) and their live connections (process-local: a socket does not survive a restart)."""

from __future__ import annotations

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
