"""The network objective and its trainer against second formulations: finite
differences, runs one by one, plain gradient descent on the full-data objective, and the
compiled training loop against numpy's (the same numbers to rounding: numpy's sums go
through BLAS, in an order of its own)."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import (
    OPTIMIZER_NAMES,
    adam,
    engine,
    gradient_descent,
    heavy_ball,
    jobs,
    make_optimizer,
    run_batch,
)
from momentum_core.model import (
    ACTIVATIONS,
    LOSS_CHUNK,
    NUM_PARAMS,
    Dataset,
    Model,
    epoch_orders,
    glorot_params,
    loss_and_gradient,
    make_dataset,
    mean_squared_error,
    model_objective,
    predict,
    train_batch,
)

SMALL = make_dataset(seed=3, n_train=40, n_val=16)
LOOPS = ["numpy", "compiled"]


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def loop_loss(params: np.ndarray, x: np.ndarray, y: np.ndarray, activation: str) -> float:
    """The plain transcription, one run, one example at a time."""
    w1, b1 = params[:50].reshape(5, 10), params[50:60]
    w2, b2 = params[60:70], params[70]
    act = {"linear": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}
    total = 0.0
    for xi, yi in zip(x, y, strict=True):
        out = act[activation](xi @ w1 + b1) @ w2 + b2
        total += (out - yi) ** 2
    return total / len(x)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_loss_equals_the_plain_loop(activation, rng):
    params = rng.normal(0, 0.5, (3, NUM_PARAMS))
    loss, _ = loss_and_gradient(params, SMALL.x_train, SMALL.y_train, activation)
    for r in range(3):
        want = loop_loss(params[r], SMALL.x_train, SMALL.y_train, activation)
        assert loss[r] == pytest.approx(want, rel=1e-12)
    out = predict(params, SMALL.x_train, activation)
    assert out.shape == (3, 40)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_loss_alone_is_the_loss_of_loss_and_gradient_in_chunks(activation, rng):
    params = rng.normal(0, 0.5, (LOSS_CHUNK + 5, NUM_PARAMS))
    want = loss_and_gradient(params, SMALL.x_train, SMALL.y_train, activation)[0]
    got = mean_squared_error(params, SMALL.x_train, SMALL.y_train, activation)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.shape == (LOSS_CHUNK + 5,)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_compiled_loss_alone_is_numpys_within_1e_12(activation, rng):
    """The model page's landscape: the training loop's compiled loss (its sums, its tanh)
    against numpy's matrix products, for two chunks of runs (the second a partial block)
    on 43 examples (four at a time, then the rest), saturating weights included."""
    data = make_dataset(seed=5, n_train=43, n_val=4)
    params = rng.normal(0, 0.5, (LOSS_CHUNK + 133, NUM_PARAMS))
    params[:40] *= 30.0  # tanh at +-1, relu's huge outputs
    want = mean_squared_error(params, data.x_train, data.y_train, activation, loop="numpy")
    got = mean_squared_error(params, data.x_train, data.y_train, activation, loop="compiled")
    assert got.shape == want.shape == (LOSS_CHUNK + 133,)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert not np.array_equal(got, want) or activation == "linear"  # two formulations


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradient_equals_finite_differences(activation, rng):
    params = rng.normal(0, 0.5, (2, NUM_PARAMS))
    _, grad = loss_and_gradient(params, SMALL.x_train, SMALL.y_train, activation)
    h = 1e-6
    eye = np.eye(NUM_PARAMS) * h
    for r in range(2):
        plus = loss_and_gradient(params[r] + eye, SMALL.x_train, SMALL.y_train, activation)[0]
        minus = loss_and_gradient(params[r] - eye, SMALL.x_train, SMALL.y_train, activation)[0]
        np.testing.assert_allclose(grad[r], (plus - minus) / (2 * h), rtol=1e-6, atol=1e-7)


def test_glorot_weights_are_per_seed_and_in_keras_limits():
    both = glorot_params([4, 9])
    np.testing.assert_array_equal(both[1], glorot_params(9)[0])
    assert both.shape == (2, NUM_PARAMS)
    assert np.all(np.abs(both[:, :50]) <= np.sqrt(6 / 15))
    assert np.all(np.abs(both[:, 60:70]) <= np.sqrt(6 / 11))
    assert np.all(both[:, 50:60] == 0) and np.all(both[:, 70] == 0)
    with pytest.raises(ValueError, match="non-negative integers"):
        glorot_params([-1])


def test_the_data_set_is_reproducible_and_split():
    a, b = make_dataset(), make_dataset()
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert a.x_train.shape == (256, 5) and a.x_val.shape == (128, 5)
    assert not np.array_equal(make_dataset(seed=1).x_train, a.x_train)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_batch_of_runs_equals_the_runs_one_by_one(activation, loop):
    model = Model(activation, SMALL)
    params = glorot_params([0, 1, 2])
    lrs, mus = np.array([0.01, 0.05, 0.02]), np.array([0.0, 0.9, 0.5])
    batch = train_batch(model, heavy_ball(lrs, mus), params, 4, 8, shuffle_seed=5, loop=loop)
    for r in range(3):
        one = train_batch(model, heavy_ball(lrs[r], mus[r]), params[r], 4, 8, shuffle_seed=5,
                          loop=loop)  # fmt: skip
        np.testing.assert_allclose(batch.final_params[r], one.final_params[0], rtol=1e-12)
        np.testing.assert_allclose(batch.train_loss[:, r], one.train_loss[:, 0], rtol=1e-12)
        np.testing.assert_allclose(batch.val_loss[:, r], one.val_loss[:, 0], rtol=1e-12)


def test_full_batch_equals_gradient_descent_on_the_full_data_objective():
    model = Model("tanh", SMALL)
    params = glorot_params([0, 1])
    trained = train_batch(model, gradient_descent(0.05), params, 30, None, record_params=True)
    assert trained.steps_per_epoch == 1 and trained.num_steps == 30
    ran = run_batch(model_objective(model), gradient_descent(0.05), params, 30)
    np.testing.assert_allclose(trained.params, ran.positions, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trained.train_loss, ran.losses, rtol=1e-12)


@pytest.mark.parametrize("loop", LOOPS)
def test_momentum_zero_equals_sgd(loop):
    model = Model("relu", SMALL)
    params = glorot_params([0, 1])
    sgd = train_batch(model, gradient_descent(0.03), params, 5, 8, shuffle_seed=2, loop=loop)
    hb = train_batch(model, heavy_ball(0.03, 0.0), params, 5, 8, shuffle_seed=2, loop=loop)
    np.testing.assert_array_equal(sgd.final_params, hb.final_params)


@pytest.mark.parametrize("loop", LOOPS)
def test_every_run_sees_the_same_shuffle(loop):
    """A run's trajectory does not depend on the batch it is in: every run reads the
    same batches, in the same order, whatever the other runs' settings."""
    model = Model("linear", SMALL)
    params = glorot_params([3])
    alone = train_batch(model, adam(0.01), params, 3, 8, shuffle_seed=11, loop=loop)
    family = train_batch(model, adam(np.array([0.02, 0.01, 0.005])), params, 3, 8, 11,
                         loop=loop)  # fmt: skip
    np.testing.assert_array_equal(alone.order, family.order)
    np.testing.assert_allclose(family.final_params[1], alone.final_params[0], rtol=1e-12)
    np.testing.assert_array_equal(family.order, epoch_orders(40, 3, 11))
    assert all(sorted(o) == list(range(40)) for o in family.order)
    other = train_batch(model, adam(0.01), params, 3, 8, shuffle_seed=12, loop=loop)
    assert not np.array_equal(other.final_params, alone.final_params)


