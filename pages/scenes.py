"""Scenes: the seed article's claims and tips, one click each, captions computed live."""

import streamlit as st

from momentum_app import cache, page, scenes, state
from momentum_app.race import trajectories_csv
from momentum_app.race_chart import race_chart, standalone_html
from momentum_app.settings import to_query
from momentum_app.widgets import chart_font, exports_ui, scene_picker_ui

page.start()
presenting = state.presenting()
if not presenting:
    st.title("Scenes: the article's claims, run live")
    st.caption(
        "Each scene sets every control for one claim or tip of the article this app grew "
        "from and plays it. Every number in a caption is read from the runs on screen. "
        "Add your own scenes in `momentum_app/scenes.toml`."
    )

if problem := scenes.scenes_problem():
    st.error(f"The scenes file could not be read. {problem}", icon=":material/error:")
    st.stop()
name = state.linked_settings(
    scenes.parse_scene_query, state.put_scene, scenes.scene_query, scene_picker_ui, state.get_scene
)
names = [s.name for s in scenes.scenes()]
index, scene = names.index(name), scenes.scene_named(name)
font = chart_font()

st.header(scene.title, anchor=False)
st.caption(f"Scene {index + 1} of {len(names)} · {scene.objective.title}, α = {scene.lr:g}")
st.markdown(f"> **The seed article's claim, in our words:** {scene.claim}")
results = cache.scene_results(scene)
values = scenes.facts(scene, results)
st.markdown(scenes.caption(scene, values).replace("*", r"\*"))  # f* is no emphasis
for failed in scenes.failed_checks(scene, values):
    st.warning(f"This run does not bear the caption out: {failed}.", icon=":material/warning:")

race_chart(
    cache.scene_data(scene, font),
    key="scene_chart",
    ui_font=font + 1,
    clickable=False,
    autoplay=presenting,
)


def _go(to: int) -> None:
    st.session_state.scene = names[to]


back, forward = st.columns(2)
back.button(
    "Previous scene", icon=":material/arrow_back:", width="stretch",
    on_click=_go, args=(index - 1,), disabled=index == 0,
)  # fmt: skip
forward.button(
    "Next scene", icon=":material/arrow_forward:", width="stretch",
    on_click=_go, args=(index + 1,), disabled=index == len(names) - 1,
)  # fmt: skip
if not presenting:
    exports_ui(
        f"scene-{scene.name}",
        scene.title,
        scene.objective,
        lambda: standalone_html(cache.scene_data(scene), title=scene.title),
        lambda: scenes.race_runs(scene, results),
        lambda: trajectories_csv(scene.objective, {r.label: results[r.key] for r in scene.runs}),
    )
    st.page_link(
        "pages/playground.py",
        label="Explore this scene in the playground",
        icon=":material/play_circle:",
        query_params=to_query(scene.playground()),
    )

page.end()
