"""Organizations, their users and API keys: who a key belongs to, and new organizations."""

from __future__ import annotations

from ..errors import AuthenticationError
from ..input_limits import MAX_NAME_LENGTH, check_text
from ..models import Caller, User
from ..records import accounts as account_rows
from ..records.accounts import Accounts
from ..records.sessions import Sessions
from .context import Context


class AccountService:
    """The organizations and users of one host, and the keys they call with."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.records = Accounts(context.store)
        self._sessions = Sessions(context.store)

    def create_organization(self, name: str, user_name: str, email: str) -> User:
        """A new organization with one user; returns the user (``user.api_key`` to call the API)."""
        for value, field in ((name, "name"), (user_name, "user_name"), (email, "email")):
            check_text(value, field, max_length=MAX_NAME_LENGTH, required=True)
        return self.records.create_organization(name, user_name, email)

    def count(self) -> int:
        with self._context.store.read() as db:
            return account_rows.count_organizations(db)

    def identify(self, api_key: object) -> Caller:
        """The user an API key belongs to, and the run whose key it is (a user's own key: none).

        Keys are found by their SHA-256 digest (one index probe, and the digest reveals nothing
        about the key); a user's key is then compared in constant time.
        """
        if not api_key:
            raise AuthenticationError("missing API key: send it in the 'apikey' header")
        if isinstance(api_key, str):
            found = self.records.user_by_key(api_key)
            if found is not None:
                return Caller(found)
            run = self._sessions.by_key(api_key)
            if run is not None and run[2] != "running":
                raise AuthenticationError(
                    f"this API key was the run key of session {run[1]}, which has ended "
                    f"({run[2] or 'deleted'}): a run key acts only while its run is running; "
                    "use your own API key"
                )
            found = self.records.user(run[0]) if run else None
            if found is not None and run is not None:
                return Caller(found, run[1])
        raise AuthenticationError("invalid API key: it matches no user of this host")
