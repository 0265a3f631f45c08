"""The dashboard's words for a label's geometry, and its Markdown rendering (no raw HTML)."""

from __future__ import annotations

import pytest

from mockango.web.dashboard.drawing import geometry_text
from mockango.web.dashboard.markdown import is_markdown_text, render


@pytest.mark.parametrize(
    ("obj", "text"),
    [
        ({"bounding-box": {"x": 10, "y": 20.5, "width": 30, "height": 40}}, "bounding-box: x 10, y 20.5, 30 × 40"),
        (
            {"rotated-bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4, "rotation": 30}},
            "rotated-bounding-box: x 1, y 2, 3 × 4, rotated 30°",
        ),
        ({"polygon": [[0, 0], [10, 0], [10, 10]]}, "polygon: 3 points: (0, 0), (10, 0), (10, 10)"),
        (
            {"polyline": [[n, n] for n in range(6)]},
            "polyline: 6 points: (0, 0), (1, 1), (2, 2), (3, 3), … 2 more",
        ),
        ({"point": [500, 100.25]}, "point: (500, 100.25)"),
        ({"ner": {"start": 3, "end": 17}}, "ner: characters 3–17"),
        ({"pdf": {"x1": 1, "y1": 2, "x2": 3, "y2": 4, "pageNumber": 2}}, "pdf: page 2, (1, 2)–(3, 4)"),
        ({"brushDataUrl": "https://example.com/mask.png"}, "brush: a mask image"),
        ({"schemaId": "x"}, "—"),
    ],
)
def test_geometry_in_words_and_coordinates(obj, text):
    assert geometry_text(obj) == text


def test_markdown_is_rendered_without_raw_html_or_script_links():
    html = render("# Hi\n\n<b onclick=x>bold</b> [x](javascript:alert(1)) | a |\n|:-|\n| b |")
    assert "<h1>Hi</h1>" in html
    assert "<b" not in html and "&lt;b onclick=x&gt;" in html
    assert 'href="javascript' not in html


def test_aligned_table_cells_carry_no_inline_style():
    assert "style=" not in render("| a |\n|--:|\n| 1 |")


def test_what_counts_as_markdown_text():
    assert is_markdown_text("# Title") and is_markdown_text("javascript:alert(1)")
    assert not any(map(is_markdown_text, ["https://x/a.png", "http://x", "data:image/png;base64,AA", None, 3]))
