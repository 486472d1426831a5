"""Cached computations for the pages. Keys are plain values or frozen dataclasses."""

from __future__ import annotations

import streamlit as st

from momentum_app.figures import race_figure, surface_figure
from momentum_app.race import race_runs, run_one, run_race
from momentum_app.race_chart import spec_json
from momentum_app.settings import RaceSettings
from momentum_core import BatchResult


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
