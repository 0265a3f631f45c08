"""mockango: an offline, local stand-in for Ango Hub's plugin system.

Every public name is listed in ``__all__`` and loaded on first use, so that
``import mockango`` (which pytest does for every run, through the plugin's entry
point) costs almost nothing until a fixture or a script asks for a host.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_WHERE = {
    "MockAngo": "server",
    "make_wsgi_server": "server",
    "Hub": "hub",
    "HostConfig": "config",
    "PluginConnection": "hub",
    "create_app": "web",
    "Asset": "models",
    "Plugin": "models",
    "Project": "models",
    "Session": "models",
    "RunningSession": "runs.running",
    "MockangoError": "errors",
    "InvalidRequest": "errors",
    "AuthenticationError": "errors",
    "Forbidden": "errors",
    "NotFound": "errors",
    "Conflict": "errors",
    "LabelImportError": "errors",
    "RunTimeout": "errors",
    "StorageError": "errors",
    "StateFileError": "errors",
    "Faults": "faults",
    "Fault": "faults",
    "validate_labels": "validation",
    "validate_ontology": "validation",
    "Report": "validation",
    "Issue": "validation",
    "LabelValidationError": "validation",
    "MockAngoHandle": "testing",
    "RunResult": "testing",
    "Store": "store",
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mockango' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .config import HostConfig
    from .errors import (
        AuthenticationError,
        Conflict,
        Forbidden,
        InvalidRequest,
        LabelImportError,
        MockangoError,
        NotFound,
        RunTimeout,
        StateFileError,
        StorageError,
    )
    from .faults import Fault, Faults
    from .hub import Hub, PluginConnection
    from .models import Asset, Plugin, Project, Session
    from .runs.running import RunningSession
    from .server import MockAngo, make_wsgi_server
    from .store import Store
    from .testing import MockAngoHandle, RunResult
    from .validation import Issue, LabelValidationError, Report, validate_labels, validate_ontology
    from .web import create_app
