"""The sweep page: every colour explained from the runs, links clamped to the widgets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from momentum_app.config.links import from_query
from momentum_app.config.settings import PAGE_MAX_STEPS, SweepSettings
from momentum_app.race.figures import heatmaps_as_image
from momentum_app.race.runs import TOLERANCE
from momentum_app.studies.sweep_figures import (
    DIVERGED_COLOR,
    best_robust_cell,
    colour_caption,
    picked_cell,
    sweep_figure,
)
from momentum_app.ui import state
from momentum_app.ui.widgets import bounds
from momentum_core import grid_of, sweep_grid
from tests.app.harness import component_args, page_at

PAGE = "pages/sweep.py"


def sweep_at(query: dict[str, str]) -> AppTest:
    return page_at(PAGE, query)


@pytest.fixture(scope="module")
def small():
    """The page's sweep for ``?grid=20``, run directly through the core."""
    s, _ = from_query(SweepSettings, {"grid": "20"})
    obj = s.objective
    lrs, momenta = np.geomspace(*obj.lr_range, s.grid), np.linspace(0.0, 0.99, s.grid)
    return s, sweep_grid(obj, s.optimizer, lrs, momenta, s.steps, x0=s.start, loss_tol=TOLERANCE)


def test_the_caption_explains_the_grey_cells_from_the_runs(small):
    """Grey cells used to go unexplained."""
    s, result = small
    summary = result.summary
    diverged = grid_of(result, summary.diverged_step) >= 0
    grey = ~diverged & (grid_of(result, summary.tol_step) < 0)
    edge = grey & np.pad(diverged[:, 1:], ((0, 0), (0, 1)))
    assert grey.sum() > 0 and edge.sum() > 0  # this sweep has both kinds
    at = sweep_at({"grid": "20"})
    (caption,) = [c.value for c in at.caption if c.value.startswith("Each cell is one run")]
    assert caption == colour_caption(result, s.metric, TOLERANCE, s.objective.f_star)
    assert f"Dark red: diverged ({diverged.sum():,} runs)" in caption
    assert "darker the farther from f\\* it ended" in caption
    assert f"after 1,000 steps ({grey.sum():,} runs)" in caption
    assert f"{edge.sum():,} of them next to a diverged run at the next larger α" in caption
    assert f"{(grey & ~edge).sum():,} at smaller α" in caption


def test_the_final_loss_caption_has_no_grey_cells(small):
    s, result = small
    caption = colour_caption(result, "final loss", TOLERANCE, s.objective.f_star)
    assert "grey" not in caption and "log10 of f − f\\* after 1,000 steps" in caption


def test_the_legend_names_the_flat_colour_and_the_axes_end_at_the_grid(small):
    s, result = small
    fig = sweep_figure(result, s.metric, TOLERANCE, s.objective)
    legend_only = [t for t in fig.data if t.type == "scatter" and len(t.x) == 1 and t.x[0] is None]
    # Not-reached cells are on the colour bar now (by their final gap), not one flat grey.
    assert {t.name: t.marker.color for t in legend_only} == {"diverged": DIVERGED_COLOR}
    # The map is drawn in the race component, whose readout says what a cell did: the
    # figure carries no invisible trace of a hover text per cell.
    assert "cells" not in [t.name for t in fig.data]
    lrs, momenta = np.log10(result.lr[0]), result.momentum[:, 0]
    half_lr, half_mu = (lrs[1] - lrs[0]) / 2, (momenta[1] - momenta[0]) / 2
    assert fig.layout.xaxis.range == pytest.approx((lrs[0] - half_lr, lrs[-1] + half_lr))
    assert fig.layout.yaxis.range == pytest.approx((-half_mu, 0.99 + half_mu))


def test_the_page_draws_the_map_with_its_legend_beside_the_race_and_sends_the_paths():
    at = sweep_at({"grid": "10"})
    (race,) = component_args(at, "race_component")
    data = json.loads(race["data"])
    names = [trace.get("name") for trace in data["map"]["figure"]["data"]]
    assert "diverged" in names
    assert "cells" not in names  # no 100 hover texts: the readout says what a cell did
    (image,) = data["map"]["figure"]["layout"]["images"]  # the cells, as one picture
    assert image["source"].startswith("data:image/png;base64,")
    assert len(data["map"]["alphas"]) == len(data["map"]["betas"]) == 10
    # The cells' paths are sent once the pointer first reaches into the map (the chart asks).
    assert not component_args(at, "race_feed") and race["lazy"] == ["pad"]
    at.session_state["sweep_race"] = {"want": ["pad"], "nonce": 1}
    at.run()
    (feed,) = component_args(at, "race_feed")
    part = json.loads(feed["part"])
    assert part["kind"] == "pad" and part["sets"]["momentum"]["runs"] == 100
    assert len(part["axes"]["notes"]) == 100
    at.slider(key="sw_grid").set_value(12).run()  # from then on, with every map
    (feed,) = component_args(at, "race_feed")
    assert json.loads(feed["part"])["sets"]["momentum"]["runs"] == 144
    assert component_args(at, "race_component")[0]["lazy"] == []


