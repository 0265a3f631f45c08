"""Messages, report shape, ontology checks and robustness of the validation API."""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import math

import pytest
from jsonschema import Draft202012Validator

from mockango.validation import Issue, LabelValidationError, load_schema
from mockango.validation import validate_labels as _validate_labels
from mockango.validation import validate_ontology as _validate_ontology
from mockango.validation.codes import CODES

# These tests hold every rule's message and path, so they run in strict mode (every rule refuses);
# tests/validation/test_evidence.py covers which of them refuse by default.
validate_labels = functools.partial(_validate_labels, strict=True)
validate_ontology = functools.partial(_validate_ontology, strict=True)

ONTOLOGY = {
    "tools": [
        {
            "schemaId": "7f3a9b2c4d5e6f7a8b9c0d1e",
            "tool": "bounding-box",
            "title": "Vehicle",
            "required": False,
            "classifications": [
                {
                    "schemaId": "c0c0c0c0c0c0c0c0c0c0c0c0",
                    "tool": "radio",
                    "title": "Color",
                    "options": [
                        {"value": "Red", "schemaId": "0aa000000000000000000001"},
                        {"value": "Blue", "schemaId": "0aa000000000000000000002"},
                    ],
                }
            ],
            "options": [],
        },
        {
            "schemaId": "9a1b2c3d4e5f6a7b8c9d0e1f",
            "tool": "bounding-box",
            "title": "Person",
            "classifications": [],
            "options": [],
        },
    ],
    "classifications": [
        {
            "schemaId": "ee0000000000000000000001",
            "tool": "radio",
            "title": "Weather",
            "required": True,
            "options": [{"value": "Sunny", "schemaId": "0bb000000000000000000001"}],
        }
    ],
    "relations": [],
}
ASSETS = [
    {"_id": "a" * 24, "externalId": "img.jpg", "data": "https://x/img.jpg", "metadata": {"width": 100, "height": 50}}
]
VEHICLE = "7f3a9b2c4d5e6f7a8b9c0d1e"


def box_item(**box):
    geometry = {"x": 1, "y": 2, "width": 10, "height": 5, **box}
    return {
        "externalId": "img.jpg",
        "objects": [{"schemaId": VEHICLE, "bounding-box": geometry}],
        "classifications": [{"schemaId": "ee0000000000000000000001", "answer": "Sunny"}],
    }


def only_error(labels, ontology=ONTOLOGY, assets=ASSETS) -> Issue:
    report = validate_labels(labels, ontology, assets, project_name="Demo detection")
    assert len(report.errors) == 1, report.format()
    return report.errors[0]


def test_negative_width_message_is_exact():
    issue = only_error([box_item(width=-5)])
    assert issue.path == "jsonContent[0].objects[0].bounding-box.width"
    assert issue.code == "too_small"
    assert issue.message == "-5 is less than 0: a bounding-box width must be >= 0"


def test_unknown_schema_id_lists_the_tools():
    labels = [box_item()]
    labels[0]["objects"][0]["schemaId"] = "abc"
    issue = only_error(labels)
    assert issue.path == "jsonContent[0].objects[0].schemaId"
    assert issue.message == (
        "schemaId 'abc' is not a tool of project 'Demo detection' (tools: Vehicle 7f3…, Person 9a1…)"
    )


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_rejected(bad):
    issue = only_error([box_item(x=bad)])
    assert (issue.code, issue.path) == ("type", "jsonContent[0].objects[0].bounding-box.x")
    assert "not finite" in issue.message and "finite number" in issue.message


def test_nan_parsed_from_json_text_is_rejected():
    labels = json.loads(
        '[{"externalId": "img.jpg", "objects": [{"schemaId": "%s", '
        '"bounding-box": {"x": NaN, "y": 0, "width": 1, "height": 1}}]}]' % VEHICLE
    )
    assert only_error(labels).code == "type"


@pytest.mark.parametrize("labels", [None, 5, "text", {"externalId": "img.jpg"}, True])
def test_wrong_top_level_type_is_reported_not_raised(labels):
    issue = only_error(labels)
    assert (issue.code, issue.path) == ("type", "jsonContent")
    assert "must be a list" in issue.message


