"""The race as a Streamlit component, and the same page as an offline HTML file.

``race_component/index.html`` (with its scripts, :data:`SCRIPTS`) gets the race once, as
data (see :mod:`momentum_app.race.race_data`), and draws every frame itself. Inside the app
it is a Streamlit component served from its folder, with plotly.js's basic bundle vendored
beside it, so nothing loads from the internet. Beside the race, invisible feeds
(``race_feed/index.html``, no plotly) tell it what the sidebar holds and bring the sets of
runs that join it after it is drawn (the learning-rate line, the (α, β) pad, the grid of
starts): each is its own element, so Streamlit sends an unchanged race or set as a short
reference, never again, and the chart never waits for them. The race sends back a start
point (clicked or dragged), a momentum and learning rate picked in the chart, or a map's
cell. Exported, the same page gets plotly.js, the scripts and the data inlined and plays
from a file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

_PAGE = Path(__file__).with_name("race_component") / "index.html"


def page_scripts(page: str) -> tuple[str, ...]:
    """The scripts a page loads from its folder (``<script src="...">``), in order."""
    return tuple(re.findall(r'<script src="([^"]+)"></script>', page))


#: The race page's scripts, in the order it loads them: plotly.js, then the modules
#: (``decode.js`` the data, ``transport.js`` the messages, ``selection.js``, ``pad.js``,
#: ``drawing.js``, ``layout.js``), then ``race.js``, which wires the page. The page's own
#: list is the one list: the offline files (:func:`standalone_page`, the talk) inline these.
SCRIPTS = page_scripts(_PAGE.read_text(encoding="utf-8"))


def data_version(text: str) -> str:
    """A short fingerprint of a race's data: the component restarts only when it changes."""
    return hashlib.sha1(text.encode()).hexdigest()[:16]


@functools.cache
def _component(name: str) -> Any:
    """The component served from the folder ``name`` beside this module."""
    import streamlit.components.v1 as components

    return components.declare_component(name, path=str(Path(__file__).with_name(name)))


#: The sets of runs a visitor's races get once the pointer has first reached into the chart
#: (see :func:`wanted`): the playground's (α, β) pad and grid of starts, a map's paths. The
#: grid of starts, two thirds of a new setting's work, is asked for apart: when the pointer
#: (a touch, the focus) goes for the start's handle.
LAZY = ("pad", "start")


def wanted(key: str, lazy: tuple[str, ...] = LAZY) -> frozenset[str]:
    """The kinds of ``lazy`` that the race ``key`` has asked for in this session.

    The heavier sets cost the server 0.1 s (the pad, the starts) to seconds (a sweep's
    paths) for every new setting, and a visitor who never reaches into the chart never
    uses them: the chart asks once, when the pointer (a touch, the keyboard's focus) first
    comes into it (for the starts, when it goes for the start's handle), and from then on
    every race of the session gets what it asked for at once.
    """
    import streamlit as st

    wants = st.session_state.setdefault(f"{key}-wants", set())
    value = st.session_state.get(key)
    if isinstance(value, dict) and isinstance(value.get("want"), list):
        wants.update(k for k in value["want"] if k in lazy)
    return frozenset(wants)