def test_a_clicked_cell_is_the_selected_cell_and_a_bad_value_the_best(small):
    _, result = small
    assert picked_cell(result, {"cell": [3, 4]}) == (3, 4, True)
    best = (*best_robust_cell(result), False)
    for bad in (
        None,
        {},
        {"cell": [99, 0]},
        {"cell": [1.5, 2]},
        {"cell": "3,4"},
        {"cell": [-1, 0]},
    ):
        assert picked_cell(result, bad) == best, bad


def test_sweep_link_bounds_are_the_widgets_bounds():
    at = sweep_at({"grid": "9999", "steps": "0"})
    messages = " ".join(w.value for w in at.warning)
    assert "grid=9999 is outside" in messages and "steps=0 is outside" in messages
    # The steps box takes any value (and clamps what is typed): its range is the caption's.
    grid, steps = at.slider(key="sw_grid"), at.number_input(key="sw_steps")
    assert grid.value == grid.proto.max and steps.value == 1
    assert any(c.value == bounds(1, PAGE_MAX_STEPS) for c in at.sidebar.caption)
    at = sweep_at({"grid": "1", "steps": "1e9"})
    grid, steps = at.slider(key="sw_grid"), at.number_input(key="sw_steps")
    assert grid.value == grid.proto.min and steps.value == PAGE_MAX_STEPS


def test_sweep_links_take_plain_numbers_only():
    at = sweep_at({"steps": "1_000", "grid": "0x10"})
    messages = " ".join(w.value for w in at.warning)
    assert state.plain("Ignored steps='1_000': not a number") in messages
    assert state.plain("Ignored grid='0x10': not a number") in messages


def test_the_page_names_the_robust_region_and_calls_a_fluke_best_cell_fragile():
    at = page_at("pages/sweep.py", {"fn": "rosenbrock", "grid": "200"})
    text = " ".join(m.value for m in at.markdown)
    assert "Best region" in text and "fragile" in text
    assert "β = 0.02:" not in text  # the fluke is no longer crowned "Best cell"


def test_the_star_marks_the_robust_best_not_the_fluke():
    from momentum_app.studies.sweep_figures import sweep_figure
    from momentum_core import get_objective, robust_best

    obj = get_objective("rosenbrock")
    lrs, momenta = np.geomspace(*obj.lr_range, 200), np.linspace(0.0, 0.99, 200)
    result = sweep_grid(obj, "momentum", lrs, momenta, 1000, x0=obj.x0, loss_tol=TOLERANCE)
    figure = sweep_figure(result, "steps to tolerance", TOLERANCE, obj)
    star = next(t for t in figure.data if t.name == "best cell")
    best = robust_best(result)
    assert star.y[0] == pytest.approx(result.momentum[best.row, best.col]) and star.y[0] > 0.8


def test_the_page_opens_with_a_line_on_how_to_read_the_map():
    at = sweep_at({"grid": "10"})
    assert "Every cell is one run from the same start" in at.caption[0].value


def test_the_final_loss_map_labels_its_colours_with_values_not_logarithms(small):
    # Its colour bar said "log10(final f − f*)" with ticks -6, -4, ... (#19 item 9).
    from momentum_app.studies.sweep_figures import sweep_figure

    settings, result = small
    obj = settings.objective
    fig = sweep_figure(result, "final loss", TOLERANCE, obj, 14)
    bar = fig.data[0].colorbar
    assert "log10" not in bar.title.text and "log scale" in bar.title.text
    assert bar.ticktext and all("e" in t for t in bar.ticktext)
    assert [float(t) for t in bar.ticktext] == [10.0**v for v in bar.tickvals]


def test_a_phone_is_offered_a_grid_it_can_tap():
    # At 390 px the default 60 x 60 map had 3 px cells (#19 item 8).
    at = sweep_at({"grid": "60"})
    (note,) = [h.proto.body for h in at.get("html") if "easier to tap" in h.proto.body]
    assert 'class="phone-only"' in note and "grid=20" in note
    assert not [h for h in sweep_at({"grid": "20"}).get("html") if "easier to tap" in h.proto.body]


