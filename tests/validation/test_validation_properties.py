"""Property tests: random valid imports pass, one mutation fails at its path, both paths agree."""

from __future__ import annotations

import copy
import functools
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockango.validation import validate_labels as _validate_labels
from mockango.validation.fast import item_ok, labels_ok
from mockango.validation.schemas import item_validator, labels_validator

pytestmark = pytest.mark.slow  # hypothesis generates hundreds of label sets

# The mutations below each break one rule: strict mode makes every rule refuse (test_evidence.py covers lenient).
validate_labels = functools.partial(_validate_labels, strict=True)

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY = json.loads((ROOT / "fixtures" / "ontologies" / "kitchen-sink.json").read_text(encoding="utf-8"))
TOOLS = {t["tool"]: t for t in ONTOLOGY["tools"]}
CLASSIFICATIONS = ONTOLOGY["classifications"]
RELATIONS = {r["tool"]: r for r in ONTOLOGY["relations"]}
W, H = 640, 480
ASSETS = [
    {
        "_id": f"{i:024x}",
        "externalId": f"img_{i}.jpg",
        "data": f"https://a.example/{i}.jpg",
        "metadata": {"width": W, "height": H},
    }
    for i in range(8)
]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

coord_x = st.floats(0, W, allow_nan=False) | st.integers(0, W)
coord_y = st.floats(0, H, allow_nan=False) | st.integers(0, H)
point = st.tuples(coord_x, coord_y).map(list)


@st.composite
def bounding_box(draw):
    x, y = draw(st.integers(0, W - 1)), draw(st.integers(0, H - 1))
    return {"x": x, "y": y, "width": draw(st.integers(1, W - x)), "height": draw(st.integers(1, H - y))}


@st.composite
def rotated_box(draw):
    # A square around the image centre, smaller than the image, stays inside at any rotation.
    side = draw(st.integers(2, 100))
    return {
        "x": W / 2 - side / 2,
        "y": H / 2 - side / 2,
        "width": side,
        "height": side,
        "rotation": draw(st.floats(-360, 360, allow_nan=False)),
    }


@st.composite
def ner(draw):
    start = draw(st.integers(0, 1000))
    return {"start": start, "end": draw(st.integers(start, 2000))}


@st.composite
def pdf(draw):
    return {
        "x1": draw(coord_x),
        "y1": draw(coord_y),
        "x2": draw(coord_x),
        "y2": draw(coord_y),
        "pageNumber": draw(st.integers(1, 50)),
        "text": draw(st.text(max_size=10)),
    }


GEOMETRY = {
    "bounding-box": bounding_box(),
    "rotated-bounding-box": rotated_box(),
    "polygon": st.lists(point, min_size=3, max_size=6),
    "polyline": st.lists(point, min_size=2, max_size=6),
    "point": point,
    "segmentation": st.builds(
        lambda r, h: {"zones": [{"region": r, "holes": h}]},
        st.lists(point, min_size=3, max_size=5),
        st.lists(st.lists(point, min_size=3, max_size=4), max_size=2),
    ),
    "ner": ner(),
    "pdf": pdf(),
    "pct": st.builds(lambda z: {"position": {"x": 1, "y": 2, "z": z}}, st.integers(-5, 5)),
}


def answer_for(entry: dict):
    kind = entry["tool"]
    values = [o["value"] for o in entry.get("options", [])]
    if kind in ("radio", "single-dropdown"):
        return st.sampled_from(values)
    if kind in ("checkbox", "multi-dropdown"):
        return st.lists(st.sampled_from(values), min_size=1, unique=True)
    if kind == "tree-dropdown":
        # by key, by title, and by title path (Ango's docs' form), with and without spaces around "/"
        return st.lists(
            st.sampled_from(["animal/dog", "animal/cat", "vehicle", "Car", "Animal / Dog", "Vehicle/Car"]),
            min_size=1,
            unique=True,
        )
    if kind == "boolean":
        return st.booleans()
    return st.text(max_size=8)


@st.composite
def classification(draw, entry: dict):
    return {"schemaId": entry["schemaId"], "answer": draw(answer_for(entry))}


@st.composite
def label_object(draw, n: int):
    kind = draw(st.sampled_from(sorted(k for k in TOOLS if k != "brush")))
    tool = TOOLS[kind]
    obj = {"schemaId": tool["schemaId"], "objectId": f"o{n}", kind: draw(GEOMETRY[kind])}
    nested = [c for c in tool["classifications"] if "parentOptionId" not in c]
    if nested and draw(st.booleans()):
        obj["classifications"] = [draw(classification(c)) for c in nested]
    if draw(st.booleans()):
        obj["page"] = draw(st.integers(0, 100))
    return obj


@st.composite
def item(draw, index: int):
    objects = [draw(label_object(n)) for n in range(draw(st.integers(1, 4)))]
    ids = [o["objectId"] for o in objects]
    entries = draw(st.lists(st.sampled_from(CLASSIFICATIONS), max_size=3, unique_by=lambda c: c["schemaId"]))
    out = {
        "externalId": ASSETS[index]["externalId"],
        "objects": objects,
        "classifications": [draw(classification(c)) for c in entries if "parentOptionId" not in c],
    }
    relations = []
    if len(ids) >= 2 and draw(st.booleans()):
        a, b = ids[0], ids[1]
        relations.append({"schemaId": RELATIONS["one-to-one"]["schemaId"], "from": a, "to": b})
        relations.append({"schemaId": RELATIONS["group"]["schemaId"], "group": ids})
        relations.append({"schemaId": RELATIONS["one-to-many"]["schemaId"], "from": a, "to": ids[1:]})
    out["relations"] = relations
    return out


