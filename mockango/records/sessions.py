"""Runs: sessions with what was sent and what came back, their log lines, imports and run keys."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    run_by TEXT NOT NULL,
    event TEXT NOT NULL,
    time_limit REAL NOT NULL,
    started_at REAL NOT NULL,
    deadline_at REAL NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    reason TEXT,
    ended_at REAL,
    connection_id TEXT,
    log_count INTEGER NOT NULL DEFAULT 0,
    dropped_logs INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_organization ON sessions(organization_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_plugin ON sessions(organization_id, plugin_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions(organization_id, status, started_at);
CREATE INDEX IF NOT EXISTS sessions_running ON sessions(deadline_at) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS session_logs (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_imports (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_keys (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE
) WITHOUT ROWID;
"""
EXPORTED = ("sessions", "session_logs", "session_imports", "run_keys")
