"""An asset as the dashboard draws it: its image (or its Markdown document) and the labels over it.

An asset can carry two sets of labels, drawn as two layers the pages tell apart: its
**pre-label** (what ``import_labels`` stored on the asset) and its task's **answer** (what a
Model plugin or ``annotate_task`` submitted; a task shows its asset's pre-label until then).
Shapes are SVG in image pixels (the SVG's viewBox scales them); each object is also listed with
its class, id and coordinates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import markdown

PRE_LABEL, ANSWER = "prelabel", "answer"
LAYER_TITLES = {PRE_LABEL: "pre-label", ANSWER: "task answer"}
DEFAULT_SIZE = (640, 480)
OBJECT_KINDS = (
    "bounding-box",
    "rotated-bounding-box",
    "polygon",
    "polyline",
    "point",
    "segmentation",
    "ner",
    "pdf",
    "pct",
    "brushDataUrl",
)
POINTS_SHOWN = 4


class Ontology:
    """What the pages need of a project's ``categorySchema`` to name and colour labels."""

    def __init__(self, schema: Mapping) -> None:
        tools = schema.get("tools") or []
        self.tools = {t.get("schemaId"): t for t in tools}
        self.by_title = {t.get("title"): t for t in tools}
        self.names: dict = {}
        self._name(schema.get("classifications") or [])

    def _name(self, classifications: list) -> None:
        for c in classifications:
            self.names[c.get("schemaId")] = c.get("title") or c.get("schemaId")
            self._name(c.get("classifications") or [])

    def tool(self, obj: Mapping) -> Mapping:
        return self.tools.get(obj.get("schemaId")) or self.by_title.get(obj.get("title")) or {}


