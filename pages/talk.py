"""My talk: the presenter's own scenes, made from the playground, presented and shared."""

import streamlit as st

from momentum_app.ui import page, state, talk_ui

page.start(controls=False)
if state.presenting():
    talk_ui.present_ui(talk_ui.talk())
else:
    st.title("My talk")
    page.caption(
        "Your own talk: each scene is a playground view with your claim and a caption whose "
        "{fields} are read from the runs. Add views with “Add this view to my talk” under "
        "the playground's chart, order them here, present them, and take them away as a "
        "scenes file (open it here again) or as one offline HTML file. The talk lives in "
        "this browser tab: download the scenes file to keep it."
    )
    talk_ui.add_link_ui()
    talk_ui.upload_ui()  # before the list: an opened file is the talk listed
    scenes = talk_ui.talk()
    talk_ui.scenes_ui(scenes)
    talk_ui.share_ui(scenes)
page.end()
