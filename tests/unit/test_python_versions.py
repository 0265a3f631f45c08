"""The Python versions mockango claims are the ones it tests: classifiers, requires-python, nox and CI agree."""

from __future__ import annotations

import ast
import re

from tests.support import ROOT

PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def nox_pythons() -> list[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["PYTHONS"]
    )


def test_the_classifiers_list_exactly_the_versions_nox_tests():
    classified = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', PYPROJECT)
    assert classified == nox_pythons()


def test_requires_python_starts_at_the_oldest_tested_version():
    floor = re.search(r'^requires-python = ">=(3\.\d+)"', PYPROJECT, re.MULTILINE).group(1)
    assert floor == nox_pythons()[0]


def test_ci_runs_the_fast_subset_on_every_version():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, re.MULTILINE)  # the README's own command: the whole suite
    assert re.search(r"nox\b.* -s fast\b", ci)  # then every version of PYTHONS but the one make test ran
