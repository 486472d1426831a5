"""Entry point: the shared set-up, then on to the playground (with the link's settings).

Streamlit serves this script at "/" only; every page keeps an address of its own
(/playground, /scenes, ...), from its file name in pages/.
"""

import streamlit as st

from momentum_app.ui import page

page.start()
st.switch_page("pages/playground.py", query_params=st.query_params.to_dict())
