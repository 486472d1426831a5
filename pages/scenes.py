"""Scenes: the seed article's claims and tips, one click each, captions computed live.

In a room (see docs/talks.md) the presenter's page publishes the scene on screen and followers'
pages follow it; a scene's question collects the room's answers before it plays.
"""

import streamlit as st

from momentum_app.race.race_chart import standalone_html
from momentum_app.talk import scenes
from momentum_app.ui import cache, page, room_ui, state, talk_ui, widgets

page.start(controls=False)
presenting, following = state.presenting(), state.following()
if not presenting and not following:
    st.title("Scenes: the article's claims, run live")
    st.caption(
        "Each scene sets every control for one claim or tip of the article this app grew "
        "from and plays it. Every number in a caption is read from the runs on screen. "
        "Add your own scenes in the file momentum_app/talk/scenes.toml."
    )

if problem := scenes.scenes_problem():
    st.error(state.plain(f"The scenes file could not be read. {problem}"), icon=":material/error:")
    st.stop()
now = room_ui.enter_room()  # a presenter opens a room; a follower goes to its scene
presenting, following = state.presenting(), state.following()  # not someone else's room
controls = None if following else widgets.scene_picker_ui
name = state.linked_settings(scenes.SceneChoice, controls).scene
names = [s.name for s in scenes.scenes()]
index, scene = names.index(name), scenes.scene_named(name)
if presenting:
    room_ui.publish(scene)

staged = talk_ui.scene_ui(scene, index, len(names), now)  # head, claim, question, race

if (presenting or following) and index + 1 < len(names):  # the room's Next, ready ahead
    upcoming = scenes.scene_named(names[index + 1])
    cache.warm_scene(upcoming, widgets.PAGE_FONT, False)  # as its followers draw it
    if presenting:
        cache.warm_scene(upcoming, widgets.PRESENTER_FONT, True)
if not following:  # a follower's page moves with the presenter's
    widgets.scene_nav_ui(names, index)
    room_ui.rejoin_ui()
    if not presenting:
        html = lambda: standalone_html(cache.scene_data(scene), title=scene.title)  # noqa: E731
        widgets.scene_exports_ui(scene, staged, html, cache.talk_file)
    widgets.clicker_ui(name)  # a clicker's keys step through the scenes
room_ui.shown()  # a follower's page is whole: its poll may rest
page.end()
