"""Sidebar widgets. Each ``*_ui`` helper draws its controls and returns a frozen record."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from html import escape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd
import segno
import streamlit as st

from momentum_app import landscapes
from momentum_app.config import links
from momentum_app.config.settings import (
    LABELS,
    MINIMA_CONTRAST,
    MINIMA_DEFAULT,
    MinimaSettings,
    ModelSettings,
    RaceSettings,
    SweepSettings,
    TheorySettings,
)
from momentum_app.landscapes import CUSTOM, FORMULA_EXAMPLES, PARAM_RANGES, landscape, lr_limits
from momentum_app.race.gif_export import race_gif
from momentum_app.race.race_chart import inspect_requests, race_part, race_parts_ui, wanted
from momentum_app.race.race_data import RaceRun
from momentum_app.race.runs import TABLE_WIDTHS, number, trajectories_csv
from momentum_app.studies import model_view
from momentum_app.studies.model_figures import loss_bands_figure
from momentum_app.talk.scenes import ASKING_TITLE, SceneChoice, scene_runs
from momentum_app.ui import cache, state
from momentum_app.ui.state import PRESENT, presenting
from momentum_core import FACTORIES, MOMENTUM_OPTIMIZERS, Objective
from momentum_core.formula import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH


@dataclass(frozen=True)
class ViewChoice:
    """How to show the race: the animated 2D view or a static 3D surface."""

    three_d: bool


def lr_options(low: float, high: float) -> list[float]:
    """Log-spaced round learning rates (1, 1.5, 2, 3, 5, 7 x 10^k) from low to high (the
    ends to the digits a page shows: a typed formula's range has more)."""
    values = [
        m * 10.0**k
        for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
        for m in (1, 1.5, 2, 3, 5, 7)
    ]
    inside = [float(f"{v:.3g}") for v in values if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
    return sorted({links.rounded(low), *inside, links.rounded(high)})


def _nearest(options: list[float], value: float) -> float:
    return min(options, key=lambda o: abs(np.log(o) - np.log(value)))


#: Widget arguments that may depend on the landscape (a function of the links.Context).
_PER_LANDSCAPE = ("step", "help")


def _clamp(key: str, low: float, high: float, label: str, then: Callable | None, args) -> None:
    """A value typed outside ``[low, high]`` is clamped into it, with the one-line warning
    a link's value gets (the box used to keep it in red while the race kept the old one);
    a number keeps the digits the page shows (:func:`links.rounded`), as the run does."""
    value = st.session_state.get(key)
    if value is not None and not low <= value <= high:
        fixed = min(max(value, low), high)
        fixed = int(fixed) if isinstance(value, int) else links.rounded(fixed, low, high)
        st.session_state[key] = fixed
        state.warn_next_run(f"{label} {number(value)} is outside {bounds(low, high)}; "
                            f"using {number(fixed)}.")  # fmt: skip
    elif isinstance(value, float):
        st.session_state[key] = links.rounded(value, low, high)
    if then is not None:
        then(*args)


def bounds(low: float, high: float) -> str:
    """A box's range as people read it, in the app's one number format: "0 to
    2,147,483,647" and "9.566e-05 to 0.9566", not "0 to 2.14748e+09"."""
    return f"{number(low)} to {number(high)}"


def bounded_box(where, label: str, low: float, high: float, *, key: str, on_change=None,
                args=(), **ui) -> None:  # fmt: skip
    """A number box that takes any value and clamps it into ``[low, high]`` with a warning
    (a box with its own bounds refused the value silently), its range written under it."""
    where.number_input(label, key=key, on_change=_clamp,
                       args=(key, low, high, label, on_change, args), **ui)  # fmt: skip
    where.caption(bounds(low, high))


def _point_boxes(where, link: links.Link, key: str, ctx: links.Context, ui: dict) -> None:
    """A start point: a box per coordinate, each bounded by the landscape's domain."""
    (x0, x1), (y0, y1) = ctx.objective.domain
    left, right = where.columns(2)
    bounded_box(left, f"{link.label} x", x0, x1, key=key + "_x", step=0.1, format="%.4g")
    bounded_box(right, f"{link.label} y", y0, y1, key=key + "_y", step=0.1, format="%.4g")


def _over(values: tuple[str, ...], draw: str | Callable) -> Callable:
    """A widget over the field's ``values`` (its "low" and "high", or its "options"):
    ``draw`` is the name of a Streamlit widget, or a function that takes ``where`` first."""

    def widget(where, link: links.Link, key: str, ctx: links.Context, ui: dict) -> None:
        call = getattr(where, draw) if isinstance(draw, str) else partial(draw, where)
        call(link.label, *(link.value(v, ctx) for v in values), key=key, **ui)

    return widget


RANGE, OPTIONS = ("low", "high"), ("options",)

#: How each widget a field's declaration names (``linked(..., widget=...)``) is drawn:
#: ``draw(where, link, key, ctx, ui)``. A new kind of control is one line here.
WIDGETS: dict[str, Callable] = {
    "point": _point_boxes,
    "number": _over(RANGE, bounded_box),
    "slider": _over(RANGE, "slider"),
    "checkbox": _over((), "checkbox"),
    "select": _over(OPTIONS, "selectbox"),
    "radio": _over(OPTIONS, "radio"),
    "multiselect": _over(OPTIONS, "multiselect"),
    "select_slider": _over(OPTIONS, "select_slider"),
}


def control(cls: type, name: str, obj: Objective | None = None, where=None) -> None:
    """Draw field ``name`` of settings record ``cls`` with the widget its declaration
    names (see :mod:`momentum_app.config.settings` and :data:`WIDGETS`), in the sidebar
    unless ``where`` says.

    ``obj`` is the page's landscape, for bounds that depend on it.
    """
    link, key = links.link_of(cls, name), links.key(cls, name)
    ctx = links.Context(obj)
    ui = {k: v(ctx) if k in _PER_LANDSCAPE and callable(v) else v for k, v in link.ui}
    if link.kind == "whole":
        # A box without a whole step is a float box: it showed a batch of 32 as "32.00".
        ui.setdefault("step", 1)
    WIDGETS[link.widget](where or st.sidebar, link, key, ctx, ui)


def _landscape_changed(prefix: str) -> None:
    # A new landscape gets its own sensible start and learning rate, on every page that
    # shows it (a formula that cannot be used keeps them: the sidebar says what is wrong).
    try:
        land = links.read_landscape(st.session_state, prefix)
    except ValueError:
        return
    for cls in state.RECORDS:
        if links.landscape_prefix(cls) == prefix:
            st.session_state.update(links.landscape_defaults(cls, land))


def _on_example() -> None:
    if st.session_state.formula_example:
        st.session_state.formula = st.session_state.formula_example
        _landscape_changed("")


def landscape_ui(cls: type) -> Objective:
    """The function picker of record ``cls``: a built-in function with its parameters, or
    (where the record allows) a formula typed in x and y with its domain. A new one
    resets the start and the learning rate."""
    sb, link = st.sidebar, links.link_of(cls, "fn")
    prefix = links.key(cls, "fn")
    changed = {"on_change": _landscape_changed, "args": (prefix,)}
    functions = [*FACTORIES, CUSTOM] if link.custom else list(FACTORIES)
    sb.selectbox(link.label, functions, key=prefix + "fn", format_func=landscapes.title,
                 **changed)  # fmt: skip
    fn = st.session_state[prefix + "fn"]
    if fn == CUSTOM:
        sb.text_input(
            "f(x, y) =", key=prefix + "formula", max_chars=MAX_LENGTH, **changed,
            help="Numbers, x, y, pi, e; + - * / ^ (or **); sin cos tan exp log sqrt abs "
            f"tanh sinh cosh arctan. At most {MAX_LENGTH} characters, {MAX_DEPTH} levels of "
            f"nesting, constant exponents up to {MAX_EXPONENT}.",
        )  # fmt: skip
        sb.selectbox(
            "Examples", FORMULA_EXAMPLES, index=None, placeholder="Try an example",
            key="formula_example", on_change=_on_example,
        )  # fmt: skip
        sb.text_input("Domain x0,x1,y0,y1", key=prefix + "domain", **changed)
    else:
        for name, (low, high) in PARAM_RANGES.get(fn, {}).items():
            label = f"{landscapes.title(fn)}: {name}"
            bounded_box(sb, label, low, high, key=f"{prefix}param_{name}", format="%g",
                        step=landscapes.param_step(low, high), **changed)  # fmt: skip
    return landscape(*state.get_landscape(prefix, report=False))


def sweep_controls_ui() -> None:
    """The sweep page's sidebar."""
    control(SweepSettings, "start", landscape_ui(SweepSettings))
    for name in ("optimizer", "steps", "grid", "metric"):
        control(SweepSettings, name)


def _on_lr_slider() -> None:
    st.session_state.lr = st.session_state.lr_slider


def lr_ui(obj: Objective) -> None:
    """The playground's learning rate: a log-scale slider over the sensible range and a
    box for any allowed value. An exact rate set elsewhere (the box, a link, the chart) is
    added to the slider's stops, so the two agree.

    While the slider moves, its stops and its value are left alone: a stop that vanished
    after the first arrow press shifted the index a second, overtaking press was sent
    against, and a value imposed by a rerun the next press had overtaken sent the thumb
    back (six quick presses ended a stop short)."""
    sb, state_ = st.sidebar, st.session_state
    low, high = lr_limits(obj)  # the box's bounds (see RaceSettings.lr)
    grid = lr_options(*obj.lr_range)
    lr = min(max(float(state_.lr), low), high)
    here = (obj.name, obj.lr_range)  # an extra stop belongs to the landscape it was set on
    if lr not in grid and (here, lr) != state_.get("lr_slider_extra"):
        state_.lr_slider_extra = (here, lr)  # a rate from elsewhere: one extra stop
    where, extra = state_.get("lr_slider_extra", (None, None))
    options = sorted({*grid, *([extra] if where == here else [])})
    if state_.get("lr_slider") != (nearest := _nearest(options, lr)):
        state_.lr_slider = nearest  # only when the rate came from elsewhere
    sb.select_slider("Learning rate α (log scale)", options=options, key="lr_slider",
                     format_func=lambda v: f"{v:g}", on_change=_on_lr_slider)  # fmt: skip
    control(RaceSettings, "lr", obj)  # the exact box: the link's own bounds


def race_controls_ui() -> None:
    """The playground's sidebar: function, start, learning rate, momentum, steps, racers."""
    obj = landscape_ui(RaceSettings)
    lr_ui(obj)
    control(RaceSettings, "momentum")
    control(RaceSettings, "start", obj)
    control(RaceSettings, "steps")
    if not st.session_state.optimizers:  # the race is never empty: say so where it's chosen
        state.update(RaceSettings, optimizers=links.defaults(RaceSettings).optimizers)
        st.sidebar.info("A race needs an optimizer: back to SGD and momentum.",
                        icon=":material/info:")  # fmt: skip
    control(RaceSettings, "optimizers")
    control(RaceSettings, "tuned")
    with st.sidebar.expander("Gradient noise"):
        control(RaceSettings, "noise", where=st)
        control(RaceSettings, "seed", where=st)


def view_ui() -> ViewChoice:
    """The view (not drawn in presenter mode: the 2D animation). Playback speed is the
    chart's own control."""
    if presenting():
        return ViewChoice(False)
    st.sidebar.radio("View", ["Animated 2D", "3D surface"], key="view", horizontal=True)
    return ViewChoice(st.session_state.view == "3D surface")


def minima_case(fn: str, params: tuple, lr: float | None) -> None:
    """Switch the local-minima study to function ``fn`` with ``params`` at ``lr`` (None:
    the function's own)."""
    state.update(MinimaSettings, fn=fn, params=params)
    _landscape_changed(links.key(MinimaSettings, "fn"))
    if lr is not None:
        state.update(MinimaSettings, lr=lr)


def minima_cases_ui(s: MinimaSettings) -> None:
    """One click between the two sides: shallow Rastrigin, where momentum helps, and the
    classic one, where it does not."""
    shallow, classic = MINIMA_DEFAULT, MINIMA_CONTRAST
    left, right = st.columns(2)
    left.button(
        "Shallow Rastrigin (A = 1): momentum helps", on_click=minima_case, args=shallow,
        disabled=(s.fn, s.params) == shallow[:2], icon=":material/trending_up:",
    )  # fmt: skip
    right.button(
        "Classic Rastrigin (A = 10): it does not", on_click=minima_case, args=classic,
        disabled=(s.fn, s.params) == classic[:2], icon=":material/trending_flat:",
    )  # fmt: skip


def minima_controls_ui() -> None:
    """The local-minima page's sidebar."""
    obj = landscape_ui(MinimaSettings)
    for name in ("lr", "momentum", "grid", "steps", "starts"):
        control(MinimaSettings, name, obj)
    with st.sidebar.expander("Gradient noise"):
        control(MinimaSettings, "noise", where=st)
        control(MinimaSettings, "seed", where=st)


def model_controls_ui() -> None:
    """The article's-model page's sidebar."""
    for name in ("lr", "momentum", "batch", "epochs", "activation", "seeds", "data_seed"):
        control(ModelSettings, name)


def theory_controls_ui() -> None:
    """The theory page's sidebar: the bowl's condition number and your (alpha, beta)."""
    for name in ("kappa", "alpha", "beta"):
        control(TheorySettings, name)


#: Presenter mode's look: larger type that still leaves a scene on one screen (it follows
#: the screen's height: 18 px at 720 lines, 22 px at 1080; a scene's caption and claim 3 %
#: of it, for the back of the room), no sidebar (switched on from the playground, it
#: stayed as an empty grey column), dark captions and quotes, the leave button and the QR
#: code in the page's top right corner (they scroll away with the title, whose lines leave
#: them room: fixed to the screen, they covered the sweep's loss plot once it scrolled up
#: under them). The race chart fits what is left of the screen by its own argument
#: (race_chart's presenting), not by this CSS. Only local CSS: nothing is fetched.
PRESENTER_CSS = """
<style>
html { font-size: clamp(17px, 2.1vh, 22px); }
[data-testid="stHeader"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none; }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p {
  font-size: max(3vh, 1rem); }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 0.5rem 2rem 1rem;
                                      position: relative; }
[data-testid="stMainBlockContainer"] h2 { padding: 0.25rem 0 0; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.3rem; }
[data-testid="stMainBlockContainer"] blockquote { margin: 0; opacity: 1; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *,
[data-testid="stMarkdownContainer"] blockquote,
[data-testid="stMarkdownContainer"] blockquote * { color: #111 !important; }
.st-key-leave_presenter { position: absolute; top: 0.2rem; right: 1rem; z-index: 1000;
                          width: auto !important; }
.st-key-leave_presenter button { font-size: 0.7rem; min-height: 0; }
.st-key-room_qr { position: absolute; top: 2rem; right: 1rem; z-index: 1000; width: 5.5rem;
                  gap: 0; background: #fff; }
.st-key-room_qr img { width: 5.5rem; height: 5.5rem; image-rendering: pixelated;
                      transition: width 0.2s, height 0.2s; }
.st-key-room_qr:hover img { width: 16rem; height: 16rem; }
.st-key-room_qr:hover { width: 16rem; }
@media (min-width: 700px) {
  .st-key-scene_head, [data-testid="stHeading"], [data-testid="stCaptionContainer"],
  [data-testid="stMarkdown"], [data-testid="stAlert"] { padding-right: 6.5rem; }
  .st-key-scene_head [data-testid] { padding-right: 0; }
  .st-key-room_qr [data-testid] { padding-right: 0; }
}
@media (max-width: 699px) { .st-key-room_qr { display: none; } }
</style>
"""


def scene_picker_ui() -> None:
    """The scene menu, the scenes page's only control."""
    control(SceneChoice, "scene", where=st)


def _step_scene(names: list[str], step: int) -> None:
    """Move ``step`` scenes from the scene the session holds now, not from the one the
    button was drawn on: a clicker pressed twice before the page redrew moves twice."""
    current = state.get(SceneChoice, report=False).scene
    index = names.index(current) if current in names else 0
    state.update(SceneChoice, scene=names[min(max(index + step, 0), len(names) - 1)])


def scene_head_ui(scene, index: int, count: int, asking: bool = False) -> None:
    """A scene's title and its number; presenting, the number sits beside the title (one
    line less on the screen). While its question is open (``asking``), a heading that does
    not answer it (:data:`~momentum_app.talk.scenes.ASKING_TITLE`)."""
    with st.container(
        key="scene_head", horizontal=presenting(), vertical_alignment="bottom", gap="small"
    ):
        st.header(ASKING_TITLE if asking else scene.title, anchor=False, width="content")
        st.caption(f"Scene {index + 1} of {count} · {scene.where}", width="content")


def race_feeds_ui(feeds, settings: RaceSettings, data: str) -> None:
    """The playground race's feeds, filled last: its α line, the pad and the starts once
    the chart asks for them, and paused, the step inspector's numbers of the runs shown
    (a tuned race has none: its runs' numbers travel with it)."""
    if settings.tuned:
        return
    with feeds:
        kinds = {"alpha", *wanted("race")}
        race_parts_ui("race", data, cache.race_parts(settings, kinds))
        asked = inspect_requests("race", settings.optimizers)
        race_part("race", data, "inspect", cache.race_inspections(settings, asked))


def scene_nav_ui(names: list[str], index: int) -> None:
    """Previous and Next scene, full width (keyed, so that the clicker finds them); in
    presenter mode, where the sidebar is gone, the scene menu sits between them."""
    if presenting():
        back, menu, forward = st.columns([2, 1, 2])
        with menu.popover("Scenes", icon=":material/list:", width="stretch"):
            scene_picker_ui()
    else:
        back, forward = st.columns(2)
    back.button(
        "Previous scene", icon=":material/arrow_back:", width="stretch", key="previous_scene",
        on_click=_step_scene, args=(names, -1), disabled=index == 0,
    )  # fmt: skip
    forward.button(
        "Next scene", icon=":material/arrow_forward:", width="stretch", key="next_scene",
        on_click=_step_scene, args=(names, 1),
        disabled=index == len(names) - 1,
    )  # fmt: skip


_CLICKER = Path(__file__).parents[1] / "talk" / "clicker.html"


def clicker_ui(scene: str) -> None:
    """A hidden frame whose script lets a presentation clicker step through the scenes
    (see ``clicker.html``). A fixed height and a hidden container: a frame sized to its
    content kept ~150 px of blank page and its size observer failed on an empty body."""
    script = _CLICKER.read_text(encoding="utf-8").replace("SCENE", scene)
    script = script.replace(
        "const PRESENTING = false", f"const PRESENTING = {str(presenting()).lower()}"
    )
    with st.container(key="scene_clicker"):
        st.html("<style>.st-key-scene_clicker { display: none; }</style>")
        st.iframe(script, height=1, tab_index=-1)


def model_scene_bands_ui(race, font_size: int) -> None:
    """A model scene's runs over every seed (its chart follows one): the model page's
    loss bands of SGD and the scene's first momentum."""
    figure = loss_bands_figure(race, font_size, presenting())
    st.plotly_chart(figure, key="scene_bands", config=STILL)
    st.caption(model_view.bands_caption(race))


def scene_exports_ui(scene, staged, html: Callable[[], str], talk: Callable[[], str]) -> None:
    """A scene's exports (``html`` builds its offline page; ``staged`` is the scene run),
    the whole talk's (``talk`` builds it: every scene in one offline file) and its way to
    the playground, or a model scene's to the model page."""
    obj, results = staged.objective, staged.results
    runs = {scene.run_label(r): results[r.key] for r in scene.runs}
    exports_ui(
        f"scene-{scene.name}", scene.title, obj, html,
        lambda: scene_runs(scene, results, obj), lambda: trajectories_csv(obj, runs),
    )  # fmt: skip
    st.download_button(
        "Download this talk: every scene in one offline HTML file", talk,
        file_name="talk.html", mime="text/html", icon=":material/slideshow:",
        help="Plays from a file with no Python and no network: captions, checks, clicker keys.",
    )  # fmt: skip
    if scene.model is not None:
        st.page_link(
            "pages/model.py", label="Explore this scene on the model page",
            icon=":material/play_circle:", query_params=links.to_query(scene.model),
        )  # fmt: skip
        return
    others = ", ".join(f"{m:g}" for m in scene.other_momenta())
    st.page_link(
        "pages/playground.py", label="Explore this scene in the playground",
        icon=":material/play_circle:", query_params=links.to_query(scene.playground()),
        help=f"The playground races one β at a time; its chart's β slider shows β = {others}"
        " too." if others else None,
    )  # fmt: skip


def race_notes_ui(settings: RaceSettings, results: dict) -> None:
    """What a race's settings or runs warn of: beta = 1, and each divergence with the
    seed article's advice."""
    if settings.momentum >= 1.0 and not settings.tuned:
        st.warning("Momentum β = 1 never settles: with nothing to damp it the run keeps "
                   "its energy and oscillates forever.", icon=":material/warning:")  # fmt: skip
    for name, result in results.items():
        if result.diverged_step[0] >= 0:
            advice = ", or reduce momentum" if name in MOMENTUM_OPTIMIZERS else ""
            st.error(
                f"**{LABELS[name]} diverged at step {result.diverged_step[0]}.** "
                f"Try a smaller learning rate{advice}.",
                icon=":material/error:",
            )


#: The figures' font size, in px: on a page (a follower's too), and in presenter mode.
PAGE_FONT, PRESENTER_FONT = 14, 20


def chart_font() -> int:
    """The figures' font size: 20 px in presenter mode, for the back of the room (the
    figure builders draw 18 px and more in dark grey then), else 14 px."""
    return PRESENTER_FONT if presenting() else PAGE_FONT


def _leave_presenter() -> None:
    st.session_state.presenter = False


def presenter_ui() -> bool:
    """The presenter switch: a sidebar toggle, or in presenter mode a small button to leave
    it (the sidebar is gone then). Returns whether presenter mode is on."""
    if not presenting():
        st.sidebar.toggle(
            "Presenter mode",
            key="presenter",
            help="For projectors: controls hidden, larger type, scenes one click apart. "
            "A link with ?present=1 opens in it.",
        )
        return False
    st.markdown(PRESENTER_CSS, unsafe_allow_html=True)
    st.button(
        "Leave presenter mode", key="leave_presenter", icon=":material/close_fullscreen:",
        on_click=_leave_presenter, type="tertiary",
    )  # fmt: skip
    return True


def page_link() -> str:
    """The address of the current view: the page's URL with every setting in its query."""
    base = (st.context.url or "").split("?")[0]
    query = urlencode(st.query_params.to_dict())
    return f"{base}?{query}" if query else base


def lan_host() -> str:
    """This machine's address on the local network: the first non-loopback IPv4.

    Asks the kernel which source address a UDP socket towards a private address would use:
    ``connect`` on a UDP socket sends nothing. Falls back to the addresses of the host
    name, then to 127.0.0.1.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
        if not address.startswith("127.") and address != "0.0.0.0":
            return address
    except OSError:
        pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    for *_, (address, _port) in infos:
        if not address.startswith("127."):
            return address
    return "127.0.0.1"


_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "")


def room_link(params: dict[str, str] | None = None, page: str = "") -> str:
    """The current view's link (``params`` on the page ``page``, e.g. "talk", if given)
    for the other devices in the room (the QR code's text).

    ``MOMENTUM_PUBLIC_URL`` (e.g. ``http://192.168.1.20:8501``, or a proxy's address with
    a path prefix), when set, replaces the scheme, host and port; otherwise a loopback
    host (``localhost``) becomes :func:`lan_host`'s address. ``present`` is left out:
    phones get the page with its controls. In a room (see room_ui) the link opens the
    Scenes page in follow mode instead: ``/scenes?room=ABCD&follow=1`` (presenting one's
    own talk: ``/talk?room=ABCD&follow=1``, My talk's page).
    """
    parts = urlsplit(st.context.url or "http://localhost/")
    folder, _, here = (parts.path or "/").rpartition("/")
    if params is None and state.room():  # the room's link, on the presenter's scene
        params = {state.ROOM: state.room(), state.FOLLOW: "1"}
        page = "talk" if here == "talk" else "scenes"
    elif params is None:
        params = {k: v for k, v in st.query_params.to_dict().items() if k != PRESENT}
    path = f"{folder}/{page or here}"
    query = urlencode(params)
    public = os.environ.get("MOMENTUM_PUBLIC_URL", "").strip().rstrip("/")
    scheme = parts.scheme or "http"
    if public:
        base = public
    elif (parts.hostname or "") in _LOOPBACK:
        port = parts.port or st.get_option("server.port")
        base = f"{scheme}://{lan_host()}:{port}"
    else:  # already an address the room can reach (a LAN address, a proxy's name)
        base = f"{scheme}://{parts.netloc}"
    return base + path + (f"?{query}" if query else "")


def qr_png(text: str) -> str:
    """A QR code of ``text`` as a PNG data URI (segno, drawn offline), 4 px per module."""
    return segno.make(text, error="m").png_data_uri(scale=4, border=2, dark="#111")


def qr_ui() -> None:
    """In presenter mode, a small QR code of the view's link in the top right corner (it
    grows under the pointer), so the room can open the same scene on their phones."""
    if not presenting():
        return
    link = room_link()
    what = f"Room {state.room()}: scan to follow the talk" if state.room() else "Scan to open"
    with st.container(key="room_qr"):
        st.html(
            f'<img src="{qr_png(link)}" alt="QR code: {escape(link)}" '
            f'title="{what} on your phone: {escape(link)}">'
            + (f"<div>Room {state.room()}</div>" if state.room() else "")
        )


#: The label of the box that holds the current view's link.
LINK_LABEL = "Link to this view"


def link_ui() -> None:
    """A copyable link to the current view, under every page (and its QR code when
    presenting).

    A text box rather than ``st.code``: the code block's syntax highlighter is loaded and
    run for this one line, which delayed the playground's first chart by about 1 s.
    """
    qr_ui()
    st.divider()
    st.text_input(
        LINK_LABEL, page_link(),
        help="Every setting is in it; select it and copy. The address bar holds it too.",
    )  # fmt: skip


#: plotly's config for a study's still figures: no mode bar, which a tap on a phone showed
#: over the figure's title and legend (Streamlit's own fullscreen button stays).
STILL = {"displayModeBar": False}


def results_table_ui(shown: pd.DataFrame) -> None:
    """The results table (from :func:`~momentum_app.race.runs.shown_table`) with columns
    wide enough for their headers and values; on a phone it scrolls sideways with the
    optimizer's name pinned."""
    config = {
        (c if c != "optimizer" else "_index"): st.column_config.TextColumn(
            c, width=TABLE_WIDTHS.get(c), pinned=c == "optimizer"
        )
        for c in [shown.index.name, *shown.columns]
    }
    st.dataframe(shown, width="stretch", column_config=config)


def exports_ui(
    stem: str,
    title: str,
    obj: Objective,
    html: Callable[[], str],
    runs: Callable[[], list[RaceRun]],
    trajectories: Callable[[], str],
    table: pd.DataFrame | None = None,
) -> None:
    """Download buttons for a race: offline HTML, GIF, trajectories and results as CSV
    (``title`` heads the GIF).

    Each file is built only when its button is pressed. The PNG of the frame on screen
    comes from the chart's own PNG button (drawn in the browser).
    """
    st.caption(
        "Export. The offline HTML plays in any browser with no server and no internet; "
        "for a PNG of the frame on screen, use the chart's PNG button."
    )
    # Short labels (the help says the rest): long ones were cut off on a laptop.
    buttons = st.columns(4 if table is not None else 3)
    buttons[0].download_button(
        "HTML", html, file_name=f"{stem}.html", mime="text/html",
        icon=":material/download:", width="stretch",
        help="The animation as one offline HTML file: plays with no server, no internet.",
    )  # fmt: skip
    buttons[1].download_button(
        "GIF", lambda: race_gif(obj, runs(), title=title), file_name=f"{stem}.gif",
        mime="image/gif", icon=":material/gif_box:", width="stretch",
        help="The animation as an animated GIF.",
    )  # fmt: skip
    buttons[2].download_button(
        "Trajectories CSV", trajectories, file_name=f"{stem}-trajectories.csv",
        mime="text/csv", icon=":material/table:", width="stretch",
        help="Every run's path: optimizer, step, x, y, loss.",
    )  # fmt: skip
    if table is not None:
        buttons[3].download_button(
            "Results CSV", lambda: table.to_csv(), file_name=f"{stem}-results.csv",
            mime="text/csv", icon=":material/table:", width="stretch",
            help="The results table under the race.",
        )  # fmt: skip
