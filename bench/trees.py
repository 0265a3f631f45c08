"""Run a bench child on another version of the code, for a before/after in one run.

``--before REF`` in the bench scripts: :func:`tree_of` extracts ``mockango``, ``plugin_client``
and ``bench`` at that git ref (``git archive``) into a temporary folder, and :func:`env_for`
puts it first on ``PYTHONPATH`` (ahead of the editable install of this checkout); a script that puts this
checkout first on ``sys.path`` itself calls :func:`put_tree_first` before it imports mockango.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree_of(ref: str) -> Path:
    """A folder holding the code at ``ref`` (cached per commit under the temporary directory); ``ref`` may
    also name such a folder itself (a copy made earlier)."""
    if (Path(ref) / "mockango" / "__init__.py").is_file():
        return Path(ref)
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = Path(tempfile.gettempdir()) / f"mockango-tree-{commit[:12]}"
    if not (folder / "mockango" / "__init__.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "mockango", "plugin_client", "bench"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        with tempfile.TemporaryFile() as buffer:
            buffer.write(archive)
            buffer.seek(0)
            with tarfile.open(fileobj=buffer) as tar:
                tar.extractall(folder, filter="data")
    return folder


TREE_VARIABLE = "MOCKANGO_BENCH_TREE"


def env_for(tree: Path | None) -> dict[str, str]:
    """The environment of a child that runs the code in ``tree`` (None: this checkout)."""
    env = dict(os.environ)
    env.pop(TREE_VARIABLE, None)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [env.get("PYTHONPATH")])])
        env[TREE_VARIABLE] = str(tree)
    return env


def put_tree_first() -> None:
    """In a child started with :func:`env_for`, put its tree ahead of the checkout a script put first on
    ``sys.path`` itself (call before importing mockango): a script run as a file goes ahead of PYTHONPATH."""
    tree = os.environ.get(TREE_VARIABLE)
    if tree:
        sys.path.insert(0, tree)
