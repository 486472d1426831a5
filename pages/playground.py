"""Playground: SGD and momentum race across a landscape, with loss curves in step."""

import streamlit as st

from momentum_app.config.settings import RaceSettings
from momentum_app.race import runs
from momentum_app.race.race_chart import fed_race_chart, wanted
from momentum_app.ui import cache, page, state, talk_ui, widgets

page.start()
st.title("Playground: gradient descent vs momentum")
if not state.presenting():
    page.caption(runs.INTRO)

state.apply_chart_value("race")
state.apply_pending_start()
settings = state.linked_settings(RaceSettings, widgets.race_controls_ui)
view = widgets.view_ui()
if not (view.three_d or settings.tuned):
    cache.part_ahead(settings, wanted("race"))  # on the other core while this page draws
# Messages go in a slot of their own above the chart, so that the chart keeps its place
# on the page (and its state) when a new one appears.
notes = st.container()
obj = settings.objective
st.latex(obj.latex)
if obj.minima_estimated:
    st.caption(
        "A typed function: its minima and f* are estimates, found numerically (Newton "
        "steps from a grid of starts), so f − f* is measured from the lowest found."
    )
font = widgets.chart_font()
shown = cache.race_view(settings, font)
results = runs.selected(shown.families, settings.momentum)
with notes:
    widgets.race_notes_ui(settings, results)

if view.three_d:
    st.plotly_chart(cache.race_surface(settings), key="surface")
else:
    feeds = fed_race_chart(
        shown.data, "race", settings, ui_font=font + 1, presenting=state.presenting()
    )

st.markdown("**" + runs.verdict(obj, results, settings).replace("*", r"\*") + "**")  # f* plain
if why := runs.why_sgd_wins(obj, results, settings, lambda: cache.race_results(settings)):
    st.caption(why.replace("*", r"\*"))
table = runs.results_table(obj, results)
widgets.results_table_ui(runs.shown_table(table))

if not state.presenting():
    widgets.exports_ui(
        f"race-{settings.fn}",
        runs.export_title(settings),
        obj,
        lambda: cache.race_html(settings, shown.data),
        lambda: runs.race_runs(obj, cache.race_results(settings), settings),
        lambda: runs.trajectories_csv(obj, cache.race_results(settings)),
        table,
    )
    talk_ui.add_view_ui(settings)

page.mark("parts")  # everything above is on its way to the browser
if not view.three_d:  # the α line, the pad, the starts and the inspector's numbers
    widgets.race_feeds_ui(feeds, settings, shown.data)

page.end()
