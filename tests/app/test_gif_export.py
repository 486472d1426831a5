"""The race GIF: a real animated GIF whose frames, timings and pixels match the race."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D
from PIL import Image

from momentum_app.config.settings import default_settings
from momentum_app.race.figures import COLORS, frame_steps
from momentum_app.race.gif_export import LAST_FRAME_MS, data_to_pixel, race_gif, race_layout
from momentum_app.race.runs import race_runs, run_race

SIZE = {"width": 480, "height": 320}


def race(**changes):
    s = replace(default_settings("rosenbrock"), steps=300, **changes)
    obj = s.objective
    return obj, race_runs(obj, run_race(s))


@pytest.fixture(scope="module")
def calm():
    """SGD and momentum, neither diverging, ending far apart inside the domain."""
    return race()


@pytest.fixture(scope="module")
def wild():
    """The same race at a learning rate where SGD and momentum diverge, Adam does not."""
    return race(lr=0.0025, optimizers=("sgd", "momentum", "adam"))


def frames(data: bytes) -> list[Image.Image]:
    """Every frame as RGB, with its duration in ``info``."""
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF"
    out = []
    for k in range(gif.n_frames):
        gif.seek(k)
        frame = gif.convert("RGB")
        frame.info["duration"] = gif.info["duration"]
        out.append(frame)
    return out


def _arrays(data) -> list:
    """The arrays in what a setter was given: one array, or a list of them (segments)."""
    if isinstance(data, list | tuple) and data and np.ndim(data[0]) >= 1:
        return list(data)
    return [data]


def close(pixel: tuple[int, ...], color: str, tol: int = 12) -> bool:
    want = (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))
    return max(abs(a - b) for a, b in zip(pixel, want, strict=True)) <= tol


def test_frames_timing_and_loop_follow_the_race(calm):
    obj, runs = calm
    data = race_gif(obj, runs, frame_ms=80, max_frames=40, **SIZE)
    gif = Image.open(io.BytesIO(data))
    assert gif.size == (480, 320)
    assert gif.info["loop"] == 0
    steps = frame_steps(300, [r.diverged_step for r in runs], 40)
    assert gif.n_frames == len(steps) == 40
    durations = [f.info["duration"] for f in frames(data)]
    assert durations[:-1] == [80] * (len(steps) - 1)
    assert sum(durations) == 80 * (len(steps) - 1) + LAST_FRAME_MS


def test_last_frame_marks_each_run_at_its_final_point(calm):
    """The pixel of a data point comes from the figure's own axes (``race_layout``); the
    run's colour must be there in the last frame and not in the first."""
    obj, runs = calm
    ends = [data_to_pixel(obj, runs, r.positions[-1], **SIZE) for r in runs]
    # The check means something only if the dots cannot cover each other.
    assert np.linalg.norm(ends[0] - ends[1]) > 30
    first, *_, last = frames(race_gif(obj, runs, max_frames=30, **SIZE))
    left, top, right, bottom = race_layout(obj, runs, **SIZE).landscape
    for run, (col, row) in zip(runs, np.round(ends).astype(int), strict=True):
        assert left <= col < right and top <= row < bottom
        assert close(last.getpixel((col, row)), COLORS[run.name]), run.name
        # At the start nothing of the run was at its end point yet.
        assert not close(first.getpixel((col, row)), COLORS[run.name]), run.name


def test_landscape_is_upright(calm):
    """Darker where f is lower, on a grid of points, in the first frame (only the start dot
    and the minimum's star are drawn there); flipping y breaks the relation."""
    obj, runs = calm
    first = frames(race_gif(obj, runs, max_frames=5, **SIZE))[0]
    lay = race_layout(obj, runs, **SIZE)
    (x0, x1), (y0, y1) = obj.domain
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 9)[1:-1], np.linspace(y0, y1, 9)[1:-1]), -1)
    points = grid.reshape(-1, 2)
    far = np.min(
        [np.linalg.norm(points - p, axis=1) for p in (obj.minima[0], runs[0].positions[0])],
        axis=0,
    )
    points = points[far > 0.3]
    brightness = [
        sum(first.getpixel(tuple(px))) for px in np.round(lay.to_pixel(obj, points)).astype(int)
    ]

    def ranks(v):
        return np.argsort(np.argsort(v))

    log_f = np.log10(obj.value(points) - obj.f_star + 1e-3)
    upright = np.corrcoef(ranks(brightness), ranks(log_f))[0, 1]
    flipped_points = np.stack([points[:, 0], y0 + y1 - points[:, 1]], -1)
    flipped = np.log10(obj.value(flipped_points) - obj.f_star + 1e-3)
    assert upright > 0.9
    assert upright > np.corrcoef(ranks(brightness), ranks(flipped))[0, 1] + 0.3


