"""The README documents the public API and the command line as they are: every exported name,
every command and option, and nothing the code does not have."""

from __future__ import annotations

import re

import click

import mockango
import plugin_client
from mockango.cli import main
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def table_names(text: str, header: str) -> tuple[set[str], set[str]]:
    """The table under ``header``: the names its first column mentions, and the names its rows
    document (a row about ``Name.method`` documents a method, not a name)."""
    table = text[text.index(header) :]
    table = table[: table.index("\n\n")]
    mentioned, documented = set(), set()
    for row in table.splitlines()[2:]:
        first = row.split(" | ")[0]
        mentioned.update(re.findall(r"(?<![.\w])`?([A-Za-z_][A-Za-z0-9_]*)(?=[(`])", first))
        if not re.match(r"\| `[A-Za-z_]\w*\.", first):
            documented.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)[(`]", first))
    return mentioned, documented


def test_every_exported_mockango_name_is_in_the_readme_table_and_back():
    mentioned, documented = table_names(section("Using mockango from Python"), "| `mockango` name")
    assert set(mockango.__all__) - mentioned == set(), "exported but not documented"
    assert documented - set(mockango.__all__) == set(), "documented but not exported"


def test_every_exported_plugin_client_name_is_in_the_readme_table_and_back():
    mentioned, documented = table_names(section("plugin_client"), "| `plugin_client` name")
    assert set(plugin_client.__all__) - mentioned == set(), "exported but not documented"
    assert documented - set(plugin_client.__all__) == set(), "documented but not exported"


def commands(group: click.Group, prefix: str = "mockango"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


def test_every_command_and_option_is_in_the_readme_command_table_and_back():
    table = section("The command line")
    rows = [row for row in table.splitlines() if row.startswith("| `")]
    shared = table[table.index("`run`, `follow`, `cancel` and `plugin` talk to") :]  # --url and --api-key, said once
    for path, command in commands(main):
        words = path.split()[1:]
        row = next(
            (
                r
                for r in rows
                if re.search(r"`mockango " + r"\s+".join(words) + r"\b", r)
                or (len(words) > 1 and re.search(r"`" + words[-2] + r" " + words[-1] + r"\b", r))
                or (len(words) > 1 and re.search(r"/ `" + words[-1] + r"\b", r))
            ),
            None,
        )
        assert row is not None, f"`{path}` is not in the README's command table"
        options = {
            opt
            for param in command.params
            if isinstance(param, click.Option)
            for opt in param.opts + param.secondary_opts
            if opt.startswith("--") and opt != "--help"
        }
        missing = {
            opt
            for opt in options
            if not re.search(re.escape(opt) + r"(?![\w-])", row)
            and not (opt in ("--url", "--api-key") and f"`{words[0]}`" in shared and opt in shared)
        }
        assert missing == set(), f"`{path}` options not in its README row: {sorted(missing)}"
    documented = set(re.findall(r"(--[a-z][a-z-]*)", "\n".join(rows)))
    real = {
        opt
        for _, command in commands(main)
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts + param.secondary_opts
    } | {"--version"}
    assert documented - real == set(), "options in the README that no command has"


def test_the_figures_live_in_docs_figures_and_the_readme_only_sums_them_up():
    """The benchmark tables stood between the guide and the command-line reference (issue 22 item 10)."""
    summary = section("Figures")
    assert len(summary.splitlines()) < 40, "the README sums the figures up; the tables go in docs/figures.md"
    figures = (ROOT / "docs" / "figures.md").read_text(encoding="utf-8")
    scripts = set(re.findall(r"bench/(\w+)\.py", figures + summary))
    assert {"roundtrip", "validate", "store", "load"} <= scripts
    assert [s for s in sorted(scripts) if not (ROOT / "bench" / f"{s}.py").exists()] == []
