"""The article's-model page: its runs against the core's, its figure, its verdict, its link."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from momentum_app.config.links import from_query
from momentum_app.config.settings import ModelSettings
from momentum_app.studies import model_view
from momentum_app.studies.model_figures import loss_bands_figure
from momentum_app.ui import state
from momentum_core import heavy_ball
from momentum_core.model import Model, glorot_params, make_dataset, train_batch
from tests.app.harness import component_args, page_at

DEFAULT = (0.01, 0.9, 32, 20, "linear", 10, 0)
#: Too high a learning rate for β = 0.99: most seeds diverge, none of SGD's.
TOO_FAST = (0.05, 0.99, 32, 20, "linear", 10, 0)


@pytest.fixture(scope="module")
def race():
    return model_view.model_race(*DEFAULT)


@pytest.fixture(scope="module")
def fast():
    return model_view.model_race(*TOO_FAST)


def test_the_race_is_the_cores_runs_seed_by_seed(race):
    """Seed 3 at the chosen β, trained alone, gives the race's column."""
    lr, beta, batch, epochs, act, _, data_seed = DEFAULT
    one = train_batch(Model(act, make_dataset(data_seed)), heavy_ball(lr, beta),
                      glorot_params(3), epochs, batch, data_seed)  # fmt: skip
    assert race.momenta[race.chosen] == beta and race.momenta[0] == 0
    np.testing.assert_allclose(race.train[:, 3, race.chosen], one.train_loss[:, 0], rtol=1e-12)
    np.testing.assert_allclose(race.val[:, 3, race.chosen], one.val_loss[:, 0], rtol=1e-12)


def test_band_stops_where_half_the_seeds_diverged():
    losses = np.array([[1.0, 1, 1, 1], [0.5, 0.5, np.inf, np.inf], [0.2, np.inf, np.inf, np.inf]])
    median, low, high = model_view.band(losses)
    assert median.tolist() == [1.0, 0.5] and low.tolist() == [1.0, 0.5, 0.2]
    assert high.tolist() == [1.0]


def test_figure_draws_medians_and_bands_without_nan(fast):
    fig = loss_bands_figure(fast)
    ys = [np.asarray(t.y, dtype=float) for t in fig.data]
    assert all(np.isfinite(y).all() for y in ys)
    medians = [t for t in fig.data if "median" in t.name]
    assert len(medians) == 4  # SGD and momentum, train and validation
    sgd, momentum = medians[0], medians[1]
    assert len(sgd.y) == TOO_FAST[3] + 1  # SGD never diverged: every epoch
    first = int(fast.diverged[:, fast.chosen].sum())
    assert first > fast.seeds // 2 and len(momentum.y) < len(sgd.y)  # the median stops


def test_presenter_fonts_reach_every_tick_and_panel_title(race):
    # Streamlit's theme drew 10 px ticks over the figure's own 20 px font on a projector.
    fig = loss_bands_figure(race, 20, presenting=True)
    axes = [fig.layout[name] for name in ("xaxis", "xaxis2", "yaxis", "yaxis2")]
    assert all(axis.tickfont.size == 20 and axis.title.font.size == 20 for axis in axes)
    assert all(a.font.size >= 20 for a in fig.layout.annotations)  # "Training loss", ...
    assert fig.layout.yaxis.dtick == fig.layout.yaxis2.dtick == "D2"  # 1, 2, 5 a decade
    assert loss_bands_figure(race, 14).layout.xaxis.tickfont.size < 20
    assert fig.layout.height > loss_bands_figure(race, 20).layout.height  # taller presenting


def test_a_divergences_spike_does_not_crowd_the_loss_axis(fast):
    # "1, 2, 5 a decade" over the 20 decades of a diverging band were ~60 labels.
    fig = loss_bands_figure(fast, 20, presenting=True)
    for axis, ref in (("yaxis", "y"), ("yaxis2", "y2")):
        ys = np.concatenate([np.asarray(t.y, float) for t in fig.data if t.yaxis == ref])
        ys = ys[np.isfinite(ys) & (ys > 0)]
        decades = np.log10(ys.max() / ys.min())
        dtick = fig.layout[axis].dtick
        assert decades > 3 and dtick != "D2" and decades / dtick <= 6, (decades, dtick)
    assert all(t.mode == "lines" for t in fig.data)  # no marker dots on short bands


