"""Images and containers without a daemon, for tests/container: podman builds, buildah runs.

* The base image is Debian bookworm (``debootstrap --variant=minbase`` with python3 and python3-venv),
  imported into podman as :data:`BASE`. Its root filesystem is kept as a tar under
  ``<repo>/.cache/container/`` (``MOCKANGO_CONTAINER_CACHE`` overrides), so it is bootstrapped once;
  an ``fcntl`` lock makes parallel pytest-xdist workers wait for one build.
* The image is built with ``podman build --isolation chroot`` (this machine forbids the rlimits a
  runtime sets), from the wheel and, with ``PIP_NO_INDEX=1``, the dependency wheels pip downloads on the
  host beforehand: the build and the container need no network of their own.
* A container runs with ``buildah run --isolation chroot``, which shares the host's network: the host
  inside listens on a free port of this machine (``MOCKANGO_PORT``), not on a mapped 8080.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support import ROOT

BASE = "localhost/mockango-test-base:bookworm"
TOOLS = ("podman", "buildah", "debootstrap")


def cache_root() -> Path:
    return Path(os.environ.get("MOCKANGO_CONTAINER_CACHE", ROOT / ".cache" / "container"))


def run(argv: list, *, timeout: float = 900, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, argv))} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} missing: `bash .ci/install-container-tools` (or apt-get install {' '.join(TOOLS)})"
        )


def base_image() -> str:
    """:data:`BASE` in podman's store: imported from the cached rootfs tar, bootstrapped first if there is none."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "base.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if run(["podman", "image", "exists", BASE], check=False).returncode == 0:
            return BASE
        tar = root / "bookworm-rootfs.tar"
        if not tar.exists():
            rootfs = root / "rootfs.partial"
            shutil.rmtree(rootfs, ignore_errors=True)
            run(
                ["debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm", rootfs], timeout=1800
            )
            partial = tar.with_suffix(".tar.partial")
            run(["tar", "-C", rootfs, "-cf", partial, "."])
            partial.replace(tar)  # the tar appears whole, last
            shutil.rmtree(rootfs, ignore_errors=True)
        run(["podman", "import", tar, BASE])
    return BASE


def image_python(image: str) -> str:
    """The image's ``python3`` version, ``"3.11"`` (the dependency wheels must be built for it)."""
    container = run(["buildah", "from", image]).stdout.strip()
    try:
        code = "import sys; print('%d.%d' % sys.version_info[:2])"
        return run(["buildah", "run", "--isolation", "chroot", container, "--", "python3", "-c", code]).stdout.strip()
    finally:
        run(["buildah", "rm", container], check=False)


def build_context(where: Path, python_version: str) -> Path:
    """A build context with dist/: the wheel of this checkout and every dependency's wheel for ``python_version``."""
    dist = where / "dist"
    run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT])
    (wheel,) = dist.glob("mockango_host-*.whl")
    wheels = cache_root() / f"wheels-{python_version}"
    download = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--dest", wheels]
    download += ["--only-binary=:all:", "--python-version", python_version, wheel]
    # From the wheels kept last time when they still satisfy the wheel's requirements, else from the index.
    if run([*download, "--no-index", "--find-links", wheels], check=False).returncode != 0:
        run(download)
    (wheels / wheel.name).unlink(missing_ok=True)  # pip download copies the checkout's wheel there too
    for kept in wheels.glob("*.whl"):  # dependencies only: a kept copy of ours would replace the new build
        shutil.copy(kept, dist)
    return where


def build_image(context: Path, base: str) -> str:
    tag = f"localhost/mockango-test:{uuid.uuid4().hex[:12]}"
    run(
        [
            "podman",
            "build",
            "--isolation",
            "chroot",
            "--format",
            "docker",  # OCI images drop HEALTHCHECK
            "--build-arg",
            f"BASE={base}",
            "--build-arg",
            "PIP_NO_INDEX=1",
            "-t",
            tag,
            "-f",
            ROOT / "Dockerfile",
            context,
        ],
        timeout=1800,
    )
    return tag


def inspect(image: str) -> dict:
    import json

    return json.loads(run(["podman", "image", "inspect", image]).stdout)[0]


def remove_image(image: str) -> None:
    run(["podman", "rmi", "--force", image], check=False)
    run(["podman", "image", "prune", "--force"], check=False)  # the build stage's untagged layers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Container:
    """A working container of an image; :meth:`start` runs the image's own command, :meth:`exec` another."""

    def __init__(self, image: str, env: dict[str, str], volume: Path) -> None:
        self.image, self.env, self.volume = image, env, volume
        self.name = run(["buildah", "from", image]).stdout.strip()
        for key, value in env.items():
            run(["buildah", "config", "--env", f"{key}={value}", self.name])
        # `-v` does not replace an image's VOLUME in buildah (its anonymous volume wins): drop it for the bind.
        run(["buildah", "config", "--volume", "/data-", self.name])
        self.process: subprocess.Popen | None = None
        self.log = volume.parent / "container.log"

    def start(self, command: list[str]) -> None:
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                ["buildah", "run", "--isolation", "chroot", "-v", f"{self.volume}:/data", self.name, "--", *command],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def exec(self, command: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        return run(["buildah", "run", "--isolation", "chroot", self.name, "--", *command], timeout=timeout, check=False)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def main_pid(self) -> int | None:
        """The pid of the image's command inside (buildah kills, not stops, when it is signalled itself)."""
        if self.process is None:
            return None
        for pid in _descendants(self.process.pid):
            with contextlib.suppress(OSError):
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if b"buildah" not in argv[0] and any(b"mockango" in arg for arg in argv):
                    return pid
        return None

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM to the command inside, as `docker stop` sends it; its exit status (None if it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        pid = self.main_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def remove(self) -> None:
        self.stop()
        run(["buildah", "rm", self.name], check=False)


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{parent}/task").iterdir():
                children = (task / "children").read_text().split()
                found += [int(c) for c in children]
                queue += [int(c) for c in children]
    return found


def wait_until(check, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(interval)
