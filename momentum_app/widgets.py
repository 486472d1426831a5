"""Sidebar widgets. Each ``*_ui`` helper draws its controls and returns a frozen record."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd
import segno
import streamlit as st

from momentum_app.gif_export import race_gif
from momentum_app.race import trajectories_csv
from momentum_app.race_data import RaceRun
from momentum_app.scenes import scene_named, scene_runs, scenes
from momentum_app.settings import (
    CUSTOM,
    FORMULA_EXAMPLES,
    LABELS,
    MAX_NOISE,
    MAX_SEED,
    MINIMA_CONTRAST,
    MINIMA_DEFAULT,
    MINIMA_GRID_MAX,
    MINIMA_MOMENTUM_MAX,
    MINIMA_STARTS_MAX,
    PAGE_MAX_STEPS,
    PARAM_RANGES,
    SWEEP_GRID_MAX,
    SWEEP_METRICS,
    SWEEP_OPTIMIZERS,
    MinimaSettings,
    RaceSettings,
    SweepSettings,
    default_settings,
    landscape,
    lr_limits,
    param_defaults,
    to_query,
)
from momentum_app.state import (
    PRESENT,
    get_landscape,
    get_minima,
    get_settings,
    get_sweep,
    presenting,
    read_landscape,
)
from momentum_core import (
    FACTORIES,
    MOMENTUM_OPTIMIZERS,
    OPTIMIZER_NAMES,
    Objective,
    get_objective,
)
from momentum_core.formula import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH


@dataclass(frozen=True)
class ViewChoice:
    """How to show the race: the animated 2D view or a static 3D surface."""

    three_d: bool


def lr_options(low: float, high: float) -> list[float]:
    """Log-spaced round learning rates (1, 1.5, 2, 3, 5, 7 x 10^k) from low to high."""
    values = [
        m * 10.0**k
        for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
        for m in (1, 1.5, 2, 3, 5, 7)
    ]
    inside = [float(f"{v:.3g}") for v in values if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
    return sorted({low, *inside, high})


def _nearest(options: list[float], value: float) -> float:
    return min(options, key=lambda o: abs(np.log(o) - np.log(value)))


def _on_landscape_change() -> None:
    # A new landscape gets its own sensible start and learning rate (a formula that cannot
    # be used keeps them: the sidebar says what is wrong on the rerun).
    state = st.session_state
    try:
        fresh = default_settings(*read_landscape())
    except ValueError:
        return
    state.lr = fresh.lr
    state.start_x, state.start_y = fresh.start


def _on_lr_slider() -> None:
    st.session_state.lr = st.session_state.lr_slider


def _on_example() -> None:
    if st.session_state.formula_example:
        st.session_state.formula = st.session_state.formula_example
        _on_landscape_change()


def _title(fn: str) -> str:
    return "Your own f(x, y)" if fn == CUSTOM else get_objective(fn).title


def function_ui() -> Objective:
    """The function picker, shared by the pages: a built-in function with its parameters,
    or a formula typed in x and y with its domain (a new one resets start and lr)."""
    sb = st.sidebar
    sb.selectbox(
        "Test function", [*FACTORIES, CUSTOM], key="fn", format_func=_title,
        on_change=_on_landscape_change,
    )  # fmt: skip
    fn = st.session_state.fn
    if fn == CUSTOM:
        sb.text_input(
            "f(x, y) =", key="formula", on_change=_on_landscape_change, max_chars=MAX_LENGTH,
            help="Numbers, x, y, pi, e; + - * / ^ (or **); sin cos tan exp log sqrt abs "
            f"tanh sinh cosh arctan. At most {MAX_LENGTH} characters, {MAX_DEPTH} levels of "
            f"nesting, constant exponents up to {MAX_EXPONENT}.",
        )  # fmt: skip
        sb.selectbox(
            "Examples", FORMULA_EXAMPLES, index=None, placeholder="Try an example",
            key="formula_example", on_change=_on_example,
        )  # fmt: skip
        sb.text_input("Domain x0,x1,y0,y1", key="domain", on_change=_on_landscape_change)
    else:
        for name, (low, high) in PARAM_RANGES.get(fn, {}).items():
            sb.number_input(
                f"{_title(fn)}: {name}", low, high, key=f"param_{name}", format="%g",
                on_change=_on_landscape_change,
            )  # fmt: skip
    return landscape(*get_landscape(report=False))


def start_ui(obj: Objective) -> tuple[float, float]:
    """Start point inputs (shared by the pages)."""
    (x0, x1), (y0, y1) = obj.domain
    left, right = st.sidebar.columns(2)
    x = left.number_input("Start x", x0, x1, key="start_x", step=0.1, format="%.4g")
    y = right.number_input("Start y", y0, y1, key="start_y", step=0.1, format="%.4g")
    return float(x), float(y)


def sweep_controls_ui() -> SweepSettings:
    """The sweep page's sidebar."""
    sb = st.sidebar
    start_ui(function_ui())
    sb.selectbox("Optimizer", SWEEP_OPTIMIZERS, key="sw_optimizer", format_func=LABELS.get)
    sb.number_input("Steps per run", 1, PAGE_MAX_STEPS, key="sw_steps", step=100)
    sb.slider(
        "Grid: values per axis", 2, SWEEP_GRID_MAX, key="sw_grid",
        help=f"{SWEEP_GRID_MAX} x {SWEEP_GRID_MAX} at most; the default 60 x 60 takes ~1 s.",
    )  # fmt: skip
    sb.radio("Colour by", SWEEP_METRICS, key="sw_metric")
    return get_sweep()


