"""The local-minima page through AppTest (from app.py, as a visitor arrives) and its figures.

The page is opened from ``app.py`` with ``switch_page``: its defaults (Rastrigin, beta 0.9)
live in ``momentum_app.state`` and only ``app.py`` writes them, so the page run on its own
would open on the first function of the list instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from momentum_app.basin_figures import DIVERGED_COLOR, GLOBAL_COLOR, basin_figure, success_figure
from momentum_core import get_objective
from momentum_core.basins import BasinMap, SuccessStudy, basin_map, wilson

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/local-minima.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def shares(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def test_default_page_renders_rastrigin_with_two_shares_and_sentences():
    at = open_page()
    assert at.title[0].value.startswith("Local minima")
    assert at.selectbox(key="lm_fn").value == "rastrigin"
    assert len(shares(at)) == 2 and all(s.endswith("%") for s in shares(at))
    assert len(at.get("plotly_chart")) == 3
    sentences = [m.value for m in at.markdown if m.value.startswith("- At α")]
    assert len(sentences) == 3 and all("%" in s for s in sentences)
    assert not at.warning


def test_changing_momentum_changes_the_momentum_share_only():
    at = open_page()
    sgd, momentum = shares(at)
    # On Rastrigin at alpha 0.002, beta 0.97 carries more starts home than 0.9 (2.6 % vs 1 %).
    at.slider(key="lm_momentum").set_value(0.97).run()
    assert not at.exception, at.exception
    assert shares(at)[0] == sgd and shares(at)[1] != momentum
    assert at.query_params["momentum"] in (["0.97"], "0.97")


def test_unknown_function_in_the_link_warns_and_falls_back_to_rastrigin():
    at = open_page({"fn": "banana"})
    messages = " ".join(w.value for w in at.warning)
    assert "fn='banana'" in messages
    assert at.selectbox(key="lm_fn").value == "rastrigin"
    assert len(shares(at)) == 2


def test_link_values_set_the_controls_and_bad_ones_warn():
    at = open_page({"fn": "himmelblau", "momentum": "0.5", "grid": "5", "steps": "300"})
    messages = " ".join(w.value for w in at.warning)
    assert "grid=5" in messages
    assert at.selectbox(key="lm_fn").value == "himmelblau"
    assert at.slider(key="lm_momentum").value == 0.5
    assert at.number_input(key="lm_steps").value == 300


def test_function_without_local_minima_says_so():
    at = open_page({"fn": "quadratic"})
    assert any("no local minima" in i.value for i in at.info)


# --- the figures ----------------------------------------------------------------------


def colour_at(fig, z: float) -> str:
    """The colour the heatmap's discrete colour scale gives to the value ``z``."""
    trace = fig.data[0]
    position = (z - trace.zmin) / (trace.zmax - trace.zmin)
    scale = trace.colorscale
    for (start, colour), (end, _) in zip(scale[::2], scale[1::2], strict=True):
        if start <= position <= end:
            return colour
    raise AssertionError(f"{z} is outside the colour scale")


@pytest.fixture(scope="module")
def rast():
    return get_objective("rastrigin")


def test_basin_figure_colours_global_local_and_diverged(rast):
    ended = np.array([[0, 1, -1], [2, 0, 1]])  # 0 is the global minimum
    bmap = BasinMap(np.array([-1.0, 0.0, 1.0]), np.array([-1.0, 1.0]), ended,
                    np.array([2, 2, 1, *[0] * 118, 1]), 2 / 6)  # fmt: skip
    fig = basin_figure(rast, bmap, "test")
    heat, star = fig.data
    assert heat.type == "heatmap" and star.type == "scatter"
    z = np.asarray(heat.z)
    assert colour_at(fig, z[0, 2]) == DIVERGED_COLOR == "#000000"
    assert colour_at(fig, z[0, 0]) == colour_at(fig, z[1, 1]) == GLOBAL_COLOR
    local = {colour_at(fig, z[0, 1]), colour_at(fig, z[1, 0])}
    assert len(local) == 2 and not local & {GLOBAL_COLOR, DIVERGED_COLOR}
    text = np.asarray(heat.text)
    assert text[0, 2] == "diverged" and text[0, 0].startswith("global minimum (0, 0)")
    assert text[0, 1].startswith("local minimum (")
    assert star.marker.symbol == "star"
    np.testing.assert_array_equal(star.x, rast.global_minima[:, 0])
    assert fig.layout.yaxis.scaleanchor == "x"
    assert tuple(fig.layout.xaxis.range) == rast.domain[0]


def test_basin_figure_of_a_real_map_marks_its_diverged_runs_black():
    rosen = get_objective("rosenbrock")
    bmap = basin_map(rosen, "momentum", 0.01, 0.9, 8, 100)
    fig = basin_figure(rosen, bmap, "diverging")
    z = np.asarray(fig.data[0].z)
    assert np.any(bmap.ended < 0)
    for code in np.unique(z[bmap.ended < 0]):
        assert colour_at(fig, code) == DIVERGED_COLOR
    for code in np.unique(z[bmap.ended >= 0]):
        assert colour_at(fig, code) != DIVERGED_COLOR


def test_success_figure_has_a_band_and_a_line_per_lr_on_a_0_to_100_axis():
    successes = np.array([[10, 20, 30], [40, 30, 20]])
    low, high = wilson(successes, 100)
    study = SuccessStudy(np.array([0.001, 0.002]), np.array([0.0, 0.5, 0.9]), 100, successes,
                         successes / 100, low, high)  # fmt: skip
    fig = success_figure(study)
    assert tuple(fig.layout.yaxis.range) == (0, 100)
    bands = [t for t in fig.data if t.fill == "toself"]
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(bands) == len(lines) == 2
    np.testing.assert_allclose(lines[1].y, [40, 30, 20])
    np.testing.assert_allclose(bands[0].y, 100 * np.concatenate([high[0], low[0][::-1]]))
    assert all(t.type == "scatter" for t in fig.data)
