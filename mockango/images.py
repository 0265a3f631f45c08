"""Real, decodable PNG images for fake assets, made with the standard library only.

A model under test may load pixels, so every image asset's URL serves a genuine
PNG of the asset's stated width x height. The picture (a gradient with a few
coloured rectangles) is derived from a seed string, so it is the same every time.
"""

from __future__ import annotations

import functools
import random
import struct
import zlib

MAX_SIDE = 8192


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=64)
def render_png(width: int, height: int, seed: str = "") -> bytes:
    """An RGB PNG of ``width`` x ``height`` pixels whose content depends only on ``seed``.

    Pure, so the last images made are cached: a model or the dashboard asking for the
    same asset again gets it at once (a 1280x720 image takes ~15 ms to make).
    """
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"image size must be between 1 and {MAX_SIDE} pixels a side, got {width}x{height}")
    rng = random.Random(seed)
    top = [rng.randrange(40, 200) for _ in range(3)]
    bottom = [rng.randrange(40, 200) for _ in range(3)]
    boxes = []
    for _ in range(rng.randrange(2, 5)):
        w = rng.randrange(max(1, width // 10), max(2, width // 3))
        h = rng.randrange(max(1, height // 10), max(2, height // 3))
        x = rng.randrange(0, max(1, width - w))
        y = rng.randrange(0, max(1, height - h))
        boxes.append((x, y, w, h, bytes(rng.randrange(256) for _ in range(3))))

    rows = []
    for row in range(height):
        t = row / max(1, height - 1)
        colour = bytes(int(a + (b - a) * t) for a, b in zip(top, bottom))
        line = bytearray(colour * width)
        for x, y, w, h, box_colour in boxes:
            if y <= row < y + h:
                line[3 * x : 3 * (x + w)] = box_colour * w
        rows.append(b"\x00" + bytes(line))
    raw = b"".join(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(raw, 1)),
            _chunk(b"IEND", b""),
        ]
    )
