"""Why mockango refuses what it refuses: every refusing rule with the evidence that the real host refuses too.

mockango stands in for Ango Hub, so it may refuse only what Ango Hub refuses. Each rule below says how we
know: **documented** (Ango's published docs state the shape or the limit; the URL), **measured** (an official
client or the vendor's samples depend on it; which one), or **unknown** (nobody has shown what the real host
does). An unknown rule does not refuse by default: it is reported as a warning (in the answer and on the
session's log) and the input is accepted; in strict mode (``serve --strict``, ``MockAngo(strict=True)``,
``@pytest.mark.mockango(strict=True)``) it refuses like the others.

docs/validation.md lists the same rules with the same evidence (tests/validation/test_evidence.py checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DOCUMENTED", "MEASURED", "UNKNOWN", "Evidence", "Rule", "RULES", "refuses", "rule"]

DOCUMENTED: Literal["documented"] = "documented"
MEASURED: Literal["measured"] = "measured"
UNKNOWN: Literal["unknown"] = "unknown"

IMPORT_FORMAT = (
    "https://docs.imerit.net/data/importing-and-exporting-annotations/importing-annotations/ango-import-format"
)
IMPORT_EXPORT_API = "https://docs.imerit.net/api/docs/import-export"
MODELS_API = "https://docs.imerit.net/api/docs/models"
OVERVIEW_API = "https://docs.imerit.net/api/docs/overview"
PROJECTS_API = "https://docs.imerit.net/api/docs/projects"
ORGANIZATION_API = "https://docs.imerit.net/api/docs/organization"
STORAGES_API = "https://docs.imerit.net/api/docs/storages"
GET_TASKS_SDK = "https://docs.imerit.net/sdk/sdk-documentation/project-level-sdk-functions/get_tasks"


@dataclass(frozen=True)
class Evidence:
    """How we know the real host refuses (``kind``) and where it is shown (``source``: a URL or a test)."""

    kind: Literal["documented", "measured", "unknown"]
    source: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.source}" if self.source else self.kind


@dataclass(frozen=True)
class Rule:
    """One refusing rule: its stable code, the area it guards, what it refuses, and its evidence."""

    code: str
    area: str
    meaning: str
    evidence: Evidence

    @property
    def refuses(self) -> bool:
        """Whether it refuses outside strict mode (documented or measured)."""
        return self.evidence.kind != UNKNOWN


def _documented(url: str) -> Evidence:
    return Evidence(DOCUMENTED, url)


def _measured(what: str) -> Evidence:
    return Evidence(MEASURED, what)


def _unknown(why: str = "") -> Evidence:
    return Evidence(UNKNOWN, why)


_LABELS = "label import"
_ONTOLOGY = "ontology"
_GEOMETRY = "geometry"
_ANSWERS = "model answer and annotate"
_RUNS = "run options"
_EXPORT = "export parameters"
_PAGING = "paging"

_CATALOGUE: tuple[Rule, ...] = (
    # -- label import: structure (labels.schema.json)
    Rule(
        "type",
        _LABELS,
        "a value has the wrong JSON type (also NaN/Infinity, a string or boolean where a number belongs; in an "
        "ontology, parentOptionId may be null: the SDK's ClassificationCategory sends it)",
        _documented(f"{IMPORT_FORMAT}, {MODELS_API}"),
    ),
    Rule(
        "required",
        _LABELS,
        "a required key is missing (externalId or data, answer, a geometry field, a relation's from/to/group; "
        "an ontology entry's schemaId, tool or title, an option's value or schemaId)",
        _documented(f"{IMPORT_FORMAT}, {MODELS_API}"),
    ),
    Rule(
        "no_schema_id",
        _LABELS,
        "an object, classification or relation names neither schemaId nor title (the vendor's model sample "
        "sends such objects when no class is mapped)",
        _unknown(),
    ),
    Rule(
        "too_small",
        _GEOMETRY,
        "a number is below its minimum (box width/height, ner start/end, page < 0, pdf pageNumber < 1)",
        _unknown(),
    ),
    Rule(
        "too_few",
        _GEOMETRY,
        "a list is too short (polygon < 3 points, polyline < 2, [x] point, segmentation without zones, "
        "region < 3 points, empty group)",
        _unknown(),
    ),
    Rule("too_many", _GEOMETRY, "a list is too long (a point with more than 2 coordinates)", _unknown()),
    Rule(
        "invalid_url", _LABELS, "brushDataUrl / medicalBrushDataUrl is not an http(s), s3, gs or data: URL", _unknown()
    ),
    Rule("schema", _LABELS, "any other JSON Schema violation (fallback; the message is jsonschema's)", _unknown()),
    # -- label import: assets
    Rule(
        "unknown_asset",
        _LABELS,
        "no asset of the project has that externalId (or data URL, or file name)",
        _documented(IMPORT_FORMAT),
    ),
    Rule("asset_mismatch", _LABELS, "the item's externalId and data name different assets", _unknown()),
    # -- label import: ontology
    Rule("unknown_schema_id", _LABELS, "the schemaId is nowhere in the project's ontology", _unknown()),
    Rule(
        "wrong_kind",
        _LABELS,
        "the schemaId exists but is not allowed here (a classification in objects, a tool in classifications, "
        "a nested classification outside its parent, an option, ...)",
        _unknown(),
    ),
    Rule("unknown_title", _LABELS, "no tool/classification/relation allowed here has that title", _unknown()),
    Rule(
        "geometry_mismatch",
        _GEOMETRY,
        "the object's geometry key does not match its tool's type (or a brush object carries geometry)",
        _unknown(),
    ),
    Rule("missing_geometry", _GEOMETRY, "the object has no geometry key for its tool", _unknown()),
    Rule("multiple_geometry", _GEOMETRY, "the object has its tool's geometry and another one", _unknown()),
    Rule(
        "invalid_answer",
        _LABELS,
        "the answer does not fit the classification (wrong shape, not an option, not a tree node, not a boolean)",
        _unknown(),
    ),
    Rule("unknown_object_id", _LABELS, "a relation names an objectId no object of the same item has", _unknown()),
    Rule(
        "relation_shape",
        _LABELS,
        "the relation's keys do not fit its kind (group on one-to-one, a list 'to' on one-to-one, from/to on a "
        "group, ...)",
        _unknown(),
    ),
    Rule(
        "out_of_bounds",
        _GEOMETRY,
        "coordinates lie outside the image (negative, or beyond the asset's known width/height; a rotated box "
        "by its corners)",
        _unknown(),
    ),
    Rule("inverted_range", _GEOMETRY, "an ner span has start > end", _unknown()),
    # -- ontology (validate_ontology, create_label_set)
    Rule(
        "invalid_value",
        _ONTOLOGY,
        "an ontology field is not one of its allowed values (e.g. an unknown tool type)",
        _unknown(),
    ),
    Rule("empty", _ONTOLOGY, "an ontology schemaId is an empty string", _unknown()),
    Rule(
        "duplicate_schema_id",
        _ONTOLOGY,
        "a schemaId is used twice in the ontology (tools, classifications, relations, nested ones and options "
        "share one space)",
        _unknown(),
    ),
    Rule("duplicate_option", _ONTOLOGY, "two options of one classification have the same value", _unknown()),
    Rule("unknown_option", _ONTOLOGY, "parentOptionId is not an option of the parent classification", _unknown()),
    # -- Model answers and POST /v2/annotate (one reader: mockango.validation.answers)
    Rule(
        "answer_not_object",
        _ANSWERS,
        "the annotate body has no 'answer' object (or a Model plugin answered something other than an object)",
        _documented(IMPORT_EXPORT_API),
    ),
    Rule(
        "answer_unknown_key",
        _ANSWERS,
        "an answer holds keys other than objects/tools, classifications, relations, externalId and data "
        "(externalId: 1.3.22's Model merge adds it)",
        _unknown(),
    ),
    Rule(
        "answer_brush_url",
        _ANSWERS,
        "brushDataUrl / medicalBrushDataUrl of an annotate body is not a string",
        _unknown(),
    ),
    Rule("answer_duration", _ANSWERS, "an annotate body's duration is not a number of seconds >= 0", _unknown()),
    # -- run options (POST /api/runs, MockAngo.run, mockango run, the dashboard's Run dialog)
    Rule(
        "run_option_other_type",
        _RUNS,
        "a run option belongs to another plugin type (it is ignored when accepted)",
        _unknown("no host counterpart: the real host's Run dialog offers only the type's fields"),
    ),
    Rule(
        "run_option_type",
        _RUNS,
        "a run option has the wrong type (a flag that is not true/false, a list that is not of strings, ...)",
        _measured("the official clients read these event fields with these types (docs/official-client.md)"),
    ),
    Rule(
        "run_option_required",
        _RUNS,
        "a run lacks what its type's event must carry (a Model run's asset, a File Explorer's bucket, a "
        "Markdown run's file and template)",
        _measured(
            "1.4.10's ModelPlugin reads assetId/dataURL; the vendor's samples read bucket, inputFile, markdownText"
        ),
    ),
    # -- export parameters (GET /v2/export, /v2/exportV3)
    Rule(
        "export_format",
        _EXPORT,
        "the export format is not json, ndjson or split",
        _documented(IMPORT_EXPORT_API),
    ),
    Rule(
        "export_parameter",
        _EXPORT,
        "an export parameter has a shape mockango cannot read (stage, batches, dates, flags)",
        _unknown(),
    ),
    # -- paging
    Rule(
        "limit_documented",
        _PAGING,
        "a page's limit is above the documented maximum (100 for listProjects, organization members and "
        "invites, storages; 1000 for assets and tasks)",
        _documented(f"{OVERVIEW_API}, {PROJECTS_API}, {ORGANIZATION_API}, {STORAGES_API}, {GET_TASKS_SDK}"),
    ),
)

RULES: dict[str, Rule] = {r.code: r for r in _CATALOGUE}


def rule(code: str) -> Rule:
    """The rule of ``code``; a KeyError names a code nobody declared (a bug: add it to the catalogue)."""
    return RULES[code]


def refuses(code: str, strict: bool) -> bool:
    """Whether an issue of ``code`` blocks: always for documented and measured rules, in strict mode for unknown."""
    return strict or RULES[code].refuses
