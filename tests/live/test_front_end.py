"""The front end's shared pieces stay shared: one plotly script tag, one websocket module."""

from pathlib import Path

from tests.conftest import BASE_DIR

TEMPLATES = Path(BASE_DIR) / "templates"
SCRIPTS = Path(BASE_DIR) / "static" / "js"


def test_plotly_is_included_by_one_partial_only():
    naming = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "plotly.min.js" in path.read_text()
    ]
    assert naming == ["_plotly.html"]


def test_every_page_that_draws_charts_includes_plotly():
    # A page loads charts.js or a live page's script with a script tag of its own.
    drawing = [path for path in TEMPLATES.rglob("*.html")
               if "static 'js/charts.js'" in path.read_text()
               or "static 'js/live-" in path.read_text()]  # fmt: skip
    assert drawing
    for path in drawing:
        assert '{% include "_plotly.html" %}' in path.read_text(), path.name


def test_only_the_socket_module_opens_websockets():
    scripts = SCRIPTS.glob("*.js")
    opening = sorted(path.name for path in scripts if "new WebSocket(" in path.read_text())
    assert opening == ["socket.js"]
