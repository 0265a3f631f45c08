"""Checks that need the project: assets, ontology kinds and positions, answers, relations, bounds.

Runs over every item, valid or not, and skips whatever is structurally broken
(the structural layer reports that), so each problem is reported exactly once.
Paths are only formatted when an issue is found.
"""

from __future__ import annotations

import difflib
from typing import Any

from ..suggestions import close_matches
from . import fast
from .evidence import refuses
from .geometry import geometry_findings
from .paths import format_path, show
from .project import CHOICE_TYPES, MULTI_TYPES, AssetIndex, Entry, OntologyIndex, asset_name, asset_size, by_title
from .report import Issue
from .structure import GEOMETRY_KEYS
from .tree_paths import closest_path, normalize_path

__all__ = ["LabelChecker"]

_LIST_LIMIT = 8
_HINT_LIMIT = 20  # suggestions ("did you mean") for the first N unknown assets only
_GEOMETRY_OK = {
    "bounding-box": fast._bounding_box,
    "rotated-bounding-box": fast._rotated_bounding_box,
    "polygon": fast._polygon,
    "polyline": fast._polyline,
    "point": fast._point,
    "ner": fast._ner,
    "pdf": fast._pdf,
    "segmentation": fast._segmentation,
    "pct": fast._pct,
}
_ITEM_KEYS = frozenset(
    {"externalId", "data", "objects", "classifications", "relations", "brushDataUrl", "medicalBrushDataUrl"}
)
_OBJECT_KEYS = (
    frozenset({"schemaId", "title", "objectId", "lock", "page", "interpolationStopped", "classifications"})
    | GEOMETRY_KEYS
)


def _norm(key: str) -> str:
    return key.lower().replace("-", "").replace("_", "").replace(" ", "")


_ITEM_NORM = {_norm(k): k for k in _ITEM_KEYS}
_OBJECT_NORM = {_norm(k): k for k in _OBJECT_KEYS}


def _listing(entries: list[Entry] | Any) -> str:
    entries = list(entries)
    if not entries:
        return "none"
    shown = ", ".join(e.label() for e in entries[:_LIST_LIMIT])
    more = len(entries) - _LIST_LIMIT
    return shown + (f", … {more} more" if more > 0 else "")


def _values(values: list[str]) -> str:
    shown = ", ".join(repr(v) for v in values[:_LIST_LIMIT])
    more = len(values) - _LIST_LIMIT
    return shown + (f", … {more} more" if more > 0 else "")


