"""mockango: an offline, local stand-in for Ango Hub's plugin system.

Public API (nothing else is public):
"""

from .errors import (AuthenticationError, Conflict, Forbidden, InvalidRequest, LabelImportError, MockangoError, NotFound,
                     RunTimeout)
from .hub import Hub, PluginConnection
from .models import Asset, Plugin, Project, Session
from .server import MockAngo, make_wsgi_server
from .web import create_app


def __getattr__(name: str):
    # The validator is loaded on first use: importing mockango stays cheap.
    if name in {"validate_labels", "validate_ontology", "Report", "Issue", "LabelValidationError"}:
        from . import validation

        return getattr(validation, name)
    raise AttributeError(f"module 'mockango' has no attribute {name!r}")


__all__ = [
    "MockAngo", "Hub", "create_app", "make_wsgi_server", "PluginConnection",
    "Asset", "Plugin", "Project", "Session",
    "MockangoError", "InvalidRequest", "AuthenticationError", "Forbidden", "NotFound", "Conflict", "LabelImportError",
    "RunTimeout",
    "validate_labels", "validate_ontology", "Report", "Issue", "LabelValidationError",
]
