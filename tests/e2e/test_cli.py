"""The README's walkthrough, as a user types it: `mockango serve`, the printed plugin command, `mockango run`."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import serving
from tests.serving import command_after, printed

pytestmark = pytest.mark.slow  # `mockango serve` processes, started, signalled and restarted

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def start_serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    return serving.start_serve(MOCKANGO, tmp_path, *extra)


stop = serving.stop_process


def test_walkthrough_serve_example_plugin_run(tmp_path):
    serve, banner = start_serve(tmp_path)
    plugin_process = None
    try:
        assert re.search(r"mockango is serving at http://127\.0\.0\.1:\d+", banner)
        plugin_command = command_after(banner, "Run the example plugin against it:")
        run_command = command_after(banner, "Then start a run:")
        assignments = shlex.split(plugin_command)
        env = dict(os.environ)
        while "=" in assignments[0]:
            key, _, value = assignments.pop(0).partition("=")
            env[key] = value
        plugin_process = subprocess.Popen(
            assignments, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        run_words = shlex.split(run_command)
        run_env = dict(os.environ)
        while "=" in run_words[0]:
            key, _, value = run_words.pop(0).partition("=")
            run_env[key] = value
        assert Path(run_words[0]).name == "mockango"
        started = time.monotonic()
        while True:  # the plugin process takes a moment to connect
            result = subprocess.run(
                [*MOCKANGO, *run_words[1:]], env=run_env, capture_output=True, text=True, timeout=60
            )
            if "is not live" not in result.stderr or time.monotonic() - started > 20:
                break
            time.sleep(0.2)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "INFO     Plugin session is started!" in result.stdout
        assert "INFO     Plugin session is ended!" in result.stdout
        assert "status:  succeeded" in result.stdout
        assert "message: All annotations are imported!" in result.stdout

        unmapped = subprocess.run(
            [*MOCKANGO, *[w for w in run_words[1:] if w not in ("--map", "Vehicle=Vehicle")], "--config", "{not json"],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert unmapped.returncode == 2
        assert "Invalid value for --config: not valid JSON" in unmapped.stderr
    finally:
        if plugin_process is not None:
            plugin_process.kill()
            plugin_process.wait()
        stop(serve)


def test_restart_keeps_plugin_credentials_and_key(tmp_path):
    serve, first = start_serve(tmp_path)
    assert "state kept in" in first
    stop(serve)
    serve, second = start_serve(tmp_path)
    try:
        assert "restored from" in second
        for label in ("API key", "Plugin", "Plugin secret", "Project"):
            assert printed(first, label) == printed(second, label)
    finally:
        stop(serve)
    serve, fresh = start_serve(tmp_path, "--fresh")
    try:
        assert printed(fresh, "Plugin secret") != printed(first, "Plugin secret")
        assert (
            f"--fresh: discarding the state in {tmp_path / 'state.sqlite3'}: its API key, 1 plugin(s) with their ids "
            "and secrets, 0 session(s)"
        ) in " ".join(fresh.split())
        assert "restart them with the ones below" in " ".join(fresh.split())
    finally:
        stop(serve)


def test_a_serve_that_ignores_ctrl_c_is_still_stopped(tmp_path):
    """A shell's background job ignores SIGINT: the tests' stop falls back to SIGTERM, then SIGKILL."""
    serve, banner = serving.start_serve(
        MOCKANGO, tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)
    )
    port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
    stop(serve, timeout=2)
    assert serve.poll() is not None
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_run_without_a_server_says_how_to_start_one(tmp_path):
    result = subprocess.run(
        [*MOCKANGO, "run", "--plugin", "x", "--url", "http://127.0.0.1:9", "--api-key", "k"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "no mockango answers at http://127.0.0.1:9: start one with `mockango serve`" in result.stderr


def test_serve_on_a_busy_port_says_what_to_do(tmp_path):
    serve, banner = start_serve(tmp_path)
    try:
        port = re.search(r"127\.0\.0\.1:(\d+)", banner).group(1)
        busy = subprocess.run(
            [*MOCKANGO, "serve", "--port", port, "--state", str(tmp_path / "other.sqlite3")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert busy.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr and "--port" in busy.stderr
    finally:
        stop(serve)


def test_validate_reports_every_error_and_exits_1(tmp_path):
    from click.testing import CliRunner

    from mockango import Hub
    from mockango.cli import main

    demo = Hub(seed=0)
    first = demo.project_assets(demo.default_project.id)[0]["externalId"]
    labels = tmp_path / "labels.json"
    labels.write_text(
        json.dumps(
            [
                {
                    "externalId": first,
                    "objects": [{"title": "Vehicle", "bounding-box": {"x": 1, "y": 2, "width": -5, "height": 4}}],
                },
                {"externalId": "nope.png", "classifications": [{"title": "Weather", "answer": "Snow"}]},
            ]
        )
    )
    result = CliRunner().invoke(main, ["validate", str(labels)])
    assert result.exit_code == 1
    assert "jsonContent[0].objects[0].bounding-box.width" in result.output
    assert "-5 is less than 0" in result.output
    assert "jsonContent[1].externalId" in result.output
    assert "'Snow' is not an option of radio 'Weather'" in result.output

    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "project": "x",
                "jsonContent": [
                    {
                        "externalId": first,
                        "objects": [{"title": "Person", "bounding-box": {"x": 1, "y": 2, "width": 5, "height": 4}}],
                    }
                ],
            }
        )
    )
    ok = CliRunner().invoke(main, ["validate", str(good), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True


def test_validate_against_a_fixture_ontology_without_assets(tmp_path):
    from click.testing import CliRunner

    from mockango.cli import main

    labels = tmp_path / "labels.json"
    labels.write_text('[{"externalId": "anything.jpg", "objects": [{"schemaId": "no-such-tool", "point": [1, 2]}]}]')
    result = CliRunner().invoke(main, ["validate", str(labels), "--project", "kitchen-sink"])
    assert result.exit_code == 0  # an unknown schemaId is a rule of unknown evidence: a warning
    assert "warning jsonContent[0].objects[0].schemaId  [unknown_schema_id]" in result.output
    assert "asset references and image bounds were not checked" in result.output
    strict = CliRunner().invoke(main, ["validate", str(labels), "--project", "kitchen-sink", "--strict"])
    assert strict.exit_code == 1 and "error   jsonContent[0].objects[0].schemaId  [unknown_schema_id]" in strict.output
    missing = CliRunner().invoke(main, ["validate", str(tmp_path / "absent.json")])
    assert missing.exit_code == 1 and "cannot read label file" in missing.output


def all_commands(group, prefix=("mockango",)):
    import click

    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_every_command_and_option_has_help_and_the_list_is_not_cut():
    from click.testing import CliRunner

    from mockango.cli import main

    top = CliRunner().invoke(main, ["--help"]).output
    commands = top[top.index("Commands:") :]
    assert "..." not in commands, commands
    for path, command in all_commands(main):
        assert command.help or command.short_help, f"{' '.join(path)} has no help"
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
    validate_help = " ".join(CliRunner().invoke(main, ["validate", "--help"]).output.split())
    assert "[env MOCKANGO_URL]" in validate_help and "[env MOCKANGO_API_KEY]" in validate_help


def test_plugin_create_takes_a_description_and_plugin_list_lines_up():
    from click.testing import CliRunner

    from mockango import MockAngo
    from mockango.cli import main

    with MockAngo(seed=1) as host:
        env = {"MOCKANGO_URL": host.url, "MOCKANGO_API_KEY": host.api_key}
        created = CliRunner().invoke(
            main,
            [
                "plugin",
                "create",
                "--name",
                "A much longer plugin name",
                "--description",
                "Finds cars",
                "--class",
                "Vehicle",
            ],
            env=env,
        )
        assert created.exit_code == 0, created.output
        host.create_plugin("B", class_names=["Person", "Vehicle"])
        (plugin,) = [
            p for p in host.hub.list_plugins(host.hub.default_organization.id) if p.name == "A much longer plugin name"
        ]
        assert plugin.description == "Finds cars"
        listed = CliRunner().invoke(main, ["plugin", "list"], env=env).output.splitlines()
        assert listed[0].split() == ["ID", "STATE", "TYPE", "NAME", "CLASSES"]
        starts = {line.index("offline") for line in listed[1:]} | {listed[0].index("STATE")}
        assert len(starts) == 1, listed
        columns = {line.index("Vehicle") if "B " not in line else line.index("Person") for line in listed[1:]}
        assert columns == {listed[0].index("CLASSES")}, listed


def test_validate_on_the_documented_fixture_prints_the_documented_report():

    from tests.support import ROOT

    doc = (ROOT / "docs" / "validation.md").read_text()
    command = "mockango validate fixtures/labels/invalid/many-errors.json"
    assert f"`{command}`" in doc
    documented = doc.split(f"`{command}`", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    result = subprocess.run([*MOCKANGO, *command.split()[1:]], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stdout == documented


def test_validate_suggests_only_close_asset_names(tmp_path):
    from click.testing import CliRunner

    from mockango.cli import main

    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"externalId": "nope.png"}, {"externalId": "005-enugh.png"}]))
    output = CliRunner().invoke(main, ["validate", str(labels)]).output
    assert "has externalId 'nope.png'\n" in output, output  # nothing close: no hint
    assert "has externalId '005-enugh.png' (did you mean '005-enough.png'?)" in output


# ------------------------------------------------------------------ the state file (issues 8, 12, 13)


def control(banner: str, method: str, path: str, **kwargs):
    import requests

    url = re.search(r"mockango is serving at (\S+)", banner).group(1)
    return requests.request(method, url + path, headers={"apikey": printed(banner, "API key")}, timeout=10, **kwargs)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_serve_cleanly_keeping_every_acknowledged_write(tmp_path, signum):
    serve, banner = start_serve(tmp_path)
    assert f"state kept in {tmp_path / 'state.sqlite3'}" in banner
    made = [control(banner, "POST", "/api/plugins", json={"name": f"p{n}"}) for n in range(5)]
    assert all(answer.status_code == 201 for answer in made)
    serve.send_signal(signum)
    out, _ = serve.communicate(timeout=15)
    assert serve.returncode == 0 and "mockango stopped." in out and "Traceback" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite3"]  # no WAL, no temporary files left
    serve, again = start_serve(tmp_path)
    try:
        assert "state restored from" in again
        names = {p["name"] for p in control(again, "GET", "/api/plugins").json()["plugins"]}
        assert {f"p{n}" for n in range(5)} <= names
    finally:
        stop(serve)


@pytest.mark.parametrize(
    "content", [b"null", b"[1, 2]", b"\x00garbage\xff" * 50, b"SQLite format 3\x00" + b"\x07" * 500]
)
def test_an_unreadable_state_file_gives_one_line_and_exit_code_1(tmp_path, content):
    (tmp_path / "state.sqlite3").write_bytes(content)
    result = subprocess.run(
        [*MOCKANGO, "serve", "--port", "0", "--state", str(tmp_path / "state.sqlite3")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "is not a mockango state file" in result.stderr and "--fresh" in result.stderr
    assert (tmp_path / "state.sqlite3").read_bytes() == content  # left as it was


@pytest.mark.parametrize("where", ["/sys/mockango-state/state.sqlite3", "/proc/self/mockango-state.sqlite3"])
def test_a_state_file_that_cannot_be_written_gives_one_line(where):
    result = subprocess.run(
        [*MOCKANGO, "serve", "--port", "0", "--state", where], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"cannot use {where}" in result.stderr or f"cannot open {where}" in result.stderr
    assert "--state" in result.stderr


def test_state_export_import_and_serve_import(tmp_path):
    serve, banner = start_serve(tmp_path)
    control(banner, "POST", "/api/plugins", json={"name": "Exported"})
    stop(serve)
    exported = tmp_path / "export.json"
    result = subprocess.run(
        [*MOCKANGO, "state", "export", str(exported), "--state", str(tmp_path / "state.sqlite3")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0 and "exported" in result.stdout, result.stderr
    assert any(p["name"] == "Exported" for p in json.loads(exported.read_text())["tables"]["plugins"])
    other = tmp_path / "other"
    other.mkdir()
    serve, banner = start_serve(other, "--import", str(exported))
    try:
        assert f"from {exported}" in banner
        assert printed(banner, "API key") == printed(banner, "API key")
        assert any(p["name"] == "Exported" for p in control(banner, "GET", "/api/plugins").json()["plugins"])
    finally:
        stop(serve)
    bad = tmp_path / "bad.json"
    bad.write_text("null")
    refused = subprocess.run(
        [*MOCKANGO, "state", "import", str(bad), "--state", str(other / "state.sqlite3")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 1 and "holds null" in refused.stderr


def serve_default(cwd: Path) -> tuple[subprocess.Popen, str]:
    """`mockango serve` with its default state file, in ``cwd``."""
    process = subprocess.Popen(
        [*MOCKANGO, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd
    )
    banner = ""
    while "Press Ctrl+C to stop." not in banner:
        line = process.stdout.readline()
        if not line:
            pytest.fail("serve did not start: " + banner)
        banner += line
    return process, banner


def test_an_old_json_state_is_imported_once_on_first_start(tmp_path):
    from mockango import Hub

    hub = Hub(seed=0)
    plugin = hub.create_plugin("From the old file")
    hub.export_state(tmp_path / "export.json")
    exported = json.loads((tmp_path / "export.json").read_text())["tables"]
    users = exported["users"]
    old = {
        "format": 2,
        "seed": 0,
        "defaults": {
            n: next(r["value"] for r in exported["settings"] if r["name"] == f"default_{n}")
            for n in ("organization", "user", "project")
        },
        "organizations": exported["organizations"],
        "users": [{k: u[k] for k in ("id", "email", "name", "organization_id", "api_key")} for u in users],
        "projects": [
            {
                "id": p["id"],
                "name": p["name"],
                "description": p["description"],
                "organization_id": p["organization_id"],
                "category_schema": p["category_schema"],
                "batches": [{"id": b["id"], "name": b["name"]} for b in exported["batches"]],
                "asset_ids": [a["id"] for a in exported["assets"]],
                "created_at": p["created_at"],
            }
            for p in exported["projects"]
        ],
        "assets": [
            {
                "id": a["id"],
                "project_id": a["project_id"],
                "external_id": a["external_id"],
                "data": a["data"],
                "metadata": a["metadata"],
                "batches": a["batches"],
                "created_at": a["created_at"],
                "labels": None,
                "labeled_by_session": None,
                "hosted": bool(a["hosted"]),
            }
            for a in exported["assets"]
        ],
        "plugins": [
            {
                **{
                    k: p[k]
                    for k in (
                        "id",
                        "name",
                        "organization_id",
                        "secret",
                        "type",
                        "description",
                        "class_names",
                        "default_config",
                        "created_at",
                        "callback_url",
                    )
                }
            }
            for p in exported["plugins"]
        ],
        "sessions": [],
        "runKeys": [],
    }
    state_dir = tmp_path / ".mockango"
    state_dir.mkdir()
    (state_dir / "state.json").write_text(json.dumps(old))
    process, banner = serve_default(tmp_path)
    try:
        assert "imported .mockango/state.json into .mockango/state.sqlite3" in banner
        assert printed(banner, "API key") == users[0]["api_key"]
        assert any(p["_id"] == plugin.id for p in control(banner, "GET", "/api/plugins").json()["plugins"])
    finally:
        stop(process)
    process, banner = serve_default(tmp_path)
    stop(process)
    assert "imported" not in banner and "state restored from .mockango/state.sqlite3" in banner
