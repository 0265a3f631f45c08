"""A run started without waiting for it: its session as last read, and what can be done to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models import Session, User
    from .engine import RunEngine


class RunningSession:
    """What ``start_run`` returns (:class:`~mockango.MockAngo`, the ``mockango`` fixture).

    Its attributes are the session's as last read (``id``, ``status``, ``event``, ``logs``, ...: a
    snapshot, ``status == "running"`` at first); :meth:`refresh` reads it again, :meth:`wait` until
    it ends, and :meth:`cancel` stops it: it ends ``cancelled`` and later logs and answers of the
    plugin are kept, marked late (Ango's clients are told nothing of a cancel).
    """

    def __init__(self, engine: RunEngine, user: User, session: Session) -> None:
        self._engine, self._user = engine, user
        self.session = session

    def __getattr__(self, name: str) -> Any:
        if name == "session":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.session, name)

    def __repr__(self) -> str:
        return f"RunningSession(id={self.session.id!r}, status={self.session.status!r})"

    def refresh(self) -> Session:
        """The session as it is now."""
        self.session = self._engine.get(self.session.id)
        return self.session

    def wait(self, timeout: float | None = None) -> Session:
        """Block until the session ends (at the latest at its time limit); ``timeout`` raises ``RunTimeout``."""
        self.session = self._engine.wait(self.session.id, timeout)
        return self.session

    def cancel(self) -> Session:
        """End the running session ``cancelled`` now; ``Conflict`` when it has ended already."""
        self.session = self._engine.cancel(self._user, self.session.id)
        return self.session
