"""Sidebar widgets. Each ``*_ui`` helper draws its controls and returns a frozen record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from momentum_app.figures import RaceRun
from momentum_app.gif_export import race_gif
from momentum_app.scenes import scene_named, scenes
from momentum_app.settings import (
    LABELS,
    MAX_NOISE,
    MAX_SEED,
    MAX_STEPS,
    MINIMA_GRID_MAX,
    MINIMA_MOMENTUM_MAX,
    MINIMA_STARTS_MAX,
    SWEEP_GRID_MAX,
    SWEEP_METRICS,
    SWEEP_OPTIMIZERS,
    MinimaSettings,
    RaceSettings,
    SweepSettings,
    default_settings,
    lr_limits,
)
from momentum_app.state import get_minima, get_settings, get_sweep, presenting
from momentum_core import FACTORIES, OPTIMIZER_NAMES, Objective, get_objective


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


def _on_function_change() -> None:
    # A new landscape gets its own sensible start and learning rate.
    fresh = default_settings(st.session_state.fn)
    st.session_state.lr = fresh.lr
    st.session_state.start_x, st.session_state.start_y = fresh.start


def _on_lr_slider() -> None:
    st.session_state.lr = st.session_state.lr_slider


def function_ui() -> Objective:
    """The test-function picker, shared by the pages (a new function resets start and lr)."""
    st.sidebar.selectbox(
        "Test function",
        list(FACTORIES),
        key="fn",
        format_func=lambda name: get_objective(name).title,
        on_change=_on_function_change,
    )
    return get_objective(st.session_state.fn)


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
    sb.number_input("Steps per run", 1, MAX_STEPS, key="sw_steps", step=100)
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

    options = lr_options(*obj.lr_range)
    state.lr_slider = _nearest(options, state.lr)
    sb.select_slider(
        "Learning rate α (log scale)",
        options=options,
        key="lr_slider",
        format_func=lambda v: f"{v:g}",
        on_change=_on_lr_slider,
    )
    low, high = lr_limits(obj)
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
    sb.number_input("Steps", 1, MAX_STEPS, key="steps", step=50, help=f"At most {MAX_STEPS}.")
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
    st.session_state.lm_lr = get_objective(st.session_state.lm_fn).lr_default


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
    low, high = lr_limits(get_objective(st.session_state.lm_fn))
    sb.number_input("Learning rate α", low, high, key="lm_lr", format="%.4g", step=low)
    sb.slider(
        "Momentum β of the right-hand map", 0.0, MINIMA_MOMENTUM_MAX, key="lm_momentum", step=0.01
    )
    sb.slider("Starts per axis (basin maps)", 10, MINIMA_GRID_MAX, key="lm_grid", step=10)
    sb.number_input("Steps per run", 1, MAX_STEPS, key="lm_steps", step=100)
    sb.number_input("Random starts (success study)", 10, MINIMA_STARTS_MAX, key="lm_starts")
    with sb.expander("Gradient noise"):
        st.number_input("Noise σ", 0.0, MAX_NOISE, key="lm_noise", step=0.5, format="%g")
        st.number_input("Seed", 0, MAX_SEED, key="lm_seed", step=1)
    return get_minima()


#: Presenter mode's look: larger type everywhere, the page using the whole width. Only
#: local CSS: nothing is fetched (Streamlit serves its own fonts).
PRESENTER_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1.5rem 2.5rem 1rem; }
</style>
"""


def scene_picker_ui() -> str:
    """The scene menu (the scenes page's only control); returns the scene's name."""
    st.selectbox(
        "Scene", [s.name for s in scenes()], key="scene",
        format_func=lambda name: scene_named(name).title,
    )  # fmt: skip
    return st.session_state.scene


def chart_font() -> int:
    """The race chart's font size: larger in presenter mode, for the back of the room."""
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


def link_ui() -> None:
    """A copyable link to the current view, under every page."""
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
    buttons = st.columns(4 if table is not None else 3)
    buttons[0].download_button(
        "Animation (offline HTML)", html,
        file_name=f"{stem}.html", mime="text/html", icon=":material/download:",
    )  # fmt: skip
    buttons[1].download_button(
        "Animation (GIF)", lambda: race_gif(obj, runs()), file_name=f"{stem}.gif",
        mime="image/gif", icon=":material/gif_box:",
    )  # fmt: skip
    buttons[2].download_button(
        "Trajectories (CSV)", trajectories, file_name=f"{stem}-trajectories.csv",
        mime="text/csv", icon=":material/table:",
    )  # fmt: skip
    if table is not None:
        buttons[3].download_button(
            "Results (CSV)", lambda: table.to_csv(), file_name=f"{stem}-results.csv",
            mime="text/csv", icon=":material/table:",
        )  # fmt: skip
