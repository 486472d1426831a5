"""Scenes: the seed article's claims and tips, one click each, captions computed live."""

import streamlit as st

from momentum_app import cache, page, scenes, state
from momentum_app.race import trajectories_csv
from momentum_app.race_chart import race_chart, standalone_html
from momentum_app.settings import to_query
from momentum_app.widgets import chart_font, exports_ui, scene_picker_ui

#: Run in a zero-height frame: listens on the page for the keys a presentation clicker
#: sends and presses the Previous/Next button (not while typing in a field or moving a
#: slider); scrolls to the top when the scene shown changes (the frame reloads with it).
CLICKER_JS = """<script>
const win = window.parent, doc = win.document;
const STEP = {ArrowRight: "next", PageDown: "next", " ": "next",
              ArrowLeft: "previous", PageUp: "previous"};
const FIELDS = "input, select, textarea, [contenteditable=true], [role=slider], " +
               "[role=combobox], [role=listbox], [role=spinbutton]";
function onKey(event) {
  const to = STEP[event.key], target = event.target;
  if (!to || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  if (target.closest && target.closest(FIELDS)) return;
  // Space on a focused button presses that button already.
  if (event.key === " " && target.closest && target.closest("button, a, [role=button]")) return;
  const button = doc.querySelector(`.st-key-${to}_scene button`);
  if (!button) return;
  event.preventDefault();
  if (!button.disabled) button.click();
}
if (win.momentumSceneKeys) doc.removeEventListener("keydown", win.momentumSceneKeys, true);
win.momentumSceneKeys = onKey;
doc.addEventListener("keydown", onKey, true);
if (win.momentumSceneShown !== "SCENE") {
  win.momentumSceneShown = "SCENE";
  for (const el of doc.querySelectorAll("[data-testid=stMain], [data-testid=stAppViewContainer]"))
    el.scrollTo(0, 0);
  win.scrollTo(0, 0);
}
</script>"""

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

# Presenting, the scene's number sits beside its title: one line less on the screen.
with st.container(
    key="scene_head", horizontal=presenting, vertical_alignment="bottom", gap="small"
):
    st.header(scene.title, anchor=False, width="content")
    st.caption(
        f"Scene {index + 1} of {len(names)} · {scene.objective.title}, α = {scene.lr:g}",
        width="content",
    )
st.markdown(f"> **The seed article's claim, in our words:** {scene.claim}")
results = cache.scene_results(scene)
values = scenes.facts(scene, results)
st.markdown(scenes.caption(scene, values).replace("*", r"\*"))  # f* is no emphasis
for failed in scenes.failed_checks(scene, values):
    st.warning(f"This run does not bear the caption out: {failed}.", icon=":material/warning:")

race_chart(
    cache.scene_data(scene, font),
    key="scene_chart",
    ui_font=18 if presenting else font + 1,  # the controls: big, but not the chart's room
    clickable=False,
    autoplay=presenting,
)


def _go(to: int) -> None:
    st.session_state.scene = names[to]


back, forward = st.columns(2)
back.button(
    "Previous scene", icon=":material/arrow_back:", width="stretch", key="previous_scene",
    on_click=_go, args=(index - 1,), disabled=index == 0,
)  # fmt: skip
forward.button(
    "Next scene", icon=":material/arrow_forward:", width="stretch", key="next_scene",
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
# A clicker's keys step through the scenes, and each new scene starts at its top.
st.iframe(CLICKER_JS.replace("SCENE", name), height="content")
page.end()
