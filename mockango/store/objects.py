"""A local object store: what Ango Hub keeps in its buckets (uploads, brushes, exports).

Objects live under keys ``{organization}/{project}/{type}/{name}``: in memory for
``MockAngo`` and the fixture, as files under a directory for ``mockango serve``.
Like S3's presigned URLs, an upload URL takes one ``PUT`` without an API key and a
signed URL one ``GET``; both carry ``expires`` and an HMAC ``signature`` of the
method, key and expiry made with the store's own secret (``secrets``, compared in
constant time), so nobody can forge or stretch one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..errors import Forbidden, InvalidRequest, NotFound

FILE_TYPES = ("assets", "brushes", "medicalBrushes", "exports", "instructions")
"""``type`` values of getUploadUrl/getSignedUrl (imerit_ango StorageFileTypes)."""
MAX_OBJECT_BYTES = 64 * 1024 * 1024
UPLOAD_URL_TTL = 3600.0
SIGNED_URL_TTL = 3600.0
OBJECT_PREFIX = "/objects/"
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


class ObjectTooLarge(InvalidRequest):
    status = 413


class ObjectStore:
    """Bytes by key, in memory (``root=None``) or in files under ``root``."""

    def __init__(self, root: str | Path | None = None, *, max_bytes: int = MAX_OBJECT_BYTES) -> None:
        self.root = Path(root) if root is not None else None
        self.max_bytes = max_bytes
        self.secret = secrets.token_bytes(32)
        """Signs every URL; :func:`mockango.services.uploads.keep_url_secret` keeps it in the store across restarts."""
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- keys & urls

    @staticmethod
    def key_for(organization_id: str, project_id: str, file_type: str, name: object) -> str:
        if file_type not in FILE_TYPES:
            raise InvalidRequest(f"type must be one of {list(FILE_TYPES)}, got {file_type!r}")
        if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
            raise InvalidRequest(
                f"name must be a file name of letters, digits, '.', '_' or '-' (at most 200), got {name!r}"
            )
        return f"{organization_id}/{project_id}/{file_type}/{name}"

    def _signature(self, method: str, key: str, expires: int) -> str:
        message = f"{method}\n{key}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def url(self, base_url: str, key: str, method: str, ttl: float) -> str:
        """A URL that allows ``method`` on ``key`` for ``ttl`` seconds, without an API key."""
        expires = int(time.time() + ttl)
        return (
            f"{base_url.rstrip('/')}{OBJECT_PREFIX}{quote(key)}"
            f"?expires={expires}&signature={self._signature(method, key, expires)}"
        )

    @staticmethod
    def key_of_url(url: object) -> str:
        """The key behind one of this store's URLs (its query, if any, is ignored)."""
        if not isinstance(url, str):
            raise InvalidRequest("name must be the URL of a stored file")
        path = urlsplit(url).path
        if not path.startswith(OBJECT_PREFIX):
            raise InvalidRequest(f"name {url!r} is not a file URL of this host (they start with .../objects/)")
        return path[len(OBJECT_PREFIX) :]

    def check(self, method: str, key: str, expires: str | None, signature: str | None) -> None:
        """Allow a signed request (``expires`` and ``signature`` as its URL has them), or refuse it saying why (403)."""
        try:
            expiry = int(expires or "")
        except ValueError:
            raise Forbidden("this file URL has no valid 'expires': ask the API for a new one")
        if not isinstance(signature, str) or not hmac.compare_digest(signature, self._signature(method, key, expiry)):
            raise Forbidden(f"this URL does not allow {method} on this file (bad or missing signature)")
        if expiry < time.time():
            raise Forbidden("this file URL has expired: ask the API for a new one")

    # ---------------------------------------------------------------- bytes

    def _path(self, key: str) -> Path:
        assert self.root is not None
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise InvalidRequest(f"bad object key {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            raise ObjectTooLarge(f"the file is {len(data)} bytes; this host takes at most {self.max_bytes}")
        if self.root is None:
            with self._lock:
                self._memory[key] = bytes(data)
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        temporary.write_bytes(data)
        temporary.replace(path)

    @contextlib.contextmanager
    def receiving(self, key: str) -> Iterator[Path]:
        """A path to write a file the host makes (an export) to; it becomes the object at ``key`` when the
        block ends without error. Written on disk either way, so it is never whole in memory while
        written; not bounded by ``max_bytes`` (that bounds what clients upload)."""
        if self.root is None:
            with tempfile.TemporaryDirectory(prefix="mockango-object-") as folder:
                path = Path(folder) / "object"
                yield path
                data = path.read_bytes()
            with self._lock:
                self._memory[key] = data
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            yield temporary
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)

    def file_of(self, key: str) -> Path | None:
        """The file holding ``key`` (file mode; None in memory or when there is none): served as a
        stream, never read whole."""
        if self.root is None:
            return None
        path = self._path(key)
        return path if path.is_file() else None

    def get(self, key: str) -> bytes:
        if self.root is None:
            with self._lock:
                data = self._memory.get(key)
        else:
            path = self._path(key)
            data = path.read_bytes() if path.is_file() else None
        if data is None:
            raise NotFound(f"no file at '{key}' (nothing was uploaded there yet)")
        return data

    def exists(self, key: str) -> bool:
        try:
            self.get(key)
        except NotFound:
            return False
        return True

    def delete_prefix(self, prefix: str) -> None:
        if self.root is None:
            with self._lock:
                for key in [k for k in self._memory if k.startswith(prefix)]:
                    del self._memory[key]
            return
        import shutil

        shutil.rmtree(self._path(prefix.rstrip("/")), ignore_errors=True)

    def clear(self) -> None:
        if self.root is None:
            with self._lock:
                self._memory.clear()
