"""Every ``python``, ``sh`` and ``bash`` code block of README.md and docs/ runs, as a reader would run it.

A block runs by default; the HTML comment on the line right before its fence can change that:

- ``<!-- fragment: REASON -->`` — not run (a signature list, a command that serves until Ctrl+C, ...);
  the reason is required and shows as the skip reason.
- ``<!-- snippet: in DIR -->`` — run with DIR (relative to the checkout) as working directory and on
  ``PYTHONPATH`` (e.g. ``examples/plugin_project``, so ``import center_box`` works).
- ``<!-- snippet: plugin -->`` — the block is a plugin script: it is started as a process against a
  live host with a fresh Batch Model plugin (classes ``Vehicle``; ``PLUGIN_ID``, ``PLUGIN_SECRET`` and
  ``ANGO_HOST`` in its environment), run once with ``Vehicle`` mapped to ``Vehicle``, and must succeed.
  Options combine: ``<!-- snippet: plugin, in examples -->``.

Every block gets a live host (seed 0) in its environment: ``MOCKANGO_URL`` and ``ANGO_HOST`` (and
``$H``, as docs/control-api.md calls it) its URL, ``MOCKANGO_API_KEY`` (``$KEY``) its API key, and the
checkout's ``.venv/bin`` first on ``PATH``. A Python block that defines ``test_...`` functions or a
``unittest.TestCase`` is run by pytest with mockango's pytest plugin (the one installing mockango adds);
any other Python block runs as a script; a shell block runs under ``bash -euo pipefail``. A block
passes when it exits 0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockango import MockAngo
from tests.support import ROOT

pytestmark = pytest.mark.slow  # every README/docs block runs in a child process

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LANGUAGES = {"python": "python", "py": "python", "sh": "sh", "bash": "sh", "shell": "sh"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)[ \t]*(?P<info>[^`\n]*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>fragment|snippet)\s*:\s*(?P<text>.*?)\s*-->\s*$")
TEST_CODE = re.compile(r"^\s*def test_|^class \w+\(.*TestCase\)", re.M)
BLOCK_TIMEOUT = 120
PLUGIN_CLASSES = ["Vehicle"]


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, its language, its code and the marker before it."""

    path: Path
    line: int
    language: str
    code: str
    fragment: str | None = None  # the reason it is not run
    directory: str = "."
    plugin: bool = False

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


class MarkerError(ValueError):
    """A ``<!-- fragment: -->`` or ``<!-- snippet: -->`` comment that cannot be read."""