@pytest.mark.parametrize("loop", LOOPS)
def test_a_diverging_run_is_frozen_and_flagged_without_warnings(loop):
    model = Model("linear", SMALL)
    params = glorot_params([0, 0])
    result = train_batch(model, heavy_ball(np.array([0.01, 5.0]), 0.9), params, 20, 8, 0,
                         record_params=True, loop=loop)  # fmt: skip
    k = result.diverged_step[1]
    assert result.diverged_step[0] == -1 and k > 0
    for arr in (result.train_loss, result.val_loss, result.batch_loss, result.params):
        assert np.all(np.isfinite(arr))
    assert np.all(result.params[k:, 1] == result.params[k - 1, 1])
    assert result.diverged_epoch[1] == (k - 1) // result.steps_per_epoch + 1


def test_a_family_of_momenta_trains_in_one_call():
    model = Model("linear", SMALL)
    momenta = np.linspace(0, 0.99, 101)
    params = np.repeat(glorot_params(np.arange(3)), 101, axis=0)
    result = train_batch(model, heavy_ball(0.01, np.tile(momenta, 3)), params, 2, 16)
    assert result.train_loss.shape == (3, 303) and result.final_params.shape == (303, 71)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be"),
        ({"batch_size": 0}, "batch size"),
        ({"batch_size": 2.5}, "batch size"),
        ({"init_params": np.zeros(70)}, r"shape \(runs, 71\)"),
        ({"init_params": np.full(71, np.nan)}, "finite"),
        ({"optimizer": make_optimizer("momentum", [0.1, 0.2, 0.3])}, "3 hyperparameter sets"),
        ({"loop": "fast"}, "loop must be auto, compiled or numpy"),
    ],
    ids=["epochs", "batch-0", "batch-fraction", "width", "nan", "runs-mismatch", "loop"],
)
def test_bad_settings_are_refused(kwargs, message):
    args = {"model": Model("linear", SMALL), "optimizer": heavy_ball(0.01, 0.9),
            "init_params": glorot_params([0, 1]), "epochs": 2, "batch_size": 8}  # fmt: skip
    with pytest.raises(ValueError, match=message):
        train_batch(**{**args, **kwargs})


