"""Entry point: page config, shared state once, presenter mode, routing over pages/."""

import time

import streamlit as st

from momentum_app import state
from momentum_app.widgets import link_ui, presenter_ui

st.set_page_config(page_title="Momentum playground", page_icon="⛰️", layout="wide")
state.init_state()
state.read_presenter_flag()
presenter_ui()

playground = st.Page(
    "pages/playground.py", title="Playground", icon=":material/sports_score:", url_path="playground"
)


def _root() -> None:
    # Streamlit serves the default page at "/" only, so "/" forwards to the playground and
    # every page, the first one included, keeps a deep link of its own (/playground).
    st.switch_page(playground, query_params=st.query_params.to_dict())


pages = [
    st.Page(_root, title="Start", url_path="start", default=True, visibility="hidden"),
    playground,
    st.Page("pages/scenes.py", title="Scenes", icon=":material/slideshow:", url_path="scenes"),
    st.Page("pages/sweep.py", title="Sweep", icon=":material/grid_on:", url_path="sweep"),
    # The file's name is its URL's, so the first visit to /local-minima on a new server,
    # which Streamlit still routes by file name, finds it (see state.ensure_router).
    st.Page(
        "pages/local-minima.py",
        title="Local minima",
        icon=":material/landscape:",
        url_path="local-minima",
    ),
    st.Page("pages/theory.py", title="Theory", icon=":material/functions:", url_path="theory"),
    st.Page("pages/guide.py", title="Guide", icon=":material/menu_book:", url_path="guide"),
]
started = time.perf_counter()
st.navigation(pages, position="hidden" if state.presenting() else "sidebar").run()
link_ui()
# Read by benchmarks/bench_app.py: the server-side time of this run of a page.
st.session_state["_run_seconds"] = time.perf_counter() - started
