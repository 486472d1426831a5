"""Figure builders: plain pytest on the specs they return."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import numpy as np
import pytest

from momentum_app.race.figures import MAX_FRAMES, frame_steps, landscape_values, surface_figure
from momentum_app.race.race_chart import standalone_html
from momentum_app.race.race_data import keep_mask
from momentum_app.race.runs import race_runs, race_view, run_race
from momentum_app.ui.settings import OPTIMIZER_NAMES, default_settings
from momentum_core import FACTORIES, get_objective


@pytest.mark.parametrize("steps", [10, 149, 150, 300, 3000])
def test_frame_steps_keep_first_last_and_events(steps):
    events = [7, steps - 1]
    got = frame_steps(steps, events)
    assert got[0] == 0 and got[-1] == steps
    assert set(events) <= set(got.tolist())
    assert len(got) <= MAX_FRAMES + len(events)
    assert np.all(np.diff(got) > 0)


def _decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype)


def race_data(fn="rosenbrock", **changes):
    s = replace(default_settings(fn), **changes)
    return s, json.loads(race_view(s).data)


def member_path(track: dict, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps, x and y of run ``i`` of a track, as the browser decodes them."""
    path = track["path"]
    a, b = path["offsets"][i], path["offsets"][i + 1]
    steps = _decode(path["steps"], "<u2")[a:b]
    return steps, _decode(path["x"], "<f4")[a:b], _decode(path["y"], "<f4")[a:b]


def test_race_data_holds_the_still_chart_and_every_run():
    s, data = race_data(steps=300)
    figure = data["figure"]
    assert not any(t.get("type") in ("contour", "heatmap") for t in figure["data"])
    (image,) = figure["layout"]["images"]
    assert image["source"].startswith("data:image/png;base64,")
    assert "frames" not in figure  # the browser builds every frame itself
    sgd, momentum = data["tracks"]
    assert sgd["momenta"] is None and len(momentum["momenta"]) == 100
    assert momentum["momenta"][90] == 0.9
    (x0, x1), (y0, y1) = s.objective.domain
    assert list(figure["layout"]["xaxis"]["range"]) == [x0, x1]
    assert list(figure["layout"]["yaxis"]["range"]) == [y0, y1]


def test_each_member_is_its_run_thinned_with_first_and_last_steps_exact():
    s, data = race_data(steps=300)
    results = run_race(replace(s, momentum=0.37))
    steps, xs, ys = member_path(data["tracks"][1], 37)
    want = results["momentum"].positions[:, 0]
    assert steps[0] == 0 and steps[-1] == 300 and np.all(np.diff(steps) > 0)
    np.testing.assert_allclose(np.c_[xs, ys], want[steps], rtol=1e-6)
    assert len(steps) < 301  # thinned


def test_thinning_keeps_every_zig_of_a_zig_zag_and_drops_a_straight_line():
    t = np.arange(200.0)
    zigzag = np.stack([t, 3.0 * (-1) ** t], axis=-1)[:, None, :]
    line = np.stack([t * 0.5, t * 0.25], axis=-1)[:, None, :]
    assert keep_mask(zigzag).all()
    kept = keep_mask(line)
    assert kept[0, 0] and kept[-1, 0] and kept.sum() < 20


def test_a_divergence_keeps_its_step_and_no_number_is_not_finite():
    s, data = race_data(lr=0.02)  # diverges within a few steps
    text = race_view(replace(s, lr=0.02)).data
    assert "NaN" not in text and "Infinity" not in text
    sgd = data["tracks"][0]
    k = sgd["diverged"][0]
    assert k > 0
    steps, _, _ = member_path(sgd, 0)
    assert {k - 1, k} <= set(steps.tolist())
    for track in data["tracks"]:
        for name in ("x", "y"):
            assert np.all(np.isfinite(_decode(track["path"][name], "<f4")))
        assert np.all(np.isfinite(_decode(track["loss"]["gap"], "<f4")))


def test_payload_sizes_meet_their_targets():
    _, default = race_data()
    assert len(json.dumps(default)) <= 300_000
    every = replace(default_settings(), optimizers=OPTIMIZER_NAMES, steps=3000)
    assert len(race_view(every).data) <= 1_000_000


@pytest.mark.parametrize("fn", list(FACTORIES))
def test_landscape_is_finite_for_every_function(fn):
    _, _, z = landscape_values(get_objective(fn), n=60)
    assert np.all(np.isfinite(z))


def test_surface_figure_lifts_every_path_above_a_translucent_surface():
    s = default_settings("himmelblau")
    obj = s.objective
    fig = surface_figure(obj, race_runs(obj, run_race(s)))
    surface, *paths = fig.data
    assert surface.type == "surface" and surface.opacity < 1
    assert [p.name for p in paths] == ["SGD", "Momentum"]
    for path in paths:
        f = obj.value(np.c_[path.x, path.y])
        # The landscape's own height at the path's points (landscape_values' transform).
        height = np.log10(np.maximum(f - obj.f_star, 0) + 1e-3) if obj.log_scale else f
        assert np.all(np.asarray(path.z) > height)
    (x0, x1), _ = obj.domain
    assert list(fig.layout.scene.xaxis.range) == [x0, x1]


def test_standalone_html_inlines_everything():
    page = standalone_html(race_view(default_settings()).data, title="Race", momentum=0.9)
    assert "<script src=" not in page and "<link" not in page
    assert "startRace(" in page and "window.RACE_STANDALONE = true" in page
    assert "plotly.js (basic - minified) v4.1.1" in page
