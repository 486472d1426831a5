"""The Streamlit app, in layers whose imports point down (see tests/app/test_layers.py).

landscapes (the app's view of the core's functions) < config (settings records, links)
< race, studies, talk, guide (figures, runs, scenes) < ui (state, widgets, caches, page frame).
"""
