"""Projects and their assets: creating a project with its ontology, adding assets, and finding them.

A project is created whole or not at all (a refused asset leaves no project behind); its ontology
is checked before anything is stored. Listings page through indexes (:mod:`mockango.records.projects`):
a page costs O(limit + log n) however big the project. Hosted assets are served as real PNGs of
their stated size.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..assets import check_filters, hosted_size, paging
from ..errors import InvalidRequest, NotFound
from ..events import ProjectChanged
from ..images import render_png
from ..input_limits import MAX_NAME_LENGTH, check_text, check_value
from ..models import Project, User
from ..records import attachments as attachment_rows
from ..records import projects as project_rows
from ..records.accounts import Accounts
from ..records.projects import Projects
from .context import Context


def check_ontology(schema: dict, *, strict: bool = False) -> None:
    """Refuse an ontology the validator finds wrong, with every error and its path (``strict``: rules of
    unknown evidence refuse too)."""
    from ..validation import validate_ontology

    report = validate_ontology(schema, strict=strict)
    if not report.ok:
        raise InvalidRequest(
            "the ontology is not valid: " + "; ".join(f"{issue.path}: {issue.message}" for issue in report.errors),
            details=[issue.to_dict() for issue in report.errors],
        )


def full_ontology(category_schema: Mapping) -> dict:
    """An ontology with every part it may leave out (tools, classifications, relations), as a copy."""
    return {"tools": [], "classifications": [], "relations": [], **copy.deepcopy(dict(category_schema))}


class ProjectService:
    """The projects of one host and their assets."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.records = Projects(context.store)

    def create(
        self,
        organization_id: str,
        name: Any,
        category_schema: Any,
        assets: Iterable[Mapping] = (),
        *,
        description: str = "",
    ) -> Project:
        """A project with its own ontology and assets, all or nothing (see :meth:`mockango.hub.Hub.create_project`)."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("a project needs a non-empty 'name'")
        check_text(name, "name", max_length=MAX_NAME_LENGTH)
        check_text(description, "description")
        if not isinstance(category_schema, Mapping):
            raise InvalidRequest("'categorySchema' must be an object with 'tools', 'classifications', 'relations'")
        check_value(dict(category_schema), where="categorySchema")
        # Assets are checked one by one as they are stored (what each keeps: text, metadata), so a
        # million of them stream through in bounded memory.
        schema = full_ontology(category_schema)
        check_ontology(schema, strict=self._context.strict)
        if Accounts(self._context.store).organization(organization_id) is None:
            raise NotFound(f"organization '{organization_id}' does not exist")
        with self._context.store.write() as db:
            project_id = project_rows.insert_project(db, organization_id, name, schema, description=description)
            project_rows.add_assets(db, project_id, assets, start=0)
        self._context.notifier.publish(ProjectChanged(project_id))
        return self.records.require(project_id)

    def add_assets(self, project_id: str, assets: Iterable[Mapping], *, organization_id: str | None = None) -> int:
        """Append assets to a project (all or nothing, in one transaction); returns how many were added."""
        project = self.records.require(project_id, organization_id)
        with self._context.store.write() as db:
            added = project_rows.add_assets(db, project.id, assets)
        self._context.notifier.publish(ProjectChanged(project.id))
        return added

    def set_ontology(self, user: User, project_id: Any, schema: Any) -> None:
        if not isinstance(schema, Mapping):
            raise InvalidRequest("categorySchema must be an object with tools, classifications, relations")
        schema = full_ontology(schema)
        check_ontology(schema, strict=self._context.strict)
        project = self._context.scope(user).project(project_id)
        with self._context.store.write() as db:
            project_rows.set_category_schema(db, project.id, schema)
        self._context.notifier.publish(ProjectChanged(project.id))

    def count(self) -> int:
        """How many projects there are, in every organization."""
        with self._context.store.read() as db:
            return project_rows.count_visible(db)

    def list_for(self, user: User, page: Any = 1, limit: Any = 10) -> tuple[list[dict], int]:
        page, limit = paging(page, limit)
        found, total = self.records.page_for_organization(user.organization_id, page, limit)
        return [p.to_dict() for p in found], total

    def find_assets(
        self, user: User, project_id: Any, *, page: Any = 1, limit: Any = 10, filters: Mapping | None = None
    ) -> tuple[list[dict], int]:
        """One page of a project's assets matching ``filters`` (keys of ango-host-facts §4)."""
        page, limit = paging(page, limit)
        filters = dict(filters or {})
        check_filters(filters)
        project = self._context.scope(user).project(project_id)
        found, total = self.records.find_assets(
            project, self._context.base_url, page=page, limit=limit, filters=filters
        )
        if found:  # each asset with its attachments, when it has some: one indexed read for the page
            with self._context.store.read() as db:
                attached = attachment_rows.of_assets(db, [asset["_id"] for asset in found])
            for asset in found:
                if asset["_id"] in attached:
                    asset["attachments"] = attached[asset["_id"]]
        return found, total

    def page_assets(
        self, project_id: str, *, page: Any = 1, limit: Any = 50, pre_labeled: bool | None = None
    ) -> tuple[list[dict], int]:
        """One page of a project's assets with their labels, and the total (a control-side view)."""
        page, limit = paging(page, limit)
        project = self.records.require(project_id)
        filters = {} if pre_labeled is None else {"isPreLabeled": pre_labeled}
        return self.records.find_assets(
            project, self._context.base_url, page=page, limit=limit, filters=filters, with_labels=True
        )

    def asset(self, project_id: str, asset_id: str) -> dict | None:
        """One asset of a project with its labels (a control-side view), or None."""
        project = self.records.require(project_id)
        found, _ = self.records.find_assets(
            project, self._context.base_url, page=1, limit=1, filters={"_id": asset_id}, with_labels=True
        )
        return found[0] if found else None

    def all_assets(self, project_id: str) -> list[dict]:
        """Every asset of a project with its stored labels (a control-side view: no key needed)."""
        project = self.records.require(project_id)
        return list(self.records.iter_assets(project.id, self._context.base_url))

    def asset_file(self, asset_id: str) -> bytes:
        """The PNG served at a hosted asset's URL, of the asset's width x height."""
        row = self.records.hosted_asset(asset_id)
        if row is None:
            raise NotFound(f"no file for asset '{asset_id}'")
        try:
            width, height = hosted_size(json.loads(row["metadata"]))
        except InvalidRequest as exc:  # only a hand-edited state file can hold such a size
            raise NotFound(f"no file for asset '{asset_id}': {exc.message}")
        return render_png(width, height, seed=row["id"])
