"""JSON Schema files (draft 2020-12) published with mockango.

Load them with ``importlib.resources``::

    import json, importlib.resources
    schema = json.loads(importlib.resources.files("mockango.schemas")
                        .joinpath("labels.schema.json").read_text())

``labels.schema.json`` is the shape of an import's ``jsonContent``;
``ontology.schema.json`` the shape of a project's ``categorySchema``.
Neither knows a project's ontology or assets: ``mockango.validation``
adds those checks (and rejects NaN/Infinity, which JSON Schema cannot).
"""
