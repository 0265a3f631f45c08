"""Every refusing rule carries its evidence, docs/validation.md shows the same, and only rules with
evidence refuse outside strict mode (issue 19)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockango.validation import validate_labels, validate_ontology
from mockango.validation.codes import ERROR_CODES
from mockango.validation.evidence import DOCUMENTED, MEASURED, RULES, UNKNOWN

DOC = Path(__file__).resolve().parents[2] / "docs" / "validation.md"
IMPORT_AREAS = ("label import", "geometry", "ontology")


def _rows(columns: int) -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == columns and re.fullmatch(r"`\w+`", cells[0]):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_rule_declares_its_evidence():
    for rule in RULES.values():
        assert rule.evidence.kind in (DOCUMENTED, MEASURED, UNKNOWN), rule
        if rule.evidence.kind == DOCUMENTED:
            assert rule.evidence.source.startswith("https://docs.imerit.net/"), rule
        if rule.evidence.kind == MEASURED:
            assert rule.evidence.source, f"{rule.code}: a measured rule says which client or sample depends on it"


def test_the_docs_table_shows_each_rules_meaning_and_evidence():
    imports, others = _rows(3), _rows(4)
    for rule in RULES.values():
        if rule.area in IMPORT_AREAS:
            assert imports.get(rule.code) == [rule.meaning, str(rule.evidence)], rule.code
        else:
            assert others.get(rule.code) == [rule.area, rule.meaning, str(rule.evidence)], rule.code
    documented = {code for code in imports if code in RULES} | {code for code in others if code in RULES}
    assert documented == set(RULES), "docs/validation.md lists a rule evidence.py does not have"
    assert set(ERROR_CODES) == {code for code, r in RULES.items() if r.area in IMPORT_AREAS}


ONTOLOGY = {
    "tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Car", "classifications": []}],
    "classifications": [],
    "relations": [],
}
ASSETS = [
    {"_id": "a" * 24, "externalId": "img.jpg", "data": "https://x/img.jpg", "metadata": {"width": 100, "height": 50}}
]


@pytest.mark.parametrize(
    "box, code",
    [
        ({"x": 90, "y": 10, "width": 30, "height": 10}, "out_of_bounds"),  # partly outside the image
        ({"x": 1, "y": 1, "width": -3, "height": 10}, "too_small"),
    ],
)
def test_an_unknown_rule_warns_by_default_and_refuses_in_strict_mode(box, code):
    labels = [{"externalId": "img.jpg", "objects": [{"schemaId": "box", "bounding-box": box}]}]
    lenient = validate_labels(labels, ONTOLOGY, ASSETS)
    assert lenient.ok and lenient.counts["objects"] == 1 and lenient.matches == [["a" * 24]]
    assert [w.code for w in lenient.warnings] == [code]
    strict = validate_labels(labels, ONTOLOGY, ASSETS, strict=True)
    assert [e.code for e in strict.errors] == [code] and strict.matches == [[]]


def test_a_rotated_box_outside_the_image_and_an_object_without_schema_id_are_accepted_with_warnings():
    ontology = {"tools": [{"schemaId": "rot", "tool": "rotated-bounding-box", "title": "Ship"}]}
    labels = [
        {
            "externalId": "img.jpg",
            "objects": [
                {
                    "schemaId": "rot",
                    "rotated-bounding-box": {"x": 80, "y": 30, "width": 40, "height": 30, "rotation": 45},
                },
                {"rotated-bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2, "rotation": 0}},
            ],
        }
    ]
    report = validate_labels(labels, ontology, ASSETS)
    assert report.ok, report.format()
    assert {w.code for w in report.warnings} == {"out_of_bounds", "no_schema_id"}
    assert {e.code for e in validate_labels(labels, ontology, ASSETS, strict=True).errors} == {
        "out_of_bounds",
        "no_schema_id",
    }


def test_a_documented_rule_refuses_even_without_strict_mode():
    report = validate_labels([{"externalId": "nope.jpg", "objects": []}], ONTOLOGY, ASSETS)
    assert [e.code for e in report.errors] == ["unknown_asset"]
    typed = validate_labels(
        [
            {
                "externalId": "img.jpg",
                "objects": [{"schemaId": "box", "bounding-box": {"x": "1", "y": 1, "width": 1, "height": 1}}],
            }
        ],
        ONTOLOGY,
        ASSETS,
    )
    assert [e.code for e in typed.errors] == ["type"]


def test_the_sdks_own_ontology_objects_are_accepted():
    """Issue 19.1: imerit-ango's ClassificationCategory.toDict() always sends parentOptionId null (and regex,
    exportName, ... null); create_label_set with the SDK's classes was refused."""
    classification = {
        "tool": "text",
        "title": "N",
        "required": False,
        "schemaId": "e637820444a844e899902df265718900",
        "classifications": [],
        "options": [],
        "treeOptions": [],
        "parentOptionId": None,
        "regex": None,
        "frameSpecific": False,
        "exportName": None,
        "defaultValue": None,
    }
    ontology = {"tools": [], "classifications": [classification], "relations": []}
    assert validate_ontology(ontology, strict=True).ok, validate_ontology(ontology, strict=True).format()


def test_an_ontology_with_an_unknown_rule_is_accepted_with_a_warning():
    ontology = {
        "tools": [
            {"schemaId": "same", "tool": "bounding-box", "title": "A"},
            {"schemaId": "same", "tool": "point", "title": "B"},
        ]
    }
    assert validate_ontology(ontology).ok
    assert [w.code for w in validate_ontology(ontology).warnings] == ["duplicate_schema_id"]
    assert [e.code for e in validate_ontology(ontology, strict=True).errors] == ["duplicate_schema_id"]
