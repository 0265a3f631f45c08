"""docs/protocol.md names real tests: every ``tests/path.py::test_name`` in it must exist.

Test names are collected by parsing the files with ``ast`` (module-level test functions
and methods of ``Test*`` classes), so nothing is imported or run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "docs" / "protocol.md"
REFERENCE = re.compile(r"(tests/[\w/.-]+\.py)::(\w+)")


def defined_tests(path: Path) -> set[str]:
    """The test functions ``path`` defines (``Class::method`` is not used in the table)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {
                f.name
                for f in node.body
                if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name.startswith("test")
            }
    return names


def references(text: str) -> list[tuple[str, str]]:
    return REFERENCE.findall(text)


def table_rows(text: str) -> list[str]:
    """Data rows of the markdown tables (not the header or the separator)."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [r for r in rows if not re.fullmatch(r"\|[-| ]+\|", r) and not r.startswith("| Item |")]


def test_every_named_test_exists():
    text = TABLE.read_text()
    refs = references(text)
    assert len(refs) >= 40, "the table should name the tests that cover it"
    missing = []
    cache: dict[str, set[str]] = {}
    for file, name in refs:
        path = REPO / file
        if not path.is_file():
            missing.append(f"{file}::{name} (no such file)")
            continue
        if file not in cache:
            cache[file] = defined_tests(path)
        if name not in cache[file]:
            missing.append(f"{file}::{name}")
    assert not missing, "docs/protocol.md names tests that do not exist:\n" + "\n".join(sorted(set(missing)))


def test_every_row_names_a_test_or_says_none_yet():
    text = TABLE.read_text()
    rows = table_rows(text)
    assert rows, "docs/protocol.md has no table rows"
    bare = [r for r in rows if not references(r) and not r.rstrip().endswith("| — |")]
    assert not bare, "rows with neither a test nor '—':\n" + "\n".join(bare)
    untested = [r for r in rows if not references(r)]
    gaps = text.split("## Not covered by a test yet", 1)[-1]
    assert len(untested) == gaps.count("\n- "), "every '—' row is listed under 'Not covered by a test yet'"


def test_the_checker_notices_a_missing_test(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "def test_a():\n    pass\n\nclass TestB:\n    def test_c(self):\n        pass\n\ndef helper():\n    pass\n"
    )
    assert defined_tests(sample) == {"test_a", "test_c"}
    assert references("see `tests/x/test_y.py::test_z`, and tests/a.py::test_b.") == [
        ("tests/x/test_y.py", "test_z"),
        ("tests/a.py", "test_b"),
    ]