def test_every_error_is_collected():
    labels = [box_item(width=-1, height="x"), box_item(), {"data": "nope"}, 7]
    labels[1]["externalId"] = "other.jpg"
    report = validate_labels(labels, ONTOLOGY, ASSETS)
    assert [(e.code, e.path) for e in report.errors] == [
        ("too_small", "jsonContent[0].objects[0].bounding-box.width"),
        ("type", "jsonContent[0].objects[0].bounding-box.height"),
        ("unknown_asset", "jsonContent[1].externalId"),
        ("unknown_asset", "jsonContent[2].data"),
        ("type", "jsonContent[3]"),
    ]
    assert report.matches == [[], [], [], []]


def test_counts_and_matches_for_a_valid_import():
    assets = ASSETS + [
        {"_id": "b" * 24, "externalId": "img.jpg", "data": "https://x/b.jpg"},
        {"_id": "c" * 24, "externalId": "c.jpg", "data": "https://x/c.jpg"},
    ]
    labels = [
        box_item(),
        {
            "data": "https://x/c.jpg",
            "objects": [],
            "classifications": [{"schemaId": "ee0000000000000000000001", "answer": "Sunny"}],
        },
    ]
    report = validate_labels(labels, ONTOLOGY, assets)
    assert report.ok, report.format()
    assert report.matches == [["a" * 24, "b" * 24], ["c" * 24]]
    assert report.counts == {"items": 2, "objects": 1, "classifications": 2, "relations": 0, "assets": 3}


def test_report_shapes():
    report = validate_labels([box_item(width=-5)], ONTOLOGY, ASSETS, project_name="Demo detection")
    data = report.to_dict()
    assert set(data) == {"ok", "errors", "warnings", "counts"}
    assert data["ok"] is False
    assert data["errors"][0] == {
        "path": "jsonContent[0].objects[0].bounding-box.width",
        "code": "too_small",
        "message": "-5 is less than 0: a bounding-box width must be >= 0",
    }
    json.dumps(data)  # serialisable as is
    text = report.format()
    assert text.splitlines()[0].startswith("label import into project 'Demo detection': 1 error, 0 warnings")
    assert "jsonContent[0].objects[0].bounding-box.width  [too_small]" in text
    with pytest.raises(AttributeError):
        report.errors[0].code = "x"  # frozen


def test_format_limits_long_lists():
    report = validate_labels([box_item(width=-1) for _ in range(30)], ONTOLOGY, ASSETS)
    text = report.format(limit=5)
    assert "… and 25 more" in text
    assert len(report.format(limit=None).splitlines()) == 1 + 30 + len(report.warnings)


def test_raise_for_errors():
    validate_labels([box_item()], ONTOLOGY, ASSETS).raise_for_errors()  # no error: no raise
    report = validate_labels([box_item(width=-1) for _ in range(5)], ONTOLOGY, ASSETS)
    with pytest.raises(LabelValidationError) as caught:
        report.raise_for_errors()
    assert caught.value.report is report
    assert isinstance(caught.value, Exception)
    assert str(caught.value).startswith("5 errors in label import: jsonContent[0].objects[0].bounding-box.width")
    assert str(caught.value).endswith("… and 2 more")


def test_out_of_bounds_names_the_asset_and_size():
    issue = only_error([box_item(x=95)])
    assert issue.code == "out_of_bounds"
    assert issue.message == "x + width = 105 is beyond the right edge of the image (100 × 50) of asset 'img.jpg'"


def test_unknown_size_only_forbids_negative_coordinates():
    assets = [{"_id": "a" * 24, "externalId": "img.jpg", "data": "u"}]
    assert validate_labels([box_item(x=10_000)], ONTOLOGY, assets).ok
    assert only_error([box_item(x=-1)], assets=assets).code == "out_of_bounds"


def test_partial_metadata_checks_the_known_dimension():
    assets = [{"_id": "a" * 24, "externalId": "img.jpg", "data": "u", "metadata": {"height": 50}}]
    assert validate_labels([box_item(x=10_000)], ONTOLOGY, assets).ok
    assert only_error([box_item(y=48)], assets=assets).path.endswith("bounding-box.height")