def race_controls_ui() -> RaceSettings:
    """The playground's sidebar: function, start, learning rate, momentum, steps, racers."""
    sb = st.sidebar
    state = st.session_state
    obj = function_ui()

    # The exact rate is one of the slider's stops, so the slider and the box agree.
    low, high = lr_limits(obj)
    options = sorted({*lr_options(*obj.lr_range), min(max(float(state.lr), low), high)})
    state.lr_slider = _nearest(options, state.lr)
    sb.select_slider(
        "Learning rate α (log scale)",
        options=options,
        key="lr_slider",
        format_func=lambda v: f"{v:g}",
        on_change=_on_lr_slider,
    )
    sb.number_input(
        "Exact learning rate",
        min_value=low,
        max_value=high,
        key="lr",
        step=obj.lr_range[0],
        format="%.6g",
        help=f"Any value from {low:g} to {high:g}; the slider covers the sensible range.",
    )
    sb.slider(
        "Momentum β",
        0.0,
        1.0,
        step=0.01,
        key="momentum",
        help="0 is plain gradient descent; 0.9 is the usual default; 1.0 never settles.",
    )
    start_ui(obj)
    sb.number_input(
        "Steps", 1, PAGE_MAX_STEPS, key="steps", step=50, help=f"At most {PAGE_MAX_STEPS}."
    )
    if not state.optimizers:  # the race is never empty: say so where the choice is
        state.optimizers = list(default_settings().optimizers)
        sb.info("A race needs an optimizer: back to SGD and momentum.", icon=":material/info:")
    sb.multiselect(
        "Optimizers in the race",
        list(OPTIMIZER_NAMES),
        key="optimizers",
        format_func=LABELS.get,
        help="All share the learning rate (and the momentum, where they use one).",
    )
    with sb.expander("Gradient noise"):
        st.number_input(
            "Noise σ", 0.0, MAX_NOISE, key="noise", step=0.1, format="%g",
            help="Gaussian noise added to every gradient: makes SGD stochastic.",
        )  # fmt: skip
        st.number_input("Seed", 0, MAX_SEED, key="seed", step=1)
    return get_settings()


def view_ui() -> ViewChoice:
    """The view (not drawn in presenter mode: the 2D animation). Playback speed is the
    chart's own control."""
    if presenting():
        return ViewChoice(False)
    st.sidebar.radio("View", ["Animated 2D", "3D surface"], key="view", horizontal=True)
    return ViewChoice(st.session_state.view == "3D surface")


def _on_minima_function_change() -> None:
    st.session_state.lm_lr = get_minima().objective.lr_default


def minima_case(fn: str, params: tuple, lr: float | None) -> None:
    """Switch the local-minima study to function ``fn`` with ``params`` at ``lr`` (None:
    the function's own)."""
    state = st.session_state
    state.lm_fn = fn
    for name, value in (*param_defaults(fn), *params):
        state[f"lm_param_{name}"] = value
    _on_minima_function_change()
    if lr is not None:
        state.lm_lr = lr


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


