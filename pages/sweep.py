"""Sweep: every (learning rate, momentum) pair from one start, coloured by how it ended."""

from dataclasses import replace

import streamlit as st

from momentum_app import cache, state
from momentum_app.race import TOLERANCE
from momentum_app.settings import default_settings, parse_sweep_query, sweep_query, to_query
from momentum_app.sweep_figures import CELLS_TRACE, sweep_figure
from momentum_app.widgets import sweep_controls_ui
from momentum_core import best_cell, stack_rows

state.ensure_router()
st.title("Sweep: learning rate × momentum")
st.caption(
    "Each cell is one run from the same start. Dark red: diverged. Grey: did not reach the "
    "tolerance in the step budget. The dotted line is the largest stable learning rate for "
    "each momentum; the star is the fastest run. Click a cell to take it to the playground."
)

settings = state.linked_settings(
    parse_sweep_query, state.put_sweep, sweep_query, sweep_controls_ui, state.get_sweep
)
obj = settings.objective

# Big grids compute in slices of momentum rows, so the progress bar can move.
slices = max(1, settings.grid // 40)
edges = [round(i * settings.grid / slices) for i in range(slices + 1)]
bar = st.progress(0.0, text="Running the sweep...") if slices > 1 else None
parts = []
for i in range(slices):
    parts.append(cache.sweep_rows(settings, (edges[i], edges[i + 1])))
    if bar:
        bar.progress((i + 1) / slices, text=f"Running the sweep... {edges[i + 1]} rows done")
if bar:
    bar.empty()
result = stack_rows(parts)

figure = sweep_figure(result, settings.metric, TOLERANCE, obj.f_star)
event = st.plotly_chart(figure, key="sweep_chart", on_select="rerun", selection_mode="points")
picked = [p for p in event.selection.points if p.get("curve_number") == CELLS_TRACE]
row, col = best_cell(result)
if picked:
    row, col = divmod(picked[0]["point_index"], settings.grid)
lr, momentum = float(result.lr[row, col]), float(result.momentum[row, col])

summary = result.summary
index = row * settings.grid + col
ended = (
    f"diverged at step {summary.diverged_step[index]}"
    if summary.diverged_step[index] >= 0
    else f"reached f − f* < {TOLERANCE:g} at step {summary.tol_step[index]}"
    if summary.tol_step[index] >= 0
    else f"did not reach f − f* < {TOLERANCE:g} in {settings.steps} steps"
)
which = "Selected" if picked else "Best"
ended = ended.replace("*", r"\*")  # f* is no emphasis
st.markdown(f"**{which} cell:** α = {lr:.4g}, β = {momentum:.2f}: the run {ended}.")
race = replace(
    default_settings(settings.fn),
    lr=lr,
    momentum=momentum,
    steps=settings.steps,
    start=settings.start,
    optimizers=("sgd", settings.optimizer),
)
st.page_link(
    "pages/playground.py",
    label="Open this cell in the playground",
    icon=":material/play_circle:",
    query_params=to_query(race),
)