def read_marker(line: str, where: str) -> dict:
    """The options of a marker comment (empty when ``line`` is none)."""
    found = MARKER.match(line)
    if found is None:
        return {}
    if found["kind"] == "fragment":
        if not found["text"]:
            raise MarkerError(f"{where}: `<!-- fragment: REASON -->` needs its reason")
        return {"fragment": found["text"]}
    options: dict = {}
    for option in (part.strip() for part in found["text"].split(",")):
        if option == "plugin":
            options["plugin"] = True
        elif option.startswith("in ") and option[3:].strip():
            options["directory"] = option[3:].strip()
        else:
            raise MarkerError(f"{where}: unknown snippet option {option!r} (known: 'plugin', 'in DIR')")
    return options


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of ``path`` whose language is run here, with its marker's options."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], opening["indent"]
        end = index + 1
        while end < len(lines) and not re.match(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", lines[end]):
            end += 1
        language = LANGUAGES.get((opening["info"].split() or [""])[0].lower())
        if language is not None:
            where = f"{path.relative_to(ROOT)}:{index + 1}"
            options = read_marker(lines[index - 1], where) if index else {}
            body = [line[len(indent) :] if line.startswith(indent) else line for line in lines[index + 1 : end]]
            found.append(Block(path, index + 1, language, textwrap.dedent("\n".join(body)) + "\n", **options))
        index = end + 1
    return found


BLOCKS = [block for document in DOCUMENTS for block in blocks_of(document)]


@pytest.fixture
def served():
    with MockAngo(seed=0) as host:
        yield host


def environment(host: MockAngo, directory: Path) -> dict:
    env = dict(os.environ)
    env.update(
        MOCKANGO_URL=host.url,
        ANGO_HOST=host.url,
        H=host.url,
        MOCKANGO_API_KEY=host.api_key,
        KEY=host.api_key,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(directory), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def command_for(block: Block, file: Path) -> list[str]:
    if block.language == "sh":
        return ["bash", "-euo", "pipefail", str(file)]
    if TEST_CODE.search(block.code):
        # Only mockango's pytest plugin (the one the block uses): the others installed here take seconds to load.
        return [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "mockango.pytest_plugin",
            str(file),
        ]
    return [sys.executable, str(file)]


def report(block: Block, what: str, output: str) -> str:
    numbered = "\n".join(f"{number:4} | {line}" for number, line in enumerate(block.code.splitlines(), 1))
    return f"the {block.language} block at {block.where} {what}\n{numbered}\n--- output ---\n{output[-6000:]}"


def run_plugin_block(block: Block, host: MockAngo, file: Path, cwd: Path, env: dict) -> None:
    plugin = host.create_plugin("snippet plugin", class_names=PLUGIN_CLASSES)
    env = {**env, "PLUGIN_ID": plugin.id, "PLUGIN_SECRET": plugin.secret}
    process = subprocess.Popen(
        [sys.executable, str(file)], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not host.is_live(plugin.id):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(report(block, "never became live", process.communicate()[0]))
            time.sleep(0.05)
        session = host.run(plugin.id, class_mapping={name: name for name in PLUGIN_CLASSES}, timeout=60)
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0]
    if session.status != "succeeded":
        logs = "\n".join(f"{entry['level']} {entry['msg']}" for entry in session.logs)
        pytest.fail(report(block, f"ran {session.status}: {session.reason}", f"{logs}\n{output}"))


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
def test_the_block_runs(block: Block, served: MockAngo, tmp_path: Path):
    if block.fragment is not None:
        pytest.skip(f"a fragment: {block.fragment}")
    cwd = (ROOT / block.directory).resolve()
    assert cwd.is_dir(), f"{block.where}: `in {block.directory}` is not a folder of the checkout"
    name = "snippet.sh" if block.language == "sh" else "test_snippet.py"
    file = tmp_path / name
    file.write_text(block.code, encoding="utf-8")
    env = environment(served, cwd)
    if block.plugin:
        run_plugin_block(block, served, file, cwd, env)
        return
    try:
        done = subprocess.run(
            command_for(block, file),
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(report(block, f"did not end within {BLOCK_TIMEOUT} s", f"{error.stdout or ''}{error.stderr or ''}"))
    if done.returncode != 0:
        pytest.fail(report(block, f"exited {done.returncode}", done.stdout + done.stderr))


def test_the_documents_have_blocks_to_run():
    """The extractor finds the blocks (a broken pattern would skip them all and pass)."""
    readme = [block for block in BLOCKS if block.path.name == "README.md"]
    assert {block.language for block in readme} == {"python", "sh"}
    assert any(block.fragment is None for block in readme)


def test_markers_are_read_and_refused_when_unreadable(tmp_path: Path):
    document = tmp_path / "doc.md"
    document.write_text(
        "<!-- fragment: serves until Ctrl+C -->\n```sh\nmake serve\n```\n\n"
        "<!-- snippet: plugin, in examples -->\n```python\nprint(1)\n```\n\n"
        "```json\n{}\n```\n    ```bash\n    echo indented\n    ```\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules[__name__], "ROOT", tmp_path)
        found = blocks_of(document)
        assert [(b.language, b.fragment, b.plugin, b.directory, b.code) for b in found] == [
            ("sh", "serves until Ctrl+C", False, ".", "make serve\n"),
            ("python", None, True, "examples", "print(1)\n"),
            ("sh", None, False, ".", "echo indented\n"),
        ]
        document.write_text("<!-- fragment: -->\n```sh\nls\n```\n", encoding="utf-8")
        with pytest.raises(MarkerError, match="needs its reason"):
            blocks_of(document)
        document.write_text("<!-- snippet: quickly -->\n```sh\nls\n```\n", encoding="utf-8")
        with pytest.raises(MarkerError, match="unknown snippet option 'quickly'"):
            blocks_of(document)