@st.composite
def labels(draw):
    count = draw(st.integers(1, 4))
    return [draw(item(i)) for i in range(count)]


def run(data, fast_path=True):
    return validate_labels(data, ONTOLOGY, ASSETS, project_name="Kitchen sink", fast_path=fast_path)


@SETTINGS
@given(labels())
def test_random_valid_labels_are_accepted(data):
    report = run(data)
    assert report.ok, report.format()
    assert labels_ok(data)
    assert report.counts["items"] == len(data)


# -- single mutations: (mutate(item) -> (code, path below jsonContent[0])) --------------------------


def _first(item_, kind):
    for j, obj in enumerate(item_["objects"]):
        if kind in obj:
            return j, obj
    return None, None


def m_negative_width(it):
    j, obj = _first(it, "bounding-box")
    if obj is None:
        return None
    obj["bounding-box"]["width"] = -1 - obj["bounding-box"]["width"]
    return "too_small", f".objects[{j}].bounding-box.width"


def m_string_coordinate(it):
    j, obj = _first(it, "bounding-box")
    if obj is None:
        return None
    obj["bounding-box"]["y"] = str(obj["bounding-box"]["y"])
    return "type", f".objects[{j}].bounding-box.y"


def m_nan(it):
    j, obj = _first(it, "point")
    if obj is None:
        return None
    obj["point"][0] = math.nan
    return "type", f".objects[{j}].point[0]"


def m_out_of_bounds(it):
    j, obj = _first(it, "bounding-box")
    if obj is None:
        return None
    obj["bounding-box"]["x"] = W + 1
    return "out_of_bounds", f".objects[{j}].bounding-box.width"


def m_polygon_two_points(it):
    j, obj = _first(it, "polygon")
    if obj is None:
        return None
    del obj["polygon"][2:]
    return "too_few", f".objects[{j}].polygon"


def m_unknown_schema_id(it):
    it["objects"][-1]["schemaId"] = "not-in-the-ontology"
    return "unknown_schema_id", f".objects[{len(it['objects']) - 1}].schemaId"


def m_unknown_asset(it):
    it["externalId"] = "missing.jpg"
    return "unknown_asset", ".externalId"


def m_geometry_mismatch(it):
    j, obj = _first(it, "bounding-box")
    if obj is None:
        return None
    del obj["bounding-box"]
    obj["point"] = [1, 1]
    return "geometry_mismatch", f".objects[{j}].point"


def m_negative_page(it):
    it["objects"][0]["page"] = -3
    return "too_small", ".objects[0].page"


def m_bad_answer(it):
    for k, c in enumerate(it["classifications"]):
        if isinstance(c["answer"], str) and c["schemaId"] in {
            e["schemaId"] for e in CLASSIFICATIONS if e["tool"] in ("radio", "single-dropdown")
        }:
            c["answer"] = "no such option"
            return "invalid_answer", f".classifications[{k}].answer"
    return None


def m_missing_answer(it):
    if not it["classifications"]:
        return None
    del it["classifications"][0]["answer"]
    return "required", ".classifications[0].answer"


def m_ghost_relation(it):
    if not it["relations"]:
        return None
    it["relations"][0]["to"] = "ghost"
    return "unknown_object_id", ".relations[0].to"


def m_lock_string(it):
    it["objects"][0]["lock"] = "true"
    return "type", ".objects[0].lock"


MUTATIONS = [
    m_negative_width,
    m_string_coordinate,
    m_nan,
    m_out_of_bounds,
    m_polygon_two_points,
    m_unknown_schema_id,
    m_unknown_asset,
    m_geometry_mismatch,
    m_negative_page,
    m_bad_answer,
    m_missing_answer,
    m_ghost_relation,
    m_lock_string,
]


@SETTINGS
@given(labels(), st.sampled_from(MUTATIONS), st.data())
def test_single_mutation_is_rejected_at_its_path(data, mutate, draw):
    index = draw.draw(st.integers(0, len(data) - 1))
    mutated = copy.deepcopy(data)
    expected = mutate(mutated[index])
    if expected is None:
        return  # this item has nothing the mutation applies to
    code, suffix = expected
    for fast_path in (True, False):
        report = run(mutated, fast_path)
        assert [(e.code, e.path) for e in report.errors] == [(code, f"jsonContent[{index}]{suffix}")], report.format()
        assert report.matches[index] == []
        assert all(report.matches[i] for i in range(len(data)) if i != index)


# -- fast and detailed paths agree -----------------------------------------------------------------

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", "x", "img_0.jpg", "https://a", "data:x", "10"])
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["x", "y", "width", "answer", "zones", "region", "schemaId", "start", "end", "objectId"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _slots(node, path=()):
    """Every (container, key) below node, to replace or delete."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from _slots(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield node, i
            yield from _slots(value)


@st.composite
def corrupted(draw):
    data = copy.deepcopy(draw(labels()))  # st.just() values are shared between examples
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(data))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        if isinstance(container, dict) and draw(st.booleans()):
            del container[key]
        else:
            container[key] = draw(json_value)
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_fast_check_agrees_with_jsonschema(data):
    for one in data:
        assert item_ok(one) == item_validator().is_valid(one), one
    assert labels_ok(data) == labels_validator().is_valid(data)


@SETTINGS
@given(corrupted())
def test_fast_and_detailed_reports_are_identical(data):
    assert run(data, True).to_dict() == run(data, False).to_dict()


@SETTINGS
@given(json_value)
def test_arbitrary_json_never_crashes(data):
    report = run(data)
    assert isinstance(report.ok, bool)
    run([data])
    run([{"externalId": "img_0.jpg", "objects": [data], "classifications": [data], "relations": [data]}])
