"""Big label imports are parsed and validated in a worker process (mockango/services/import_worker.py).

Against a host kept in a SQLite file, as ``mockango serve`` keeps it, over real HTTP. The
worker must answer exactly as an import in the server's own thread does: the same status
and body for every kind of bad input, the same stored labels, nothing stored on refusal.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from mockango import MockAngo
from mockango.hub import Hub
from mockango.services.import_worker import WORKER_MIN_BYTES, WorkerAnswer, WorkerUnavailable
from tests import serving

pytestmark = pytest.mark.slow  # file-backed hosts with a worker process

ALWAYS, NEVER = 0, 1 << 62  # ImportWorker.min_bytes: every body to the worker / none


@pytest.fixture
def host(tmp_path):
    hub = Hub(seed=0, state=tmp_path / "state.sqlite3")
    with MockAngo(hub=hub) as server:
        yield server
    hub.close_store()


@pytest.fixture
def project(host):
    return host.hub.default_project


def box_tool(project) -> str:
    return next(t["schemaId"] for t in project.category_schema["tools"] if t["tool"] == "bounding-box")


def box_item(project, external_id: str, x: float = 10) -> dict:
    return {
        "externalId": external_id,
        "objects": [{"schemaId": box_tool(project), "bounding-box": {"x": x, "y": 5, "width": 20, "height": 30}}],
    }


def post(host, body: bytes, api_key: str | None = None) -> requests.Response:
    return requests.post(
        f"{host.url}/v2/import/labels",
        data=body,
        timeout=60,
        headers={"apikey": api_key or host.hub.default_user.api_key, "Content-Type": "application/json"},
    )


def stored_labels(host, project) -> dict:
    return {a["externalId"]: a.get("labels") for a in host.hub.projects.iter_assets(project.id, host.hub.base_url)}


def test_a_big_import_goes_through_the_worker_and_is_stored(host, project):
    big = host.hub.create_project(
        "Big",
        project.category_schema,
        [
            {
                "externalId": f"{i:05}.png",
                "data": f"https://example.invalid/{i}.png",
                "metadata": {"width": 640, "height": 480},
            }
            for i in range(1500)
        ],
    )
    items = [box_item(big, f"{i:05}.png", x=i % 600) for i in range(1500)]
    body = json.dumps({"project": big.id, "jsonContent": items}).encode()
    assert len(body) >= WORKER_MIN_BYTES

    answer = post(host, body)

    assert answer.status_code == 200, answer.text[:2000]
    assert host.hub.import_worker.answered == 1
    imported = answer.json()["data"]["imported"]
    assert (imported["items"], imported["objects"], imported["assets"]) == (1500, 1500, 1500)
    labels = stored_labels(host, big)
    assert {name: stored["objects"][0]["bounding-box"]["x"] for name, stored in labels.items()} == {
        f"{i:05}.png": i % 600 for i in range(1500)
    }
    assert host.hub.projects.get(big.id).pre_labeled_count == 1500


def test_the_worker_stores_what_the_thread_stores(tmp_path):
    """Two hosts from the same seed, one import each way: the same rows come out."""
    outcomes = []
    for name, min_bytes in (("worker", ALWAYS), ("thread", NEVER)):
        hub = Hub(seed=0, state=tmp_path / f"{name}.sqlite3")
        with MockAngo(hub=hub) as server:
            hub.import_worker.min_bytes = min_bytes
            project = hub.default_project
            names = [a["externalId"] for a in hub.projects.iter_assets(project.id, hub.base_url)]
            items = [box_item(project, n, x=i) for i, n in enumerate(names)] + [box_item(project, names[0], x=99)]
            answer = post(server, json.dumps({"project": project.id, "jsonContent": items}).encode())
            assert answer.status_code == 200, answer.text[:2000]
            outcomes.append(
                (answer.json()["data"], stored_labels(server, project), hub.projects.get(project.id).pre_labeled_count)
            )
            assert hub.import_worker.answered == (1 if name == "worker" else 0)
        hub.close_store()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1]["001-someone.png"]["objects"][0]["bounding-box"]["x"] == 99


def bad_bodies(project, stranger_project_id: str) -> dict[str, bytes]:
    good = box_item(project, "001-someone.png")

    def body(**fields) -> bytes:
        return json.dumps(fields).encode()

    return {
        "not JSON": b'{"project": ',
        "not UTF-8": b'{"project": "\xff"}',
        "NaN": (
            '{"project": "%s", "jsonContent": [{"externalId": "001-someone.png", "objects": [{"schemaId": "%s",'
            ' "bounding-box": {"x": NaN, "y": 1, "width": 2, "height": 3}}]}]}' % (project.id, box_tool(project))
        ).encode(),
        "a list": b"[]",
        "empty": b"",
        "no jsonContent": body(project=project.id),
        "project not a string": body(project=5, jsonContent=[good]),
        "unknown project": body(project="0" * 24, jsonContent=[good]),
        "another organization's project": body(project=stranger_project_id, jsonContent=[good, {"externalId": 1}]),
        "unknown asset": body(project=project.id, jsonContent=[good, box_item(project, "001-someone.pgn")]),
        "box without width": body(
            project=project.id,
            jsonContent=[
                good,
                {
                    "externalId": "002-beyond.png",
                    "objects": [{"schemaId": box_tool(project), "bounding-box": {"x": 1, "y": 1, "height": 3}}],
                },
            ],
        ),
        "jsonContent not a list": body(project=project.id, jsonContent={"externalId": "001-someone.png"}),
    }


def test_bad_input_is_answered_the_same_by_the_worker_and_stores_nothing(host, project):
    stranger = host.hub.create_organization("Elsewhere")
    stranger_project = host.hub.create_project(
        "Theirs",
        project.category_schema,
        [{"externalId": "001-someone.png", "data": "https://example.invalid/1.png"}],
        organization_id=stranger.organization_id,
    )
    before = stored_labels(host, project)
    worker = host.hub.import_worker
    for name, body in bad_bodies(project, stranger_project.id).items():
        answers = {}
        for way, min_bytes in (("worker", ALWAYS), ("thread", NEVER)):
            worker.min_bytes = min_bytes
            answered = worker.answered
            response = post(host, body)
            answers[way] = (response.status_code, response.json())
            assert worker.answered == answered + (way == "worker"), name
        assert answers["worker"] == answers["thread"], name
        assert answers["worker"][0] in (400, 404), (name, answers["worker"])
    assert answers["worker"][1]["errors"][0]["path"] == "jsonContent"  # the last: names where it was wrong
    assert stored_labels(host, project) == before
    assert host.hub.projects.get(stranger_project.id).pre_labeled_count == 0


def test_another_organizations_project_is_not_found_and_its_assets_not_named(host, project):
    stranger = host.hub.create_organization("Elsewhere")
    theirs = host.hub.create_project(
        "Theirs",
        project.category_schema,
        [{"externalId": "secret-scan.png", "data": "https://example.invalid/s.png"}],
        organization_id=stranger.organization_id,
    )
    host.hub.import_worker.min_bytes = ALWAYS
    answer = post(
        host, json.dumps({"project": theirs.id, "jsonContent": [box_item(project, "secret-scan.pgn")]}).encode()
    )
    assert answer.status_code == 404
    assert "secret-scan" not in answer.text
    assert answer.json()["message"] == f"project '{theirs.id}' not found"


def test_the_worker_sees_what_the_server_wrote_after_it_started(host, project):
    host.hub.import_worker.min_bytes = ALWAYS
    assert post(host, json.dumps({"project": project.id, "jsonContent": []}).encode()).status_code == 200
    late = host.hub.create_project(
        "Later", project.category_schema, [{"externalId": "new.png", "data": "https://example.invalid/new.png"}]
    )
    answer = post(host, json.dumps({"project": late.id, "jsonContent": [box_item(late, "new.png")]}).encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["imported"]["assets"] == 1
    assert host.hub.import_worker.answered == 2


def process_state(pid: int) -> str | None:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def test_a_dead_worker_is_started_again(host, project):
    worker = host.hub.import_worker
    worker.min_bytes = ALWAYS
    body = json.dumps({"project": project.id, "jsonContent": [box_item(project, "001-someone.png")]}).encode()
    assert post(host, body).status_code == 200
    first = worker.pid
    os.kill(first, signal.SIGKILL)
    while process_state(first) not in ("Z", None):  # dead, not yet reaped: the handle sees it gone
        time.sleep(0.001)

    assert post(host, body).status_code == 200
    assert worker.pid not in (None, first)
    assert worker.answered == 2


def cpu_ticks(pid: int) -> int:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_a_worker_that_dies_mid_import_costs_no_import(host, caplog):
    big = host.hub.create_project(
        "Big",
        host.hub.default_project.category_schema,
        [{"externalId": f"{i:05}.png", "data": f"https://example.invalid/{i}.png"} for i in range(8000)],
    )
    worker = host.hub.import_worker
    worker.start()
    pid = worker.pid
    assert post(host, b'{"project": "x", "jsonContent": []}').status_code == 404  # small: not the worker's
    worker.min_bytes = ALWAYS
    post(host, b'{"project": "x", "jsonContent": []}')  # the worker has imported everything it needs
    idle = cpu_ticks(pid)
    body = json.dumps({"project": big.id, "jsonContent": [box_item(big, f"{i:05}.png") for i in range(8000)]}).encode()
    answers = []
    sender = threading.Thread(target=lambda: answers.append(post(host, body)))
    with caplog.at_level("WARNING", logger="mockango.hub"):
        sender.start()
        while cpu_ticks(pid) <= idle + 1 and sender.is_alive():  # busy with our body (a tick is 10 ms)
            time.sleep(0.001)
        os.kill(pid, signal.SIGKILL)
        sender.join(60)

    assert answers[0].status_code == 200, answers[0].text[:2000]  # the server imported it in its thread
    assert answers[0].json()["data"]["imported"]["assets"] == 8000
    assert "import worker stopped" in caplog.text and "importing in the server instead" in caplog.text
    assert host.hub.projects.get(big.id).pre_labeled_count == 8000
    assert worker.answered == 1


def test_in_memory_hosts_have_no_worker():
    assert Hub(seed=0).import_worker is None


def test_closing_the_host_stops_the_worker(tmp_path):
    hub = Hub(seed=0, state=tmp_path / "state.sqlite3")
    hub.import_worker.start()
    pid = hub.import_worker.pid
    assert pid is not None
    hub.close_store()
    assert hub.import_worker.pid is None
    assert process_state(pid) is None


def test_the_worker_command_says_how_it_is_used():
    done = subprocess.run(
        [sys.executable, "-m", "mockango.services.import_worker"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "usage: python -m mockango.services.import_worker DATABASE" in done.stderr


def test_a_failing_worker_hands_the_import_back_to_the_server():
    with pytest.raises(WorkerUnavailable, match="the import worker failed:\nTraceback"):
        WorkerAnswer(failure="Traceback (most recent call last): ...").raise_error()


def worker_children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found += [int(child) for child in open(f"/proc/{pid}/task/{task}/children").read().split()]
        except FileNotFoundError:
            pass  # that thread ended since the listing
    return found


def test_ctrl_c_in_the_terminal_stops_serve_and_its_worker_quietly(tmp_path):
    """A terminal's Ctrl+C reaches the whole process group: the worker leaves the ending to serve."""
    serve, banner = serving.start_serve([sys.executable, "-m", "mockango.cli"], tmp_path, start_new_session=True)
    try:
        workers = worker_children(serve.pid)
        assert len(workers) == 1  # serve starts it up front
        url = re.search(r"mockango is serving at (\S+)", banner).group(1)
        api_key = serving.printed(banner, "API key")
        project = requests.get(f"{url}/v2/listProjects", headers={"apikey": api_key}, timeout=10).json()["data"][
            "projects"
        ][0]
        items = [{"externalId": "001-someone.png", "objects": [{"schemaId": "unknown", "bounding-box": {}}]}] * 2000
        refused = requests.post(
            f"{url}/v2/import/labels",
            json={"project": project["_id"], "jsonContent": items},
            headers={"apikey": api_key},
            timeout=60,
        )
        assert refused.status_code == 400 and "jsonContent[1999]" in refused.text  # big: the worker's answer
        os.killpg(serve.pid, signal.SIGINT)
        out, _ = serve.communicate(timeout=15)
    finally:
        serving.stop_process(serve)
    assert serve.returncode == 0 and "mockango stopped." in out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    assert process_state(workers[0]) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite3"]


def test_the_worker_follows_a_reset_of_the_host(host, project):
    """``reset`` copies the seeded database over the file; the worker reads the new content."""
    worker = host.hub.import_worker
    worker.min_bytes = ALWAYS
    body = json.dumps({"project": project.id, "jsonContent": [box_item(project, "001-someone.png")]}).encode()
    assert post(host, body).status_code == 200
    host.hub.reset()
    assert host.hub.projects.get(project.id).pre_labeled_count == 0
    added = host.hub.create_project(
        "After the reset",
        project.category_schema,
        [{"externalId": "fresh.png", "data": "https://example.invalid/fresh.png"}],
    )
    for target, name in ((project, "002-beyond.png"), (added, "fresh.png")):
        answer = post(host, json.dumps({"project": target.id, "jsonContent": [box_item(target, name)]}).encode())
        assert answer.status_code == 200, answer.text
        assert host.hub.projects.get(target.id).pre_labeled_count == 1
    assert worker.answered == 3


def test_serve_without_the_worker_imports_in_its_own_thread(tmp_path):
    serve, banner = serving.start_serve([sys.executable, "-m", "mockango.cli"], tmp_path, "--no-import-worker")
    try:
        assert worker_children(serve.pid) == []
        url = re.search(r"mockango is serving at (\S+)", banner).group(1)
        api_key = serving.printed(banner, "API key")
        project = requests.get(f"{url}/v2/listProjects", headers={"apikey": api_key}, timeout=10).json()["data"][
            "projects"
        ][0]
        items = [{"externalId": "001-someone.png", "objects": []}] * 3000
        answer = requests.post(
            f"{url}/v2/import/labels",
            json={"project": project["_id"], "jsonContent": items},
            headers={"apikey": api_key},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text[:2000]
        assert answer.json()["data"]["imported"]["items"] == 3000
        assert worker_children(serve.pid) == []
    finally:
        out = serving.stop_process(serve)
    assert "Traceback" not in out