def minima_controls_ui() -> MinimaSettings:
    """The local-minima page's sidebar (its own keys: a study, not the race)."""
    sb = st.sidebar
    sb.selectbox(
        "Test function",
        list(FACTORIES),
        key="lm_fn",
        format_func=lambda name: get_objective(name).title,
        on_change=_on_minima_function_change,
    )
    for name, (low, high) in PARAM_RANGES.get(st.session_state.lm_fn, {}).items():
        sb.number_input(
            f"{_title(st.session_state.lm_fn)}: {name}", low, high, key=f"lm_param_{name}",
            format="%g", on_change=_on_minima_function_change,
        )  # fmt: skip
    low, high = lr_limits(get_minima().objective)
    sb.number_input("Learning rate α", low, high, key="lm_lr", format="%.4g", step=low)
    sb.slider(
        "Momentum β of the right-hand map", 0.0, MINIMA_MOMENTUM_MAX, key="lm_momentum", step=0.01
    )
    sb.slider("Starts per axis (basin maps)", 10, MINIMA_GRID_MAX, key="lm_grid", step=10)
    sb.number_input("Steps per run", 1, PAGE_MAX_STEPS, key="lm_steps", step=100)
    sb.number_input("Random starts (success study)", 10, MINIMA_STARTS_MAX, key="lm_starts")
    with sb.expander("Gradient noise"):
        st.number_input("Noise σ", 0.0, MAX_NOISE, key="lm_noise", step=0.5, format="%g")
        st.number_input("Seed", 0, MAX_SEED, key="lm_seed", step=1)
    return get_minima()


#: Presenter mode's look: larger type that still leaves a scene on one screen (it follows
#: the screen's height: 18 px at 720 lines, 22 px at 1080), dark captions and quotes, the
#: leave button and the QR code in the top right corner, and the race chart told (by
#: --race-fit-screen) to fit what is left of the screen. Only local CSS: nothing is fetched.
PRESENTER_CSS = """
<style>
:root { --race-fit-screen: 1; }
html { font-size: clamp(17px, 2.1vh, 22px); }
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 0.5rem 2rem 1rem; }
[data-testid="stMainBlockContainer"] h2 { padding: 0.25rem 0 0; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.5rem; }
[data-testid="stMainBlockContainer"] blockquote { margin: 0; opacity: 1; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *,
[data-testid="stMarkdownContainer"] blockquote,
[data-testid="stMarkdownContainer"] blockquote * { color: #111 !important; }
.st-key-leave_presenter { position: fixed; top: 0.2rem; right: 1rem; z-index: 1000;
                          width: auto !important; }
.st-key-leave_presenter button { font-size: 0.7rem; min-height: 0; }
.st-key-room_qr { position: fixed; top: 2rem; right: 1rem; z-index: 1000; width: 5.5rem;
                  gap: 0; background: #fff; }
.st-key-room_qr img { width: 5.5rem; height: 5.5rem; image-rendering: pixelated;
                      transition: width 0.2s, height 0.2s; }
.st-key-room_qr:hover img { width: 16rem; height: 16rem; }
.st-key-room_qr:hover { width: 16rem; }
@media (min-width: 700px) {
  .st-key-scene_head, [data-testid="stHeading"], [data-testid="stCaptionContainer"],
  [data-testid="stMarkdown"] { padding-right: 6.5rem; }
  .st-key-scene_head [data-testid] { padding-right: 0; }
  .st-key-room_qr [data-testid] { padding-right: 0; }
}
@media (max-width: 699px) { .st-key-room_qr { display: none; } }
</style>
"""


def scene_picker_ui() -> str:
    """The scene menu (the scenes page's only control); returns the scene's name."""
    st.selectbox(
        "Scene", [s.name for s in scenes()], key="scene",
        format_func=lambda name: scene_named(name).title,
    )  # fmt: skip
    return st.session_state.scene


def _go_to_scene(name: str) -> None:
    st.session_state.scene = name


