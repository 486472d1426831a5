"""My talk: the presenter's own scenes, made from the app's pages, presented in a room and
shared by link."""

import streamlit as st

from momentum_app.ui import page, room_ui, state, talk_ui

page.start(controls=False)
talk_ui.open_shared_ui()  # ?talk=<id>: a talk kept in the store, opened from its link
if state.presenting() or state.following():
    talk_ui.present_ui()  # in a room: followers read the talk from the store
else:
    st.title("My talk")
    page.caption(
        "Your own talk: each scene is a view of the playground, the sweep, the local minima "
        "or the model page (“Save this view as a scene” under it) with your claim and a "
        "caption whose {fields} are read from the runs. Order the scenes here, present them "
        "in a room (phones follow its link or QR code), share the talk by link, or take it "
        "away as a scenes file (open it here again) or as one offline HTML file."
    )
    talk_ui.add_link_ui()
    talk_ui.upload_ui()  # before the list: an opened file is the talk listed
    scenes = talk_ui.talk()
    talk_ui.scenes_ui(scenes)
    talk_ui.share_ui(scenes)
    room_ui.rejoin_ui()
room_ui.shown()  # a follower's page is whole: its poll may rest
page.end()
