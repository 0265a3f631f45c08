"""URL rules whose URL-building code is compiled once per process, not once per app.

Werkzeug compiles two small Python functions for every URL rule (to build its URLs), through
``ast`` and ``compile()``: for mockango's ~100 rules that was ~80 % of starting a host (30-53 ms),
paid again by every ``MockAngo`` and fixture host. The function depends only on the rule's parsed
form (its trace) and on whether unknown arguments are appended, and it reaches its rule through its
first argument; so it is compiled once and bound to each new rule, as ``re`` caches its patterns.
The cache holds compiled code keyed by rule text, never a host's state: hosts share nothing they
could see or change.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from werkzeug.routing import Rule

MAX_SHARED_BUILDERS = 1024
"""Builders kept (two per distinct rule; mockango has ~100 rules): past it, rules compile their own."""
_builders: dict[tuple, Callable[..., tuple[str, str]]] = {}
"""Compiled URL builders by (rule text, trace, append_unknown): pure functions, shared by every app."""


class CompiledOnceRule(Rule):
    """A werkzeug :class:`~werkzeug.routing.Rule` that takes its URL builders from the process-wide cache."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        if self.defaults:  # a default is folded into the code through the map's converters: not shared
            return super()._compile_builder(append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        builder = _builders.get(key)
        if builder is None:
            builder = super()._compile_builder(append_unknown)
            if len(_builders) < MAX_SHARED_BUILDERS:
                builder = _builders.setdefault(key, builder)
        return builder


class MockangoFlask(Flask):
    """Flask, with URL rules that share their compiled builders across apps."""

    url_rule_class = CompiledOnceRule
