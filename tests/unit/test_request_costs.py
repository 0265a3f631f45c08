"""Requests read what they answer with, not the project: checked on the SQL they run (no timings)."""

from __future__ import annotations

import pytest

from mockango import Hub


@pytest.fixture
def traced():
    """A hub with a project of one batch per asset, and the SQL each call runs."""
    hub = Hub(populate=True)
    project = hub.create_project("many batches", {"tools": []}, (
        {"externalId": f"a{n}", "data": f"https://example.com/{n}.png", "batches": [f"b{n}"]} for n in range(50)))
    ran: list[str] = []
    with hub.store.read() as db:
        db.set_trace_callback(ran.append)
        yield hub, project, ran
        db.set_trace_callback(None)


def test_a_project_request_does_not_read_the_project_s_batches(traced):
    hub, project, ran = traced
    user = hub.default_user
    task = hub.tasks.page(user, project.id, limit=1)[0][0]
    hub.tasks.get(user, task["_id"])
    hub.find_assets(user, project.id, page=2, limit=5)
    hub.tasks.page(user, project.id, filters={"stage": "Label"})
    assert ran and not [q for q in ran if "FROM batches" in q]
    assert len(hub.project_for(user, project.id).batches) == 50  # still there when asked for
    assert [q for q in ran if "FROM batches" in q]
