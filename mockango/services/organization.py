"""An organization's members and invitations, as Ango's API documents them.

https://docs.imerit.net/api/docs/organization (the calls, their bodies and answers) and the SDK's
``update_organization_members_role``, ``delete_organization_members``, ``get_organization_invites``,
``invite_members_to_org`` (https://docs.imerit.net/sdk/sdk-documentation/organization-level-sdk-functions/invite_members_to_org)
and ``delete_organization_invites``. A caller sees and changes only its own organization (404 otherwise). Per-member
outcomes are counted in the answer (``updated``/``failed``, ``deleted``/``failed``), as documented, not refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest, NotFound
from ..models import iso_time
from ..records import accounts
from ..records import organization as rows

if TYPE_CHECKING:
    from ..models import User
    from .context import Context

__all__ = ["Organization"]


class Organization:
    """Members and invites of the caller's organization."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def _own(self, user: User, organization_id: Any) -> str:
        if organization_id != user.organization_id:
            raise NotFound(f"organization '{organization_id}' not found")
        return organization_id

    # ------------------------------------------------------------------ members

    def members(self, user: User, organization_id: Any, *, page: int = 1, limit: int = 10, search=None) -> list[dict]:
        """``GET /v2/organization/{id}/users``: ``[{_id, email, name, organizationRole, createdAt}]``."""
        org = self._own(user, organization_id)
        with self._context.store.read() as db:
            found = rows.members_page(db, org, page=page, limit=limit, search=search)
        if any(r["joined_at"] is None for r in found):
            with self._context.store.write() as db:
                rows.note_joined(db, [r["id"] for r in found if r["joined_at"] is None])
                found = rows.members_page(db, org, page=page, limit=limit, search=search)
        return [
            {
                "_id": r["id"],
                "email": r["email"],
                "name": r["name"],
                "organizationRole": r["organization_role"],
                "createdAt": iso_time(r["joined_at"]),
            }
            for r in found
        ]

    def add_member(self, organization_id: str, email: str, *, name: str | None = None, role: str = "Member") -> User:
        """A new member (a user with its own API key), for tests: the real host adds members by invitation."""
        canonical = rows.role_name(role)
        if canonical is None:
            raise InvalidRequest(f"role must be one of {', '.join(rows.ROLES)}, got {role!r}")
        with self._context.store.write() as db:
            if rows.member_by_email(db, organization_id, email) is not None:
                raise InvalidRequest(f"{email} is already a member")
            from ..ids import new_object_id

            user = accounts.insert_user(db, new_object_id(), organization_id, name or email.split("@")[0], email)
            rows.set_role(db, user.id, canonical)
        return user

    def update_roles(self, user: User, organization_id: Any, body: Any) -> dict:
        """``POST .../users`` ``{users: [{email, organizationRole}]}`` -> ``{users: {updated, failed, results}}``."""
        org = self._own(user, organization_id)
        entries = body.get("users") if isinstance(body, Mapping) else None
        if not isinstance(entries, list):
            raise InvalidRequest("the body must be {'users': [{'email', 'organizationRole'}, ...]}")
        results = []
        with self._context.store.write() as db:
            for index, entry in enumerate(entries):
                if not isinstance(entry, Mapping) or not isinstance(entry.get("email"), str):
                    raise InvalidRequest(f"users[{index}] must be an object with 'email' and 'organizationRole'")
                role = rows.role_name(entry.get("organizationRole"))
                member = rows.member_by_email(db, org, entry["email"])
                if role is None:
                    status = f"failed: organizationRole must be one of {', '.join(rows.ROLES)}"
                elif member is None:
                    status = "failed: not a member of this organization"
                else:
                    rows.set_role(db, member["id"], role)
                    status = "updated"
                results.append({"email": entry["email"], "status": status})
        updated = sum(1 for r in results if r["status"] == "updated")
        return {"users": {"updated": updated, "failed": len(results) - updated, "results": results}}

    def delete_members(self, user: User, organization_id: Any, body: Any) -> dict:
        """``DELETE .../users`` ``{users: [email, ...]}`` -> ``{deleted, failed}``. A member cannot remove itself
        (its API key would stop working mid-call)."""
        org = self._own(user, organization_id)
        emails = body.get("users") if isinstance(body, Mapping) else None
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise InvalidRequest("the body must be {'users': ['email', ...]}")
        deleted = 0
        with self._context.store.write() as db:
            for email in emails:
                member = rows.member_by_email(db, org, email)
                if member is None or member["id"] == user.id:
                    continue
                accounts.delete_user(db, member["id"])
                deleted += 1
        return {"deleted": deleted, "failed": len(emails) - deleted}

    # ------------------------------------------------------------------ invites

    def invites(self, user: User, organization_id: Any, *, status=None, page: int = 1, limit: int = 10) -> dict:
        """``GET .../invites[?status=pending]`` -> ``{invites: [{_id, to, organizationRole, status, createdBy,
        createdAt, expiresAt}]}``."""
        org = self._own(user, organization_id)
        if status is not None and not isinstance(status, str):
            raise InvalidRequest("status must be a string")
        with self._context.store.read() as db:
            found = rows.invites_page(db, org, status=status, page=page, limit=limit)
        return {"invites": [_invite(r) for r in found]}

    def invite(self, user: User, organization_id: Any, body: Any) -> dict:
        """``POST .../invites`` ``{to: [email, ...], organizationRole, projectAssignments?}`` -> the new invites."""
        org = self._own(user, organization_id)
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be {'to': [emails], 'organizationRole': ...}")
        to = body.get("to")
        if not isinstance(to, list) or not to or not all(isinstance(e, str) and "@" in e for e in to):
            raise InvalidRequest("'to' must be a non-empty list of email addresses")
        role = rows.role_name(body.get("organizationRole"))
        if role is None:
            raise InvalidRequest(
                f"organizationRole must be one of {', '.join(rows.ROLES)}, got {body.get('organizationRole')!r}"
            )
        assignments = body.get("projectAssignments") or []
        if not isinstance(assignments, list) or not all(
            isinstance(a, Mapping) and isinstance(a.get("projectId"), str) for a in assignments
        ):
            raise InvalidRequest("projectAssignments must be a list of {'projectId', 'projectRole'}")
        for assignment in assignments:
            self._context.scope(user).project(assignment["projectId"])  # 404 for another organization's project
        with self._context.store.write() as db:
            ids = [rows.add_invite(db, org, email, role, user.email, [dict(a) for a in assignments]) for email in to]
            made = [rows.invite_row(db, i) for i in ids]
        return {"invites": [_invite(r) for r in made]}

    def delete_invites(self, user: User, organization_id: Any, body: Any) -> dict:
        """``DELETE .../invites`` ``{invites: [email, ...]}`` -> ``{deleted, failed}`` (as members are)."""
        org = self._own(user, organization_id)
        emails = body.get("invites") if isinstance(body, Mapping) else None
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise InvalidRequest("the body must be {'invites': ['email', ...]}")
        with self._context.store.write() as db:
            deleted = sum(1 for email in emails if rows.delete_invites(db, org, email))
        return {"deleted": deleted, "failed": len(emails) - deleted}


def _invite(row) -> dict:
    return {
        "_id": row["id"],
        "to": row["email"],
        "organizationRole": row["organization_role"],
        "status": row["status"],
        "createdBy": row["created_by"],
        "createdAt": iso_time(row["created_at"]),
        "expiresAt": iso_time(row["expires_at"]),
    }
