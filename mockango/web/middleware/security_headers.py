"""Headers that keep the dashboard's pages safe in a browser, and which URLs a page may link to.

The dashboard loads only its own script and stylesheet (no CDN, no inline script or
style), so its Content-Security-Policy can be strict: a value that slipped into a page
could not run. Images may come from anywhere an asset's URL points (http, https, data).
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: http: https:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
LINKABLE_SCHEMES = ("http://", "https://", "data:image/")


def secure_responses(app: Flask) -> None:
    """Send the policy and its companions with every answer (harmless on JSON, vital on pages)."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def link_url(url: object) -> str | None:
    """``url`` when a page may link to it or show it as an image (http, https, data:image), else None.

    Anything else (``javascript:``, ``data:text/html``, ``file:``) is shown as text only.
    """
    if not isinstance(url, str) or url != url.strip() or any(ord(c) < 32 for c in url):
        return None
    return url if url.lower().startswith(LINKABLE_SCHEMES) else None