def race_chart(
    data: str,
    *,
    key: str,
    ui_font: int = 15,
    hint: str = "",
    clickable: bool = True,
    autoplay: bool | str = False,
    fresh: bool = False,
    lazy: tuple[str, ...] = (),
    inspect: bool = False,
    ask: str = "",
    parts: tuple[str, ...] = (),
    presenting: bool = False,
) -> dict | None:
    """Render the race.

    Args:
        data: From :func:`momentum_app.race.race_data.race_data`.
        key: The Streamlit element key (and the channel of its feeds).
        ui_font: Font size of the controls in pixels.
        hint: A line of text under the chart.
        clickable: Whether a click on the landscape (or a drag of the start) sends a
            start point back.
        autoplay: Start playing as soon as it is drawn (``True``: a projector's chart, on
            screen by design), or ``"seen"``: once half the chart is on screen (a phone's,
            which may be below the fold). Never where the browser asks for reduced motion.
        fresh: A new race starts at step 0 (a talk's next scene); otherwise it keeps the
            step and the playing state of the one it replaces (a changed setting).
        lazy: Kinds of sets the page sends only once the chart has asked for them (see
            :func:`wanted`); the chart asks when the pointer first comes into it.
        inspect: The page answers the step inspector's requests (see
            :func:`inspect_requests`): paused, the chart asks for the numbers of the runs
            it shows.
        ask: A question on the chart (see :func:`race_marks`): ``"tap"``, a tap on the
            landscape is a guess (sent with a button under the chart); ``"show"``, the
            guesses only; in both no run is drawn (it would give the answer away).
        parts: Sets of runs that travel with the race itself (a question's pad), rather
            than from a feed of their own (see :func:`race_part`): they belong to this
            race whatever else the page redraws.
        presenting: Presenter mode (the page layer's ``state.presenting()``): the chart
            fits the screen under it (its plots at least 250 px tall), and Space presses
            the talk's Next. Not part of the race's version: switching it reshapes the
            chart in place.

    Returns:
        ``{"start": [x, y], "nonce": n}`` after a click on the landscape or a drag of the
        start; ``{"momentum": m, "nonce": n}``, ``{"lr": a, "nonce": n}`` or both after
        a slider or the pad was released; ``{"guess": [x, y], "nonce": n}`` once a guess
        was sent (``ask="tap"``; ``[β]`` or ``[α, β]`` for a β or pad question, see
        :func:`race_marks`); else None.
    """
    fingerprint = data_version(data)
    version = f"{fingerprint}-{ui_font}-{clickable}-{autoplay}-{ask}"
    return _component("race_component")(
        data=data, version=version, dataVersion=fingerprint, uiFont=ui_font,
        hint=hint, clickable=clickable, autoplay=autoplay, fresh=fresh, channel=key,
        role="race", lazy=[k for k in lazy if k not in wanted(key, lazy)], inspect=inspect,
        ask=ask, parts=list(parts), presenting=presenting, key=key, default=None,
    )  # fmt: skip


def fed_race_chart(
    data: str, key: str, settings: Any, *, ui_font: int, presenting: bool = False
) -> Any:
    """The playground's race: :func:`race_chart`, its :func:`race_feed` (the momentum and
    learning rate of ``settings``, a :class:`~momentum_app.config.settings.RaceSettings`), an empty
    container for its parts, which the page fills last (:func:`race_parts_ui`) so that the
    chart never waits for them. A tuned race (each racer at its own α and β) has no feed
    and no parts: a shared α line, pad or grid of starts would race them at one α again.
    ``presenting``: see :func:`race_chart`."""
    import streamlit as st

    if getattr(settings, "tuned", False):  # each racer at its own α and β: nothing to scrub
        race_chart(data, key=key, ui_font=ui_font, presenting=presenting)
        return st.container(key=f"{key}_parts")
    race_chart(data, key=key, ui_font=ui_font, lazy=LAZY, inspect=True, presenting=presenting)
    race_feed(key, momentum=settings.momentum, lr=settings.lr)
    return st.container(key=f"{key}_parts")


def race_marks(key: str, marks: dict) -> None:
    """Tell the race ``key`` a question's marks: its ``kind`` (``"point"``, the default:
    guesses are [x, y] on the landscape; ``"beta"``: [β] on the β slider; ``"pad"``: [α, β]
    on the pad), ``guesses`` (a list of them), ``count``, the device's own guess ``mine``,
    and after the reveal ``truth`` and ``median`` (each one guess or None). Its own small
    element: the presenter's live count refreshes it twice a second without resending the
    race."""
    _component("race_feed")(channel=key, marks=json.dumps(marks), key=f"{key}-marks")


#: A guess's numbers, by their count: the chart sends [x, y] (a point, a cell's [α, β]) or [β].
_GUESS_SHAPES = {1: "one finite number [β]", 2: "two finite numbers [x, y]"}


