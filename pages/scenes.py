"""Scenes: the seed article's claims and tips, one click each, captions computed live.

In a room (see docs/talks.md) the presenter's page publishes the scene on screen and followers'
pages follow it; a scene's question collects the room's answers before it plays.
"""

import streamlit as st

from momentum_app.race.race_chart import race_chart, standalone_html
from momentum_app.talk import scenes
from momentum_app.ui import cache, page, room_ui, state, widgets

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
font = widgets.chart_font()
if presenting:
    room_ui.publish(scene)

widgets.scene_head_ui(scene, index, len(names))
if following:
    room_ui.follow_ui(now)
# Keyed: a follower's phone shows them under the chart (room_ui.FOLLOWER_CSS).
with st.container(key="scene_claim"):
    st.markdown(f"> **The seed article's claim, in our words:** {scene.claim}")
staged = cache.scene_stage(scene)
values = staged.values
if room_ui.question_ui(scene, values, now):  # a question first: the caption gives it away
    with st.container(key="scene_caption"):
        st.markdown(scenes.caption(scene, values).replace("*", r"\*"))  # f* is no emphasis
        for failed in map(state.plain, scenes.failed_checks(scene, values)):
            st.warning(f"This run does not bear the caption out: {failed}.",
                       icon=":material/warning:")  # fmt: skip
    # The controls big when presenting, but not the chart's room; each scene from step 0.
    size = 18 if presenting else font + 1
    data = cache.scene_data(scene, font, inspect=not following)  # followers: light data
    race_chart(data, key="scene_chart", clickable=False, fresh=True, ui_font=size,
               autoplay="seen" if following else presenting)  # fmt: skip
    room_ui.chart_parts(scene, data)  # a pad question's pad
    if scene.model is not None and not presenting:  # the chart is one seed: here are all
        widgets.model_scene_bands_ui(cache.model_race(scene.model), font)

if not following:  # a follower's page moves with the presenter's
    widgets.scene_nav_ui(names, index)
    room_ui.rejoin_ui()
    if not presenting:
        html = lambda: standalone_html(cache.scene_data(scene), title=scene.title)  # noqa: E731
        widgets.scene_exports_ui(scene, staged, html, cache.talk_file)
    widgets.clicker_ui(name)  # a clicker's keys step through the scenes
room_ui.shown()  # a follower's page is whole: its poll may rest
page.end()
