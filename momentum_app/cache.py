"""Cached computations for the pages. Keys are plain values or frozen dataclasses."""

from __future__ import annotations

import numpy as np
import streamlit as st

from momentum_app import theory_view
from momentum_app.figures import race_figure, surface_figure
from momentum_app.race import TOLERANCE, race_runs, run_one, run_race
from momentum_app.race_chart import spec_json
from momentum_app.scenes import Scene
from momentum_app.scenes import race_runs as scene_race_runs
from momentum_app.settings import MinimaSettings, RaceSettings, SweepSettings
from momentum_app.theory_view import Prediction, RateMaps
from momentum_core import BatchResult, SweepResult, sweep_grid
from momentum_core.basins import BasinMap, SuccessStudy, basin_map, success_rates


@st.cache_data(max_entries=64, show_spinner=False)
def _run_one(s: RaceSettings) -> BatchResult:
    return run_one(s)


def race_results(s: RaceSettings) -> dict[str, BatchResult]:
    """The runs of a race, each cached on its own (small: a few thousand points each)."""
    return run_race(s, _run_one)


@st.cache_resource(max_entries=16, show_spinner=False)
def race_spec_text(s: RaceSettings, font_size: int = 14) -> str:
    """The animation's JSON. A resource, not data: a copy per hit would cost ~10 ms/MB."""
    obj = s.objective
    return spec_json(
        race_figure(obj, race_runs(obj, race_results(s)), s.start, font_size=font_size)
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def race_surface(s: RaceSettings, font_size: int = 14):
    """The static 3D view of a race."""
    obj = s.objective
    return surface_figure(obj, race_runs(obj, race_results(s)), font_size=font_size)


def scene_results(scene: Scene) -> dict[str, BatchResult]:
    """A scene's runs by key, each through the playground's cache of single runs."""
    return {run.key: _run_one(scene.settings(run)) for run in scene.runs}


@st.cache_resource(max_entries=16, show_spinner=False)
def scene_spec_text(scene: Scene, font_size: int = 14) -> str:
    """A scene's animation JSON (a resource, like :func:`race_spec_text`)."""
    runs = scene_race_runs(scene, scene_results(scene))
    return spec_json(race_figure(scene.objective, runs, scene.start, font_size=font_size))


@st.cache_data(max_entries=64, show_spinner=False)
def sweep_rows(s: SweepSettings, rows: tuple[int, int]) -> SweepResult:
    """Rows ``rows[0]:rows[1]`` (momentum values) of the sweep ``s``, cached apiece so
    the page can show progress while a big grid computes."""
    obj = s.objective
    lrs = np.geomspace(*obj.lr_range, s.grid)
    momenta = np.linspace(0.0, 0.99, s.grid)[rows[0] : rows[1]]
    return sweep_grid(obj, s.optimizer, lrs, momenta, s.steps, x0=s.start, loss_tol=TOLERANCE)


@st.cache_data(max_entries=16, show_spinner="Running every start of the grid...")
def basins(s: MinimaSettings, momentum: float) -> BasinMap:
    """A basin map of heavy ball at ``momentum`` (0: plain gradient descent)."""
    return basin_map(s.objective, "momentum", s.lr, momentum, s.grid, s.steps, s.noise, s.seed)


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
