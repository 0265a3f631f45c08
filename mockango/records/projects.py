"""Projects with their ontology, their assets and batches (and which assets are in which batch).

Every lookup a request makes has an index: an asset by id, by (project, externalId),
by (project, data URL), by batch (``asset_batches``), by pre-labeled flag, and a
project's assets in a stable order (``position``: 0, 1, 2, ... in creation order).
Counts are kept on the project and batch rows, so no listing counts by scanning.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category_schema TEXT NOT NULL,
    created_at REAL NOT NULL,
    asset_count INTEGER NOT NULL DEFAULT 0,
    pre_labeled_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS projects_by_organization ON projects(organization_id, created_at);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    asset_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS batches_by_project ON batches(project_id, position);
CREATE TABLE IF NOT EXISTS assets (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    data TEXT NOT NULL,
    hosted INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}',
    batches TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    labels TEXT,
    labeled_by_session TEXT,
    pre_labeled INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS assets_in_order ON assets(project_id, position);
CREATE INDEX IF NOT EXISTS assets_by_external_id ON assets(project_id, external_id);
CREATE INDEX IF NOT EXISTS assets_by_data ON assets(project_id, data);
CREATE INDEX IF NOT EXISTS assets_by_pre_labeled ON assets(project_id, pre_labeled, position);
CREATE TABLE IF NOT EXISTS asset_batches (
    batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    asset_pk INTEGER NOT NULL REFERENCES assets(pk) ON DELETE CASCADE,
    PRIMARY KEY (batch_id, asset_pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS asset_batches_by_asset ON asset_batches(asset_pk);
"""
EXPORTED = ("projects", "batches", "assets", "asset_batches")
