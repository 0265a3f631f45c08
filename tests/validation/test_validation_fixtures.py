"""Every file under fixtures/labels/ produces exactly the issues it declares, on both paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockango.validation import validate_labels, validate_ontology
from mockango.validation.codes import CODES, ERROR_CODES, WARNING_CODES
from mockango.validation.evidence import RULES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
VALID = sorted((FIXTURES / "labels" / "valid").glob("*.json"))
INVALID = sorted((FIXTURES / "labels" / "invalid").glob("*.json"))
ONTOLOGIES = sorted((FIXTURES / "ontologies").glob("*.json"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _run(fixture: dict, fast_path: bool = True, strict: bool = True):
    ontology = _load(FIXTURES / "ontologies" / f"{fixture['ontology']}.json")
    return validate_labels(
        fixture["labels"],
        ontology,
        fixture["assets"],
        project_name=fixture.get("project_name"),
        fast_path=fast_path,
        strict=strict,
    )


def _pairs(issues) -> list[tuple[str, str]]:
    return sorted((i.code, i.path) for i in issues)


def _expected(fixture: dict, key: str) -> list[tuple[str, str]]:
    return sorted((e["code"], e["path"]) for e in fixture.get(key, []))


def test_there_are_fixtures():
    assert len(VALID) >= 5 and len(INVALID) >= 40


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_is_accepted(path):
    fixture = _load(path)
    report = _run(fixture)
    assert report.ok, report.format()
    assert _pairs(report.warnings) == _expected(fixture, "expect_warnings"), report.format()
    assert all(m for m in report.matches), "every valid item matches at least one asset"
    assert report.counts["items"] == len(fixture["labels"])
    assert all(w.code in WARNING_CODES for w in report.warnings)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_gives_declared_errors(path):
    fixture = _load(path)
    assert fixture["expect"], "an invalid fixture declares its errors"
    report = _run(fixture)
    assert not report.ok
    assert _pairs(report.errors) == _expected(fixture, "expect"), report.format()
    if "expect_warnings" in fixture:
        assert _pairs(report.warnings) == _expected(fixture, "expect_warnings"), report.format()
    assert all(e.code in ERROR_CODES for e in report.errors)
    assert all(e.message for e in report.errors)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_lenient_mode_refuses_only_rules_with_evidence(path):
    """Without strict mode, an error of a rule whose evidence is unknown becomes a warning (same code and
    path); the documented and measured ones still refuse, and an item is stored only when none is left."""
    fixture = _load(path)
    strict, lenient = _run(fixture), _run(fixture, strict=False)
    refusing = [(i.code, i.path) for i in strict.errors if RULES[i.code].refuses]
    demoted = [(i.code, i.path) for i in strict.errors if not RULES[i.code].refuses]
    assert _pairs(lenient.errors) == sorted(refusing), lenient.format()
    assert sorted(set(demoted) - set(_pairs(lenient.warnings))) == [], lenient.format()
    assert lenient.ok == (not refusing)
    assert lenient.to_dict() == _run(fixture, fast_path=False, strict=False).to_dict()


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.stem)
def test_detailed_path_gives_the_same_report(path):
    fixture = _load(path)
    assert _run(fixture, fast_path=True).to_dict() == _run(fixture, fast_path=False).to_dict()
    assert _run(fixture, strict=False).to_dict() == _run(fixture, fast_path=False, strict=False).to_dict()


@pytest.mark.parametrize("path", ONTOLOGIES, ids=lambda p: p.stem)
def test_ontology_fixtures_are_valid(path):
    report = validate_ontology(_load(path))
    assert report.ok, report.format()


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.get("classifications", []))


def test_kitchen_sink_covers_every_type():
    ontology = _load(FIXTURES / "ontologies" / "kitchen-sink.json")
    tools = {t["tool"] for t in ontology["tools"]}
    classifications = {c["tool"] for c in _walk(ontology["classifications"])}
    classifications |= {c["tool"] for t in ontology["tools"] for c in _walk(t["classifications"])}
    relations = {r["tool"] for r in ontology["relations"]}
    assert tools == {
        "bounding-box",
        "rotated-bounding-box",
        "polygon",
        "polyline",
        "point",
        "segmentation",
        "brush",
        "ner",
        "pdf",
        "pct",
    }
    assert classifications == {
        "radio",
        "checkbox",
        "single-dropdown",
        "multi-dropdown",
        "tree-dropdown",
        "text",
        "instance",
        "boolean",
    }
    assert relations == {"one-to-one", "group", "one-to-many"}
    nested = [c for t in ontology["tools"] for c in _walk(t["classifications"])]
    assert any("parentOptionId" in c for c in nested)


def test_every_code_is_documented():
    doc = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"`{code}`" not in doc]
    assert not missing, f"codes missing from docs/validation.md: {missing}"


def test_every_error_code_has_an_invalid_fixture_or_unit_test():
    seen = {e["code"] for path in INVALID for e in _load(path)["expect"]}
    ontology_only = {"invalid_value", "empty", "schema", "duplicate_schema_id", "duplicate_option", "unknown_option"}
    ontology_only |= {"too_many"} if "too_many" in seen else set()
    assert set(ERROR_CODES) - ontology_only <= seen, set(ERROR_CODES) - ontology_only - seen
