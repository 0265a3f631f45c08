"""The SQLite store under the Hub at growing project sizes (Hub calls, no HTTP: the store's own cost).

    .venv/bin/python bench/store.py [--sizes 1000,1000000] [--repeat 50]

For each size, in a fresh state file: create the project (bulk insert), then median ms of
page 1 and the last page (limit 10), a filtered page (externalId, batch, isPreLabeled), a
one-item label import, the process's RSS, and a restart (open the file again, first page).
Prints a table and the growth ratios against the smallest size. Then the fixture's reset
(``Hub.reset``, in memory). The ``scale`` bench (bench/scale.py) measures the same over HTTP.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from fixture_overhead import timed  # this folder is on sys.path when a bench script runs

from mockango import Hub

ONTOLOGY = {"tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Vehicle"}]}


def assets(count: int):
    for index in range(count):
        yield {
            "externalId": f"img-{index:07d}.png",
            "data": f"https://images.example.com/{index:07d}.png",
            "metadata": {"width": 640, "height": 480},
            "batches": ["odd" if index % 2 else "even"],
        }


def median_ms(action, repeat: int) -> float:
    return statistics.median(timed(action, repeat))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(size: int, repeat: int, folder: Path) -> dict[str, float]:
    path = folder / f"state-{size}.sqlite3"
    hub = Hub(state=path)
    user = hub.default_user
    started, cpu = time.perf_counter(), time.process_time()
    project = hub.create_project("Big", ONTOLOGY, assets(size))
    # CPU seconds beside wall seconds: on a shared machine the wall time says more about the neighbours.
    figures = {"create s": time.perf_counter() - started, "create CPU s": time.process_time() - cpu}
    odd = next(b.id for b in project.batches if b.name == "odd")
    last_page = (size + 9) // 10
    middle = f"img-{size // 2:07d}.png"
    figures["page 1 ms"] = median_ms(lambda: hub.find_assets(user, project.id, page=1, limit=10), repeat)
    figures["last page ms"] = median_ms(lambda: hub.find_assets(user, project.id, page=last_page, limit=10), repeat)
    figures["by externalId ms"] = median_ms(
        lambda: hub.find_assets(user, project.id, filters={"externalId": middle}), repeat
    )
    figures["batch page 1 ms"] = median_ms(
        lambda: hub.find_assets(user, project.id, filters={"batches": [odd]}), repeat
    )
    figures["isPreLabeled page 1 ms"] = median_ms(
        lambda: hub.find_assets(user, project.id, filters={"isPreLabeled": False}), repeat
    )
    item = [
        {
            "externalId": middle,
            "objects": [{"schemaId": "box", "bounding-box": {"x": 1, "y": 1, "width": 5, "height": 5}}],
        }
    ]
    figures["import 1 item ms"] = median_ms(lambda: hub.import_labels(user, project.id, item), repeat)
    figures["RSS MB"] = rss_mb()
    hub.close_store()
    started = time.perf_counter()
    again = Hub(state=path)
    again.find_assets(again.default_user, project.id, page=1, limit=10)
    figures["restart ms"] = (time.perf_counter() - started) * 1000
    again.close_store()
    return figures


class Link:
    """A plugin connection that only records what it is sent."""

    id = "bench"

    def send_run(self, event: dict) -> None:
        self.event = event


def a_run(hub: Hub) -> None:
    """What a typical plugin test leaves behind: a plugin, a run with a log line and an import, its end."""
    plugin, link = hub.create_plugin("bench", class_names=["Vehicle"]), Link()
    hub.authenticate_plugin(plugin.id, plugin.secret, link)
    session = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    hub.record_log({"session": session.id, "msg": "hello"}, connection_id=link.id)
    first = hub.find_assets(hub.default_user, hub.default_project.id, limit=1)[0][0]["externalId"]
    hub.import_labels(
        hub.default_user, hub.default_project.id, [{"externalId": first, "objects": []}], session_id=session.id
    )
    hub.record_response({"session": session.id, "response": "ok"}, connection_id=link.id)


def reset_after(hub: Hub, change) -> float:
    change()  # not timed
    started = time.perf_counter()
    hub.reset()
    return (time.perf_counter() - started) * 1000


def reads_during_import(folder: Path, items: int = 10_000) -> tuple[float, float, int]:
    """p50 and p99 ms of a project read + page while another thread imports ``items`` labels (file mode)."""
    import threading

    hub = Hub(state=folder / "concurrent.sqlite3")
    user = hub.default_user
    project = hub.create_project("Busy", ONTOLOGY, assets(items))
    labels = [
        {
            "externalId": f"img-{i:07d}.png",
            "objects": [{"schemaId": "box", "bounding-box": {"x": 1, "y": 1, "width": 5, "height": 5}}],
        }
        for i in range(items)
    ]
    done = threading.Event()
    importer = threading.Thread(target=lambda: (hub.import_labels(user, project.id, labels), done.set()))
    samples = []
    importer.start()
    while not done.is_set():
        started = time.perf_counter()
        hub.project_for(user, project.id)
        hub.find_assets(user, project.id, page=1, limit=10)
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.001)
    importer.join()
    hub.close_store()
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], len(ordered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated asset counts (default 1000,100000)")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = {}
    with tempfile.TemporaryDirectory(prefix="mockango-store-bench-") as folder:
        for size in sizes:
            rows[size] = measure(size, args.repeat, Path(folder))
        p50, p99, count = reads_during_import(Path(folder))
    names = list(rows[sizes[0]])
    print(f"{'':<24}" + "".join(f"{size:>12,}" for size in sizes) + "   ratio (largest / smallest)")
    for name in names:
        values = [rows[size][name] for size in sizes]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        print(f"{name:<24}" + "".join(f"{v:>12.3f}" for v in values) + f"   {ratio:8.2f}x")
    print(
        f"\nproject read + page 1 while another thread imports 10,000 labels (file mode): "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms over {count} reads"
    )
    hub = Hub()
    after_plugin = [reset_after(hub, lambda: hub.create_plugin("changed")) for _ in range(200)]
    after_run = [reset_after(hub, lambda: a_run(hub)) for _ in range(200)]
    print(
        f"\nHub.reset (in memory, the fixture's per-test reset), median ms: after a test that ran a plugin "
        f"(logs, an import) {statistics.median(after_run):.3f}, that created a plugin "
        f"{statistics.median(after_plugin):.3f}, that changed nothing {median_ms(hub.reset, 200):.3f}"
    )


if __name__ == "__main__":
    main()
