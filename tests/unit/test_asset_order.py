"""Pages of a whole project after deletes anywhere (gaps, not renumbering) against a brute-force list.

Blocks of 16 and 4 positions keep the projects small while pages cross many block boundaries.
"""

from __future__ import annotations

import random

import pytest

from mockango import Hub
from mockango.records import asset_order

BLOCK = 4


@pytest.fixture
def hub(monkeypatch):
    monkeypatch.setattr(asset_order, "BLOCK_SIZES", (4 * BLOCK, BLOCK))
    hub = Hub(populate=True)
    yield hub
    hub.close_store()


def new_project(hub: Hub, size: int, prefix: str = "a"):
    return hub.create_project(
        f"order {prefix}",
        {"tools": []},
        ({"externalId": f"{prefix}{n}", "data": f"https://example.com/{prefix}{n}.png"} for n in range(size)),
    )


def assert_pages_match(hub: Hub, project_id: str, expected: list[str]) -> None:
    """Every page at several limits, of assets and of tasks (oldest and newest first), equals the list."""
    user = hub.default_user
    for limit in (1, 3, BLOCK, 7):
        pages = (len(expected) + limit - 1) // limit + 1  # one past the end: empty
        for page in range(1, pages + 1):
            want = expected[(page - 1) * limit : page * limit]
            assets, total = hub.find_assets(user, project_id, page=page, limit=limit)
            assert ([a["_id"] for a in assets], total) == (want, len(expected)), (limit, page)
            tasks, total = hub.tasks.page(user, project_id, page=page, limit=limit)
            assert ([t["asset"] for t in tasks], total) == (want, len(expected)), (limit, page)
            newest = expected[::-1][(page - 1) * limit : page * limit]
            tasks, _ = hub.tasks.page(user, project_id, page=page, limit=limit, sort="-createdAt")
            assert [t["asset"] for t in tasks] == newest, ("newest first", limit, page)
    assert [a["_id"] for a in hub.projects.iter_assets(project_id, hub.base_url)] == expected


def stored_counts(hub: Hub, project_id: str) -> tuple[list[tuple], list[tuple]]:
    """(the (size, block, live) counts kept, the same counted from the assets there are)."""
    with hub.store.read() as db:
        kept = db.execute(
            "SELECT size, block, live FROM asset_blocks WHERE project_id = ? ORDER BY size DESC, block", (project_id,)
        ).fetchall()
        actual = [
            row
            for size in asset_order.BLOCK_SIZES
            for row in db.execute(
                "SELECT :size, position / :size, count(*) FROM assets WHERE project_id = :project GROUP BY 2 ORDER BY 2",
                {"size": size, "project": project_id},
            )
        ]
    return [tuple(r) for r in kept], [tuple(r) for r in actual]


def test_pages_after_random_deletes_and_appends_equal_the_brute_force_list(hub):
    user = hub.default_user
    project = new_project(hub, 60)
    expected = [a["_id"] for a in hub.find_assets(user, project.id, limit=100)[0]]
    assert_pages_match(hub, project.id, expected)  # no gaps yet: positions are the ranks
    chance = random.Random(8)
    for round_number in range(6):
        gone = chance.sample(expected, min(len(expected), chance.choice((1, 2, 5, 9))))
        if round_number == 2:  # a whole block and its neighbours' edges
            start = expected.index(expected[BLOCK])
            gone = list(dict.fromkeys(gone + expected[start - 1 : start + BLOCK + 1]))
        assert hub.uploads.delete_assets(user, project.id, gone) == len(gone)
        expected = [a for a in expected if a not in gone]
        added = hub.uploads.add_assets(
            user,
            project.id,
            [
                {"externalId": f"r{round_number}-{n}", "data": f"https://example.com/r{round_number}-{n}.png"}
                for n in range(1 + round_number % 3)
            ],
        )
        expected += [a["_id"] for a in added]
        assert_pages_match(hub, project.id, expected)
        kept, actual = stored_counts(hub, project.id)
        assert kept == actual and sum(live for size, _, live in kept if size == BLOCK) == len(expected)
    assert hub.project_for(user, project.id).asset_count == len(expected)


