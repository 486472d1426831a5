"""The local-minima page through AppTest (from app.py, as a visitor arrives) and its figures.

The page is opened from ``app.py`` with ``switch_page``: its defaults (Rastrigin, beta 0.9)
live in ``momentum_app.ui.state`` and only ``app.py`` writes them, so the page run on its own
would open on the first function of the list instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from momentum_app.config import links
from momentum_app.config.links import from_query
from momentum_app.config.settings import MinimaSettings
from momentum_app.studies.basin_figures import (
    DIVERGED_COLOR,
    GLOBAL_COLOR,
    basin_figure,
    populations_note,
    success_figure,
)
from momentum_app.ui.widgets import bounds
from momentum_core import get_objective
from momentum_core.basins import BasinMap, SuccessStudy, basin_map, success_rates, wilson
from tests.app.harness import component_args, page_at

PAGE = "pages/local-minima.py"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    return page_at(PAGE, query)


def scrub(at: AppTest) -> dict:
    """The right-hand map's data: the race component's scrub of basin maps across β."""
    (args,) = component_args(at, "race_component")
    return json.loads(args["data"])["scrub"]


def shares(at: AppTest) -> list[str]:
    """The left map's share (a metric) and the right map's at the chosen β (its note)."""
    right = scrub(at)
    note = right["items"][right["chosen"]]["note"]
    return [m.value for m in at.metric] + re.findall(r"[\d.]+%", note)[:1]


def test_default_page_renders_rastrigin_with_two_shares_and_sentences():
    at = open_page()
    assert at.title[0].value.startswith("Local minima")
    assert at.selectbox(key="lm_fn").value == "rastrigin"
    assert len(shares(at)) == 2 and all(s.endswith("%") for s in shares(at))
    assert len(at.get("plotly_chart")) == 2  # the SGD map and the success study
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


def test_the_right_map_scrubs_every_beta_of_the_set_with_its_own_share():
    at = open_page({"grid": "10", "steps": "200", "momentum": "0.93"})
    # Before the pointer reaches the map: plain gradient descent and the chosen β only.
    assert [item["label"] for item in scrub(at)["items"]] == ["β = 0", "β = 0.93"]
    at.session_state["basins"] = {"want": ["betas"], "nonce": 3}  # what the map sends then
    at.run()
    right = scrub(at)
    labels = [item["label"] for item in right["items"]]
    for beta in (0, 0.1, 0.5, 0.9, 0.93, 0.95, 0.99):
        assert f"β = {beta:g}" in labels, labels
    assert labels[right["chosen"]] == "β = 0.93"
    s, _ = from_query(MinimaSettings, {"grid": "10", "steps": "200", "momentum": "0.93"})
    for k in (0, 5, right["chosen"]):
        beta = float(labels[k].split("= ")[1])
        truth = basin_map(s.objective, "momentum", s.lr, beta, 10, 200, s.noise, s.seed)
        assert f"{truth.share_global:.1%}" in right["items"][k]["note"]
        assert right["items"][k]["src"].startswith("data:image/png;base64,")


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


@pytest.mark.parametrize("momentum", ["0.995", "1"])
def test_a_momentum_beyond_the_slider_is_clamped_with_a_warning(momentum):
    """The slider stops at 0.99; the link parser used to allow 0.999 and the page raised
    StreamlitValueAboveMaxError for ?momentum=0.995 (and for 1, which the README allows)."""
    at = page_at(PAGE, {"momentum": momentum, "grid": "10", "starts": "10", "steps": "50"})
    slider = at.slider(key="lm_momentum")
    assert slider.value == slider.proto.max == 0.99
    messages = " ".join(w.value for w in at.warning)
    assert f"momentum={float(momentum):g} is outside" in messages and "using 0.99." in messages


#: Each numeric link value of the page and the widget that shows it.
WIDGETS = [
    ("lr", "number_input", "lm_lr"),
    ("momentum", "slider", "lm_momentum"),
    ("grid", "slider", "lm_grid"),
    ("steps", "number_input", "lm_steps"),
    ("starts", "number_input", "lm_starts"),
    ("noise", "number_input", "lm_noise"),
    ("seed", "number_input", "lm_seed"),
]


@pytest.mark.parametrize(("name", "kind", "key"), WIDGETS, ids=[w[0] for w in WIDGETS])
@pytest.mark.parametrize("end", ["min", "max"])
def test_every_link_bound_is_its_widgets_bound(name, kind, key, end):
    small = {"grid": "10", "starts": "10", "steps": "20"}  # keep the runs cheap
    at = page_at(PAGE, {**small, name: "-1e30" if end == "min" else "1e30"})
    widget = getattr(at, kind)(key=key)
    if kind == "slider":
        bound = getattr(widget.proto, end)
    else:  # a number box takes any value and clamps it: its range is its caption
        s, _ = from_query(MinimaSettings, small)
        link, ctx = links.link_of(MinimaSettings, name), links.Context(s.objective)
        low, high = link.value("low", ctx), link.value("high", ctx)
        bound = low if end == "min" else high
        assert bounds(low, high) in [c.value for c in at.sidebar.caption]
    assert widget.value == pytest.approx(bound)
    assert any(f"{name}=" in w.value and "is outside" in w.value for w in at.warning)


def test_a_huge_seed_is_clamped_and_printed_in_full():
    s, warnings = from_query(MinimaSettings, {"seed": "1e20"})
    assert s.seed == 2**31 - 1
    assert warnings == ["seed=1e+20 is outside the seed range [0, 2147483647]; using 2147483647."]


@pytest.mark.parametrize("text", ["1_0", "0x10", "٣", "inf", "1e", "--1"])
def test_links_take_plain_numbers_only(text):
    s, warnings = from_query(MinimaSettings, {"fn": "rastrigin", "lr": text, "steps": text})
    assert s.lr == get_objective("rastrigin").lr_default and s.steps == 500
    assert warnings == [
        f"Ignored lr={text!r}: not a number; using 0.002.",
        f"Ignored steps={text!r}: not a number; using 500.",
    ]


def test_each_share_says_which_starts_it_counts():
    """The grid's share (a metric) and the random starts' (the sentences) differ; the page
    used to give both without saying they count different starts."""
    query = {"grid": "20", "starts": "50", "steps": "200", "momentum": "0.9"}
    s, _ = from_query(MinimaSettings, query)
    obj = s.objective
    grid_shares = {
        b: basin_map(obj, "momentum", s.lr, b, s.grid, s.steps, s.noise, s.seed).share_global
        for b in (0.0, 0.9)
    }
    momenta = np.round(np.arange(0.0, 1.0, 0.03), 2)
    study = success_rates(obj, s.study_lrs, momenta, s.starts, s.steps, s.noise, s.seed)
    at = page_at(PAGE, query)
    label = "Of the 20 × 20 grid starts, reaching the global minimum"
    assert [m.label for m in at.metric] == [label]  # the left map's
    right = scrub(at)
    assert all(item["note"].startswith(label) for item in right["items"])  # the right map's
    assert shares(at) == [f"{grid_shares[0.0]:.1%}", f"{grid_shares[0.9]:.1%}"]
    note = populations_note(s, grid_shares, study)
    assert note in [c.value for c in at.caption]
    j = int(np.flatnonzero(momenta == 0.9)[0])
    assert f"at β = 0.90, {grid_shares[0.9]:.1%} of the 400 grid starts against " in note
    assert f"{study.rate[1, j]:.1%} (95 %: " in note and "of the 50 random starts" in note
    assert at.subheader[0].value == "What the 50 random starts show"


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


def test_the_page_opens_where_momentum_helps_and_one_click_shows_where_it_does_not():
    s, warnings = from_query(MinimaSettings, {})
    assert (s.fn, s.params, s.lr, s.momentum) == ("rastrigin", (("A", 1.0),), 0.005, 0.9)
    assert warnings == []
    at = page_at(PAGE, {"grid": "20", "starts": "30", "steps": "300"})
    shallow = shares(at)
    assert at.number_input(key="lm_param_A").value == 1.0
    assert at.query_params["param"] == "A:1.0"
    at.button[1].click().run()  # "Classic Rastrigin (A = 10): it does not"
    assert not at.exception
    assert at.number_input(key="lm_param_A").value == 10.0
    assert "param" not in at.query_params  # the classic function is the default A
    classic = shares(at)
    assert shallow != classic


def test_basin_images_give_a_png_per_momentum_with_its_share():
    import base64
    import io

    from PIL import Image

    from momentum_app.studies.basin_figures import GLOBAL_COLOR, basin_images
    from momentum_core import get_objective
    from momentum_core.basins import basin_maps

    obj = get_objective("rastrigin")
    maps = basin_maps(obj, 0.005, [0.0, 0.9], 10, 100)
    images = basin_images(obj, maps)
    assert list(images) == [0.0, 0.9]
    for beta, (uri, share) in images.items():
        assert uri.startswith("data:image/png;base64,") and share == maps[beta].share_global
        png = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")
        pixels = np.asarray(png)
        assert pixels.shape == (10, 10, 3)
        gold = np.all(pixels == [int(GLOBAL_COLOR[i : i + 2], 16) for i in (1, 3, 5)], axis=-1)
        assert gold.mean() == pytest.approx(share)  # gold pixels are the global basin


def test_every_basin_colour_is_explained_with_its_swatch():
    # Only gold and black were explained; the pale local basins were not (#19 item 9).
    from momentum_app.studies.basin_figures import DIVERGED_COLOR, GLOBAL_COLOR, LOCAL_COLORS

    at = open_page()
    note = next(c.value for c in at.caption if "pale colour" in c.value)
    for colour in (GLOBAL_COLOR, DIVERGED_COLOR, *LOCAL_COLORS):
        assert f"background:{colour}" in note
    assert "local minimum" in note and "global minimum" in note


def test_the_still_figures_show_no_mode_bar_over_their_titles():
    # A tap on a phone showed plotly's mode bar over the titles and legends (#19 item 8).
    import json

    at = open_page()
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    for chart in charts:
        assert json.loads(chart.proto.config)["displayModeBar"] is False


def test_the_largest_settings_are_lightened_to_the_pages_limits():
    """#24: /local-minima with every setting at its maximum ran for over 2 minutes; now
    the maps' grid and the study's starts shrink to the page's limits on work, and the
    page says so in a line each."""
    from momentum_app.config.settings import MINIMA_GRID_MAX, MINIMA_STARTS_MAX, PAGE_MAX_STEPS
    from momentum_app.studies import basin_figures as bf

    base = links.defaults(MinimaSettings)
    assert bf.within_limits(base) == (base, [])  # the defaults fit as they are
    big = replace(base, grid=MINIMA_GRID_MAX, starts=MINIMA_STARTS_MAX, steps=PAGE_MAX_STEPS)
    light, notes = bf.within_limits(big)
    maps = len(bf.scrub_momenta(big.momentum))
    work = maps * light.steps
    assert work * light.grid**2 <= bf.MAP_WORK < work * (light.grid + 10) ** 2
    assert bf.STUDY_RUNS_PER_START * light.starts * light.steps <= bf.STUDY_WORK
    assert (light.steps, light.lr, light.momentum) == (big.steps, big.lr, big.momentum)
    assert len(notes) == 2 and all(len(n.splitlines()) == 1 for n in notes)
    assert f"use {light.grid} × {light.grid} starts" in notes[0]
    at = page_at(PAGE, {"grid": "200", "starts": "1000", "steps": "3000"})
    assert not at.exception
    shown = [w.value for w in at.warning]
    assert notes[0] in shown and notes[1] in shown


def computed(monkeypatch, fn) -> list[tuple]:
    """The arguments of every job of ``fn`` the page's cache hands to the gate (each call
    of ``cache.compute.compute(fn, ...)``), appended as they come."""
    from momentum_app.ui import cache

    calls, real = [], cache.compute.compute

    def counted(f, *args):
        if f is fn:
            calls.append(args)
        return real(f, *args)

    monkeypatch.setattr(cache.compute, "compute", counted)
    return calls


def test_the_maps_a_page_needs_at_once_are_one_job_and_a_new_beta_costs_one_map(monkeypatch):
    from momentum_app.studies import basin_figures
    from momentum_app.ui import cache

    cache._basin_set.clear()
    cache._MAPS.clear()
    calls = computed(monkeypatch, basin_figures.basin_maps_at)
    s, _ = from_query(MinimaSettings, {"grid": "10", "steps": "100", "momentum": "0.93"})
    cache.minima_maps(s, every=False)  # a first visit: SGD's map and the chosen β's
    momenta, maps = cache.minima_maps(s, every=True)  # the pointer reached the map
    cache.minima_maps(replace(s, momentum=0.97), every=True)  # a new chosen β
    # the βs of each job, in order: the first visit's two, the rest of the set, the new β
    assert [betas for _, betas in calls] == [
        (0.0, 0.93), tuple(float(b) for b in momenta if b not in (0.0, 0.93)), (0.97,),
    ]  # fmt: skip
    for beta, got in zip(momenta, maps, strict=True):
        want = basin_map(s.objective, "momentum", s.lr, beta, s.grid, s.steps, s.noise, s.seed)
        assert np.array_equal(got.ended, want.ended) and got.share_global == want.share_global


def test_the_success_study_is_not_run_again_for_a_new_beta_of_the_map(monkeypatch):
    """The study spans every β already (0 to 0.99): the chosen one is not its key."""
    from momentum_app.studies import basin_figures
    from momentum_app.ui import cache

    runs = computed(monkeypatch, basin_figures.success_study)
    s, _ = from_query(MinimaSettings, {"grid": "10", "steps": "60", "starts": "17"})
    first = cache.success(s)
    again = cache.success(replace(s, momentum=0.42))
    assert len(runs) == 1 and np.array_equal(first.successes, again.successes)
    assert np.array_equal(first.successes, basin_figures.success_study(s).successes)


def test_a_new_settings_study_is_set_off_beside_its_maps_and_run_once(monkeypatch):
    """A first visit sets the success study off as another job (compute.ahead) before its
    maps compute, and the page then takes that study instead of running it again."""
    from momentum_app.studies import basin_figures
    from momentum_app.ui import cache
    from tests.app.harness import set_off_at_once

    set_off, real = set_off_at_once(monkeypatch), basin_figures.success_study
    runs = []
    monkeypatch.setattr(basin_figures, "success_study", lambda s: runs.append(s) or real(s))
    s, _ = from_query(MinimaSettings, {"grid": "10", "steps": "70", "starts": "13"})
    cache.minima_maps(s, every=False)
    assert set_off == [(replace(s, momentum=0.0),)]
    study = cache.success(s)
    assert len(runs) == 1  # the one set off, taken
    assert np.array_equal(study.successes, real(s).successes)
    cache.minima_maps(replace(s, momentum=0.5), every=False)  # a new map, the same study
    cache.success(replace(s, momentum=0.5))
    assert len(set_off) == 1 and len(runs) == 1
