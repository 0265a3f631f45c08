"""Validation of label imports (and project ontologies) against the Ango import format.

    from mockango.validation import validate_labels
    report = validate_labels(labels, category_schema, assets, project_name="Demo detection")
    report.raise_for_errors()

The JSON Schema files it uses are published in ``mockango.schemas``.
"""

from .api import validate_labels
from .ontology import validate_ontology
from .report import Issue, LabelValidationError, Report
from .schemas import load_schema

__all__ = ["validate_labels", "validate_ontology", "Report", "Issue", "LabelValidationError", "load_schema"]