def test_an_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="unknown activation 'sigmoid'"):
        Model("sigmoid", SMALL)


#: Every field of a training result that holds numbers.
CURVES = ("train_loss", "val_loss", "batch_loss", "params", "final_params")


def assert_trained_alike(a, b, rtol=1e-12):
    """The same training to rounding: the same divergence steps, and the runs that did not
    diverge within ``rtol`` of each other, scaled to each run (numbers that shrink toward
    0 differ by the bits lost on the way, not by their own last bit). A diverged run's
    last weights come out of a blow-up that multiplies any rounding: only its step counts."""
    np.testing.assert_array_equal(b.diverged_step, a.diverged_step)
    np.testing.assert_array_equal(b.order, a.order)
    kept = a.diverged_step < 0
    for name in CURVES:
        want, got = getattr(a, name), getattr(b, name)
        assert (want is None) == (got is None), name
        if want is None:
            continue
        if name == "final_params":
            want, got = want[None], got[None]
        want, got = want[:, kept], got[:, kept]
        scale = np.max(np.abs(want), axis=tuple(i for i in range(want.ndim) if i != 1),
                       keepdims=True)  # fmt: skip
        assert np.all(np.abs(got - want) <= rtol * scale), name


#: The optimizers whose step grows with the gradient (the others divide it by its size).
PLAIN = ("sgd", "momentum", "nesterov", "keras-momentum")


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_compiled_loop_trains_as_numpy_does(activation, name):
    """Every optimizer and activation, a run per rate from crawling to diverging (the
    adaptive ones' steps are bounded: at their top rate they bounce chaotically, where any
    rounding becomes another path), the last batch of each epoch smaller than the others
    (40 = 3 x 12 + 4)."""
    model = Model(activation, SMALL)
    lrs = np.array([0.001, 0.01, 0.03, 0.1, 4.0 if name in PLAIN else 0.2])
    optimizer = make_optimizer(name, lrs, np.linspace(0.5, 0.95, 5))
    params = glorot_params(np.arange(5))
    a = train_batch(model, optimizer, params, 6, 12, 3, record_params=True, loop="numpy")
    b = train_batch(model, optimizer, params, 6, 12, 3, record_params=True, loop="compiled")
    assert_trained_alike(a, b)
    assert a.num_steps == 24 and np.all(np.isfinite(b.params))
    if name in ("sgd", "momentum"):  # the spread reaches a divergence
        assert a.diverged_step[-1] > 0 and (a.diverged_step[:3] < 0).all()


