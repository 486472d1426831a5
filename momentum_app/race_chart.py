"""The race animation as a Streamlit component, and the same page as an offline HTML file.

``race_component/index.html`` plays a plotly spec with frames through our own timer and
``Plotly.animate`` (one Play/Pause button, one step slider, a speed choice). Inside the
app it is a Streamlit component served from a private folder that also holds the
``plotly.min.js`` shipped with the plotly package, so nothing loads from the internet;
clicking the landscape sends the clicked point back as a new start. Exported, the same
page gets plotly.js and the figure inlined and plays from a file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import plotly
import plotly.io as pio

_PAGE = Path(__file__).with_name("race_component") / "index.html"
_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def spec_json(spec: dict) -> str:
    """The spec as compact JSON (numpy arrays encoded the way plotly.js reads them)."""
    return pio.to_json(spec, validate=False, pretty=False)


def spec_version(text: str) -> str:
    """A short fingerprint of a spec: the page restarts only when it changes."""
    return hashlib.sha1(text.encode()).hexdigest()[:16]


@functools.cache
def _component() -> Any:
    # Served from a private copy of the folder, so the repository holds no vendored
    # plotly.js and a read-only install still works.
    import streamlit.components.v1 as components

    folder = Path(tempfile.mkdtemp(prefix="momentum-race-"))
    shutil.copy(_PAGE, folder / "index.html")
    shutil.copy(_PLOTLY_JS, folder / "plotly.min.js")
    return components.declare_component("race", path=str(folder))


def race_chart(
    spec_text: str,
    *,
    key: str,
    frame_ms: int = 60,
    ui_font: int = 15,
    hint: str = "",
    clickable: bool = True,
    autoplay: bool = False,
) -> dict | None:
    """Render the race; returns ``{"start": [x, y], "nonce": n}`` after a click, else None.

    Args:
        spec_text: From :func:`spec_json`.
        key: The Streamlit element key.
        frame_ms: Milliseconds per frame at speed 1x.
        ui_font: Font size of the controls in pixels.
        hint: A line of text under the chart.
        clickable: Whether a click on the landscape sends a start point back.
        autoplay: Start playing as soon as it is drawn.
    """
    return _component()(
        spec=spec_text,
        version=spec_version(spec_text) + f"-{frame_ms}-{ui_font}-{clickable}",
        frameMs=frame_ms,
        uiFont=ui_font,
        hint=hint,
        clickable=clickable,
        autoplay=autoplay,
        key=key,
        default=None,
    )


def standalone_html(spec_text: str, *, title: str, frame_ms: int = 60) -> str:
    """A single HTML file that plays the race offline: plotly.js and the figure inlined."""
    page = _PAGE.read_text(encoding="utf-8")
    plotly_js = _PLOTLY_JS.read_text(encoding="utf-8")
    page = page.replace('<script src="plotly.min.js"></script>', f"<script>{plotly_js}</script>")
    page = page.replace("<title>Optimizer race</title>", f"<title>{_escape(title)}</title>")
    options = json.dumps({"frameMs": frame_ms, "uiFont": 15, "clickable": False})
    boot = (
        "<script>window.RACE_STANDALONE = true;</script>\n",
        f"<script>startRace({spec_text}, {options});</script>\n</body>",
    )
    page = page.replace("<body>", "<body>\n" + boot[0], 1)
    return page.replace("</body>", boot[1], 1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
