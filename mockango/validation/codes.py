"""Every issue code, with its one-line meaning. docs/validation.md lists the same (a test checks).

An error code is a refusing rule (:mod:`.evidence`); in lenient mode an error of a rule whose evidence is
unknown is reported among the warnings, under the same code."""

from __future__ import annotations

from .evidence import RULES

__all__ = ["ERROR_CODES", "WARNING_CODES", "CODES"]

# The import's and the ontology's refusing rules, each with its evidence in .evidence.RULES.
ERROR_CODES: dict[str, str] = {
    code: r.meaning for code, r in RULES.items() if r.area in ("label import", "geometry", "ontology")
}

WARNING_CODES: dict[str, str] = {
    "duplicate_object_id": "an objectId is used twice in one item (the real host allows it; relations to it are ambiguous)",
    "duplicate_asset": "two items label the same asset; the later one replaces the earlier pre-label",
    "duplicate_classification": "the same classification is answered twice at one place",
    "duplicate_answer": "the same option (or tree node) is selected twice in one answer",
    "empty_item": "an item has no objects, classifications, relations or brush mask",
    "empty_import": "the import is an empty list",
    "misspelled_key": "an unknown key looks like a known one ('boundingBox', 'Objects', 'externalID') and is ignored",
    "title_mismatch": "an object has both schemaId and title and they disagree (the schemaId wins)",
    "answer_other_asset": "a Model answer or an annotate body names another asset by externalId or data; it is "
    "stored on its task's asset",
    "ambiguous_title": "several tools/classifications/relations allowed here share the title; the first is taken "
    "(Ango's import format page: the host picks one of them)",
    "inactive_nested": "a nested classification is answered although its parentOptionId option is not selected",
    "missing_required": "a required top-level classification is not answered in some items",
    "degenerate_geometry": "a box with zero width or height",
    "self_relation": "a relation goes from an object to itself",
    "small_group": "a group relation has a single member",
    "brush_without_tool": "a brush mask URL is given but the project has no brush tool",
    "duplicate_title": "two ontology entries at one level share a title (title-based imports become ambiguous)",
    "no_options": "a choice or tree classification has no options, so no answer can be valid",
}

CODES: dict[str, str] = {**ERROR_CODES, **WARNING_CODES}