def test_nested_classification_is_checked_against_its_parent():
    labels = [box_item()]
    labels[0]["objects"][0]["classifications"] = [{"schemaId": "c0c0c0c0c0c0c0c0c0c0c0c0", "answer": "Green"}]
    issue = only_error(labels)
    assert issue.path == "jsonContent[0].objects[0].classifications[0].answer"
    assert issue.message == "'Green' is not an option of radio 'Color' (options: 'Red', 'Blue')"
    labels[0]["objects"][0]["classifications"][0]["answer"] = "Red"
    assert validate_labels(labels, ONTOLOGY, ASSETS).ok
    # Vehicle's nested Color is not a classification of Person.
    labels[0]["objects"][0]["schemaId"] = "9a1b2c3d4e5f6a7b8c9d0e1f"
    issue = only_error(labels)
    assert issue.code == "wrong_kind"
    assert "nested in tool 'Vehicle'" in issue.message and "nested in tool 'Person'" in issue.message


def test_missing_required_classification_is_one_aggregated_warning():
    labels = [box_item() for _ in range(3)]
    for item in labels[1:]:
        del item["classifications"]
    report = validate_labels(labels, ONTOLOGY, ASSETS * 1)
    assert report.ok
    [warning] = [w for w in report.warnings if w.code == "missing_required"]
    assert warning.path == "jsonContent"
    assert "not answered in 2 of 3 items (first: jsonContent[1])" in warning.message


def test_title_resolution():
    labels = [box_item()]
    labels[0]["objects"][0] = {"title": "Person", "bounding-box": {"x": 0, "y": 0, "width": 1, "height": 1}}
    assert validate_labels(labels, ONTOLOGY, ASSETS).ok
    twin = copy.deepcopy(ONTOLOGY)
    twin["tools"][0]["title"] = "Person"
    # Ango's import format page: with two tools of one name the host picks one; a warning even in strict mode.
    report = validate_labels(labels, twin, ASSETS)
    assert report.ok and report.counts["objects"] == 1
    [issue] = [w for w in report.warnings if w.code == "ambiguous_title"]
    assert "Person 7f3…" in issue.message and "Person 9a1…" in issue.message and "the first is taken" in issue.message


def test_empty_import_is_a_warning():
    report = validate_labels([], ONTOLOGY, ASSETS)
    assert report.ok and [w.code for w in report.warnings] == ["empty_import"]


def test_no_ontology_and_no_assets_are_handled():
    report = validate_labels([box_item()], None, [])
    assert {e.code for e in report.errors} == {"unknown_asset", "unknown_schema_id"}
    assert "has no assets: import assets before labels" in report.errors[0].message
    with pytest.raises(TypeError):
        validate_labels([], ["not", "a", "dict"], [])


def test_malformed_ontology_entries_do_not_crash_label_validation():
    ontology = {
        "tools": [None, {"tool": "bounding-box"}, {"schemaId": 5}, ONTOLOGY["tools"][0]],
        "classifications": "nope",
        "relations": [{"schemaId": "r", "tool": "weird"}],
    }
    assert validate_labels([box_item()], ontology, ASSETS).errors[0].code == "unknown_schema_id"


# -- ontology -----------------------------------------------------------------------------------


def test_valid_ontology():
    report = validate_ontology(ONTOLOGY)
    assert report.ok, report.format()
    assert report.counts == {"tools": 2, "classifications": 1, "relations": 0}


def test_ontology_errors():
    bad = copy.deepcopy(ONTOLOGY)
    bad["tools"][1]["schemaId"] = VEHICLE
    bad["tools"].append({"schemaId": "x1", "tool": "circle", "title": "Round"})
    bad["classifications"][0]["options"].append({"value": "Sunny", "schemaId": "0bb000000000000000000009"})
    bad["tools"][0]["classifications"].append(
        {"schemaId": "n1", "tool": "text", "title": "Shade", "parentOptionId": "nope"}
    )
    report = validate_ontology(bad)
    assert sorted((e.code, e.path) for e in report.errors) == sorted(
        [
            ("duplicate_schema_id", "categorySchema.tools[1].schemaId"),
            ("invalid_value", "categorySchema.tools[2].tool"),
            ("duplicate_option", "categorySchema.classifications[0].options[1].value"),
            ("unknown_option", "categorySchema.tools[0].classifications[1].parentOptionId"),
        ]
    )


