"""A hand-written twin of ``labels.schema.json``: answers only "is this item well-formed?".

jsonschema reports every error with a path but checks ~10,000 objects/s; this loop
checks several hundred thousand. ``validate_labels`` runs it on every item and hands
only the refused items to jsonschema for the detailed report. The two must accept
exactly the same items: tests/validation/test_agreement.py holds them to that.
Keep each function in step with the ``$defs`` entry of the same name.
"""

from __future__ import annotations

import math
import re

from .numbers import is_integer, is_number

__all__ = ["labels_ok", "item_ok"]

_isfinite = math.isfinite
_URL = re.compile(r"^(https?://|s3://|gs://|data:)")


def _num(v: object) -> bool:
    t = type(v)
    if t is int:
        return True
    if t is float:
        return _isfinite(v)  # type: ignore[arg-type]
    return is_number(v)


def _nonneg(v: object) -> bool:
    return _num(v) and v >= 0  # type: ignore[operator]


def _str(v: object) -> bool:
    return isinstance(v, str)


def _bool(v: object) -> bool:
    return isinstance(v, bool)


def _frame(v: object) -> bool:
    return is_integer(v) and v >= 0  # type: ignore[operator]


def _url(v: object) -> bool:
    return isinstance(v, str) and _URL.search(v) is not None


def _point(v: object) -> bool:
    return isinstance(v, list) and len(v) == 2 and _num(v[0]) and _num(v[1])


def _points(v: object, minimum: int) -> bool:
    if not isinstance(v, list) or len(v) < minimum:
        return False
    for p in v:
        if not (isinstance(p, list) and len(p) == 2 and _num(p[0]) and _num(p[1])):
            return False
    return True


def _polygon(v: object) -> bool:
    return _points(v, 3)


def _polyline(v: object) -> bool:
    return _points(v, 2)


def _has_all(d: dict, keys: tuple[str, ...]) -> bool:
    for k in keys:
        if k not in d:
            return False
    return True


_BOX_KEYS = ("x", "y", "width", "height")


def _bounding_box(v: object) -> bool:
    if not isinstance(v, dict) or not _has_all(v, _BOX_KEYS):
        return False
    return _num(v["x"]) and _num(v["y"]) and _nonneg(v["width"]) and _nonneg(v["height"])


def _rotated_bounding_box(v: object) -> bool:
    return _bounding_box(v) and "rotation" in v and _num(v["rotation"])  # type: ignore[operator,index]


def _ner(v: object) -> bool:
    if not isinstance(v, dict) or "start" not in v or "end" not in v:
        return False
    return _nonneg(v["start"]) and _nonneg(v["end"])


_PDF_KEYS = ("x1", "y1", "x2", "y2", "pageNumber")


def _pdf(v: object) -> bool:
    if not isinstance(v, dict) or not _has_all(v, _PDF_KEYS):
        return False
    if not (_num(v["x1"]) and _num(v["y1"]) and _num(v["x2"]) and _num(v["y2"])):
        return False
    page = v["pageNumber"]
    if not (is_integer(page) and page >= 1):
        return False
    for key in ("width", "height"):
        if key in v and not _nonneg(v[key]):
            return False
    for key in ("text", "objectId"):
        if key in v and not isinstance(v[key], str):
            return False
    return True


def _segmentation(v: object) -> bool:
    if not isinstance(v, dict) or "zones" not in v:
        return False
    zones = v["zones"]
    if not isinstance(zones, list) or not zones:
        return False
    for zone in zones:
        if not isinstance(zone, dict) or "region" not in zone or not _points(zone["region"], 3):
            return False
        if "holes" in zone:
            holes = zone["holes"]
            if not isinstance(holes, list):
                return False
            for hole in holes:
                if not _points(hole, 3):
                    return False
    return True


def _vector3(v: object) -> bool:
    return isinstance(v, dict) and "x" in v and "y" in v and "z" in v and _num(v["x"]) and _num(v["y"]) and _num(v["z"])


def _pct(v: object) -> bool:
    if not isinstance(v, dict):
        return False
    for key in ("position", "rotation", "dimension"):
        if key in v and not _vector3(v[key]):
            return False
    return True


def _answer(v: object) -> bool:
    if isinstance(v, (str, bool)):
        return True
    if isinstance(v, list):
        for a in v:
            if not isinstance(a, str):
                return False
        return True
    return False


def _classification(c: object) -> bool:
    if not isinstance(c, dict):
        return False
    if "schemaId" not in c and "title" not in c:
        return False
    if "answer" not in c:
        return False
    for key, value in c.items():
        check = _CLASSIFICATION_KEYS.get(key)
        if check is not None and not check(value):
            return False
    return True


def _to(v: object) -> bool:
    if isinstance(v, str):
        return True
    if isinstance(v, list):
        for a in v:
            if not isinstance(a, str):
                return False
        return True
    return False


def _group(v: object) -> bool:
    if not isinstance(v, list) or not v:
        return False
    for a in v:
        if not isinstance(a, str):
            return False
    return True


def _relation(r: object) -> bool:
    if not isinstance(r, dict):
        return False
    if "schemaId" not in r and "title" not in r:
        return False
    for key, value in r.items():
        check = _RELATION_KEYS.get(key)
        if check is not None and not check(value):
            return False
    return True


def _object(o: object) -> bool:
    if not isinstance(o, dict):
        return False
    if "schemaId" not in o and "title" not in o:
        return False
    for key, value in o.items():
        check = _OBJECT_KEYS.get(key)
        if check is not None and not check(value):
            return False
    return True


def _list_of(check):
    def checker(v: object) -> bool:
        if not isinstance(v, list):
            return False
        for x in v:
            if not check(x):
                return False
        return True

    return checker


_classifications = _list_of(_classification)

_CLASSIFICATION_KEYS = {
    "schemaId": _str,
    "title": _str,
    "answer": _answer,
    "page": _frame,
    "classifications": _classifications,
}
_RELATION_KEYS = {"schemaId": _str, "title": _str, "from": _str, "to": _to, "group": _group}
_OBJECT_KEYS = {
    "schemaId": _str,
    "title": _str,
    "objectId": _str,
    "lock": _bool,
    "page": _frame,
    "interpolationStopped": _bool,
    "classifications": _classifications,
    "bounding-box": _bounding_box,
    "rotated-bounding-box": _rotated_bounding_box,
    "polygon": _polygon,
    "polyline": _polyline,
    "point": _point,
    "ner": _ner,
    "pdf": _pdf,
    "segmentation": _segmentation,
    "pct": _pct,
}
_ITEM_KEYS = {
    "externalId": _str,
    "data": _str,
    "objects": _list_of(_object),
    "classifications": _classifications,
    "relations": _list_of(_relation),
    "brushDataUrl": _url,
    "medicalBrushDataUrl": _url,
}


def item_ok(item: object) -> bool:
    """True when ``item`` is valid against ``labels.schema.json#/$defs/item``."""
    if not isinstance(item, dict):
        return False
    if "externalId" not in item and "data" not in item:
        return False
    for key, value in item.items():
        check = _ITEM_KEYS.get(key)
        if check is not None and not check(value):
            return False
    return True


def labels_ok(labels: object) -> bool:
    """True when ``labels`` is valid against ``labels.schema.json``."""
    if not isinstance(labels, list):
        return False
    for item in labels:
        if not item_ok(item):
            return False
    return True
