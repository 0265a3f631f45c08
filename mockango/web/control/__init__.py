"""The control API (``/api``): what a person does in Hub's UI, as JSON over HTTP (docs/control-api.md)."""