def test_verdict_counts_wins_from_the_runs(race):
    lines = model_view.verdict(race)
    target = model_view.target_loss(race)
    sgd = model_view.epochs_to(race.losses("train", 0), target)
    mom = model_view.epochs_to(race.losses("train", race.chosen), target)
    wins = int(np.sum(mom < sgd))
    assert f"training loss ≤ {target:.4g}" in lines[0]
    assert f"**{wins} of {race.seeds}**" in lines[1]
    assert wins > race.seeds // 2  # the article's claim holds here


def test_verdict_names_the_momentum_that_diverges(fast):
    text = " ".join(model_view.verdict(fast))
    k = int(fast.diverged[:, fast.chosen].sum())
    assert k > fast.seeds // 2 and f"β = 0.99 on {k} of {fast.seeds}" in text
    assert "Momentum reached it first on **0 of" in text


def test_page_opens_with_its_figure_and_verdict():
    at = page_at("pages/model.py", {"epochs": "20", "seeds": "10"})
    assert not at.warning
    assert at.get("plotly_chart")
    assert any("Momentum reached it first" in m.value for m in at.markdown)
    assert at.query_params["act"] == ["linear"] or at.query_params["act"] == "linear"


def test_bad_link_values_warn_once_each_and_fall_back():
    query = {"lr": "5", "seeds": "3", "act": "sigmoid", "batch": "x", "epochs": "20"}
    at = page_at("pages/model.py", query)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 4 and all("\n" not in w for w in warnings)
    assert any("using 0.3" in w for w in warnings)


@pytest.fixture
def rng():
    return np.random.default_rng(17)


@pytest.fixture(scope="module", params=["linear", "tanh"])
def path(request):
    return model_view.network_path(0.05, 0.9, 64, 5, request.param, 0)


def test_the_plane_is_the_loss_through_its_centre(path, rng):
    """value(x, y) is the training loss at centre + x d1 + y d2: the same weights the
    projection maps back (the linear network's quadratic form included)."""
    from momentum_core.model import loss_and_gradient

    obj, data = path.objective, make_dataset(0)
    act = obj.name.rsplit("-", 1)[1]
    # Back from the plane: the final weights project to (0, 0) when they are the centre.
    chosen = int(np.abs(path.momenta - 0.9).argmin())
    np.testing.assert_allclose(path.family.positions[-1, chosen], 0.0, atol=1e-12)
    points = rng.uniform(-1, 1, (7, 2))
    loss, grad = obj.fused(points)
    np.testing.assert_allclose(obj.value(points), loss, rtol=1e-9)
    h = np.array([1e-6, 0.0])
    fd = (obj.value(points + h) - obj.value(points - h)) / (2 * h[0])
    np.testing.assert_allclose(grad[:, 0], fd, rtol=1e-5, atol=1e-8)
    # The loss panel: the true loss of the true weights, at every step.
    first = loss_and_gradient(glorot_params(0), data.x_train, data.y_train, act)[0]
    np.testing.assert_allclose(path.family.losses[0], first[0], rtol=1e-12)
    lowest = path.family.losses[:, path.family.diverged_step < 0].min()
    assert path.objective.f_star == lowest - path.tolerance / 100


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_the_path_charts_landscape_is_the_compiled_loss_numpys_within_1e_12(act, monkeypatch):
    """The chart's 240 x 240 landscape of the network's loss: computed by the training
    loop's compiled loss once it is loaded, numpy's until then; the two agree."""
    from momentum_app.race.figures import landscape_values
    from momentum_core import engine

    assert engine.warm(wait=True) is not None
    obj = model_view.network_path(0.05, 0.9, 64, 5, act, 0).objective
    (x0, x1), (y0, y1) = obj.domain
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 240), np.linspace(y0, y1, 240)), -1)
    compiled = obj.value(grid)
    monkeypatch.setenv("MOMENTUM_ENGINE", "numpy")  # what answers before the loop is loaded
    numpy = obj.value(grid)
    np.testing.assert_allclose(compiled, numpy, rtol=1e-12, atol=0)
    assert not np.array_equal(compiled, numpy)  # two formulations: the comparison is real
    assert np.all(np.isfinite(landscape_values(obj)[2]))


def test_path_data_has_no_nan_and_names_its_tolerance(path):
    from momentum_app.race import runs
    from momentum_app.race.figures import COLORS
    from momentum_core import Family

    sgd = runs.Track("sgd", "SGD", COLORS["sgd"], Family("sgd", None, path.sgd))
    mom = runs.Track("momentum", "M", COLORS["momentum"],
                     Family("momentum", path.momenta, path.family))  # fmt: skip
    data = runs.view(path.objective, path.start, [sgd, mom], 14, tolerance=path.tolerance)
    assert "NaN" not in data and f'"tolerance":{path.tolerance!r}' in data
    caption = model_view.path_caption(path)
    assert "projection" in caption and model_view.share_down(path.explained) in caption