def number(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _g(value: Any) -> str:
    """A coordinate as people write it: 120, 12.5 (not 120.0, 12.499999)."""
    value = number(value)
    return str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0")


def _points(value: Any) -> str:
    try:
        return " ".join(f"{number(p[0])},{number(p[1])}" for p in value)
    except (TypeError, IndexError, KeyError):
        return ""


def _point_list(value: Any) -> str:
    try:
        shown = [f"({_g(p[0])}, {_g(p[1])})" for p in value[:POINTS_SHOWN]]
    except (TypeError, IndexError, KeyError):
        return "—"
    more = f", … {len(value) - POINTS_SHOWN} more" if len(value) > POINTS_SHOWN else ""
    return f"{len(value)} points: {', '.join(shown)}{more}"


def geometry_text(obj: Mapping) -> str:
    """An object's geometry in words and coordinates (pixels; characters for ner)."""
    kind = next((k for k in OBJECT_KINDS if k in obj), None)
    value = obj.get(kind) if kind else None
    if kind in ("bounding-box", "rotated-bounding-box") and isinstance(value, Mapping):
        text = f"{kind}: x {_g(value.get('x'))}, y {_g(value.get('y'))}, {_g(value.get('width'))} × {_g(value.get('height'))}"
        return text + (f", rotated {_g(value.get('rotation'))}°" if kind == "rotated-bounding-box" else "")
    if kind in ("polygon", "polyline") and isinstance(value, list):
        return f"{kind}: {_point_list(value)}"
    if kind == "point" and isinstance(value, list) and len(value) >= 2:
        return f"point: ({_g(value[0])}, {_g(value[1])})"
    if kind == "ner" and isinstance(value, Mapping):
        return f"ner: characters {_g(value.get('start'))}–{_g(value.get('end'))}"
    if kind == "pdf" and isinstance(value, Mapping):
        corners = f"({_g(value.get('x1'))}, {_g(value.get('y1'))})–({_g(value.get('x2'))}, {_g(value.get('y2'))})"
        return f"pdf: page {_g(value.get('pageNumber'))}, {corners}"
    if kind == "brushDataUrl":
        return "brush: a mask image"
    if kind is None:
        return "—"
    text = json.dumps(value, separators=(", ", ": "))
    return f"{kind}: {text if len(text) <= 80 else text[:79] + '…'}"


def _shape(obj: Mapping, base: dict) -> dict | None:
    """The SVG shape of an object, or None when it has none to draw (ner, pdf, brush, ...)."""
    for kind, rotated in (("bounding-box", False), ("rotated-bounding-box", True)):
        box = obj.get(kind)
        if isinstance(box, Mapping):
            return {
                **base,
                "kind": "rect",
                "x": number(box.get("x")),
                "y": number(box.get("y")),
                "w": number(box.get("width")),
                "h": number(box.get("height")),
                "rotation": number(box.get("rotation")) if rotated else 0,
            }
    for kind in ("polygon", "polyline"):
        if isinstance(obj.get(kind), list):
            return {**base, "kind": kind, "points": _points(obj[kind])}
    point = obj.get("point")
    if isinstance(point, list) and len(point) >= 2:
        return {**base, "kind": "point", "x": number(point[0]), "y": number(point[1])}
    return None


def _label_at(shape: dict | None) -> tuple[float, float] | None:
    """Where a shape's name is written on the large view: its top-left corner, point or first vertex."""
    if shape is None:
        return None
    if "x" in shape:
        return shape["x"], shape["y"]
    first = shape.get("points", "").split(" ", 1)[0]
    x, _, y = first.partition(",")
    return (float(x), float(y)) if y else None


def layer(labels: Mapping | None, ontology: Ontology, name: str, first_index: int = 0) -> dict:
    """One set of labels as shapes, listed objects and classification answers; shape numbers start
    at ``first_index`` so that two layers on one page never share one."""
    shapes: list[dict] = []
    objects: list[dict] = []
    answers: list[str] = []
    labels = labels or {}
    for obj in labels.get("objects") or []:
        if not isinstance(obj, Mapping):
            continue
        tool = ontology.tool(obj)
        base = {
            "color": tool.get("color") or "#ff00ff",
            "title": tool.get("title") or obj.get("schemaId"),
            "object_id": obj.get("objectId"),
            "index": first_index + len(shapes),
            "layer": name,
        }
        drawn = _shape(obj, base)
        if drawn is not None:
            shapes.append(drawn)
        objects.append(
            {
                **base,
                "shape": drawn["index"] if drawn else None,
                "label_at": _label_at(drawn),
                "geometry": geometry_text(obj),
            }
        )
    for c in labels.get("classifications") or []:
        if isinstance(c, Mapping):
            answer = c.get("answer")
            answer = ", ".join(map(str, answer)) if isinstance(answer, list) else answer
            answers.append(f"{ontology.names.get(c.get('schemaId'), c.get('title') or c.get('schemaId'))}: {answer}")
    return {"name": name, "title": LAYER_TITLES[name], "shapes": shapes, "objects": objects, "answers": answers}


def asset_card(
    asset: Mapping,
    ontology: Ontology,
    batch_names: Mapping,
    *,
    answer: Mapping | None = None,
    excerpt: bool = False,
) -> dict:
    """An asset with its pre-label and, when its task has one of its own, the task's ``answer``
    (import format); a Markdown asset gets its document (``excerpt``: the start only, for a thumbnail)."""
    meta = asset.get("metadata") or {}
    width = number(meta.get("width"), DEFAULT_SIZE[0]) or DEFAULT_SIZE[0]
    height = number(meta.get("height"), DEFAULT_SIZE[1]) or DEFAULT_SIZE[1]
    layers = [layer(asset.get("labels"), ontology, PRE_LABEL)]
    if answer is not None:
        layers.append(layer(answer, ontology, ANSWER, first_index=len(layers[0]["shapes"])))
    document = markdown.render(asset["data"], excerpt=excerpt) if markdown.is_markdown_text(asset.get("data")) else None
    return {
        "asset": asset,
        "document": document,
        "sized": bool(meta.get("width") and meta.get("height")),
        "width": width,
        "height": height,
        "layers": layers,
        "shapes": [s for each in layers for s in each["shapes"]],
        "objects": [o for each in layers for o in each["objects"]],
        "answers": layers[0]["answers"],
        "radius": max(width, height) / 45,
        "batches": [batch_names.get(b, b) for b in asset.get("batches", [])],
    }
