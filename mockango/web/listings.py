"""The listings the control API and the dashboard both show, built once from the request.

As Datasette builds one view's data for its JSON and its HTML, a listing here reads its query
(page, limit, filters) and the Hub once; ``/api/...`` answers it as JSON and the dashboard
renders the same object. A new filter or page size is added here, and both follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import FINAL_STATUSES, RUNNING, Session
from .middleware.caller import hub
from .middleware.params import choice, page_and_limit

SESSIONS_PER_PAGE = 50
SESSION_STATUSES = (RUNNING, *sorted(FINAL_STATUSES))


@dataclass
class SessionListing:
    """One page of an organization's sessions, with the filters it was asked for."""

    sessions: list[Session]
    total: int
    page: int
    limit: int
    plugin: str | None
    status: str | None

    def to_dict(self) -> dict:
        """The control API's answer (``GET /api/sessions``)."""
        return {
            "sessions": [s.to_dict() for s in self.sessions],
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
        }


def session_listing(organization_id: str, *, with_logs: bool = True, clamp: bool = False) -> SessionListing:
    """The sessions page the query asks for (``page``, ``limit``, ``plugin``, ``status``).

    ``clamp``: a page past the end (the list shrank since the link was made) shows the last page.
    """
    page, limit = page_and_limit(SESSIONS_PER_PAGE)
    plugin = choice("plugin", options=None)  # any id: another organization's simply matches nothing
    status = choice("status", SESSION_STATUSES)
    found, total = hub().page_sessions(
        organization_id, plugin_id=plugin, status=status, page=page, limit=limit, with_logs=with_logs
    )
    last = max(1, -(-total // limit))
    if clamp and page > last:
        page = last
        found, total = hub().page_sessions(
            organization_id, plugin_id=plugin, status=status, page=page, limit=limit, with_logs=with_logs
        )
    return SessionListing(found, total, page, limit, plugin, status)


def plugin_listing(organization_id: str) -> list[dict]:
    """The organization's plugins with their live light and last heartbeat."""
    h = hub()
    return [
        p.to_dict(live=h.is_live(p.id), last_heartbeat=h.last_heartbeat.get(p.id))
        for p in h.list_plugins(organization_id)
    ]