def test_page_draws_the_path_with_the_race_component():
    from tests.app.harness import component_args

    at = page_at("pages/model.py", {"epochs": "10", "seeds": "10"})
    assert component_args(at, "race_component")
    assert any("It is a projection" in c.value for c in at.caption)


def test_presenter_mode_shows_the_page_without_its_controls():
    at = page_at("pages/model.py", {"epochs": "10", "seeds": "10"}, present=True)
    assert not at.sidebar.number_input and at.get("plotly_chart")
    assert any("Momentum reached it first" in m.value for m in at.markdown)


def test_a_batch_of_one_is_clamped_to_the_pages_smallest():
    """Batch 1 for 100 epochs would record 25,600 steps of every β: the link says no."""
    at = page_at("pages/model.py", {"batch": "1", "epochs": "5", "seeds": "10"})
    assert [w.value for w in at.warning] == [
        state.plain("batch=1 is outside the batch sizes [8, 256]; using 8.")
    ]
    assert at.query_params["batch"] in ("8", ["8"])


def test_whole_settings_show_as_whole_numbers_and_ranges_read_plainly():
    """Issue #26: "Batch size 32.00", "Epochs 50.00", and a seed range "0 to 2.14748e+09"."""
    at = page_at("pages/model.py", {"epochs": "5", "seeds": "10"})
    boxes = {n.label: n for n in at.sidebar.number_input}
    for label in ("Batch size", "Epochs", "Initialisations (seeds)", "Data and shuffle seed"):
        box = boxes[label]
        assert isinstance(box.value, int) and box.step == 1, (label, box.value, box.step)
        assert box.proto.format == "%d", (label, box.proto.format)
    ranges = [c.value for c in at.sidebar.caption]
    assert "0 to 2,147,483,647" in ranges and "8 to 256" in ranges
    assert not any("e+" in r for r in ranges), ranges


@pytest.mark.parametrize(
    ("low", "high", "shown"),
    [(0, 2**31 - 1, "0 to 2,147,483,647"), (9.56604e-05, 0.956604, "9.566e-05 to 0.9566"),
     (1e-4, 0.3, "0.0001 to 0.3")],
    ids=["seed", "rate", "plain"],
)  # fmt: skip
def test_a_boxs_range_is_in_the_apps_number_format(low, high, shown):
    from momentum_app.ui.widgets import bounds

    assert bounds(low, high) == shown


def test_the_planes_share_is_the_centred_variance_and_never_rounds_up_to_all():
    """Issue #26: "the plane holds 100 % of the paths' variance" at the page's defaults,
    where the plane holds 99.3 %: the share counted the mean's offset as variance and
    was rounded up."""
    lr, beta, batch, epochs, act, data_seed = 0.01, 0.9, 32, 50, "linear", 0
    path = model_view.network_path(lr, beta, batch, epochs, act, data_seed)
    one = train_batch(Model(act, make_dataset(data_seed)), heavy_ball(lr, np.array([0.0, beta])),
                      glorot_params(model_view.PATH_SEED), epochs, batch, data_seed,
                      record_params=True)  # fmt: skip
    points = one.params.reshape(-1, one.params.shape[-1])
    centred = points - points.mean(axis=0)
    total = np.sum(centred**2)
    d = np.linalg.svd(centred, full_matrices=False)[2][:2]
    assert path.explained == pytest.approx(np.sum((centred @ d.T) ** 2) / total, rel=1e-9)
    # Any other plane holds less: the path's own directions hold the most.
    rng = np.random.default_rng(3)
    other = np.linalg.qr(rng.normal(size=(points.shape[1], 2)))[0].T
    assert np.sum((centred @ other.T) ** 2) / total < path.explained < 1
    caption = model_view.path_caption(path)
    assert "100%" not in caption and model_view.share_down(path.explained) in caption


@pytest.mark.parametrize(
    ("share", "shown"), [(0.99996, "99.9%"), (1.0, "100%"), (0.92, "92%"), (0.0049, "0.4%")]
)
def test_a_share_is_rounded_down(share, shown):
    assert model_view.share_down(share) == shown


@pytest.fixture(scope="module")
def hot():
    """lr = 0.3, the issue's case, over the page's default 20 seeds: its verdict as shown
    and the runs it speaks of."""
    query = {"lr": "0.3"}
    at = page_at("pages/model.py", query)
    s, _ = from_query(ModelSettings, query)
    race = model_view.model_race(s.lr, s.momentum, s.batch, s.epochs, s.activation,
                                 s.seeds, s.data_seed)  # fmt: skip
    return [m.value for m in at.markdown], race


