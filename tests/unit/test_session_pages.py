"""Sessions listings by position (records/session_pages.py): every page of every filter, against a plain query.

The listings are kept by positions instead of OFFSET; these tests check that they always
say what ``ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?`` would, through runs
that end out of order, restarts, an import, and a state file that has no positions yet.
"""

from __future__ import annotations

import random

import pytest

from mockango import Hub
from mockango.records import session_pages
from tests.support import FakeConnection

STATUSES = (None, "running", "succeeded", "failed", "timed_out")


def expected(hub: Hub, organization_id: str, plugin_id: str | None, status: str | None) -> list[str]:
    where, args = ["organization_id = ?"], [organization_id]
    if plugin_id:
        where.append("plugin_id = ?")
        args.append(plugin_id)
    if status:
        where.append("status = ?")
        args.append(status)
    with hub.store.read() as db:
        return [
            r[0]
            for r in db.execute(
                f"SELECT id FROM sessions WHERE {' AND '.join(where)} ORDER BY started_at DESC, rowid DESC", args
            )
        ]


def check_every_page(hub: Hub, organization_id: str, plugin_ids: list[str], limit: int = 3) -> int:
    """Compare every page of every listing with the plain query; returns how many pages were compared."""
    compared = 0
    for plugin_id in (None, *plugin_ids, "f" * 24):
        for status in STATUSES:
            wanted = expected(hub, organization_id, plugin_id, status)
            pages = max(1, -(-len(wanted) // limit))
            for page in range(1, pages + 2):  # one past the end: empty, same total
                found, total = hub.page_sessions(
                    organization_id, plugin_id=plugin_id, status=status, page=page, limit=limit, with_logs=False
                )
                assert total == len(wanted), (plugin_id, status)
                assert [s.id for s in found] == wanted[(page - 1) * limit : page * limit], (plugin_id, status, page)
                compared += 1
            every, _ = hub.sessions.page(
                organization_id, plugin_id=plugin_id, status=status, limit=-1, newest_first=False, with_logs=False
            )
            assert [s.id for s in every] == wanted[::-1]
    return compared


def start_runs(hub: Hub, plugins: list, count: int, rng: random.Random) -> list[str]:
    started = []
    for _ in range(count):
        plugin = rng.choice(plugins)
        started.append(hub.start_run(hub.default_user, plugin.id, hub.default_project.id).id)
    return started


@pytest.fixture
def hub_with_plugins():
    hub = Hub(seed=3)
    plugins = [hub.create_plugin(f"p{n}") for n in range(3)]
    for plugin in plugins:
        hub.authenticate_plugin(plugin.id, plugin.secret, FakeConnection(f"c-{plugin.id}"))
    return hub, plugins


def finish_in_random_order(hub: Hub, running: list[str], rng: random.Random, how_many: int) -> None:
    """End ``how_many`` of the running sessions, in an order unlike the one they started in."""
    rng.shuffle(running)
    for _ in range(min(how_many, len(running))):
        session_id = running.pop()
        choice = rng.random()
        if choice < 0.5:
            hub.record_response(
                {"session": session_id, "response": "ok"}, connection_id=f"c-{hub.get_session(session_id).plugin_id}"
            )
        elif choice < 0.8:
            hub.record_response(
                {"session": session_id, "error": "no"}, connection_id=f"c-{hub.get_session(session_id).plugin_id}"
            )
        else:
            hub.runs.finish(session_id, "timed_out", reason="test")


def test_every_page_of_every_filter_matches_the_plain_query_as_runs_end_out_of_order(hub_with_plugins):
    hub, plugins = hub_with_plugins
    rng = random.Random(8)
    running: list[str] = []
    organization_id = hub.default_organization.id
    for _ in range(6):
        running += start_runs(hub, plugins, rng.randint(3, 9), rng)
        finish_in_random_order(hub, running, rng, rng.randint(2, 8))
        assert check_every_page(hub, organization_id, [p.id for p in plugins]) > 0
    finish_in_random_order(hub, running, rng, len(running))
    assert check_every_page(hub, organization_id, [p.id for p in plugins], limit=4) > 0
    with hub.store.read() as db:  # four positions per session, no more
        assert db.execute("SELECT count(*) FROM session_order").fetchone()[0] == 4 * hub.session_count()


def test_organizations_have_listings_of_their_own(hub_with_plugins):
    hub, plugins = hub_with_plugins
    other = hub.create_organization("Other")
    project = hub.create_project(
        "theirs",
        {"tools": [{"schemaId": "b", "tool": "bounding-box", "title": "B"}]},
        organization_id=other.organization_id,
    )
    theirs = hub.create_plugin("theirs", organization_id=other.organization_id)
    hub.authenticate_plugin(theirs.id, theirs.secret, FakeConnection("c-theirs"))
    rng = random.Random(2)
    ours = start_runs(hub, plugins, 5, rng)
    for _ in range(4):
        hub.start_run(other, theirs.id, project.id)
    assert hub.page_sessions(other.organization_id)[1] == 4
    assert hub.page_sessions(hub.default_organization.id)[1] == 5
    assert hub.page_sessions(other.organization_id, plugin_id=plugins[0].id)[1] == 0
    assert check_every_page(hub, other.organization_id, [theirs.id]) > 0
    assert check_every_page(hub, hub.default_organization.id, [p.id for p in plugins]) > 0
    assert len(ours) == 5


def runs_on_a_file(state, *, started: int, ended: int, seed: int):
    """A Hub on ``state`` with one plugin and ``started`` runs, ``ended`` of them ended in a random order."""
    hub = Hub(seed=0, state=state)
    plugin = hub.create_plugin("p")
    hub.authenticate_plugin(plugin.id, plugin.secret, FakeConnection(f"c-{plugin.id}"))
    rng = random.Random(seed)
    finish_in_random_order(hub, start_runs(hub, [plugin], started, rng), rng, ended)
    return hub, plugin


def test_a_restart_fails_the_runs_in_flight_in_their_places(tmp_path):
    state = tmp_path / "state.sqlite3"
    hub, plugin = runs_on_a_file(state, started=12, ended=6, seed=5)
    hub.close_store()
    again = Hub(seed=0, state=state)
    assert again.page_sessions(again.default_organization.id, status="running")[1] == 0
    assert again.page_sessions(again.default_organization.id, status="failed")[1] >= 6
    assert check_every_page(again, again.default_organization.id, [plugin.id]) > 0
    again.close_store()


def test_a_state_file_without_positions_gets_them_at_start_and_an_import_rebuilds_them(tmp_path):
    state = tmp_path / "state.sqlite3"
    hub, plugin = runs_on_a_file(state, started=10, ended=10, seed=6)
    exported = tmp_path / "export.json"
    hub.export_state(exported)
    with hub.store.write() as db:  # as a file made before the listings' table
        db.execute("DELETE FROM session_order")
    hub.close_store()
    again = Hub(seed=0, state=state)
    assert again.page_sessions(again.default_organization.id)[1] == 10
    assert check_every_page(again, again.default_organization.id, [plugin.id]) > 0
    fresh = Hub(seed=0)
    fresh.import_state(exported)
    assert check_every_page(fresh, fresh.default_organization.id, [plugin.id]) > 0
    assert fresh.page_sessions(fresh.default_organization.id, plugin_id=plugin.id)[1] == 10
    again.close_store()


def test_ensure_leaves_an_empty_or_built_table_alone():
    hub = Hub(seed=0)
    with hub.store.write() as db:
        assert session_pages.ensure(db) is False
