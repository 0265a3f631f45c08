"""Identifiers and secrets, shaped like the real host's."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets

from .errors import InvalidRequest


def new_object_id(rng: random.Random | None = None) -> str:
    """A 24-hex-character id like a MongoDB ObjectId (the real host's format).

    Seeded data passes its own ``rng`` so the same seed gives the same ids.
    """
    if rng is None:
        return secrets.token_hex(12)
    return "%024x" % rng.getrandbits(96)


def new_secret() -> str:
    """A plugin secret or API key: unguessable, from ``secrets``."""
    return secrets.token_hex(24)


def same_secret(given: object, expected: str) -> bool:
    """Compare secrets in constant time; anything but a string is a mismatch."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def key_digest(key: str) -> str:
    """A key's SHA-256, to find it in a table without keeping or comparing the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


GIVEN_SECRET_MIN = 16
GIVEN_SECRET_MAX = 256
_SECRET_CHARACTERS = re.compile(r"[A-Za-z0-9._~-]+")
_OBJECT_ID = re.compile(r"[0-9a-f]{24}")


def check_given_secret(value: object, what: str) -> str:
    """A secret or API key chosen by the user (``serve --api-key``, ``--plugin-secret``: for scripted and CI
    use, where it must be known before the host starts); it is still compared in constant time.

    At least 16 characters, of letters, digits and ``. _ ~ -`` (safe in a header and in a URL unescaped).
    """
    if (
        not isinstance(value, str)
        or not GIVEN_SECRET_MIN <= len(value) <= GIVEN_SECRET_MAX
        or not _SECRET_CHARACTERS.fullmatch(value)
    ):
        shown = repr(value) if not isinstance(value, str) else f"{len(value)} character(s)"
        raise InvalidRequest(
            f"{what} must be {GIVEN_SECRET_MIN} to {GIVEN_SECRET_MAX} characters of letters, digits and . _ ~ - "
            f"(got {shown}); e.g. python -c 'import secrets; print(secrets.token_hex(24))'"
        )
    return value


def check_given_object_id(value: object, what: str) -> str:
    """An id chosen by the user (``serve --plugin-id``): 24 lowercase hex characters, the real host's ids."""
    if not isinstance(value, str) or not _OBJECT_ID.fullmatch(value):
        raise InvalidRequest(f"{what} must be 24 lowercase hex characters like the host's ids, got {value!r}")
    return value