@pytest.mark.parametrize(
    "optimizer",
    [
        make_optimizer("momentum", 0.05, 0.9, dampening=0.5),
        make_optimizer("momentum", 0.05, momentum_schedule=np.linspace(0.0, 0.95, 9)),
        make_optimizer("nesterov", np.array([0.01, 0.05]), 0.9),
        make_optimizer("momentum", np.array([0.01, 0.05]), np.array([0.0, 0.9])),
    ],
    ids=["dampened", "schedule", "nesterov-per-run", "plain-and-heavy"],
)
def test_the_compiled_loop_follows_schedules_and_switches(optimizer):
    model = Model("tanh", SMALL)
    params = glorot_params([4, 5])
    a = train_batch(model, optimizer, params, 5, 8, 1, loop="numpy")
    b = train_batch(model, optimizer, params, 5, 8, 1, loop="compiled")
    assert_trained_alike(a, b)
    assert np.abs(b.final_params - params).max() > 1e-2  # it moved


def test_a_full_batch_and_shared_weights_compile_alike():
    """One set of starting weights for many rates, the whole set a batch, no shuffle, and
    more runs than a block of the compiled loop holds."""
    model = Model("relu", SMALL)
    kernels = pytest.importorskip("momentum_core.kernels")
    lrs = np.geomspace(1e-3, 0.5, kernels.NET_BLOCK + 3)
    a = train_batch(model, heavy_ball(lrs, 0.9), glorot_params(7)[0], 3, None, None,
                    loop="numpy")  # fmt: skip
    b = train_batch(model, heavy_ball(lrs, 0.9), glorot_params(7)[0], 3, None, None,
                    loop="compiled")  # fmt: skip
    assert_trained_alike(a, b)


def test_auto_takes_numpy_until_the_compiled_loop_is_loaded(monkeypatch):
    model = Model("linear", SMALL)
    monkeypatch.setattr(engine, "compiled", lambda: None)
    auto = train_batch(model, heavy_ball(0.01, 0.9), glorot_params([0]), 2, 8, loop="auto")
    plain = train_batch(model, heavy_ball(0.01, 0.9), glorot_params([0]), 2, 8, loop="numpy")
    np.testing.assert_array_equal(auto.final_params, plain.final_params)


def test_the_compiled_tanh_is_within_a_few_ulps_of_the_exact_value():
    """The compiled loop's tanh is arithmetic (so that it runs as vector code), not the C
    library's: held to 4 ulps of the exact value (mpmath at 200 bits), everywhere it can
    differ: near 0, across the switches of its 2^k, and out to where tanh rounds to 1."""
    kernels = pytest.importorskip("momentum_core.kernels")
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(5)
    switches = np.arange(1, 58) * np.log(2) / 2  # where 2 |z| crosses k ln 2
    z = np.concatenate([
        rng.normal(0, 1, 2000), rng.uniform(-21, 21, 2000), np.geomspace(1e-300, 1e-3, 200),
        switches, np.nextafter(switches, 0),
    ])  # fmt: skip
    z = np.concatenate([z, -z])
    with mpmath.workprec(200):
        exact = np.array([float(mpmath.tanh(mpmath.mpf(float(v)))) for v in z])
    got = np.array([kernels.tanh(v) for v in z])
    ulps = np.abs(got - exact) / np.spacing(np.abs(exact))
    assert ulps.max() <= 4, z[np.argmax(ulps)]
    special = [kernels.tanh(v) for v in (0.0, -0.0, np.inf, -np.inf, 25.0)]
    assert special == [0.0, 0.0, 1.0, -1.0, 1.0]
    assert np.signbit(special[1]) and np.isnan(kernels.tanh(np.nan))


