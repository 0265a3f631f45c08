"""A host bound to 0.0.0.0 (a container, a CI ``services:`` container reached as ``mockango:8080``) hands
out URLs that start with its public URL, not with its bind address: http://0.0.0.0:8080/... cannot be
reached from another container. ``serve --public-url`` / MOCKANGO_PUBLIC_URL / ``HostConfig.public_url``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mockango import HostConfig, MockAngo
from mockango.config import checked_public_url
from mockango.testing import MockAngoHandle
from tests import serving
from tests.serving import printed

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def hosted_asset_urls(url: str, api_key: str, project: str) -> list[str]:
    answer = requests.get(
        f"{url}/v2/project/{project}/assets", params={"limit": 5}, headers={"apikey": api_key}, timeout=30
    )
    answer.raise_for_status()
    return [asset["data"] for asset in answer.json()["data"]["assets"]]


def test_a_host_bound_to_every_address_hands_out_its_public_url_and_a_plugin_uses_it():
    port = free_port()
    public = f"http://localhost:{port}"
    server = MockAngo(config=HostConfig(host="0.0.0.0", port=port, public_url=public + "/"))
    with MockAngoHandle(server).start() as host:
        assert host.url == public
        bound = f"http://127.0.0.1:{port}"  # another address of the same server
        assert requests.get(f"{bound}/api/info", headers={"apikey": host.api_key}, timeout=10).json()["url"] == public
        urls = hosted_asset_urls(bound, host.api_key, host.project_id)
        assert urls and all(u.startswith(public + "/") for u in urls), urls
        assert requests.get(urls[0], timeout=10).headers["Content-Type"].startswith("image/")

        signed = requests.get(
            f"{bound}/v2/getUploadUrl",
            params={"name": "notes.txt", "project": host.project_id, "type": "assets"},
            headers={"apikey": host.api_key},
            timeout=10,
        )
        assert signed.status_code == 200, signed.text
        put_url = signed.json()["data"]["uploadUrl"]
        assert put_url.startswith(public + "/objects/"), put_url
        assert requests.put(put_url, data=b"hello", timeout=10).status_code == 200
        got = requests.get(
            f"{bound}/v2/getSignedUrl",
            params={"name": put_url, "project": host.project_id},
            headers={"apikey": host.api_key},
            timeout=10,
        )
        assert got.status_code == 200, got.text
        get_url = got.json()["data"]["signedUrl"]
        assert get_url.startswith(public + "/objects/") and requests.get(get_url, timeout=10).content == b"hello"

        # An Export plugin started with ANGO_HOST = the public URL uploads its file through a URL the host
        # signed, and answers with the download URL it was handed: both start with the public URL.
        plugin = host.spawn_plugin(EXAMPLES / "export_plugin.py", type="export")
        result = plugin.run().assert_succeeded()
        download = result.result["url"]
        assert download.startswith(public + "/objects/"), download
        fetched = requests.get(download, timeout=10)
        assert fetched.status_code == 200 and fetched.content == result.exported_bytes


def test_serve_takes_the_public_url_from_its_option_or_environment(tmp_path):
    port = free_port()
    public = f"http://localhost:{port}"
    env = dict(os.environ, MOCKANGO_PUBLIC_URL=public)
    serve, banner = serving.start_serve(MOCKANGO, tmp_path, "--host", "0.0.0.0", "--port", str(port), env=env)
    try:
        assert f"mockango is serving at {public}" in banner
        key = printed(banner, "API key")
        project = printed(banner, "Project")
        urls = hosted_asset_urls(f"http://127.0.0.1:{port}", key, project)
        assert all(u.startswith(public + "/") for u in urls), urls
    finally:
        serving.stop_process(serve)

    # Without one, a host bound to 0.0.0.0 names itself by its bind address (what another container cannot reach).
    env.pop("MOCKANGO_PUBLIC_URL")
    serve, banner = serving.start_serve(MOCKANGO, tmp_path, "--host", "0.0.0.0", "--port", str(port), env=env)
    try:
        assert f"mockango is serving at http://0.0.0.0:{port}" in banner
    finally:
        serving.stop_process(serve)

    state = str(tmp_path / "other.sqlite3")
    refused = subprocess.run(
        [*MOCKANGO, "serve", "--port", "0", "--state", state, "--public-url", "mockango:8080"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "--public-url" in refused.stderr and "http://mockango:8080" in refused.stderr
    assert not Path(state).exists()


@pytest.mark.parametrize(
    "url",
    [
        "mockango:8080",
        "ftp://mockango",
        "http://",
        "http://mockango:8080/?a=1",
        "http://u:p@mockango",
        "http://h:99999",
    ],
)
def test_a_public_url_that_cannot_start_a_url_is_refused_saying_what_it_must_be(url):
    with pytest.raises(ValueError, match="public URL"):
        HostConfig(public_url=url)


def test_a_public_url_keeps_its_path_and_drops_a_trailing_slash():
    assert checked_public_url("https://ci.example/mockango/") == "https://ci.example/mockango"
    assert HostConfig(public_url="http://mockango:8080/").public_url == "http://mockango:8080"
