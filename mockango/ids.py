"""Identifiers and secrets, shaped like the real host's."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets


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
