"""`make screenshots` works: every page is written as a 1280 px wide PNG."""

from __future__ import annotations

import struct

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")

from tests.dashboard.screenshots import WIDTH, shoot  # noqa: E402

pytestmark = pytest.mark.browser


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_page_is_shot_at_1280_px(browser, tmp_path):  # `browser`: skips without Chromium
    written = shoot(tmp_path)
    names = {path.stem for path in written}
    assert {
        "signin",
        "plugins",
        "plugin",
        "run",
        "sessions",
        "session",
        "session-running",
        "projects",
        "project",
        "asset",
    } <= names
    for path in written:
        width, height = png_size(path.read_bytes())
        assert width == WIDTH and height > 300, (path.name, width, height)
