"""Figure builders: plain pytest on the specs they return."""

from __future__ import annotations

import json

import numpy as np
import pytest

from momentum_app.figures import (
    MAX_FRAMES,
    frame_steps,
    landscape_values,
    path_indices,
    race_figure,
    surface_figure,
)
from momentum_app.race import race_runs, run_race
from momentum_app.race_chart import spec_json, standalone_html
from momentum_app.settings import default_settings
from momentum_core import FACTORIES, get_objective


@pytest.mark.parametrize("steps", [10, 149, 150, 300, 3000])
def test_frame_steps_keep_first_last_and_events(steps):
    events = [7, steps - 1]
    got = frame_steps(steps, events)
    assert got[0] == 0 and got[-1] == steps
    assert set(events) <= set(got.tolist())
    assert len(got) <= MAX_FRAMES + len(events)
    assert np.all(np.diff(got) > 0)


@pytest.mark.parametrize(
    ("steps", "points", "stride"), [(300, 400, 1), (800, 400, 3), (1000, 100, 11)]
)
def test_path_indices_use_odd_strides(steps, points, stride):
    idx = path_indices(steps, points)
    assert idx[1] - idx[0] == stride
    assert len(idx) <= points + 1


def race_spec(fn="rosenbrock", **changes):
    s = default_settings(fn)
    s = type(s)(**{**s.__dict__, **changes})
    obj = s.objective
    return s, race_figure(obj, race_runs(obj, run_race(s)), s.start)


def test_race_spec_shape_and_landscape():
    s, spec = race_spec(steps=300)
    assert not any(t.get("type") in ("contour", "heatmap") for t in spec["data"])
    (image,) = spec["layout"]["images"]
    assert image["source"].startswith("data:image/png;base64,")
    assert (image["xref"], image["yref"], image["layer"]) == ("x", "y", "below")
    frames = spec["frames"]
    assert [f["name"] for f in frames][:2] == ["0", "2"]
    assert frames[-1]["name"] == str(s.steps)
    # Every frame updates the same animated traces, and only those.
    n_animated = 4 * len(s.optimizers)
    for f in frames:
        assert len(f["data"]) == len(f["traces"]) == n_animated
        assert max(f["traces"]) == len(spec["data"]) - 1
    # Axes stay on the domain.
    (x0, x1), (y0, y1) = s.objective.domain
    assert list(spec["layout"]["xaxis"]["range"]) == [x0, x1]
    assert list(spec["layout"]["yaxis"]["range"]) == [y0, y1]


def test_paths_grow_and_end_at_the_run_end():
    s, spec = race_spec(steps=300)
    results = run_race(s)
    last = json.loads(spec_json(spec))["frames"][-1]["data"]
    # Decode the momentum path of the last frame (typed f4 array).
    import base64

    xs = np.frombuffer(base64.b64decode(last[4]["x"]["bdata"]), "<f4")
    final = results["momentum"].positions[-1, 0]
    assert xs[-1] == pytest.approx(final[0], rel=1e-6)
    assert len(xs) == s.steps + 1  # 300 steps fit the point budget: no thinning


def test_divergence_keeps_axes_and_marks_the_crash():
    _, spec = race_spec(lr=0.02)
    text = spec_json(spec)
    assert "NaN" not in text and "Infinity" not in text
    assert spec["layout"]["xaxis"]["range"] in ([-2.0, 2.0], (-2.0, 2.0))
    crash_markers = [f["data"][3]["x"] for f in spec["frames"]]  # SGD's crash trace
    assert crash_markers[0] == [] and crash_markers[-1] != []


def test_default_payload_is_small():
    _, spec = race_spec()
    size = len(spec_json(spec))
    assert size < 1_500_000, size


@pytest.mark.parametrize("fn", list(FACTORIES))
def test_landscape_is_finite_for_every_function(fn):
    _, _, z = landscape_values(get_objective(fn), n=60)
    assert np.all(np.isfinite(z))


def test_surface_figure_has_a_path_per_optimizer():
    s = default_settings("himmelblau")
    obj = s.objective
    fig = surface_figure(obj, race_runs(obj, run_race(s)))
    assert [t.type for t in fig.data] == ["surface", "scatter3d", "scatter3d"]


def test_standalone_html_inlines_everything():
    _, spec = race_spec()
    page = standalone_html(spec_json(spec), title="Race")
    assert "<script src=" not in page and "<link" not in page
    assert "startRace(" in page and "window.RACE_STANDALONE = true" in page
