"""Entry point: the shared set-up, then on to the playground (with the link's settings).

Streamlit serves this script at "/" only; every page keeps an address of its own
(/playground, /scenes, ...), from its file name in pages/.
"""

# A process of the compute pool (momentum_app/ui/pool.py) imports this file as its parent's
# __main__, under this name: no page there, not even Streamlit.
if __name__ != "__mp_main__":
    import streamlit as st

    from momentum_app.ui import page

    page.start()
    st.switch_page("pages/playground.py", query_params=st.query_params.to_dict())
