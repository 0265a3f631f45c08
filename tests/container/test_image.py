"""The Dockerfile's image, built from the wheel and run without a daemon (see images.py): it serves, its
HEALTHCHECK passes, the seed sample's round trip completes from outside, and the README's `docker run`,
CI-service and Compose snippets are run (the first two) or checked (Compose) against it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from mockango import MockAngo
from tests.container import images
from tests.support import ROOT, SAMPLE

pytestmark = pytest.mark.container

IMAGE_GROWTH_LIMIT_MB = 32  # the "a few MB beyond the base": 21 MB measured (README)


def readme_snippets() -> tuple[str, dict, dict]:
    """The README's `docker run` command, its Compose file and its CI job, from "In a container"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## In a container\n")
    section = readme[start : readme.index("\n## ", start + 1)]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.DOTALL)
    docker_run = next(body for lang, body in blocks if lang == "sh" and "docker run" in body)
    documents = [yaml.safe_load(body) for lang, body in blocks if lang == "yaml"]
    compose = next(doc for doc in documents if "services" in doc)
    ci = next(doc for doc in documents if "jobs" in doc)
    return docker_run, compose, ci


def parse_docker_run(text: str) -> dict:
    words = shlex.split(text.replace("\\\n", " "))
    words = words[words.index("run", words.index("docker")) + 1 :]
    parsed: dict = {"ports": [], "volumes": [], "env": {}, "flags": []}
    while words[0].startswith("-"):
        option = words.pop(0)
        if option in ("-p", "--publish"):
            parsed["ports"].append(words.pop(0))
        elif option in ("-v", "--volume"):
            parsed["volumes"].append(words.pop(0))
        elif option in ("-e", "--env"):
            key, _, value = words.pop(0).partition("=")
            parsed["env"][key] = value
        else:
            parsed["flags"].append(option)
    parsed["image"], parsed["args"] = words[0], words[1:]
    return parsed


def seeded_assets(url: str, api_key: str, project: str) -> list[dict]:
    """The project's 25 assets, their URLs made host-neutral (the host names itself as it is bound: 0.0.0.0)."""
    headers = {"apikey": api_key}
    named = requests.get(f"{url}/api/info", headers=headers, timeout=30).json()["url"]
    answer = requests.get(f"{url}/v2/project/{project}/assets", params={"limit": 25}, headers=headers, timeout=30)
    answer.raise_for_status()
    return [
        {key: (value.replace(named, "URL") if isinstance(value, str) else value) for key, value in asset.items()}
        for asset in answer.json()["data"]["assets"]
    ]


