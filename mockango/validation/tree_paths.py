"""Tree-dropdown nodes named by their path of titles, as Ango's import docs do: "Trunk / Branch 2 / Leaf 2".

A path is compared part by part with the spaces around each "/" ignored, so
"Trunk/Branch 2/Leaf 2" names the same node. Pure functions over the ontology's
``treeOptions``; the label checker looks a path up only when the answer is no node's
key, value, title or schemaId.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

SEPARATOR = " / "


def normalize_path(text: str) -> str | None:
    """``"Trunk/Branch 2 / Leaf 2"`` -> ``"Trunk / Branch 2 / Leaf 2"``; None for a text with no "/"."""
    if "/" not in text:
        return None
    return SEPARATOR.join(part.strip() for part in text.split("/"))


def title_paths(
    nodes: Any, id_keys: Iterable[str], prefix: tuple[str, ...] = (), into: dict[str, frozenset[str]] | None = None
) -> dict[str, frozenset[str]]:
    """Every node's title path (normalized) -> the ids that node has (its values of ``id_keys``).

    Only nodes below the top level get an entry: a top-level node's path is its title,
    which is already one of its ids. The first of two same-titled siblings wins.
    """
    into = {} if into is None else into
    keys = tuple(id_keys)
    for node in nodes if isinstance(nodes, list) else ():
        if not isinstance(node, dict) or not isinstance(node.get("title"), str):
            continue
        path = (*prefix, node["title"])
        if len(path) > 1:
            ids = frozenset(node[k] for k in keys if isinstance(node.get(k), str))
            key = normalize_path("/".join(path))
            if key is not None:  # always: the path has two parts or more
                into.setdefault(key, ids)
        title_paths(node.get("children"), keys, path, into)
    return into


def closest_path(wrong: str, paths: Iterable[str]) -> str | None:
    """The valid path most like ``wrong`` (there always is one when the tree has paths)."""
    normalized = normalize_path(wrong) or wrong
    best = max(paths, key=lambda path: (difflib.SequenceMatcher(None, normalized, path).ratio(), path), default=None)
    return best