def parse_guess(value: object, size: int = 2) -> tuple[float, ...] | None:
    """The guess in a race's value (``{"guess": [...], ...}``) as ``size`` finite floats
    (2: a point or a pad's (α, β); 1: a β), or None when the value holds no guess.

    Raises:
        ValueError: On a guess that is not ``size`` finite numbers (one line, for the page).
    """
    if not isinstance(value, dict) or "guess" not in value:
        return None
    guess = value["guess"]
    ok = (
        isinstance(guess, list)
        and len(guess) == size
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in guess
        )
    )
    if not ok:
        raise ValueError(f"a guess is {_GUESS_SHAPES[size]}, got {guess!r:.40}")
    return tuple(float(v) for v in guess)


def inspect_requests(key: str, optimizers: tuple[str, ...]) -> tuple[tuple, ...]:
    """The runs the race ``key`` last asked the step inspector's numbers for (kept in the
    session until it asks again), checked against the race's ``optimizers`` (see
    :func:`momentum_app.race.inspect_data.parse_requests`)."""
    import streamlit as st

    from momentum_app.race.inspect_data import parse_requests

    value = st.session_state.get(key)
    if isinstance(value, dict) and "inspect" in value:
        st.session_state[f"{key}-inspect"] = parse_requests(value, optimizers)
    return st.session_state.get(f"{key}-inspect", ())


def race_feed(key: str, *, momentum: float | None = None, lr: float | None = None) -> None:
    """Tell the race ``key`` which momentum and learning rate the app holds (the chart's
    sliders and pad mark them; a change costs no resend of the race)."""
    _component("race_feed")(channel=key, momentum=momentum, lr=lr, key=f"{key}-feed")


def race_part(key: str, data: str, kind: str, part: str | None) -> None:
    """Send the race ``key`` (whose data is ``data``) a set of runs that joins it: a part
    from :func:`momentum_app.race.race_data.part_data`, or None for none."""
    if part is not None:
        _component("race_feed")(
            channel=key, race=data_version(data), part=part, key=f"{key}-{kind}"
        )


def race_parts_ui(key: str, data: str, parts: dict[str, str | None]) -> None:
    """Send the race ``key`` every part of ``parts`` (by kind), each its own element."""
    for kind, part in parts.items():
        race_part(key, data, kind, part)


def standalone_page(*, title: str, top: str = "", boot: str = "") -> str:
    """The race component's page as one offline HTML file: plotly.js and the scripts
    inlined, ``top`` (markup) at the start of the body, ``boot`` (markup, scripts) at its
    end, where the race's functions are defined."""
    page = _PAGE.read_text(encoding="utf-8")
    for name in SCRIPTS:
        script = (_PAGE.parent / name).read_text(encoding="utf-8")
        page = page.replace(f'<script src="{name}"></script>', f"<script>{script}</script>")
    page = page.replace("<title>Optimizer race</title>", f"<title>{_escape(title)}</title>")
    flag = "<script>window.RACE_STANDALONE = true;</script>\n"
    page = page.replace("<body>", "<body>\n" + flag + top, 1)
    end = page.rindex("</body>")  # the page's own: the inlined scripts hold none
    return page[:end] + boot + "\n" + page[end:]


def standalone_html(
    data: str,
    *,
    title: str,
    momentum: float | None = None,
    parts: dict | None = None,
    heading: str = "",
) -> str:
    """A single HTML file that plays the race offline: plotly.js, the scripts, the race and
    its parts inlined, under ``heading`` (what the race is: function, start, α, β)."""
    options = json.dumps({"uiFont": 15, "clickable": False, "momentum": momentum})
    shipped = ",".join(p for p in (parts or {}).values() if p)
    boot = f"<script>startRace({data}, Object.assign({options}, {{parts: [{shipped}]}}));</script>"
    top = f'<p class="heading">{_escape(heading)}</p>\n' if heading else ""
    return standalone_page(title=title, top=top, boot=boot)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
