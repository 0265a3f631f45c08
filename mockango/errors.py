"""One exception family for the host, so callers can catch ``MockangoError``.

Each subclass carries the HTTP status the web layer answers with, so the
rules live in the domain core and the adapters only translate.
"""

from __future__ import annotations


def error_body(status: int, message: str) -> dict:
    """The body of every error answer: Ango's documented ``{status, message}`` (docs.imerit.net/api/docs/models),
    plus ``error: {statusCode, message}``, which imerit-ango 1.4.10's ``upload_chat_assets`` reads to tell a
    failure from a success (without it, it logs "Created 0 chat assets successfully")."""
    return {"status": "error", "message": message, "error": {"statusCode": status, "message": message}}


class MockangoError(Exception):
    """Base class of every error the host raises on purpose."""

    status: int = 400

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        body: dict = error_body(self.status, self.message)
        if self.details is not None:
            body["errors"] = self.details
        return body


class InvalidRequest(MockangoError):
    """The request is malformed: a missing field, a wrong type, bad JSON."""

    status = 400


class AuthenticationError(MockangoError):
    """No API key, or one the host does not know."""

    status = 401


class Forbidden(MockangoError):
    """The caller is known but may not do this (e.g. a cookie-signed change from another site)."""

    status = 403


class NotFound(MockangoError):
    """The thing does not exist, or belongs to another organization."""

    status = 404


class Conflict(MockangoError):
    """The request is well formed but the state does not allow it (e.g. plugin not live)."""

    status = 409


class LabelImportError(MockangoError):
    """An import was refused; ``details`` lists every error with its JSON path.

    ``warnings`` (which alone would not have blocked it) travel in the answer too, so
    one round trip shows everything that is wrong or doubtful.
    """

    status = 400

    def __init__(self, message: str, *, details: object | None = None, warnings: list | None = None) -> None:
        super().__init__(message, details=details)
        self.warnings = warnings or []

    def to_dict(self) -> dict:
        return {**super().to_dict(), "warnings": self.warnings}


class RunTimeout(MockangoError):
    """Waiting for something (a plugin to go live, a session to end) took too long."""

    status = 408


class StorageError(MockangoError):
    """A change could not be stored (disk full, read-only state file, a damaged database).

    Nothing of the change was kept and it was not acknowledged; the host keeps
    working and the same request succeeds once the cause is gone. ``status`` is
    507 (Insufficient Storage) when the disk is full, else 503.
    """

    status = 503

    def __init__(self, message: str, *, full: bool = False, details: object | None = None) -> None:
        super().__init__(message, details=details)
        if full:
            self.status = 507


class StateFileError(MockangoError):
    """A state file cannot be used (unreadable, another seed, another format); the message says what to do."""

    status = 500
