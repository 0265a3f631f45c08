"""How URLs are matched and built: builders compiled once per process, and one match per request.

**Builders.**
Werkzeug compiles two small Python functions for every URL rule (to build its URLs), through
``ast`` and ``compile()``: for mockango's ~100 rules that was ~80 % of starting a host (30-53 ms),
paid again by every ``MockAngo`` and fixture host. The function depends only on the rule's parsed
form (its trace) and on whether unknown arguments are appended, and it reaches its rule through its
first argument; so it is compiled once and bound to each new rule, as ``re`` caches its patterns.
The cache holds compiled code keyed by rule text, never a host's state: hosts share nothing they
could see or change.

**Matching.** When no rule matches a path, werkzeug matches it a second time with repeated slashes
merged (``/v2//listProjects`` → a 308 to ``/v2/listProjects``), first running ``re.sub("/{2,}", ...)``
over the whole path. For a path without ``//`` that second match can only fail the same way, yet
it cost every 404 a scan of its path under the interpreter lock: ~0.3 ms for a 30 KB path, a
quarter of the server's time under a flood of such 404s (``bench/abuse.py``, profiled with py-spy).
:class:`SlashMergingMap` skips the second match when there is nothing to merge; the answers are
the same (404 or 405, with the same ``Allow``; the 308 for repeated slashes).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from flask import Flask
from werkzeug.routing import Map, Rule
from werkzeug.routing.matcher import StateMachineMatcher

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


class _MatchOnceUnlessRepeatedSlashes(StateMachineMatcher):
    """Werkzeug's matcher, retrying with slashes merged only for a path that has repeated slashes."""

    def __init__(self, matcher: StateMachineMatcher) -> None:
        """Takes over ``matcher``'s rules (its state machine's root, which ``add``/``update`` keep building)."""
        super().__init__(matcher.merge_slashes)
        self._root = matcher._root
        self._without_retry = StateMachineMatcher(merge_slashes=False)
        self._without_retry._root = self._root

    def match(self, domain: str, path: str, method: str, websocket: bool) -> tuple[Rule, MutableMapping[str, Any]]:
        if self.merge_slashes and "//" not in path:
            # re.sub("/{2,}", "/", path) would return path itself: the retry would fail the same way
            return self._without_retry.match(domain, path, method, websocket)
        return super().match(domain, path, method, websocket)


class SlashMergingMap(Map):
    """A werkzeug :class:`~werkzeug.routing.Map` whose failed matches are retried with merged slashes only
    when the path has repeated slashes (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._matcher = _MatchOnceUnlessRepeatedSlashes(self._matcher)


class MockangoFlask(Flask):
    """Flask, with URL rules that share their compiled builders across apps, matched once per request."""

    url_rule_class = CompiledOnceRule
    url_map_class = SlashMergingMap
