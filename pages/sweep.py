"""Sweep: every (learning rate, momentum) pair from one start, coloured by how it ended."""

import streamlit as st

from momentum_app.race.runs import TOLERANCE
from momentum_app.studies.sweep_figures import (
    cell_race,
    cell_sentence,
    chosen_cell,
    colour_caption,
    robust_sentence,
    row_slices,
    sweep_figure,
)
from momentum_app.ui import cache, page, state
from momentum_app.ui.links import to_query
from momentum_app.ui.settings import SweepSettings
from momentum_app.ui.widgets import chart_font, sweep_controls_ui
from momentum_core import stack_rows

page.start()
st.title("Sweep: learning rate × momentum")

settings = state.linked_settings(SweepSettings, sweep_controls_ui)
obj = settings.objective

# Big grids compute in slices of momentum rows, so the progress bar can move.
slices = row_slices(settings.grid)
bar = st.progress(0.0, text="Running the sweep...") if len(slices) > 1 else None
parts = []
for i, rows in enumerate(slices):
    parts.append(cache.sweep_rows(settings, rows))
    if bar:
        bar.progress((i + 1) / len(slices), text=f"Running the sweep... {rows[1]} rows done")
if bar:
    bar.empty()
result = stack_rows(parts)

figure = sweep_figure(result, settings.metric, TOLERANCE, obj, font_size=chart_font())
event = st.plotly_chart(figure, key="sweep_chart", on_select="rerun", selection_mode="points")
st.caption(colour_caption(result, settings.metric, TOLERANCE, obj.f_star))
row, col, picked = chosen_cell(result, event.selection.points)
st.markdown(cell_sentence(result, row, col, picked, TOLERANCE))
st.markdown(robust_sentence(result, TOLERANCE))
st.page_link(
    "pages/playground.py",
    label="Open this cell in the playground",
    icon=":material/play_circle:",
    query_params=to_query(cell_race(settings, result, row, col)),
)

page.end()
