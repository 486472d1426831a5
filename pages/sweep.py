"""Sweep: every (learning rate, momentum) pair from one start, coloured by how it ended."""

import streamlit as st

from momentum_app.config.links import to_query
from momentum_app.config.settings import SweepSettings
from momentum_app.race.race_chart import race_chart, race_part, wanted
from momentum_app.race.runs import TOLERANCE
from momentum_app.studies.sweep_figures import (
    INTRO,
    PHONE_GRID,
    cell_race,
    cell_sentence,
    colour_caption,
    phone_grid_note,
    picked_cell,
    robust_sentence,
    row_slices,
)
from momentum_app.ui import cache, page, state, talk_ui
from momentum_app.ui.widgets import chart_font, sweep_controls_ui
from momentum_core import stack_rows

page.start()
st.title("Sweep: learning rate × momentum")
page.caption(INTRO)

settings = state.linked_settings(SweepSettings, sweep_controls_ui)
obj = settings.objective
if settings.grid > PHONE_GRID:  # cells a few pixels wide on a phone: offer a coarser grid
    page.phone_note(phone_grid_note(settings))

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

# The map and its runs' paths in one component: the pointer over a cell draws its path
# and loss curve beside the map at once; a click picks the cell for the playground.
presenting, font = state.presenting(), chart_font()
data = cache.sweep_view(settings, font, presenting)
value = race_chart(data, key="sweep_race", ui_font=font + 1, clickable=False, lazy=("pad",),
                   presenting=presenting)  # fmt: skip
paths = st.container(key="sweep_paths")  # filled last: the map never waits for them
st.caption(colour_caption(result, settings.metric, TOLERANCE, obj.f_star))
row, col, picked = picked_cell(result, value)
st.markdown(cell_sentence(result, row, col, picked, TOLERANCE, obj))
st.markdown(robust_sentence(result, TOLERANCE))
st.page_link(
    "pages/playground.py",
    label="Open this cell in the playground",
    icon=":material/play_circle:",
    query_params=to_query(cell_race(settings, result, row, col)),
)
talk_ui.add_view_ui(cell_race(settings, result, row, col))  # the cell's race
if wanted("sweep_race", ("pad",)):  # the cells' paths, once the pointer reaches the map
    with paths:
        race_part("sweep_race", data, "pad", cache.sweep_paths(settings))

page.end()