def test_the_image_serves_passes_its_health_check_and_runs_the_readme_snippets(tmp_path):
    images.require_tools()
    docker_run, compose, ci = readme_snippets()
    run_args = parse_docker_run(docker_run)
    assert (run_args["ports"], run_args["volumes"], run_args["image"], run_args["args"]) == (
        ["8080:8080"],
        ["mockango-data:/data"],
        "mockango-host",
        [],
    )
    env = run_args["env"]
    # Compose and the CI service add the address the plugin reaches the host at (it is bound to 0.0.0.0).
    service = ci["jobs"]["plugin-tests"]["services"]["mockango"]
    assert service["env"] == {**env, "MOCKANGO_PUBLIC_URL": "http://localhost:8080"}
    assert compose["services"]["mockango"]["environment"] == {**env, "MOCKANGO_PUBLIC_URL": "http://mockango:8080"}

    started = time.monotonic()
    base = images.base_image()
    context = images.build_context(tmp_path / "context", images.image_python(base))
    built = time.monotonic()
    image = images.build_image(context, base)
    print(f"\nbase and wheels {built - started:.1f} s, image build {time.monotonic() - built:.1f} s")
    container = None
    try:
        info, base_info = images.inspect(image), images.inspect(base)
        config = info["Config"]
        grown_mb = (info["Size"] - base_info["Size"]) / 1e6
        print(f"image: {grown_mb:.1f} MB beyond the base")
        assert grown_mb < IMAGE_GROWTH_LIMIT_MB
        assert config["User"] == "mockango"
        assert "8080/tcp" in config["ExposedPorts"] and "/data" in config["Volumes"]
        assert config["Entrypoint"] + config["Cmd"] == [
            "mockango",
            "serve",
            "--host",
            "0.0.0.0",
            "--state",
            "/data/state.sqlite3",
        ]
        health_command = (info.get("Healthcheck") or config.get("Healthcheck"))["Test"]  # podman: top level
        assert health_command[0] == "CMD"
        assert config["Env"].count("MOCKANGO_PORT=8080") == 1  # the port the README maps

        # `docker run -p 8080:8080`: here the container shares the host's network, so it listens on a free port.
        port = images.free_port()
        data = tmp_path / "data"
        data.mkdir()
        os.chown(data, 10001, 10001)  # a new named volume takes the image's /data, owned by the image's user
        public = f"http://localhost:{port}"  # the CI service's MOCKANGO_PUBLIC_URL, on this port
        service_env = {**service["env"], "MOCKANGO_PUBLIC_URL": public, "MOCKANGO_PORT": str(port)}
        container = images.Container(image, service_env, data)
        assert container.exec(["id", "-u"]).stdout.strip() == "10001"
        serving = time.monotonic()
        container.start(config["Entrypoint"] + config["Cmd"])
        images.wait_until(
            lambda: container.process.poll() is not None or container.exec(health_command[1:]).returncode == 0,
            120,
            "the image's HEALTHCHECK passing",
        )
        assert container.process.poll() is None, container.output()
        print(f"healthy {time.monotonic() - serving:.1f} s after start")
        url = f"http://127.0.0.1:{port}"
        assert requests.get(url + "/health", timeout=10).json()["status"] == "ok"
        banner = container.output()
        for label, key in (("API key", "MOCKANGO_API_KEY"), ("Plugin", "MOCKANGO_PLUGIN_ID")):
            assert re.search(rf"{label}:\s+{env[key]}\b", banner), banner
        assert f"Plugin secret:  {env['MOCKANGO_PLUGIN_SECRET']}" in banner

        # The URLs it hands out start with its public URL, not its bind address (http://0.0.0.0:...), and work.
        project = re.search(r"Project:\s+(\S+)", banner).group(1)
        hosted = requests.get(
            f"{url}/v2/project/{project}/assets",
            headers={"apikey": env["MOCKANGO_API_KEY"]},
            timeout=10,
        ).json()["data"]["assets"]
        assert all(a["data"].startswith(public + "/") for a in hosted), [a["data"] for a in hosted]
        assert requests.get(hosted[0]["data"], timeout=10).status_code == 200

        # The same seed gives the same data in the image (whose Faker keeps only its English locales).
        with MockAngo(seed=0) as local:
            project = local.project_id
            assert seeded_assets(url, env["MOCKANGO_API_KEY"], project) == seeded_assets(
                local.url, local.api_key, project
            )

        # The CI snippet's job, run step by step against the container: its health command, the seed sample as
        # "your plugin", `mockango run`, and the reset between suites.
        job = ci["jobs"]["plugin-tests"]
        assert service["ports"] == run_args["ports"]
        options = shlex.split(service["options"])
        health_cmd = shlex.split(options[options.index("--health-cmd") + 1])
        assert container.exec(health_cmd).returncode == 0
        job_env = {key: str(value).replace("localhost:8080", f"127.0.0.1:{port}") for key, value in job["env"].items()}
        steps = [step["run"] for step in job["steps"] if "run" in step and not step["run"].startswith("pip install")]
        work = tmp_path / "job"
        work.mkdir()
        shutil.copy(SAMPLE, work / "my_plugin.py")
        script = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + "\n".join(steps)
        ran = subprocess.run(
            ["bash", "-c", script],
            cwd=work,
            env={**os.environ, **job_env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr + (work / "plugin.log").read_text(errors="replace")
        assert "status:  succeeded" in ran.stdout and '"status":"success"' in ran.stdout, ran.stdout
        sessions = requests.get(url + "/api/sessions", headers={"apikey": env["MOCKANGO_API_KEY"]}, timeout=10)
        assert sessions.json()["total"] == 0  # the reset step ran last

        # Compose: the same settings as `docker run`, and the plugin waits for the health check.
        services = compose["services"]
        assert services["mockango"]["ports"] == run_args["ports"]
        assert services["mockango"]["volumes"] == run_args["volumes"] and "mockango-data" in compose["volumes"]
        assert services["plugin"]["environment"] == {
            "ANGO_HOST": "http://mockango:8080",
            "PLUGIN_ID": env["MOCKANGO_PLUGIN_ID"],
            "PLUGIN_SECRET": env["MOCKANGO_PLUGIN_SECRET"],
        }
        assert services["plugin"]["depends_on"] == {"mockango": {"condition": "service_healthy"}}

        # `docker stop`: SIGTERM, a clean stop, the state kept on the volume by the image's user.
        assert container.stop() == 0, container.output()
        assert "mockango stopped." in container.output()
        state = data / "state.sqlite3"
        assert state.stat().st_uid == 10001 and not Path(f"{state}-wal").exists()
        print(f"container test {time.monotonic() - started:.1f} s in all")
    finally:
        if container is not None:
            container.remove()
        images.remove_image(image)
