"""What requests cost in a project with one batch per asset, as the batch count grows.

    .venv/bin/python bench/many_batches.py [--sizes 1000,100000] [--repeat 50]

For each size it makes one project of that many assets, each in its own batch, in an
in-memory Hub, then times (median ms over ``--repeat`` calls):
- ``assets page 1``, ``assets last page, no gaps``: ``GET /v2/project/{id}/assets``'s domain call
  (``Hub.find_assets``, limit 10) before any delete;
- ``get_task``: one task by id (the project is checked, its batches are not needed);
- ``upload 1 asset``: ``POST /v2/project/{id}/cloud`` with one asset in one named batch;
- ``delete 1 asset``: ``DELETE /v2/project/{id}/assets`` of the last asset;
- ``delete first``: the same of the first asset (``--delete-repeat`` times);
- ``assets last page``, ``tasks page 1``, ``tasks last page``: pages at limit 10, after those deletes
  (the project's order then has gaps at both ends);
and the ratio of each to the smallest size.
"""

from __future__ import annotations

import argparse
import itertools

from figures import print_table, timed

from mockango.hub import Hub


def measure(size: int, repeat: int, delete_repeat: int) -> dict:
    hub = Hub(populate=True)
    user = hub.default_user
    project = hub.create_project(
        f"bench {size}",
        {"tools": []},
        ({"externalId": f"a-{n}", "data": f"https://example.com/{n}.png", "batches": [f"b{n}"]} for n in range(size)),
    )
    task_id = hub.tasks.page(user, project.id, limit=1)[0][0]["_id"]
    numbers = itertools.count()

    def upload():
        n = next(numbers)
        hub.uploads.add_assets(
            user, project.id, [{"externalId": f"new-{n}", "data": f"https://example.com/n{n}.png"}], batches=[f"b{n}"]
        )

    def delete_last():
        _, total = hub.find_assets(user, project.id, limit=1)
        last = hub.find_assets(user, project.id, page=total, limit=1)[0][0]["_id"]
        hub.uploads.delete_assets(user, project.id, [last])

    def delete_first():
        first = hub.find_assets(user, project.id, limit=1)[0][0]["_id"]
        hub.uploads.delete_assets(user, project.id, [first])

    last = (size + 9) // 10
    figures = {
        "assets page 1": timed(lambda: hub.find_assets(user, project.id, page=1, limit=10), repeat),
        "last page, no gaps": timed(lambda: hub.find_assets(user, project.id, page=last, limit=10), repeat),
        "get_task": timed(lambda: hub.tasks.get(user, task_id), repeat),
        "upload 1 asset": timed(upload, repeat),
        "delete 1 asset": timed(delete_last, repeat),
        "delete first": timed(delete_first, delete_repeat),
    }
    _, total = hub.find_assets(user, project.id, limit=10)
    last = (total + 9) // 10
    figures["assets last page"] = timed(lambda: hub.find_assets(user, project.id, page=last, limit=10), repeat)
    figures["tasks page 1"] = timed(lambda: hub.tasks.page(user, project.id, page=1, limit=10), repeat)
    figures["tasks last page"] = timed(lambda: hub.tasks.page(user, project.id, page=last, limit=10), repeat)
    hub.close_store()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--delete-repeat", type=int, default=3, help="deletes of the first asset timed")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    results = {size: measure(size, options.repeat, options.delete_repeat) for size in sizes}
    print_table(results, width=16)


if __name__ == "__main__":
    main()