def test_sgd_is_not_listed_as_a_momentum_that_does_not_help(hot):
    """Issue #26: at lr = 0.3 "Where it does not help" listed β = 0, SGD itself."""
    lines, race = hot
    n, sgd_diverged = race.seeds, int(race.diverged[:, 0].sum())
    assert sgd_diverged > 0  # the case this test is about: SGD diverged on a seed
    (where,) = [line for line in lines if line.startswith("Where it does not help")]
    assert "β = 0 on" not in where
    assert f"SGD itself (β = 0) diverged on {sgd_diverged} of {n}" in where
    for i, b in enumerate(race.momenta[1:], 1):
        k = int(race.diverged[:, i].sum())
        assert (f"β = {b:g} on {k} of {n}" in where) == (k > 0), b


def test_every_momentum_slower_than_sgd_is_named(hot):
    """Issue #26: "later than SGD at β = 0.6" hid 0.7 to 0.99, slower too (they had also
    diverged on some seeds, which dropped them from the list)."""
    lines, race = hot
    target = model_view.target_loss(race)
    median = lambda i: np.percentile(  # noqa: E731
        model_view.epochs_to(race.losses("train", i), target), 50, method="inverted_cdf"
    )
    sgd = median(0)
    later = {f"{b:g} ({median(i):.0f})" for i, b in enumerate(race.momenta) if i
             and sgd < median(i) < np.inf}  # fmt: skip
    never = {f"{b:g}" for i, b in enumerate(race.momenta) if i and not np.isfinite(median(i))}
    assert len(later) + len(never) > 1  # several β share the verdict
    (slow,) = [line for line in lines if "Later than SGD" in line or "never reached" in line]
    later_at = r"Later than SGD to the target \(median epochs; SGD (\d+)\) at β = (.*?)\.(?: |$)"
    match = re.search(later_at, slow)
    assert match and int(match[1]) == sgd and set(match[2].split(", ")) == later
    named_never = re.search(r"Most seeds never reached it at β = (.*)\.$", slow)
    assert named_never and set(named_never[1].split(", ")) == never


def test_the_path_chart_names_its_axes_counts_epochs_and_races_to_the_verdicts_target():
    """Issue #26: the path chart's axes said x and y (they are the plane's directions),
    its clock counted steps while the verdict counted epochs, and it had its own finish
    line (5 % above seed 0's lowest loss) beside the verdict's target."""
    query = {"epochs": "10", "seeds": "10"}
    at = page_at("pages/model.py", query)
    (args,) = component_args(at, "race_component")
    data = args["data"] if isinstance(args["data"], dict) else json.loads(args["data"])
    layout = data["figure"]["layout"]
    assert "direction" in layout["xaxis"]["title"]["text"]
    assert "direction" in layout["yaxis"]["title"]["text"]
    s, _ = from_query(ModelSettings, query)
    race = model_view.race_for(s)
    target = model_view.target_loss(race)
    path = model_view.path_for(s, target)
    per = path.steps_per_epoch
    assert per * s.epochs == data["steps"] and per > 1  # a step is a mini-batch, not an epoch
    clock = layout["xaxis2"]
    assert clock["title"]["text"] == f"epoch ({per} steps each)"
    assert clock["tickvals"] == [int(t) * per for t in clock["ticktext"]]
    assert clock["ticktext"][0] == "0" and int(clock["ticktext"][-1]) <= s.epochs
    # One finish line: the readout's f* + tolerance is the verdict's target.
    verdict = " ".join(m.value for m in at.markdown)
    caption = next(c.value for c in at.caption if "It is a projection" in c.value)
    assert f"training loss ≤ {target:.4g}" in verdict
    assert f"training loss ≤ {target:.4g}" in caption
    assert data["tolerance"] == path.tolerance
    assert path.objective.f_star + path.tolerance == pytest.approx(target, rel=1e-12)
    assert path.objective.f_star < path.family.losses.min()  # the log gaps stay positive
    # A run is there from the first step at or under the target, as the verdict counts.
    losses = path.family.losses
    first = np.where((losses <= target).any(0), (losses <= target).argmax(0), -1)
    assert np.array_equal(path.family.tol_step, first)
    sgd = int(first[0])
    assert sgd < 0 or f"SGD at step {sgd:,} (during epoch {-(-sgd // per)})" in caption
