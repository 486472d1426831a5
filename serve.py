"""Serve the app with the room's long poll: ``streamlit run serve.py`` (what serve-room.sh runs).

The same app as ``streamlit run app.py``, plus one route, ``/_room/next``
(:mod:`momentum_app.talk.room_watch`): followers' browsers wait there for the presenter's
next scene instead of rerunning their page every 0.5 s, so an idle follower costs its
worker almost nothing. And the race component's files answered from memory, each gzipped
once (:mod:`momentum_app.race.component_files`): Streamlit reads and compresses them on
every request, plotly.js's 1.19 MB too, while the first chart waits for them. And Nagle's
algorithm off on the listening socket (:mod:`momentum_app.talk.nodelay`): each answer on a
kept-alive connection waited 40 ms for the browser's delayed acknowledgement.
"""

import importlib
import threading

import streamlit as st

from momentum_app.race import component_files
from momentum_app.talk import nodelay, room_watch

#: What the pages import (the app's modules, plotly, pandas), imported before any visitor.
PAGE_MODULES = (
    "momentum_app.ui.widgets", "momentum_app.ui.cache", "momentum_app.ui.talk_ui",
    "momentum_app.ui.room_ui", "momentum_app.race.runs", "momentum_app.race.race_chart",
    "momentum_app.studies.theory_view", "momentum_app.studies.sweep_figures",
    "momentum_app.studies.basin_figures", "momentum_app.studies.model_view",
    "momentum_app.guide.code_panel", "momentum_app.talk.my_talk",
)  # fmt: skip


def warm() -> None:
    """As the server starts, before any visitor: import what the pages import and load the
    compiled loops from numba's disk cache (the default landscape's straight-line loop
    too). A fresh server's first visitor waited 5 s for these, a burst of them longer.
    The race component's files are read and compressed first (0.1 s): the first visitor's
    browser asks for them."""
    component_files.RACE.load_all()
    for name in PAGE_MODULES:
        importlib.import_module(name)
    from momentum_app.config.settings import default_settings
    from momentum_core import engine, specialised

    engine.warm(wait=True)
    specialised.kernel_for(default_settings().objective.tape)


nodelay.no_delay_on_listeners()  # uvicorn imports this file after binding, before accepting
threading.Thread(target=warm, name="momentum-warm", daemon=True).start()
app = st.App("app.py", routes=room_watch.routes(), middleware=component_files.middleware())
