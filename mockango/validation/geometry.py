"""Checks a geometry's values against each other and against its asset's size.

Runs only on geometries that are structurally valid, so plain arithmetic is safe.
A size that is unknown (no metadata) only forbids negative coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .project import asset_name

__all__ = ["geometry_findings", "Finding"]

# (relative path below the geometry key, code, message, is_warning)
Finding = tuple[tuple, str, str, bool]
_EPS = 1e-6
_INF = math.inf


def _g(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _image(width: float, height: float, asset_dict: dict | None) -> str:
    asset = asset_name(asset_dict) if asset_dict else "?"
    if width < _INF and height < _INF:
        return f"the image ({_g(width)} × {_g(height)}) of asset {asset}"
    if width < _INF:
        return f"the image (width {_g(width)}) of asset {asset}"
    if height < _INF:
        return f"the image (height {_g(height)}) of asset {asset}"
    return "the image (coordinates must be >= 0)"


def _inside(x: float, y: float, width: float, height: float) -> bool:
    return -_EPS <= x <= width + _EPS and -_EPS <= y <= height + _EPS


def _box(geo: dict, width: float, height: float, asset: dict | None, name: str) -> list[Finding]:
    out: list[Finding] = []
    x, y, w, h = geo["x"], geo["y"], geo["width"], geo["height"]
    if x < -_EPS:
        out.append(
            (
                ("x",),
                "out_of_bounds",
                f"x = {_g(x)} is left of {_image(width, height, asset)}: a {name} x must be >= 0",
                False,
            )
        )
    if y < -_EPS:
        out.append(
            (
                ("y",),
                "out_of_bounds",
                f"y = {_g(y)} is above {_image(width, height, asset)}: a {name} y must be >= 0",
                False,
            )
        )
    if x + w > width + _EPS:
        out.append(
            (
                ("width",),
                "out_of_bounds",
                f"x + width = {_g(x + w)} is beyond the right edge of {_image(width, height, asset)}",
                False,
            )
        )
    if y + h > height + _EPS:
        out.append(
            (
                ("height",),
                "out_of_bounds",
                f"y + height = {_g(y + h)} is beyond the bottom edge of {_image(width, height, asset)}",
                False,
            )
        )
    if w == 0 or h == 0:
        out.append(((), "degenerate_geometry", f"a {_g(w)} × {_g(h)} {name} has no area", True))
    return out


def _bounding_box(geo: dict, width: float, height: float, asset: dict | None) -> list[Finding]:
    return _box(geo, width, height, asset, "bounding-box")


def _rotated_bounding_box(geo: dict, width: float, height: float, asset: dict | None) -> list[Finding]:
    x, y, w, h, rot = geo["x"], geo["y"], geo["width"], geo["height"], geo["rotation"]
    if rot % 360 == 0:
        return _box(geo, width, height, asset, "rotated-bounding-box")
    cx, cy = x + w / 2, y + h / 2
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    out: list[Finding] = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        px, py = cx + dx * c - dy * s, cy + dx * s + dy * c
        if not _inside(px, py, width, height):
            out.append(
                (
                    (),
                    "out_of_bounds",
                    f"corner ({px:.6g}, {py:.6g}) of the box rotated by {_g(rot)}° "
                    f"lies outside {_image(width, height, asset)}",
                    False,
                )
            )
            break
    if w == 0 or h == 0:
        out.append(((), "degenerate_geometry", f"a {_g(w)} × {_g(h)} rotated-bounding-box has no area", True))
    return out


def _point(geo: list, width: float, height: float, asset: dict | None) -> list[Finding]:
    if _inside(geo[0], geo[1], width, height):
        return []
    return [
        ((), "out_of_bounds", f"point ({_g(geo[0])}, {_g(geo[1])}) lies outside {_image(width, height, asset)}", False)
    ]


def _ring(points: list, width: float, height: float, asset: dict | None, name: str, prefix: tuple) -> list[Finding]:
    bad = [i for i, (px, py) in enumerate(points) if not _inside(px, py, width, height)]
    if not bad:
        return []
    first = points[bad[0]]
    return [
        (
            prefix + (bad[0],),
            "out_of_bounds",
            f"{len(bad)} of {len(points)} {name} points lie outside {_image(width, height, asset)}; "
            f"the first is ({_g(first[0])}, {_g(first[1])})",
            False,
        )
    ]


def _polygon(geo: list, width: float, height: float, asset: dict | None) -> list[Finding]:
    return _ring(geo, width, height, asset, "polygon", ())


def _polyline(geo: list, width: float, height: float, asset: dict | None) -> list[Finding]:
    return _ring(geo, width, height, asset, "polyline", ())


def _segmentation(geo: dict, width: float, height: float, asset: dict | None) -> list[Finding]:
    out: list[Finding] = []
    for z, zone in enumerate(geo["zones"]):
        out += _ring(zone["region"], width, height, asset, "segmentation region", ("zones", z, "region"))
        for h, hole in enumerate(zone.get("holes") or ()):
            out += _ring(hole, width, height, asset, "segmentation hole", ("zones", z, "holes", h))
    return out


def _ner(geo: dict, width: float, height: float, asset: dict | None) -> list[Finding]:
    if geo["start"] > geo["end"]:
        return [
            (
                (),
                "inverted_range",
                f"start {_g(geo['start'])} is after end {_g(geo['end'])}: a ner span needs 0 <= start <= end",
                False,
            )
        ]
    return []


_CHECKS: dict[str, Callable[..., list[Finding]]] = {
    "bounding-box": _bounding_box,
    "rotated-bounding-box": _rotated_bounding_box,
    "point": _point,
    "polygon": _polygon,
    "polyline": _polyline,
    "segmentation": _segmentation,
    "ner": _ner,
}


def geometry_findings(
    key: str, geo: object, width: float | None, height: float | None, asset: dict | None
) -> list[Finding]:
    """Findings for a structurally valid geometry ``geo`` under ``key``."""
    check = _CHECKS.get(key)
    if check is None:
        return []
    return check(geo, _INF if width is None else width, _INF if height is None else height, asset)
