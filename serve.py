"""Serve the app with the room's long poll: ``streamlit run serve.py`` (what serve-room.sh runs).

The same app as ``streamlit run app.py``, plus one route, ``/_room/next``
(:mod:`momentum_app.talk.room_watch`): followers' browsers wait there for the presenter's
next scene instead of rerunning their page every 0.5 s, so an idle follower costs its
worker almost nothing.
"""

import streamlit as st

from momentum_app.talk import room_watch

app = st.App("app.py", routes=room_watch.routes())
