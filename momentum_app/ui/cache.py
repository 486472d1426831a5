"""Cached computations for the pages. Keys are plain values or frozen dataclasses."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from momentum_app.race import runs
from momentum_app.race.figures import surface_figure
from momentum_app.studies import theory_view
from momentum_app.studies.theory_view import Prediction, RateMaps
from momentum_app.talk import scenes
from momentum_app.ui.settings import MinimaSettings, RaceSettings, SweepSettings
from momentum_core import BatchResult, SweepResult, sweep_grid
from momentum_core.basins import BasinMap, SuccessStudy, basin_map, basin_maps, success_rates


@st.cache_data(max_entries=64, show_spinner=False)
def _run_one(s: RaceSettings) -> BatchResult:
    return runs.run_one(s)


def race_results(s: RaceSettings) -> dict[str, BatchResult]:
    """The runs of a race at its momentum, whole (for exports and the 3D view)."""
    return runs.run_race(s, _run_one)


@st.cache_resource(max_entries=32, show_spinner=False)
def _race_view(key: RaceSettings, font_size: int) -> runs.RaceView:
    return runs.race_view(key, font_size)


def race_view(s: RaceSettings, font_size: int = 14) -> runs.RaceView:
    """A race's families and component data, shared by every momentum on the families'
    grid (a resource: one copy for every session, never a copy per hit)."""
    return _race_view(runs.family_key(s), font_size)


@st.cache_resource(max_entries=8, show_spinner=False)
def race_surface(s: RaceSettings, font_size: int = 14):
    """The static 3D view of a runs."""
    obj = s.objective
    return surface_figure(obj, runs.race_runs(obj, race_results(s)), font_size=font_size)


def scene_results(scene: scenes.Scene) -> dict[str, BatchResult]:
    """A scene's runs by key, each through the playground's cache of single runs."""
    return {run.key: _run_one(scene.settings(run)) for run in scene.runs}


@st.cache_resource(max_entries=16, show_spinner=False)
def scene_data(scene: scenes.Scene, font_size: int = 14) -> str:
    """A scene's race component data (a resource, like :func:`race_view`)."""
    racers = scenes.tracks(scene, scene_results(scene))
    return runs.view(scene.objective, scene.start, racers, font_size)


@st.cache_data(max_entries=64, show_spinner=False)
def sweep_rows(s: SweepSettings, rows: tuple[int, int]) -> SweepResult:
    """Rows ``rows[0]:rows[1]`` (momentum values) of the sweep ``s``, cached apiece so
    the page can show progress while a big grid computes."""
    obj = s.objective
    lrs = np.geomspace(*obj.lr_range, s.grid)
    momenta = np.linspace(0.0, 0.99, s.grid)[rows[0] : rows[1]]
    return sweep_grid(obj, s.optimizer, lrs, momenta, s.steps, x0=s.start, loss_tol=runs.TOLERANCE)


@st.cache_data(max_entries=16, show_spinner="Running every start of the grid...")
def minima_map(s: MinimaSettings, momentum: float) -> BasinMap:
    """A basin map of heavy ball at ``momentum`` (0: plain gradient descent)."""
    return basin_map(s.objective, "momentum", s.lr, momentum, s.grid, s.steps, s.noise, s.seed)


#: The momenta a visitor can scrub the basin map through in the browser.
SCRUB_MOMENTA = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


@st.cache_resource(max_entries=8, show_spinner="Running every start at every momentum...")
def _scrub_maps(s: MinimaSettings) -> dict[float, BasinMap]:
    betas = dict.fromkeys((*SCRUB_MOMENTA, s.momentum))
    return basin_maps(s.objective, s.lr, list(betas), s.grid, s.steps, s.noise, s.seed)


def scrub_maps(s: MinimaSettings) -> dict[float, BasinMap]:
    """Basin maps at every :data:`SCRUB_MOMENTA` and ``s.momentum``, once per setting for
    every visitor (a shared resource: read-only maps). The key leaves out the chosen
    momentum when it is one of the set, so scrubbing to it costs nothing."""
    if s.momentum in SCRUB_MOMENTA:
        s = replace(s, momentum=SCRUB_MOMENTA[0])
    return _scrub_maps(s)


@st.cache_data(max_entries=16, show_spinner="Running the random starts...")
def success(s: MinimaSettings) -> SuccessStudy:
    """Success rates at half, once and twice the learning rate, momentum 0 to 0.99."""
    momenta = np.round(np.arange(0.0, 1.0, 0.03), 2)
    return success_rates(s.objective, s.study_lrs, momenta, s.starts, s.steps, s.noise, s.seed)


@st.cache_data(max_entries=16, show_spinner="Simulating the grid of runs...")
def rate_maps(condition: float) -> RateMaps:
    return theory_view.rate_maps(condition)


@st.cache_data(max_entries=64, show_spinner=False)
def prediction(condition: float, alpha: float, beta: float) -> Prediction:
    return theory_view.predict(condition, alpha, beta)


@st.cache_data(max_entries=16, show_spinner=False)
def tips(condition: float) -> list[str]:
    return theory_view.tips(condition)