def test_deleting_every_asset_then_adding_starts_the_order_again(hub):
    user = hub.default_user
    project = new_project(hub, 10)
    everything = [a["_id"] for a in hub.find_assets(user, project.id, limit=10)[0]]
    hub.uploads.delete_assets(user, project.id, everything[:9])
    assert_pages_match(hub, project.id, everything[9:])
    hub.uploads.delete_assets(user, project.id, everything[9:])
    assert_pages_match(hub, project.id, [])
    assert stored_counts(hub, project.id) == ([], [])
    added = hub.uploads.add_assets(
        user, project.id, [{"externalId": f"n{n}", "data": f"https://example.com/n{n}"} for n in range(6)]
    )
    assert_pages_match(hub, project.id, [a["_id"] for a in added])
    with hub.store.read() as db:
        positions = [
            r[0]
            for r in db.execute("SELECT position FROM assets WHERE project_id = ? ORDER BY position", (project.id,))
        ]
    assert positions == list(range(6))  # after the last live asset: an emptied project starts again at 0


def test_other_projects_keep_their_own_counts(hub):
    user = hub.default_user
    first, second = new_project(hub, 9, "x"), new_project(hub, 9, "y")
    doomed = [a["_id"] for a in hub.find_assets(user, first.id, limit=9)[0]][2:6]
    hub.uploads.delete_assets(user, first.id, doomed)
    assert_pages_match(hub, second.id, [a["_id"] for a in hub.find_assets(user, second.id, limit=9)[0]])
    assert stored_counts(hub, second.id)[0] == [(4 * BLOCK, 0, 9), (BLOCK, 0, 4), (BLOCK, 1, 4), (BLOCK, 2, 1)]
    with hub.store.write() as db:
        db.execute("DELETE FROM projects WHERE id = ?", (first.id,))
    assert stored_counts(hub, first.id) == ([], [])  # the counts go with their project


def test_export_import_and_an_older_store_recount_the_blocks(hub, tmp_path, monkeypatch):
    user = hub.default_user
    project = new_project(hub, 30)
    listed = [a["_id"] for a in hub.find_assets(user, project.id, limit=30)[0]]
    hub.uploads.delete_assets(user, project.id, listed[3:11] + [listed[20]])
    expected = listed[:3] + listed[11:20] + listed[21:]
    hub.export_state(tmp_path / "state.json")
    other = Hub(populate=False)
    other.import_state(tmp_path / "state.json")
    assert_pages_match(other, project.id, expected)
    assert stored_counts(other, project.id)[0] == stored_counts(hub, project.id)[0]
    other.close_store()
    # A store file made before the counts existed: opening it counts them once (at the schema's sizes).
    monkeypatch.undo()
    stored = Hub(state=tmp_path / "state.sqlite3")
    stored.import_state(tmp_path / "state.json")
    with stored.store.write() as db:
        db.execute("DELETE FROM asset_blocks")
    stored.close_store()
    reopened = Hub(state=tmp_path / "state.sqlite3")
    assert_pages_match(reopened, project.id, expected)
    kept, actual = stored_counts(reopened, project.id)
    assert kept == actual and len(kept) == 2
    reopened.close_store()


def test_a_deep_page_reads_the_block_counts_and_at_most_one_block_of_the_index(hub):
    user = hub.default_user
    project = new_project(hub, 200)
    listed = [a["_id"] for a in hub.find_assets(user, project.id, limit=200)[0]]
    hub.uploads.delete_assets(user, project.id, listed[5:150:3])
    expected = [a for a in listed if a not in listed[5:150:3]]
    ran: list[str] = []
    with hub.store.read() as db:
        db.set_trace_callback(ran.append)
        try:
            page = hub.find_assets(user, project.id, page=14, limit=10)[0]
            tasks = hub.tasks.page(user, project.id, page=14, limit=10)[0]
        finally:
            db.set_trace_callback(None)
        assert [a["_id"] for a in page] == [t["asset"] for t in tasks] == expected[130:140]
        stepped = [q for q in ran if "OFFSET" in q]
        assert len(stepped) == 2
        for query in stepped:
            offset = int(query.rsplit("OFFSET", 1)[1].strip())
            assert offset < BLOCK, query  # a step within one block, not over the skipped rows
            plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + query)]
            assert len(plan) == 1 and plan[0].startswith("SEARCH") and "COVERING INDEX" in plan[0], plan
        ranks = [q for q in ran if "asset_blocks" in q]
        # the live count, big blocks, then small ones within the big one; for assets and for tasks
        assert len(ranks) == 6 and sum("OVER" in q for q in ranks) == 4
        for query in ranks:
            plan = " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + query))
            assert "asset_blocks USING PRIMARY KEY (project_id=? AND size=?" in plan, plan
            assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", "").replace("SCAN (subquery", ""), plan
