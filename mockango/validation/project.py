"""Look-up tables built once per validation from a project's ontology and assets.

Built defensively: a malformed ontology entry is skipped here (``validate_ontology``
is where it gets reported), so label validation never crashes on host data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .numbers import is_number
from .tree_paths import title_paths

__all__ = ["Entry", "OntologyIndex", "AssetIndex", "GEOMETRY_OF_TOOL", "short"]

# Which geometry key an object of each tool type carries (brush: none, the mask is a URL).
GEOMETRY_OF_TOOL: dict[str, str | None] = {
    "bounding-box": "bounding-box",
    "rotated-bounding-box": "rotated-bounding-box",
    "polygon": "polygon",
    "polyline": "polyline",
    "point": "point",
    "segmentation": "segmentation",
    "ner": "ner",
    "pdf": "pdf",
    "pct": "pct",
    "brush": None,
}
CHOICE_TYPES = frozenset({"radio", "single-dropdown"})
MULTI_TYPES = frozenset({"checkbox", "multi-dropdown"})
TREE_NODE_KEYS = ("key", "value", "title", "schemaId")


def short(schema_id: str) -> str:
    """``7f3a…`` for long ids, whole for short ones: enough to tell entries apart."""
    return schema_id if len(schema_id) <= 6 else schema_id[:3] + "…"


@dataclass(eq=False)
class Entry:
    """One tool, classification or relation of the ontology."""

    schema_id: str
    kind: str  # "tool", "classification" or "relation"
    type: str  # the entry's "tool" field: "bounding-box", "radio", "group", ...
    title: str
    parent: Entry | None = None
    required: bool = False
    parent_option: str | None = None
    geometry: str | None = None
    nested: dict[str, Entry] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # value -> option schemaId
    option_ids: dict[str, str] = field(default_factory=dict)  # option schemaId -> value
    tree: dict[str, frozenset[str]] = field(default_factory=dict)  # any node id -> all ids of that node
    tree_paths: dict[str, frozenset[str]] = field(default_factory=dict)  # "A / B" title path -> that node's ids

    def label(self) -> str:
        """``Vehicle 7f3…``: how entries are listed in messages."""
        return f"{self.title} {short(self.schema_id)}"

    def describe(self) -> str:
        """``the bounding-box tool 'Vehicle'``, ``the radio classification 'Color' nested in tool 'Car'``."""
        own = f"the {self.type} {self.kind} '{self.title}'"
        if self.parent is not None:
            return f"{own} nested in {self.parent.kind} '{self.parent.title}'"
        return own


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class OntologyIndex:
    """Tools, classifications and relations by schemaId and by title, nested ones under their parent."""

    def __init__(self, category_schema: dict[str, Any] | None) -> None:
        if category_schema is None:
            category_schema = {}
        if not isinstance(category_schema, dict):
            raise TypeError(f"category_schema must be a dict, not {type(category_schema).__name__}")
        self.every: dict[str, Entry] = {}  # first entry for each schemaId, any kind and depth
        self.option_owner: dict[str, Entry] = {}
        self.tools = self._top(category_schema.get("tools"), "tool")
        self.classifications = self._top(category_schema.get("classifications"), "classification")
        self.relations = self._top(category_schema.get("relations"), "relation")
        self.has_brush = any(e.type == "brush" for e in self.tools.values())
        self.tools_by_title = by_title(self.tools)
        self.classifications_by_title = by_title(self.classifications)
        self.relations_by_title = by_title(self.relations)
        self.required_classifications = [e for e in self.classifications.values() if e.required]

    def _top(self, raw: Any, kind: str) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for entry in self._entries(raw, kind, None):
            out.setdefault(entry.schema_id, entry)
        return out

    def _entries(self, raw: Any, kind: str, parent: Entry | None) -> list[Entry]:
        if not isinstance(raw, list):
            return []
        made = []
        for node in raw:
            if not isinstance(node, dict) or not isinstance(node.get("schemaId"), str):
                continue
            sid = node["schemaId"]
            type_ = _string(node.get("tool")) or ""
            entry = Entry(
                schema_id=sid,
                kind=kind,
                type=type_,
                title=_string(node.get("title")) or sid,
                parent=parent,
                required=node.get("required") is True,
                parent_option=_string(node.get("parentOptionId")),
                geometry=GEOMETRY_OF_TOOL.get(type_) if kind == "tool" else None,
            )
            options = node.get("options")
            for option in options if isinstance(options, list) else ():
                if isinstance(option, dict) and isinstance(option.get("value"), str):
                    oid = _string(option.get("schemaId")) or option["value"]
                    entry.options.setdefault(option["value"], oid)
                    entry.option_ids.setdefault(oid, option["value"])
                    self.option_owner.setdefault(oid, entry)
            _collect_tree(node.get("treeOptions"), entry.tree)
            entry.tree_paths = title_paths(node.get("treeOptions"), TREE_NODE_KEYS)
            for child in self._entries(node.get("classifications"), "classification", entry):
                entry.nested.setdefault(child.schema_id, child)
            self.every.setdefault(sid, entry)
            made.append(entry)
        return made


def by_title(entries: dict[str, Entry]) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for entry in entries.values():
        out.setdefault(entry.title, []).append(entry)
    return out


def _collect_tree(nodes: Any, into: dict[str, frozenset[str]]) -> None:
    if not isinstance(nodes, list):
        return
    for node in nodes:
        if not isinstance(node, dict):
            continue
        ids = frozenset(node[k] for k in TREE_NODE_KEYS if isinstance(node.get(k), str))
        for one in ids:
            into.setdefault(one, ids)
        _collect_tree(node.get("children"), into)


@dataclass
class AssetIndex:
    """Assets by externalId (several may share one), by data URL, and by the file name that ends the URL."""

    by_external_id: dict[str, list[dict]]
    by_data: dict[str, list[dict]]
    count: int
    by_file_name: dict[str, list[dict]] = field(default_factory=dict)

    @classmethod
    def build(cls, assets: Any) -> AssetIndex:
        by_ext: dict[str, list[dict]] = {}
        by_data: dict[str, list[dict]] = {}
        by_name: dict[str, list[dict]] = {}
        n = 0
        for asset in assets or ():
            if not isinstance(asset, dict):
                continue
            n += 1
            ext = asset.get("externalId")
            if isinstance(ext, str):
                by_ext.setdefault(ext, []).append(asset)
            data = asset.get("data")
            if isinstance(data, str):
                by_data.setdefault(data, []).append(asset)
                if "/" in data:
                    by_name.setdefault(data.rsplit("/", 1)[1], []).append(asset)
        return cls(by_ext, by_data, n, by_name)


def asset_size(asset: dict) -> tuple[float | None, float | None]:
    """The asset's (width, height) from its metadata; None for what is unknown."""
    meta = asset.get("metadata")
    if not isinstance(meta, dict):
        return None, None
    w, h = meta.get("width"), meta.get("height")
    return (w if is_number(w) and w > 0 else None, h if is_number(h) and h > 0 else None)


def asset_name(asset: dict) -> str:
    ext = asset.get("externalId")
    return f"'{ext}'" if isinstance(ext, str) else f"_id {asset.get('_id')}"