def test_ontology_wrong_type_and_missing_fields():
    assert [(e.code, e.path) for e in validate_ontology([]).errors] == [("type", "categorySchema")]
    report = validate_ontology({"tools": [{"tool": "point"}]})
    assert {(e.code, e.path) for e in report.errors} == {
        ("required", "categorySchema.tools[0].schemaId"),
        ("required", "categorySchema.tools[0].title"),
    }


def test_ontology_warnings():
    report = validate_ontology(
        {
            "tools": [
                {"schemaId": "a", "tool": "point", "title": "P"},
                {"schemaId": "b", "tool": "point", "title": "P"},
            ],
            "classifications": [{"schemaId": "c", "tool": "checkbox", "title": "C"}],
        }
    )
    assert report.ok
    assert sorted(w.code for w in report.warnings) == ["duplicate_title", "no_options"]


# -- published schemas ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["labels.schema.json", "ontology.schema.json"])
def test_schemas_are_published_and_valid_2020_12(name):
    text = importlib.resources.files("mockango.schemas").joinpath(name).read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert load_schema(name) == schema


def test_plain_jsonschema_users_get_the_same_structure_verdict():
    validator = Draft202012Validator(load_schema("labels.schema.json"))
    assert validator.is_valid([box_item()])
    assert not validator.is_valid([box_item(width=-5)])


def test_codes_are_unique_and_described():
    assert all(isinstance(v, str) and v for v in CODES.values())
    assert all(code == code.lower() and " " not in code for code in CODES)


TREE = {
    "tools": [],
    "relations": [],
    "classifications": [
        {
            "schemaId": "ee0000000000000000000009",
            "tool": "tree-dropdown",
            "title": "Plant",
            "treeOptions": [
                {
                    "key": "t",
                    "title": "Trunk",
                    "children": [
                        {"key": "b1", "title": "Branch 1", "children": [{"key": "l1", "title": "Leaf 1"}]},
                        {"key": "b2", "title": "Branch 2", "children": [{"key": "l2", "title": "Leaf 2"}]},
                    ],
                }
            ],
        }
    ],
}


def tree_answer(*values):
    return [
        {"externalId": "img.jpg", "classifications": [{"schemaId": "ee0000000000000000000009", "answer": list(values)}]}
    ]


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_tree_node_named_by_its_title_path_is_accepted(fast_path):
    for answer in (["Trunk / Branch 2 / Leaf 2"], ["Trunk / Branch 2"], ["Trunk/Branch 1/Leaf 1"], ["l2"]):
        report = validate_labels(tree_answer(*answer), TREE, ASSETS, fast_path=fast_path)
        assert report.ok and not report.warnings, (answer, report.format())
    twice = validate_labels(tree_answer("l2", "Trunk / Branch 2 / Leaf 2"), TREE, ASSETS, fast_path=fast_path)
    assert [w.code for w in twice.warnings] == ["duplicate_answer"]


def test_a_title_path_that_names_no_node_is_refused_with_the_closest_path():
    issue = only_error(tree_answer("Trunk / Branch 3 / Leaf 2"), TREE)
    assert issue.path == "jsonContent[0].classifications[0].answer[0]"
    assert issue.code == "invalid_answer"
    assert issue.message.startswith(
        "'Trunk / Branch 3 / Leaf 2' is not a node of tree-dropdown 'Plant'; "
        "did you mean the path 'Trunk / Branch 2 / Leaf 2'? (nodes: "
    )
    wrong_root = only_error(tree_answer("Root / Branch 2"), TREE)
    assert "did you mean the path 'Trunk / Branch 2'?" in wrong_root.message