class LabelChecker:
    """Holds the project's indexes and collects issues while walking items."""

    def __init__(
        self, ontology: OntologyIndex, assets: AssetIndex, project_name: str | None, root: str, strict: bool = False
    ) -> None:
        self.strict = strict
        self.ont = ontology
        self.assets = assets
        self.project = f"project '{project_name}'" if project_name else "the project"
        self.root = root
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self._claimed: dict[int, int] = {}  # id(asset) -> first item index labelling it
        self._hints = 0
        self.missing_required: dict[str, list[int]] = {}

    # -- reporting -------------------------------------------------------------------------
    def error(self, parts: tuple, code: str, message: str) -> bool:
        """Report a refusing rule's finding; True when it blocks (see :func:`.evidence.refuses`), False when,
        lenient about a rule whose evidence is unknown, it is only a warning."""
        issue = Issue(format_path(self.root, parts), code, message)
        if refuses(code, self.strict):
            self.errors.append(issue)
            return True
        self.warnings.append(issue)
        return False

    def warn(self, parts: tuple, code: str, message: str) -> None:
        self.warnings.append(Issue(format_path(self.root, parts), code, message))

    # -- items -----------------------------------------------------------------------------
    def check_item(self, i: int, item: Any, well_formed: bool) -> tuple[list[dict], int, int, int]:
        """Check one item; return its matched assets and its object/classification/relation counts."""
        if not isinstance(item, dict):
            return [], 0, 0, 0
        matched = self._match_assets(i, item)
        width = height = name = None
        if matched:
            name = matched[0]
            width, height = asset_size(name)
            for other in matched[1:]:
                w, h = asset_size(other)
                if w is not None and (width is None or w < width):
                    width, name = w, other
                if h is not None and (height is None or h < height):
                    height, name = h, other
        for key in item:
            if key not in _ITEM_KEYS and isinstance(key, str):
                self._misspelled((i,), key, _ITEM_NORM)

        object_ids: set[str] = set()
        objects = item.get("objects")
        n_obj = n_cls = n_rel = 0
        if isinstance(objects, list):
            n_obj = len(objects)
            for j, obj in enumerate(objects):
                if isinstance(obj, dict):
                    self._check_object((i, "objects", j), obj, object_ids, well_formed, width, height, name)
        classifications = item.get("classifications")
        if isinstance(classifications, list):
            n_cls = len(classifications)
            self._check_classifications(
                (i, "classifications"),
                classifications,
                self.ont.classifications,
                self.ont.classifications_by_title,
                None,
                well_formed,
            )
            if self.ont.required_classifications:
                self._note_required(i, classifications, self.ont.required_classifications)
        elif self.ont.required_classifications:
            self._note_required(i, [], self.ont.required_classifications)
        relations = item.get("relations")
        if isinstance(relations, list):
            n_rel = len(relations)
            for k, rel in enumerate(relations):
                if isinstance(rel, dict):
                    self._check_relation((i, "relations", k), rel, object_ids)
        brush = False
        for key in ("brushDataUrl", "medicalBrushDataUrl"):
            if key in item:
                brush = True
                if not self.ont.has_brush:
                    self.warn(
                        (i, key),
                        "brush_without_tool",
                        f"{self.project} has no brush tool: a {key} mask would not be shown",
                    )
        if not (n_obj or n_cls or n_rel or brush):
            self.warn(
                (i,),
                "empty_item",
                "the item has no objects, classifications, relations or brush mask: it imports nothing",
            )
        return matched, n_obj, n_cls, n_rel

    def _match_assets(self, i: int, item: dict) -> list[dict]:
        ext, data = item.get("externalId"), item.get("data")
        ext = ext if isinstance(ext, str) else None
        data = data if isinstance(data, str) else None
        idx = self.assets
        if data is not None:
            by_data = idx.by_data.get(data)
            if by_data is None and data and "/" not in data:
                # Ango's import format page names a video by its file name ("data": "H1412.mp4" for an asset
                # whose URL ends in /H1412.mp4): every asset whose URL ends so gets the labels.
                by_data = idx.by_file_name.get(data)
            if by_data is None:
                msg = f"no asset of {self.project} has data URL {show(data)}"
                if ext is not None and ext in idx.by_external_id:
                    msg += f" (externalId {show(ext)} exists: drop 'data' or correct it)"
                self.error((i, "data"), "unknown_asset", msg + self._suggest(data, idx.by_data))
                return []
            if ext is None:
                return self._claim(i, by_data)
            both = [a for a in by_data if a.get("externalId") == ext]
            if not both:
                blocked = self.error(
                    (i, "externalId"),
                    "asset_mismatch",
                    f"data {show(data)} is the asset with externalId {show(by_data[0].get('externalId'))}, "
                    f"not {show(ext)}: when an item has both, they must name the same asset",
                )
                return [] if blocked else self._claim(i, by_data)
            return self._claim(i, both)
        if ext is not None:
            by_ext = idx.by_external_id.get(ext)
            if by_ext is None:
                self.error(
                    (i, "externalId"),
                    "unknown_asset",
                    f"no asset of {self.project} has externalId {show(ext)}" + self._suggest(ext, idx.by_external_id),
                )
                return []
            return self._claim(i, by_ext)
        return []

    def _suggest(self, wrong: str, known: dict[str, Any]) -> str:
        if not self.assets.count:
            return f" ({self.project} has no assets: import assets before labels)"
        if not known:
            return ""
        self._hints += 1
        if self._hints > _HINT_LIMIT:
            return ""
        close = close_matches(wrong, known)
        return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""

    def _claim(self, i: int, assets: list[dict]) -> list[dict]:
        claimed = self._claimed
        for asset in assets:
            first = claimed.setdefault(id(asset), i)
            if first != i:
                self.warn(
                    (i,),
                    "duplicate_asset",
                    f"asset {asset_name(asset)} is also labelled by {format_path(self.root, (first,))}: "
                    "the later item replaces the earlier pre-label",
                )
                break
        return assets

    def _misspelled(self, parts: tuple, key: str, known: dict[str, str]) -> None:
        target = known.get(_norm(key))
        if target is None:
            close = difflib.get_close_matches(key, list(known.values()), n=1, cutoff=0.85)
            target = close[0] if close else None
        if target is not None and target != key:
            self.warn(parts + (key,), "misspelled_key", f"unknown key '{key}' is ignored: did you mean '{target}'?")

    # -- objects ---------------------------------------------------------------------------
    def _resolve(
        self, parts: tuple, node: dict, candidates: dict[str, Entry], titles: dict[str, list[Entry]], want: str
    ) -> Entry | None:
        """Find the entry ``node`` names by schemaId (or title) among ``candidates``; report why not."""
        sid = node.get("schemaId")
        title = node.get("title")
        if isinstance(sid, str):
            entry = candidates.get(sid)
            if entry is not None:
                if isinstance(title, str) and title != entry.title:
                    self.warn(
                        parts + ("title",),
                        "title_mismatch",
                        f"title {show(title)} differs from the title '{entry.title}' of schemaId "
                        f"{show(sid)}: the schemaId wins",
                    )
                return entry
            elsewhere = self.ont.every.get(sid)
            plural = _plural(want)
            if elsewhere is not None:
                self.error(
                    parts + ("schemaId",),
                    "wrong_kind",
                    f"schemaId {show(sid)} is {elsewhere.describe()}, not {_a(want)} "
                    f"({plural}: {_listing(candidates.values())})",
                )
            elif sid in self.ont.option_owner:
                owner = self.ont.option_owner[sid]
                self.error(
                    parts + ("schemaId",),
                    "wrong_kind",
                    f"schemaId {show(sid)} is an option ('{owner.option_ids[sid]}') of {owner.describe()}, "
                    f"not {_a(want)} ({plural}: {_listing(candidates.values())})",
                )
            else:
                scope = "" if _NESTED in want else f" of {self.project}"
                self.error(
                    parts + ("schemaId",),
                    "unknown_schema_id",
                    f"schemaId {show(sid)} is not {_a(want)}{scope} ({plural}: {_listing(candidates.values())})",
                )
            return None
        if isinstance(title, str):
            found = titles.get(title, [])
            if len(found) == 1:
                return found[0]
            if found:
                # Ango's import format page: "If you have more than one tool with the same name, Ango Hub will
                # pick one randomly" -- the host accepts it, so this is a warning; mockango picks the first.
                self.warn(
                    parts + ("title",),
                    "ambiguous_title",
                    f"title {show(title)} names {len(found)} {_plural(want)} ({_listing(found)}): the first "
                    "is taken (Ango Hub picks one at random); use the schemaId of the one you mean",
                )
                return found[0]
            else:
                near = [t for t in titles if t.lower() == title.lower()]
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                self.error(
                    parts + ("title",),
                    "unknown_title",
                    f"title {show(title)} is not {_a(want)}{'' if _NESTED in want else ' of ' + self.project}"
                    f"{hint} ({_plural(want)}: {_listing(candidates.values())})",
                )
        return None

    def _check_object(
        self,
        parts: tuple,
        obj: dict,
        object_ids: set[str],
        well_formed: bool,
        width: float | None,
        height: float | None,
        asset: dict | None,
    ) -> None:
        oid = obj.get("objectId")
        if type(oid) is str:
            if oid in object_ids:
                self._duplicate_object_id(parts + ("objectId",), oid)
            object_ids.add(oid)
        geometries = []
        for key in obj:
            if key in GEOMETRY_KEYS:
                geometries.append(key)
                inner = obj[key]
                if type(inner) is dict and "objectId" in inner:
                    inner_id = inner["objectId"]
                    if isinstance(inner_id, str) and inner_id != oid:
                        if inner_id in object_ids:
                            self._duplicate_object_id(parts + (key, "objectId"), inner_id)
                        object_ids.add(inner_id)
            elif key not in _OBJECT_KEYS and isinstance(key, str):
                self._misspelled(parts, key, _OBJECT_NORM)
        sid = obj.get("schemaId")
        tool = self.ont.tools.get(sid) if type(sid) is str else None
        if tool is None or "title" in obj:
            tool = self._resolve(parts, obj, self.ont.tools, self.ont.tools_by_title, "tool")
            if tool is None:
                return
        expected = tool.geometry
        if expected is None and tool.type == "brush":
            for key in geometries:
                self.error(
                    parts + (key,),
                    "geometry_mismatch",
                    f"'{key}' geometry on {tool.describe()}: brush objects carry no geometry "
                    "(the mask comes from the item's brushDataUrl)",
                )
        elif expected is None:
            pass  # the ontology's tool type is unknown: validate_ontology reports it
        elif expected not in geometries:
            if geometries:
                for key in geometries:
                    self.error(
                        parts + (key,),
                        "geometry_mismatch",
                        f"'{key}' geometry on {tool.describe()}: its objects need a '{expected}' key",
                    )
            else:
                self.error(
                    parts,
                    "missing_geometry",
                    f"no geometry: an object of {tool.describe()} needs a '{expected}' key"
                    + self._geometry_hint(obj, expected),
                )
        else:
            for key in geometries:
                if key != expected:
                    self.error(
                        parts + (key,),
                        "multiple_geometry",
                        f"'{key}' next to '{expected}': an object of {tool.describe()} holds one geometry",
                    )
            geo = obj[expected]
            if well_formed or _GEOMETRY_OK[expected](geo):
                for rel, code, message, warning in geometry_findings(expected, geo, width, height, asset):
                    (self.warn if warning else self.error)(parts + (expected,) + rel, code, message)
        nested = obj.get("classifications")
        if isinstance(nested, list):
            self._check_classifications(
                parts + ("classifications",), nested, tool.nested, by_title(tool.nested), tool, well_formed
            )

    def _geometry_hint(self, obj: dict, expected: str) -> str:
        for key in obj:
            if isinstance(key, str) and _norm(key) == _norm(expected):
                return f" (found '{key}': the key is spelled '{expected}')"
        return ""

    def _duplicate_object_id(self, parts: tuple, oid: str) -> None:
        self.warn(
            parts,
            "duplicate_object_id",
            f"objectId {show(oid)} is used twice in this item: relations to it are ambiguous",
        )

    # -- classifications -------------------------------------------------------------------
    def _check_classifications(
        self,
        parts: tuple,
        items: list,
        candidates: dict[str, Entry],
        titles: dict[str, list[Entry]],
        parent: Entry | None,
        well_formed: bool,
        selected: frozenset[str] | None = None,
    ) -> None:
        want = "classification" if parent is None else f"classification{_NESTED}{parent.kind} '{parent.title}'"
        seen: dict[str, int] = {}
        for k, node in enumerate(items):
            if not isinstance(node, dict):
                continue
            here = parts + (k,)
            entry = self._resolve(here, node, candidates, titles, want)
            if entry is None:
                continue
            if entry.schema_id in seen:
                self.warn(
                    here,
                    "duplicate_classification",
                    f"{entry.describe()} is answered twice here (first at "
                    f"{format_path(self.root, parts + (seen[entry.schema_id],))}): one answer is kept",
                )
            seen.setdefault(entry.schema_id, k)
            if (
                parent is not None
                and selected is not None
                and entry.parent_option is not None
                and entry.parent_option not in selected
            ):
                option = parent.option_ids.get(entry.parent_option, entry.parent_option)
                self.warn(
                    here,
                    "inactive_nested",
                    f"{entry.describe()} only applies when '{parent.title}' is answered "
                    f"'{option}', which this answer does not select",
                )
            chosen = self._check_answer(here, node, entry)
            nested = node.get("classifications")
            if isinstance(nested, list):
                self._check_classifications(
                    here + ("classifications",),
                    nested,
                    entry.nested,
                    by_title(entry.nested),
                    entry,
                    well_formed,
                    chosen,
                )

    def _check_answer(self, parts: tuple, node: dict, entry: Entry) -> frozenset[str] | None:
        """Check the answer against the classification; return the option ids it selects."""
        if "answer" not in node:
            return None
        answer = node["answer"]
        if not isinstance(answer, (str, bool, list)):
            return None  # a structural error, reported by the schema
        where = parts + ("answer",)
        kind = entry.type
        name = f"{kind} '{entry.title}'"
        if kind in CHOICE_TYPES:
            if not isinstance(answer, str):
                self.error(
                    where,
                    "invalid_answer",
                    f"{show(answer)} is not a string: {name} takes one option as a string ({self._options(entry)})",
                )
                return None
            if answer not in entry.options:
                self.error(
                    where,
                    "invalid_answer",
                    f"{show(answer)} is not an option of {name} "
                    f"({self._options(entry)}){self._option_hint(entry, answer)}",
                )
                return None
            return frozenset((entry.options[answer],))
        if kind in MULTI_TYPES or kind == "tree-dropdown":
            if not isinstance(answer, list):
                example = next(iter(entry.options or entry.tree or {"…": ""}))
                self.error(
                    where,
                    "invalid_answer",
                    f"{show(answer)} is not a list: {name} takes a list of "
                    f"{'tree nodes' if kind == 'tree-dropdown' else 'options'},"
                    f" e.g. [{show(example)}]",
                )
                return None
            chosen: set[str] = set()
            for n, value in enumerate(answer):
                if not isinstance(value, str):
                    continue  # structural
                if kind == "tree-dropdown":
                    ids = entry.tree.get(value)
                    if ids is None and (path := normalize_path(value)) is not None:  # a path: it has a "/"
                        ids = entry.tree_paths.get(path)
                    if ids is None:
                        self.error(
                            where + (n,),
                            "invalid_answer",
                            f"{show(value)} is not a node of {name}"
                            f"{self._tree_hint(entry, value)} (nodes: {_values(sorted(entry.tree))})",
                        )
                        continue
                    new = ids
                else:
                    oid = entry.options.get(value)
                    if oid is None:
                        self.error(
                            where + (n,),
                            "invalid_answer",
                            f"{show(value)} is not an option of {name} "
                            f"({self._options(entry)}){self._option_hint(entry, value)}",
                        )
                        continue
                    new = frozenset((oid,))
                if new & chosen:
                    self.warn(where + (n,), "duplicate_answer", f"{show(value)} is selected twice in {name}")
                chosen |= new
            return frozenset(chosen)
        if kind in ("text", "instance"):
            if not isinstance(answer, str):
                self.error(where, "invalid_answer", f"{show(answer)} is not a string: {name} takes a string")
            return None
        if kind == "boolean":
            if not isinstance(answer, bool):
                self.error(where, "invalid_answer", f"{show(answer)} is not true or false: {name} takes a boolean")
            return None
        return None

    @staticmethod
    def _options(entry: Entry) -> str:
        return f"options: {_values(list(entry.options))}" if entry.options else "it has no options"

    @staticmethod
    def _tree_hint(entry: Entry, value: str) -> str:
        """For a title path that names no node: the closest one that does."""
        if "/" not in value or not entry.tree_paths:
            return ""
        return f"; did you mean the path '{closest_path(value, entry.tree_paths)}'?"

    @staticmethod
    def _option_hint(entry: Entry, value: str) -> str:
        if value in entry.option_ids:
            return f"; {show(value)} is the schemaId of option '{entry.option_ids[value]}': answer with the value"
        near = [o for o in entry.options if o.lower() == value.lower()]
        return f"; did you mean '{near[0]}'?" if near else ""

    def _note_required(self, i: int, answered: list, required: list[Entry]) -> None:
        present = {node.get("schemaId") for node in answered if isinstance(node, dict)}
        present |= {
            e.schema_id
            for node in answered
            if isinstance(node, dict) and "schemaId" not in node and isinstance(node.get("title"), str)
            for e in self.ont.classifications_by_title.get(node["title"], ())
        }
        for entry in required:
            if entry.schema_id not in present:
                self.missing_required.setdefault(entry.schema_id, []).append(i)

    # -- relations -------------------------------------------------------------------------
    def _check_relation(self, parts: tuple, rel: dict, object_ids: set[str]) -> None:
        entry = self._resolve(parts, rel, self.ont.relations, self.ont.relations_by_title, "relation")
        if entry is None:
            return
        kind = entry.type
        name = f"{kind} relation '{entry.title}'"
        refs: list[tuple[tuple, str]] = []
        if kind == "group":
            for key in ("from", "to"):
                if key in rel:
                    self.error(
                        parts + (key,),
                        "relation_shape",
                        f"'{key}' on {name}: a group relation lists its objectIds in 'group'",
                    )
            group = rel.get("group")
            if "group" not in rel:
                self.error(parts + ("group",), "required", f"'group' is missing: {name} needs a list of objectIds")
            elif isinstance(group, list):
                refs += [((*parts, "group", n), g) for n, g in enumerate(group) if isinstance(g, str)]
                if len(group) == 1:
                    self.warn(parts + ("group",), "small_group", f"{name} groups a single object")
        elif kind in ("one-to-one", "one-to-many"):
            if "group" in rel:
                self.error(
                    parts + ("group",), "relation_shape", f"'group' on {name}: a {kind} relation uses 'from' and 'to'"
                )
            for key in ("from", "to"):
                if key not in rel:
                    self.error(parts + (key,), "required", f"'{key}' is missing: {name} needs 'from' and 'to'")
            src, dst = rel.get("from"), rel.get("to")
            if isinstance(src, str):
                refs.append((parts + ("from",), src))
            if isinstance(dst, str):
                refs.append((parts + ("to",), dst))
                if dst == src:
                    self.warn(parts + ("to",), "self_relation", f"{name} relates objectId {show(src)} to itself")
            elif isinstance(dst, list):
                if kind == "one-to-one":
                    self.error(
                        parts + ("to",),
                        "relation_shape",
                        f"a list: {name} relates one object to one object, so 'to' is one objectId",
                    )
                else:
                    if not dst:
                        self.error(
                            parts + ("to",),
                            "relation_shape",
                            f"an empty list: {name} needs at least one objectId in 'to'",
                        )
                    refs += [((*parts, "to", n), t) for n, t in enumerate(dst) if isinstance(t, str)]
        for where, ref in refs:
            if ref not in object_ids:
                known = _values(sorted(object_ids)) if object_ids else "this item has none"
                self.error(
                    where,
                    "unknown_object_id",
                    f"objectId {show(ref)} is not an object of this item (objectIds: {known})",
                )

    # -- after all items -------------------------------------------------------------------
    def finish(self, n_items: int) -> None:
        for sid, items in self.missing_required.items():
            entry = self.ont.classifications[sid]
            self.warn(
                (),
                "missing_required",
                f"required {entry.describe()} is not answered in {len(items):,} of {n_items:,} items "
                f"(first: {format_path(self.root, (items[0],))}); annotators will have to add it",
            )


_NESTED = " nested in "


def _plural(want: str) -> str:
    if _NESTED in want:
        head, tail = want.split(_NESTED, 1)
        return f"{head}s{_NESTED}{tail}"
    return want + "s"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun
