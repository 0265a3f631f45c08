"""`mockango serve` the way a CI job uses it: credentials known before it starts, a health check to
wait on, a reset between suites, and a state file no other command replaces under it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from importlib.metadata import version

import requests

from mockango import Hub
from mockango.server import make_wsgi_server, shutdown_now
from tests import serving
from tests.serving import printed
from tests.support import SAMPLE, plugin_running

MOCKANGO = [sys.executable, "-m", "mockango.cli"]
API_KEY = "ci-key-0123456789abcdef"
PLUGIN_ID = "0123456789abcdef01234567"
PLUGIN_SECRET = "ci-secret-0123456789"


def start_serve(tmp_path, *extra, **popen):
    return serving.start_serve(MOCKANGO, tmp_path, *extra, **popen)


def url_of(banner: str) -> str:
    return re.search(r"mockango is serving at (\S+)", banner).group(1)


def mockango(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*MOCKANGO, *args], capture_output=True, text=True, timeout=60, **kwargs)


def test_state_import_is_refused_while_serve_holds_the_state_file(tmp_path):
    """It replaced the live state before (its help said to stop serve first; nothing enforced it)."""
    exported = tmp_path / "exported.json"
    state = tmp_path / "state.sqlite3"
    serve, banner = start_serve(tmp_path)
    try:
        url, key = url_of(banner), printed(banner, "API key")
        requests.post(
            f"{url}/api/plugins", headers={"apikey": key}, json={"name": "mine"}, timeout=10
        ).raise_for_status()
        serve_pid = serve.pid
    finally:
        serving.stop_process(serve)
    assert mockango("state", "export", str(exported), "--state", str(state)).returncode == 0

    serve, banner = start_serve(tmp_path)
    try:
        url, key = url_of(banner), printed(banner, "API key")
        before = requests.get(f"{url}/api/plugins", headers={"apikey": key}, timeout=10).json()["plugins"]
        for command in (["state", "import", str(exported)], ["state", "export", str(tmp_path / "again.json")]):
            refused = mockango(*command, "--state", str(state))
            assert refused.returncode == 1, refused.stdout + refused.stderr
            line = refused.stderr.strip()
            assert "mockango serve" in line and f"pid {serve.pid}" in line and "stop it first" in line, line
            assert len(line.splitlines()) == 1, line
        assert not (tmp_path / "again.json").exists()
        busy = subprocess.run(
            [*MOCKANGO, "serve", "--port", "0", "--state", str(state), "--fresh"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert busy.returncode == 1 and f"pid {serve.pid}" in busy.stderr, busy.stderr
        after = requests.get(f"{url}/api/plugins", headers={"apikey": key}, timeout=10).json()["plugins"]
        assert after == before  # the live state is untouched, --fresh deleted nothing
    finally:
        serving.stop_process(serve)
    assert serve_pid != serve.pid
    imported = mockango("state", "import", str(exported), "--state", str(state))  # serve stopped: allowed
    assert imported.returncode == 0, imported.stderr


def test_fixed_credentials_from_the_environment_and_options_run_the_example_plugin(tmp_path):
    env = dict(os.environ, MOCKANGO_API_KEY=API_KEY)
    creds = ("--plugin-id", PLUGIN_ID, "--plugin-secret", PLUGIN_SECRET)
    serve, banner = start_serve(tmp_path, *creds, env=env)
    plugin = None
    try:
        assert (printed(banner, "API key"), printed(banner, "Plugin"), printed(banner, "Plugin secret")) == (
            API_KEY,
            PLUGIN_ID,
            PLUGIN_SECRET,
        )
        url = url_of(banner)
        plugin = subprocess.Popen(
            [sys.executable, str(SAMPLE)],
            env=dict(os.environ, ANGO_HOST=url, PLUGIN_ID=PLUGIN_ID, PLUGIN_SECRET=PLUGIN_SECRET),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        run_env = dict(os.environ, MOCKANGO_URL=url, MOCKANGO_API_KEY=API_KEY)
        deadline = time.monotonic() + 30
        while True:  # the plugin process takes a moment to connect
            ran = mockango("run", "--plugin", PLUGIN_ID, "--map", "Vehicle=Vehicle", env=run_env)
            if "is not live" not in ran.stderr or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert ran.returncode == 0 and "status:  succeeded" in ran.stdout, ran.stdout + ran.stderr
    finally:
        if plugin is not None:
            plugin.kill()
            plugin.wait()
        serving.stop_process(serve)

    serve, banner = start_serve(tmp_path, *creds, env=env)  # a restart with the same ones: the same host
    try:
        assert "state restored from" in banner and printed(banner, "Plugin secret") == PLUGIN_SECRET
    finally:
        serving.stop_process(serve)
    other = mockango("serve", "--port", "0", "--state", str(tmp_path / "state.sqlite3"), "--plugin-secret", "x" * 20)
    assert other.returncode == 1 and "--fresh" in other.stderr and "secret" in other.stderr, other.stderr
    assert len(other.stderr.strip().splitlines()) == 1
    weak = mockango("serve", "--port", "0", "--state", str(tmp_path / "weak" / "s.sqlite3"), "--api-key", "short")
    assert weak.returncode == 1 and "16 to 256 characters" in weak.stderr and "short" not in weak.stderr, weak.stderr


def test_plugin_create_takes_an_id_and_a_secret_and_refuses_a_taken_id(host):
    env = dict(os.environ, MOCKANGO_URL=host.url, MOCKANGO_API_KEY=host.api_key)
    made = mockango("plugin", "create", "--name", "ci", "--id", PLUGIN_ID, "--secret", PLUGIN_SECRET, env=env)
    assert made.returncode == 0 and made.stdout.split() == ["id:", PLUGIN_ID, "secret:", PLUGIN_SECRET], made.stderr
    again = mockango("plugin", "create", "--name", "ci", "--id", PLUGIN_ID, env=env)
    assert again.returncode == 1 and f"a plugin with id {PLUGIN_ID} already exists" in again.stderr
    bad = mockango("plugin", "create", "--name", "ci", "--id", "ABC", "--secret", "s p a c e s 0123456789", env=env)
    assert bad.returncode == 1 and "24 lowercase hex" in bad.stderr
    with plugin_running(host, PLUGIN_ID, PLUGIN_SECRET, lambda **data: "done"):
        assert host.run(PLUGIN_ID, timeout=30).status == "succeeded"


def test_a_wrong_secret_for_a_given_one_is_still_refused(host):
    """User-given secrets go through the same constant-time comparison as generated ones."""
    host.hub.create_plugin("ci", plugin_id=PLUGIN_ID, secret=PLUGIN_SECRET)
    with plugin_running(host, PLUGIN_ID, PLUGIN_SECRET[:-1] + "x", lambda **data: "done", wait_live=False):
        time.sleep(1)
        assert not host.is_live(PLUGIN_ID)


# ---------------------------------------------------------------------------------------------- /health


def test_health_answers_without_a_key_and_stays_out_of_the_journal_and_faults(host):
    host.faults.fail("GET", "**", status=500)
    answer = requests.get(host.url + "/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": version("mockango-host")}
    assert answer.headers["Cache-Control"] == "no-store"
    assert requests.head(host.url + "/health", timeout=10).status_code == 200
    assert requests.get(host.url + "/healthz", timeout=10).status_code == 500  # no alias: the fault answers it
    assert [e["path"] for e in host.hub.journal_entries()] == ["/healthz"]


def test_health_says_starting_and_every_path_waits_until_the_host_is_ready():
    hub = Hub()
    server = make_wsgi_server(hub, starting=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        url = hub.base_url
        starting = requests.get(url + "/health", timeout=10)
        assert starting.status_code == 503 and starting.json()["status"] == "starting"
        info = requests.get(url + "/api/info", headers={"apikey": hub.default_user.api_key}, timeout=10)
        assert info.status_code == 503 and info.headers["Retry-After"] == "1" and "starting" in info.json()["message"]
        server.app.extensions["mockango.health"].ready()
        assert requests.get(url + "/health", timeout=10).json()["status"] == "ok"
        assert requests.get(url + "/api/info", headers={"apikey": hub.default_user.api_key}, timeout=10).ok
    finally:
        shutdown_now(server)
        hub.close_store()


def test_health_is_503_when_the_store_cannot_be_read(tmp_path):
    state = tmp_path / "state.sqlite3"
    hub = Hub(state=state, import_worker=False)
    server = make_wsgi_server(hub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        assert requests.get(hub.base_url + "/health", timeout=10).status_code == 200
        for suffix in ("", "-wal", "-shm"):  # a clean-up removed the state under the host
            os.unlink(f"{state}{suffix}")
        answer = requests.get(hub.base_url + "/health", timeout=10)
        assert answer.status_code == 503
        body = answer.json()
        assert body["status"] == "error" and str(state) in body["message"]
        assert "Error" not in body["message"]  # the cause is in the log, not the answer
    finally:
        shutdown_now(server)
        hub.close_store()


def test_mockango_health_exits_0_on_ok_and_1_with_the_reason_otherwise(host):
    ok = mockango("health", "--url", host.url)
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "ok"
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    down = mockango("health", env=dict(os.environ, MOCKANGO_PORT=str(port)))
    assert down.returncode == 1 and f"no health answer from http://127.0.0.1:{port}" in down.stderr


# ------------------------------------------------------------------------------------------ /api/reset


def test_reset_puts_the_seeded_data_back_and_keeps_the_printed_credentials(host, demo_plugin):
    key = host.api_key
    host.hub.keep_on_reset(demo_plugin.id)  # what `mockango serve` does with its demo plugin
    other = host.create_plugin("Mine")
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda **data: "done"):
        session = host.run(demo_plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
        project = host.create_project("Made in the test", {"tools": [], "classifications": [], "relations": []})
        host.faults.latency("GET", "/v2/**", 0.5)
        answer = requests.post(host.url + "/api/reset", headers={"apikey": key}, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "status": "success",
            "seed": 1,
            "defaultProject": host.project_id,
            "plugins": [demo_plugin.id],
        }
        assert host.api_key == key and not host.faults
        assert host.hub.get_plugin(other.id) is None and host.hub.projects.get(project) is None
        assert host.sessions() == []
        assert host.is_live(demo_plugin.id)  # its connection was kept: runs start at once
        again = host.run(demo_plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
        assert again.status == "succeeded" and again.id != session.id


def test_reset_is_only_for_the_hosts_admin_key(host, demo_plugin):
    stranger = host.create_organization("Other org")
    refused = requests.post(host.url + "/api/reset", headers={"apikey": stranger.api_key}, timeout=10)
    assert refused.status_code == 403 and "admin key" in refused.json()["message"]
    assert requests.post(host.url + "/api/reset", timeout=10).status_code == 401
    assert requests.post(host.url + "/api/reset", headers={"apikey": "nope"}, timeout=10).status_code == 401

    seen = []
    with plugin_running(
        host,
        demo_plugin.id,
        demo_plugin.secret,
        lambda **data: (
            seen.append(
                requests.post(host.url + "/api/reset", headers={"apikey": data["apiKey"]}, timeout=10).status_code
            )
            or "done"
        ),
    ):
        assert host.run(demo_plugin.id, timeout=30).status == "succeeded"
    assert seen == [403]  # a run's key acts as the user, but is not the admin key
    assert host.hub.get_organization(stranger.organization_id) is not None  # nothing was reset


def test_serve_admin_key_is_the_only_key_that_resets(tmp_path):
    admin = "admin-key-0123456789abcdef"
    serve, banner = start_serve(tmp_path, "--admin-key", admin)
    try:
        url, key = url_of(banner), printed(banner, "API key")
        assert requests.post(url + "/api/reset", headers={"apikey": key}, timeout=10).status_code == 403
        reset = requests.post(url + "/api/reset", headers={"apikey": admin}, timeout=10)
        assert reset.status_code == 200 and reset.json()["plugins"] == [printed(banner, "Plugin")]
        assert requests.get(url + "/api/info", headers={"apikey": key}, timeout=10).ok  # the printed key still works
        assert requests.get(url + "/api/info", headers={"apikey": admin}, timeout=10).status_code == 401
    finally:
        serving.stop_process(serve)
