"""What every page does first and last, in Streamlit's pages-folder mode.

Each page is its own script in ``pages/``, found by its file name, so a first visit to
``/theory`` on a freshly started server runs ``pages/theory.py`` itself, with nothing to
route and nothing shared to race over. Every page calls :func:`start` at its top and
:func:`end` at its bottom; the page menu is :func:`nav_ui`'s links (Streamlit's own menu is
off in ``.streamlit/config.toml``). Only public Streamlit API.
"""

from __future__ import annotations

import time

import streamlit as st

from momentum_app.ui import state
from momentum_app.ui.widgets import link_ui, presenter_ui

#: The pages in menu order: script, title, icon.
PAGES = (
    ("pages/playground.py", "Playground", ":material/sports_score:"),
    ("pages/scenes.py", "Scenes", ":material/slideshow:"),
    ("pages/sweep.py", "Sweep", ":material/grid_on:"),
    ("pages/local-minima.py", "Local minima", ":material/landscape:"),
    ("pages/theory.py", "Theory", ":material/functions:"),
    ("pages/model.py", "The article's model", ":material/hub:"),
    ("pages/guide.py", "Guide", ":material/menu_book:"),
)
_STARTED = "_run_started"


def nav_ui() -> None:
    """The page menu, at the top of the sidebar."""
    for script, title, icon in PAGES:
        st.sidebar.page_link(script, label=title, icon=icon)
    st.sidebar.divider()


def start() -> None:
    """Page config, the shared state, presenter mode, the room and the menu (not when
    presenting or following)."""
    st.set_page_config(page_title="Momentum playground", page_icon="⛰️", layout="wide")
    st.session_state[_STARTED] = time.perf_counter()
    state.init_state()
    state.read_presenter_flag()
    room_warnings = state.read_room_flags()
    if not state.presenting() and not state.following():
        nav_ui()
    presenter_ui()
    for message in room_warnings:
        st.warning(message, icon=":material/link:")


def mark(name: str) -> None:
    """Note how long this run of the page has taken so far (read by the benchmarks)."""
    st.session_state.setdefault("_marks", {})[name] = (
        time.perf_counter() - st.session_state[_STARTED]
    )


def end() -> None:
    """The link to this view, under every page."""
    link_ui()
    # Read by benchmarks/bench_app.py: the server-side time of this run of a page.
    st.session_state["_run_seconds"] = time.perf_counter() - st.session_state[_STARTED]