def test_a_projected_sweep_shows_no_phone_tip_and_one_word_per_pair():
    # Presenting, the phone's grid tip was shown to the room, and the caption read "click
    # it to open it.Tap a cell to see its path" (the page's CSS was left out) (#26).
    at = page_at(PAGE, {"grid": "60"}, present=True)
    bodies = [h.proto.body for h in at.get("html")]
    assert not [b for b in bodies if "easier to tap" in b]
    assert any(".on-touch" in b and "display: none" in b for b in bodies)


def _cell_colours(fig) -> np.ndarray:
    """The RGB of every cell as the browser draws it (the heatmaps as one picture), row 0
    at the bottom (momentum 0)."""
    import base64
    import io

    from PIL import Image

    (image,) = heatmaps_as_image(fig)["layout"]["images"]
    png = base64.b64decode(image["source"].split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))[::-1].astype(int)


def test_not_reached_cells_are_coloured_by_how_far_they_got(small):
    """At the defaults ~85 % of the map was one flat grey: a run that ended 2e-6 from f*
    looked like one that never moved. Now the grey darkens with the final gap."""
    s, result = small
    summary = result.summary
    fig = sweep_figure(result, s.metric, TOLERANCE, s.objective)
    rgb = _cell_colours(fig)
    diverged = grid_of(result, summary.diverged_step) >= 0
    missed = ~diverged & (grid_of(result, summary.tol_step) < 0)
    gap = (grid_of(result, summary.final_loss) - s.objective.f_star)[missed]
    shade = rgb[missed].mean(axis=1)  # grey: r = g = b; lighter is nearer the tolerance
    assert (np.ptp(rgb[missed], axis=1) <= 2).all()  # greys, apart from the reached hues
    order = np.argsort(gap)
    assert np.all(np.diff(shade[order]) <= 1)  # farther never lighter (rounding aside)
    far, near = gap.argmax(), gap.argmin()
    assert shade[near] - shade[far] > 60, (shade[near], shade[far])
    assert len(np.unique(shade)) > 10  # not one flat grey
    # The reached cells keep their steps ramp, all distinct from every grey and from the
    # diverged cells' colour.
    reached = ~diverged & ~missed
    assert reached.any() and (np.ptp(rgb[reached], axis=1) > 30).all()
    dark = np.array([int(DIVERGED_COLOR[i : i + 2], 16) for i in (1, 3, 5)])
    assert (rgb[diverged] == dark).all()
    assert (np.abs(rgb[missed] - dark).sum(axis=1) > 100).all()


def test_one_colour_bar_labels_both_parts(small):
    s, result = small
    fig = sweep_figure(result, s.metric, TOLERANCE, s.objective)
    heat = fig.data[0]
    bar = heat.colorbar
    ticks = dict(zip(bar.tickvals, bar.ticktext, strict=True))
    steps = grid_of(result, result.summary.tol_step)
    reached = steps[steps >= 0]
    low = {v: t for v, t in ticks.items() if v <= 0.5}  # the steps half
    high = {v: t for v, t in ticks.items() if v > 0.5}  # the final gap's part
    assert low and high
    for t in low.values():  # step counts within the reached cells' range
        assert reached.min() <= float(t.replace(",", "")) <= reached.max()
    assert all("e" in t or float(t) >= 0.01 for t in high.values())
    assert [float(t) for t in high.values()] == sorted(float(t) for t in high.values())
    words = " ".join(a.text for a in fig.layout.annotations)
    assert "reached: steps to" in words and "not reached: f − f*" in words
    assert "after 1,000 steps" in words


def test_a_map_where_no_run_gets_there_is_all_grey_and_finite():
    """A budget of 2 steps: nothing reaches the tolerance; no NaN goes to the browser."""
    s, _ = from_query(SweepSettings, {"grid": "6", "steps": "2"})
    obj = s.objective
    lrs, momenta = np.geomspace(*obj.lr_range, 6), np.linspace(0.0, 0.99, 6)
    result = sweep_grid(obj, s.optimizer, lrs, momenta, 2, x0=s.start, loss_tol=TOLERANCE)
    fig = sweep_figure(result, s.metric, TOLERANCE, obj)
    z = np.array([np.nan if v is None else v for v in np.ravel(fig.data[0].z)], dtype=float)
    shown = ~np.isnan(z)
    assert shown.any() and (z[shown] > 0.5).all()
    assert all(np.isfinite(v) for v in fig.data[0].colorbar.tickvals)
    assert "nan" not in json.dumps(heatmaps_as_image(fig), default=str).lower()
