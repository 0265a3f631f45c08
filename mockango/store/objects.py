"""A local object store: what Ango Hub keeps in its buckets (uploads, brushes, exports).

Objects live under keys ``{organization}/{project}/{type}/{name}``: in memory for
``MockAngo`` and the fixture, as files under a directory for ``mockango serve``.
Like S3's presigned URLs, an upload URL takes one ``PUT`` without an API key and a
signed URL one ``GET``; both carry ``expires`` and an HMAC ``signature`` of the
method, key and expiry made with the store's own secret (``secrets``, compared in
constant time), so nobody can forge or stretch one.

A key from outside (a URL path, a ``name`` parameter) is decoded and checked as a whole
by :meth:`ObjectStore.parse_key` before anything else looks at it: the store only ever
writes keys of plain names, so a key with ``.``/``..`` or empty segments, NUL, a backslash
or an over-long name is refused (400) instead of being resolved against the directory.
An upload is written to ``.incoming/`` and renamed into place, so a failed or interrupted
one leaves nothing behind (``.incoming/`` is emptied at start).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..errors import Forbidden, InvalidRequest, NotFound, StorageError
from ..input_limits import MAX_BODY_BYTES, format_size

FILE_TYPES = ("assets", "brushes", "medicalBrushes", "exports", "instructions")
"""``type`` values of getUploadUrl/getSignedUrl (imerit_ango StorageFileTypes)."""
MAX_OBJECT_BYTES = MAX_BODY_BYTES
"""The largest upload (a PUT to an upload URL); the same as the request body limit, which
``make_wsgi_server`` applies to both (``--max-body``)."""
UPLOAD_URL_TTL = 3600.0
SIGNED_URL_TTL = 3600.0
OBJECT_PREFIX = "/objects/"
MAX_KEY_LENGTH = 1024
"""Longest key, in characters (a storage file's key is its organization, storage, bucket and path)."""
INCOMING = ".incoming"
"""Where uploads are written before they are renamed into place (under the store's directory)."""
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
_SEGMENT = re.compile(r"[A-Za-z0-9._ -]{1,200}\Z")
"""Every segment the store writes: ids, file types, names, and storages' buckets and paths."""
_FULL_DISK = (errno.ENOSPC, errno.EDQUOT)
_CHUNK = 1024 * 1024


class ObjectTooLarge(InvalidRequest):
    status = 413


class ObjectStore:
    """Bytes by key, in memory (``root=None``) or in files under ``root``."""

    def __init__(self, root: str | Path | None = None, *, max_bytes: int = MAX_OBJECT_BYTES) -> None:
        self.root = Path(root) if root is not None else None
        self.max_bytes = max_bytes
        """The largest upload taken by :meth:`put_stream` (the host's own writes, exports, are not bounded)."""
        self.secret = secrets.token_bytes(32)
        """Signs every URL; :func:`mockango.services.uploads.keep_url_secret` keeps it in the store across restarts."""
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()
        if self.root is not None:
            self._clean_incoming()

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
    def parse_key(raw: object, where: str = "key") -> str:
        """``raw`` (already percent-decoded) as a key of this store, or :class:`InvalidRequest` saying why.

        Checked whole, before any use: a key is ``/``-separated plain names, never relative.
        """
        if not isinstance(raw, str) or not raw:
            raise InvalidRequest(f"{where}: a file key is a non-empty string")
        shown = raw if len(raw) <= 120 else raw[:100] + f"... ({len(raw):,} characters)"
        if len(raw) > MAX_KEY_LENGTH:
            raise InvalidRequest(f"{where}: a file key is at most {MAX_KEY_LENGTH} characters, got {len(raw):,}")
        if "\x00" in raw or "\\" in raw:
            what = "a NUL character" if "\x00" in raw else "a backslash"
            raise InvalidRequest(f"{where}: the file key {shown!r} contains {what}")
        for segment in raw.split("/"):
            if segment in ("", ".", ".."):
                raise InvalidRequest(
                    f"{where}: the file key {shown!r} has an empty, '.' or '..' segment; "
                    "keys are plain names separated by '/'"
                )
            if not _SEGMENT.match(segment) or unquote(segment) in (".", ".."):
                raise InvalidRequest(
                    f"{where}: the file key {shown!r} has a segment that is not a name of letters, digits, "
                    "' ', '.', '_' or '-' (at most 200)"
                )
        if raw.startswith("."):
            raise InvalidRequest(f"{where}: the file key {shown!r} names no organization")
        return raw

    @classmethod
    def key_of_url(cls, url: object, where: str = "name") -> str:
        """The key behind one of this store's URLs (its query, if any, is ignored), checked by :meth:`parse_key`."""
        if not isinstance(url, str):
            raise InvalidRequest(f"{where} must be the URL of a stored file")
        path = urlsplit(url).path
        if not path.startswith(OBJECT_PREFIX):
            shown = url if len(url) <= 120 else url[:100] + "..."
            raise InvalidRequest(f"{where} {shown!r} is not a file URL of this host (they start with .../objects/)")
        # This store's URLs quote their key once; a name sent unencoded was decoded by the query already,
        # and decoding a key of plain names again changes nothing.
        return cls.parse_key(unquote(path[len(OBJECT_PREFIX) :], errors="replace"), where)

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
        key = self.parse_key(key)
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:  # a symlink placed under the directory by hand
            raise InvalidRequest(f"bad object key {key!r}")
        return path

    def check_size(self, size: int | None) -> None:
        """Refuse an upload of ``size`` bytes (413) when it is over :attr:`max_bytes`."""
        if size is not None and size > self.max_bytes:
            raise ObjectTooLarge(
                f"the file is {size:,} bytes; this host takes uploads of at most {format_size(self.max_bytes)} "
                "(raise it with `mockango serve --max-body SIZE` or MockAngo(max_body=...))"
            )

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` at ``key`` (the host's own writes: exports, storage files, markdown assets)."""
        view = memoryview(data)
        self._write(key, lambda: [view] if view else [])

    def put_stream(self, key: str, read: Callable[[int], bytes]) -> int:
        """Store an upload read in chunks with ``read(n)`` (a request body), at most :attr:`max_bytes`.

        Nothing is kept unless the whole upload is: a body over the limit is refused (413), a full disk
        answers 507 (:class:`~mockango.errors.StorageError`), and neither leaves a partial file.
        """
        size = 0

        def chunks():
            nonlocal size
            while True:
                chunk = read(min(_CHUNK, self.max_bytes + 1 - size))
                if not chunk:
                    return
                size += len(chunk)
                self.check_size(size)
                yield chunk

        self._write(key, chunks)
        return size

    def _write(self, key: str, chunks: Callable[[], Iterable[bytes | memoryview]]) -> None:
        key = self.parse_key(key)
        if self.root is None:
            data = b"".join(chunks())
            with self._lock:
                self._memory[key] = data
            return
        path = self._path(key)
        incoming = self.root / INCOMING
        temporary = incoming / f"{secrets.token_hex(8)}.part"
        try:
            incoming.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as out:
                for chunk in chunks():
                    out.write(chunk)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise self._storage_error(error)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def _storage_error(self, error: OSError) -> StorageError:
        if error.errno in _FULL_DISK:
            return StorageError(
                f"the disk holding this host's files ({self.root}) is full: nothing was stored; "
                "free some space and send the file again",
                full=True,
            )
        return StorageError(f"the file could not be stored ({error.strerror or error}): nothing was stored")

    def _clean_incoming(self) -> None:
        """Remove uploads a previous process left half-written (it was killed mid-upload).

        Versions before ``.incoming/`` wrote ``.{name}.{hex}.part`` beside the file: those are swept
        once, the first time this directory is made.
        """
        assert self.root is not None
        incoming = self.root / INCOMING
        if incoming.is_dir():
            for leftover in incoming.iterdir():
                leftover.unlink(missing_ok=True)
            return
        if not self.root.is_dir():
            return  # nothing was ever stored here
        for leftover in self.root.rglob(".*.part"):
            leftover.unlink(missing_ok=True)
        try:
            incoming.mkdir(exist_ok=True)  # swept: the next start only empties .incoming/
        except OSError:
            pass  # a read-only directory: writes will say so

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
        incoming = self.root / INCOMING
        temporary = incoming / f"{secrets.token_hex(8)}.part"
        try:
            incoming.mkdir(parents=True, exist_ok=True)
            yield temporary
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, path)
        except OSError as error:
            raise self._storage_error(error)
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
            key = self.parse_key(key)
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
        shutil.rmtree(self._path(prefix.rstrip("/")), ignore_errors=True)

    def clear(self) -> None:
        if self.root is None:
            with self._lock:
                self._memory.clear()