def test_the_compiled_loop_runs_the_version_loaded_at_start():
    """Whatever the layout of the data, the trainer hands the loop the array types its
    warm-up compiled: another version would be compiled in a visitor's request."""
    kernels = engine.warm(wait=True)
    assert kernels is not None, engine.failure()
    versions = len(kernels.train.signatures)
    data = Dataset(np.asfortranarray(SMALL.x_train), SMALL.y_train[::-1][::-1],
                   SMALL.x_val[::1], np.repeat(SMALL.y_val, 2)[::2])  # fmt: skip
    for act, shuffle, record in (("tanh", None, True), ("linear", 3, False)):
        result = train_batch(Model(act, data), adam(np.array([0.01, 0.02])), glorot_params(1)[0],
                             2, 8, shuffle, record_params=record, loop="compiled")  # fmt: skip
        assert np.all(np.isfinite(result.final_params))
    assert len(kernels.train.signatures) == versions


@pytest.mark.parametrize("batch", [1, 3, 6, 7])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_compiled_loop_groups_examples_as_numpy_adds_them(activation, batch):
    """The compiled loop takes a batch's examples four at a time and the rest one at a
    time (kernels.GROUP): batches of 1, 3, 6 and 7 take the single path, both, or mostly
    the grouped one, and a data set of 41 and 13 examples leaves some over in the losses."""
    data = make_dataset(seed=3, n_train=41, n_val=13)
    model = Model(activation, data)
    optimizer = heavy_ball(np.array([0.01, 0.03, 0.05]), np.array([0.0, 0.5, 0.9]))
    params = glorot_params(np.arange(3))
    a = train_batch(model, optimizer, params, 3, batch, 2, record_params=True, loop="numpy")
    b = train_batch(model, optimizer, params, 3, batch, 2, record_params=True, loop="compiled")
    assert_trained_alike(a, b)
    assert np.abs(b.final_params - params).max() > 1e-3  # it moved


def test_the_compiled_training_stops_between_blocks_when_its_asker_leaves():
    """The compiled loop is called a block of runs at a time (the numbers those of one
    call: the loop trains each block on its own), with jobs.checkpoint() between calls."""
    kernels = engine.warm(wait=True)
    assert kernels is not None, engine.failure()
    model = Model("tanh", SMALL)
    runs = 2 * kernels.NET_BLOCK + 3
    lrs = np.geomspace(1e-3, 0.1, runs)
    params = glorot_params(np.arange(runs))
    whole = train_batch(model, heavy_ball(lrs, 0.9), params, 2, 8, 1, loop="compiled")
    calls = []
    for lo in range(0, runs, kernels.NET_BLOCK):  # block by block, each call alone
        part = slice(lo, min(runs, lo + kernels.NET_BLOCK))
        calls.append(train_batch(model, heavy_ball(lrs[part], 0.9), params[part], 2, 8, 1,
                                 loop="compiled"))  # fmt: skip
    np.testing.assert_array_equal(whole.final_params,
                                  np.concatenate([c.final_params for c in calls]))  # fmt: skip
    np.testing.assert_array_equal(whole.val_loss, np.hstack([c.val_loss for c in calls]))
    looks = []

    def gone() -> bool:
        looks.append(1)
        return len(looks) > 1  # leaves after the first block

    with pytest.raises(jobs.Cancelled), jobs.Gate(1).slot("visitor", gone):
        train_batch(model, heavy_ball(lrs, 0.9), params, 2, 8, 1, loop="compiled")
    assert len(looks) == 2
