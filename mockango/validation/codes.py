"""Every issue code, with its one-line meaning. docs/validation.md lists the same (a test checks)."""

from __future__ import annotations

__all__ = ["ERROR_CODES", "WARNING_CODES", "CODES"]

ERROR_CODES: dict[str, str] = {
    # structure (labels.schema.json / ontology.schema.json)
    "type": "a value has the wrong JSON type (also NaN/Infinity, a string or boolean where a number belongs)",
    "required": "a required key is missing (externalId or data, schemaId or title, answer, a geometry field, a relation's from/to/group)",
    "too_small": "a number is below its minimum (box width/height, ner start/end, page < 0, pdf pageNumber < 1)",
    "too_few": "a list is too short (polygon < 3 points, polyline < 2, [x] point, segmentation without zones, region < 3 points, empty group)",
    "too_many": "a list is too long (a point with more than 2 coordinates)",
    "invalid_url": "brushDataUrl / medicalBrushDataUrl is not an http(s), s3, gs or data: URL",
    "invalid_value": "an ontology field is not one of its allowed values (e.g. an unknown tool type)",
    "empty": "an ontology schemaId is an empty string",
    "schema": "any other JSON Schema violation (fallback; the message is jsonschema's)",
    # assets
    "unknown_asset": "no asset of the project has that externalId (or data URL)",
    "asset_mismatch": "the item's externalId and data name different assets",
    # ontology
    "unknown_schema_id": "the schemaId is nowhere in the project's ontology",
    "wrong_kind": "the schemaId exists but is not allowed here (a classification in objects, a tool in classifications, a nested classification outside its parent, an option, ...)",
    "unknown_title": "no tool/classification/relation allowed here has that title",
    "ambiguous_title": "several tools/classifications/relations allowed here share that title",
    "geometry_mismatch": "the object's geometry key does not match its tool's type (or a brush object carries geometry)",
    "missing_geometry": "the object has no geometry key for its tool",
    "multiple_geometry": "the object has its tool's geometry and another one",
    "invalid_answer": "the answer does not fit the classification (wrong shape, not an option, not a tree node, not a boolean)",
    "unknown_object_id": "a relation names an objectId no object of the same item has",
    "relation_shape": "the relation's keys do not fit its kind (group on one-to-one, a list 'to' on one-to-one, from/to on a group, ...)",
    # geometry
    "out_of_bounds": "coordinates lie outside the image (negative, or beyond the asset's known width/height)",
    "inverted_range": "an ner span has start > end",
    # ontology validation (validate_ontology)
    "duplicate_schema_id": "a schemaId is used twice in the ontology (tools, classifications, relations, nested ones and options share one space)",
    "duplicate_option": "two options of one classification have the same value",
    "unknown_option": "parentOptionId is not an option of the parent classification",
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
