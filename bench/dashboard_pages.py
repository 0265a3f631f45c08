"""Does a dashboard page cost what it shows, however big the project? Issue 22's pages, measured.

    .venv/bin/python bench/dashboard_pages.py [--sizes 1000,1000000] [--repeat 20]

For each size, in a fresh child process: a project of that many assets kept in a SQLite state
file (as ``mockango serve`` keeps it), 10 tasks moved to Review, 100 assigned, one task answered
by a Model plugin (its asset pre-labeled too); served by ``MockAngo`` over real HTTP and read by a
signed-in browser's cookie: the overview, the projects list, the project page (first and last of
its asset pages), the tasks list (first and last page, by stage, status and assignee), one task
and one asset page. Each figure is the median time of a whole page (request to last byte) with
its 95 % interval; the last column is the largest size over the smallest.

Not a test: nothing is asserted. Traffic goes only to 127.0.0.1; every process started is stopped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import made  # noqa: E402
from figures import Summary, machine, sample  # noqa: E402

TOOL = "aaaaaaaaaaaaaaaaaaaaaaaa"
SCHEMA = {"tools": [{"schemaId": TOOL, "tool": "bounding-box", "title": "Box", "color": "#ff0000"}]}
BOX = {"x": 10, "y": 20, "width": 30, "height": 40}
ASSIGNED = 100
REVIEWED = 10


def staged(host, size: int) -> dict[str, str]:
    """A project of ``size`` assets with a few tasks moved, assigned and answered; the pages to read."""
    began = time.perf_counter()
    project = host.create_project("Big", SCHEMA, made.assets(size, metadata=True))
    created = time.perf_counter() - began
    rest = requests.Session()
    rest.headers["apikey"] = host.api_key
    last_page = -(-size // 10)
    first = rest.get(f"{host.url}/v2/project/{project}/assets", params={"limit": 10}).json()["data"]["assets"]
    last = rest.get(f"{host.url}/v2/project/{project}/assets", params={"page": last_page, "limit": 10}).json()
    ids = [a["_id"] for a in first] + [a["_id"] for a in last["data"]["assets"]]
    tasks = [host.task_for_asset(asset_id)["_id"] for asset_id in ids]
    for task_id in tasks[:REVIEWED]:
        host.set_task(task_id, stage="Review")
    assigned = rest.get(
        f"{host.url}/v2/project/{project}/assets", params={"page": max(1, last_page // 2), "limit": ASSIGNED}
    ).json()["data"]["assets"]
    for asset in assigned:
        host.set_task(host.task_for_asset(asset["_id"])["_id"], assignee="ada@example.com")
    answered = ids[-1]
    host.hub.import_labels(
        host.hub.default_user, project, [{"externalId": last["data"]["assets"][-1]["externalId"], "objects": []}]
    )
    host.set_task(tasks[-1], answer={"objects": [{"schemaId": TOOL, "bounding-box": BOX}]})
    asset_pages = -(-size // 60)
    task_pages = -(-size // 50)
    print(f"  {size:,} assets made in {created:.1f} s", file=sys.stderr)
    return {
        "overview /": "/",
        "projects list": "/projects",
        "project, first asset page": f"/projects/{project}",
        "project, last asset page": f"/projects/{project}?page={asset_pages}",
        "tasks, first page": f"/projects/{project}/tasks",
        "tasks, last page": f"/projects/{project}/tasks?page={task_pages}",
        "tasks ?stage=Review": f"/projects/{project}/tasks?stage=Review",
        "tasks ?status=Completed": f"/projects/{project}/tasks?status=Completed",
        "tasks ?assignee=": f"/projects/{project}/tasks?assignee=ada@example.com",
        "one task": f"/tasks/{tasks[-1]}",
        "one asset": f"/projects/{project}/assets/{answered}",
    }


def measure(size: int, repeat: int) -> dict:
    from mockango import Hub, MockAngo

    with tempfile.TemporaryDirectory(prefix="mockango-pages-") as folder:
        with MockAngo(hub=Hub(seed=0, state=Path(folder) / "state.sqlite3")) as host:
            pages = staged(host, size)
            browser = requests.Session()
            browser.cookies.set("mockango_apikey", host.api_key)
            out = {}
            for name, path in pages.items():

                def page(path=path):
                    answer = browser.get(host.url + path, timeout=60)
                    if answer.status_code != 200:
                        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")

                out[name] = sample(page, least=repeat, most=200, precision=0.05, budget=5.0).to_dict()
            return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,1000000", help="project sizes (assets), comma-separated")
    parser.add_argument("--repeat", type=int, default=20, help="at least this many samples of each page")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeat)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for size in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            print(f"size {size}: the child failed", file=sys.stderr)
            return 1
        results[size] = json.loads(done.stdout)
    print(f"dashboard pages, median ms [95 % interval] — {machine()}")
    header = ["page", *(f"{size:,} assets" for size in sizes), "ratio"]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for name in results[sizes[0]]:
        cells = [Summary.from_dict(results[size][name]) for size in sizes]
        ratio = cells[-1].median / cells[0].median if cells[0].median else float("nan")
        print(f"| {name} | " + " | ".join(str(c) for c in cells) + f" | {ratio:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