def scene_nav_ui(names: list[str], index: int) -> None:
    """Previous and Next scene, full width (keyed, so that the clicker finds them)."""
    back, forward = st.columns(2)
    back.button(
        "Previous scene", icon=":material/arrow_back:", width="stretch", key="previous_scene",
        on_click=_go_to_scene, args=(names[max(index - 1, 0)],), disabled=index == 0,
    )  # fmt: skip
    forward.button(
        "Next scene", icon=":material/arrow_forward:", width="stretch", key="next_scene",
        on_click=_go_to_scene, args=(names[min(index + 1, len(names) - 1)],),
        disabled=index == len(names) - 1,
    )  # fmt: skip


_CLICKER = Path(__file__).with_name("clicker.html")


def clicker_ui(scene: str) -> None:
    """A zero-height frame whose script lets a presentation clicker step through the
    scenes (see ``clicker.html``)."""
    st.iframe(_CLICKER.read_text(encoding="utf-8").replace("SCENE", scene), height="content")


def scene_exports_ui(scene, results: dict, html: Callable[[], str]) -> None:
    """A scene's exports (``html`` builds its offline page) and its way to the playground."""
    runs = {r.label: results[r.key] for r in scene.runs}
    exports_ui(
        f"scene-{scene.name}", scene.title, scene.objective, html,
        lambda: scene_runs(scene, results), lambda: trajectories_csv(scene.objective, runs),
    )  # fmt: skip
    st.page_link(
        "pages/playground.py", label="Explore this scene in the playground",
        icon=":material/play_circle:", query_params=to_query(scene.playground()),
    )  # fmt: skip


def race_notes_ui(settings: RaceSettings, results: dict) -> None:
    """What a race's settings or runs warn of: beta = 1, and each divergence with the
    seed article's advice."""
    if settings.momentum >= 1.0:
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


def chart_font() -> int:
    """The figures' font size: 20 px in presenter mode, for the back of the room (the
    figure builders draw 18 px and more in dark grey then), else 14 px."""
    return 20 if presenting() else 14


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


def room_link() -> str:
    """The current view's link for the other devices in the room (the QR code's text).

    ``MOMENTUM_PUBLIC_URL`` (e.g. ``http://192.168.1.20:8501``, or a proxy's address with
    a path prefix), when set, replaces the scheme, host and port; otherwise a loopback
    host (``localhost``) becomes :func:`lan_host`'s address. ``present`` is left out:
    phones get the page with its controls.
    """
    parts = urlsplit(st.context.url or "http://localhost/")
    query = urlencode({k: v for k, v in st.query_params.to_dict().items() if k != PRESENT})
    public = os.environ.get("MOMENTUM_PUBLIC_URL", "").strip().rstrip("/")
    scheme = parts.scheme or "http"
    if public:
        base = public
    elif (parts.hostname or "") in _LOOPBACK:
        port = parts.port or st.get_option("server.port")
        base = f"{scheme}://{lan_host()}:{port}"
    else:  # already an address the room can reach (a LAN address, a proxy's name)
        base = f"{scheme}://{parts.netloc}"
    return base + (parts.path or "/") + (f"?{query}" if query else "")


def qr_png(text: str) -> str:
    """A QR code of ``text`` as a PNG data URI (segno, drawn offline), 4 px per module."""
    return segno.make(text, error="m").png_data_uri(scale=4, border=2, dark="#111")


def qr_ui() -> None:
    """In presenter mode, a small QR code of the view's link in the top right corner (it
    grows under the pointer), so the room can open the same scene on their phones."""
    if not presenting():
        return
    link = room_link()
    with st.container(key="room_qr"):
        st.html(
            f'<img src="{qr_png(link)}" alt="QR code: {escape(link)}" '
            f'title="Scan to open this view on your phone: {escape(link)}">'
        )


def link_ui() -> None:
    """A copyable link to the current view, under every page (and its QR code when
    presenting)."""
    qr_ui()
    st.divider()
    st.caption(
        ":material/link: **Link to this view**, every setting included (point at the box "
        "for its copy button)."
    )
    st.code(page_link(), language=None, wrap_lines=True)


def exports_ui(
    stem: str,
    title: str,
    obj: Objective,
    html: Callable[[], str],
    runs: Callable[[], list[RaceRun]],
    trajectories: Callable[[], str],
    table: pd.DataFrame | None = None,
) -> None:
    """Download buttons for a race: offline HTML, GIF, trajectories and results as CSV.

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
        "GIF", lambda: race_gif(obj, runs()), file_name=f"{stem}.gif",
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