@pytest.mark.filterwarnings("error")  # numpy's overflow and invalid-value warnings too
def test_diverging_runs_draw_only_finite_coordinates(wild, monkeypatch):
    """Two runs diverge (their paths end up to ~3e4 units off the panel), and one run's loss is
    made to overflow to inf from its divergence on: nothing non-finite reaches matplotlib
    or the Agg renderer, nothing warns, and every divergence step gets its frame."""
    obj, runs = wild
    diverged = {r.name: r.diverged_step for r in runs}
    assert diverged["sgd"] > 0 and diverged["momentum"] > 0 and diverged["adam"] == -1
    sgd = runs[0]
    gaps = sgd.gaps.copy()
    gaps[sgd.diverged_step :] = np.inf
    runs = [replace(sgd, gaps=gaps), *runs[1:]]
    data_given, drawn = [], []

    def spy(cls, name):
        original = getattr(cls, name)

        def record(self, *args, **kwargs):
            data = args if name == "set_data" and len(args) == 2 else args[0]
            data_given.extend(np.asarray(d, dtype=float) for d in _arrays(data))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, record)

    for cls, name in [
        (Line2D, "set_data"),
        (LineCollection, "set_segments"),
        (PathCollection, "set_offsets"),
    ]:
        spy(cls, name)
    draw_path = RendererAgg.draw_path

    def spy_path(self, gc, path, transform, rgbFace=None):
        drawn.append(transform.transform(path.vertices))
        return draw_path(self, gc, path, transform, rgbFace)

    monkeypatch.setattr(RendererAgg, "draw_path", spy_path)
    data = race_gif(obj, runs, max_frames=30, **SIZE)
    assert data_given and drawn
    assert all(np.isfinite(xy).all() for xy in data_given + drawn)
    # The diverged paths were drawn, far points and all (Agg cuts them at the panel).
    assert max(float(np.abs(xy).max(initial=0)) for xy in data_given) > 1e3
    steps = frame_steps(300, list(diverged.values()), 30)
    assert set(diverged.values()) - {-1} <= set(steps.tolist())
    assert Image.open(io.BytesIO(data)).n_frames == len(steps)


def test_output_is_deterministic(wild):
    obj, runs = wild
    assert race_gif(obj, runs, max_frames=20, **SIZE) == race_gif(obj, runs, max_frames=20, **SIZE)


def test_bad_inputs_are_refused(calm):
    obj, runs = calm
    with pytest.raises(ValueError, match="at least one run"):
        race_gif(obj, [])
    short = replace(runs[0], positions=runs[0].positions[:-1], gaps=runs[0].gaps[:-1])
    with pytest.raises(ValueError, match="same number of steps"):
        race_gif(obj, [runs[1], short])
    with pytest.raises(ValueError, match="too few"):
        race_gif(obj, runs, width=150, height=100)
    with pytest.raises(ValueError, match="too few"):  # tall, but the plots get too narrow
        race_gif(obj, runs, width=230, height=400)


def test_default_race_is_small():
    s = default_settings("rosenbrock")
    obj = s.objective
    data = race_gif(obj, race_runs(obj, run_race(s)))
    assert Image.open(io.BytesIO(data)).n_frames == 100
    # One shared palette and transparent unchanged pixels keep it this small (frames
    # quantised one by one and stored whole come to about 1.8 MB).
    assert len(data) < 2**20


def test_scene_runs_keep_their_own_colours_in_the_gif():
    from momentum_app.race.runs import run_one
    from momentum_app.talk import scenes

    scene = scenes.scene_named("start-low")
    results = {run.key: run_one(scene.settings(run)) for run in scene.runs}
    runs = scenes.scene_runs(scene, results)
    last = Image.open(io.BytesIO(race_gif(scene.objective, runs)))
    last.seek(last.n_frames - 1)
    rgb = last.convert("RGB")
    colours = {
        rgb.getpixel(p) for p in [(x, y) for x in range(0, 720, 2) for y in range(0, 480, 2)]
    }
    for run in runs:
        want = tuple(int(run.color[i : i + 2], 16) for i in (1, 3, 5))
        assert any(sum(abs(a - b) for a, b in zip(c, want, strict=True)) < 30 for c in colours)


def test_gifs_drawn_at_once_from_two_threads_are_the_same_as_one_at_a_time(calm):
    """A Streamlit server runs each session in its own thread: two downloads at once must
    not mix their figures."""
    obj, runs = calm
    alone = race_gif(obj, runs, max_frames=10, **SIZE)
    results = [None, None]

    def draw(k: int) -> None:
        results[k] = race_gif(obj, runs[k:] + runs[:k], max_frames=10, **SIZE)

    threads = [threading.Thread(target=draw, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == alone
    assert results[1] == race_gif(obj, runs[1:] + runs[:1], max_frames=10, **SIZE) != alone


def test_importing_the_module_leaves_matplotlib_unloaded():
    """The app imports this module when it starts; matplotlib (~0.5 s to import) is only
    loaded when a GIF is made."""
    code = "import sys, momentum_app.race.gif_export; print('matplotlib' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_exports_are_labelled_with_the_function_start_alpha_and_beta():
    # The exported HTML and GIF said only "Race on Rosenbrock" (#19 item 6).
    from dataclasses import replace as with_

    from momentum_app.config.settings import default_settings
    from momentum_app.race.runs import export_title, race_runs, run_race
    from momentum_app.ui import cache

    s = with_(default_settings("custom"), formula="x^2 + 3*y^2", lr=0.05, momentum=0.8,
              start=(1.5, -2.0), steps=60, optimizers=("sgd", "momentum"))  # fmt: skip
    title = export_title(s)
    assert title == "Custom: f = x^2 + 3*y^2, start (1.5, -2)"
    runs = race_runs(s.objective, run_race(s), s)
    assert [r.label for r in runs] == ["SGD (α = 0.05)", "Momentum (α = 0.05, β = 0.8)"]
    gif = race_gif(s.objective, runs, title=title, max_frames=5)
    assert gif != race_gif(s.objective, runs, max_frames=5)  # the header differs
    html = cache.race_html(s, cache.race_view(s).data)
    assert '<p class="heading">' + title + " · SGD (α = 0.05); Momentum (α = 0.05, β = 0.8)" in html
