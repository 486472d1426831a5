"""Test functions: analytic derivatives against finite differences, minima against the
stationarity conditions, and the facts REFERENCE.md states."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import FACTORIES, get_objective

NAMES = list(FACTORIES)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def points_in_domain(obj, rng, n=20):
    (x0, x1), (y0, y1) = obj.domain
    pts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    if obj.name == "ackley":  # no derivative at the origin
        pts = pts[np.linalg.norm(pts, axis=1) > 1e-3]
    return pts


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)], ids=["point", "batch", "grid"])
def test_shapes(name, shape, rng):
    obj = get_objective(name)
    p = rng.uniform(-1, 1, (*shape, 2))
    assert obj.value(p).shape == shape
    assert obj.gradient(p).shape == (*shape, 2)
    assert obj.hessian(p).shape == (*shape, 2, 2)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name, rng):
    obj = get_objective(name)
    p = points_in_domain(obj, rng)
    h = 1e-6
    fd = np.stack([(obj.value(p + h * e) - obj.value(p - h * e)) / (2 * h) for e in np.eye(2)], -1)
    g = obj.gradient(p)
    scale = np.maximum(1.0, np.abs(g))
    np.testing.assert_allclose(g / scale, fd / scale, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_finite_differences_of_gradient(name, rng):
    obj = get_objective(name)
    p = points_in_domain(obj, rng)
    h = 1e-6
    fd = np.stack(
        [(obj.gradient(p + h * e) - obj.gradient(p - h * e)) / (2 * h) for e in np.eye(2)], -1
    )
    hess = obj.hessian(p)
    np.testing.assert_allclose(hess, np.swapaxes(hess, -1, -2), rtol=1e-12, atol=1e-12)
    scale = np.maximum(1.0, np.abs(hess))
    np.testing.assert_allclose(hess / scale, fd / scale, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_global_minima_are_stationary_with_value_f_star(name):
    obj = get_objective(name)
    for m in obj.global_minima:
        assert obj.value(m) == pytest.approx(obj.f_star, abs=1e-9)
        assert np.linalg.norm(obj.gradient(m)) < 1e-6
        if name != "ackley":  # the cone has no Hessian at the origin
            assert np.all(np.linalg.eigvalsh(obj.hessian(m)) > 0)


@pytest.mark.parametrize("name", NAMES)
def test_local_minima_are_minima_above_f_star_in_the_domain(name):
    obj = get_objective(name)
    (x0, x1), (y0, y1) = obj.domain
    for m in obj.local_minima:
        assert np.linalg.norm(obj.gradient(m)) < 1e-8
        assert np.all(np.linalg.eigvalsh(obj.hessian(m)) > 0)
        assert obj.value(m) > obj.f_star + 1e-6
        assert x0 <= m[0] <= x1 and y0 <= m[1] <= y1
    assert len(np.unique(obj.minima.round(6), axis=0)) == len(obj.minima)


@pytest.mark.parametrize("name", NAMES)
def test_record_is_consistent(name):
    obj = get_objective(name)
    (x0, x1), (y0, y1) = obj.domain
    assert x0 <= obj.x0[0] <= x1 and y0 <= obj.x0[1] <= y1
    low, high = obj.lr_range
    assert 0 < low <= obj.lr_default <= high
    assert obj.name == name
    assert obj.is_global.sum() == len(obj.global_minima)


def test_rastrigin_has_121_minima_in_its_domain():
    rast = get_objective("rastrigin")
    assert len(rast.minima) == 121
    assert rast.is_global.tolist() == [True] + [False] * 120


def test_rastrigin_curvature_at_minima():
    # REFERENCE.md says "about 396.6-396.8". That holds near the centre; the curvature
    # falls to 391.8 at the outermost minima (|x_i| ~ 4.97), so the global minimum,
    # 2 + 4 pi^2 A = 396.78, is the stiffest and sets the stability limit lr < 0.00504.
    rast = get_objective("rastrigin")
    curv = np.array([np.linalg.eigvalsh(rast.hessian(m)) for m in rast.minima])
    assert curv[0] == pytest.approx([2 + 40 * np.pi**2] * 2)
    assert curv.max() == curv[0, 0]
    assert curv.min() == pytest.approx(391.80, abs=0.01)
    assert 2 / curv.max() == pytest.approx(0.00504, abs=1e-5)


def test_rosenbrock_hessian_at_minimum_matches_reference():
    eig = np.linalg.eigvalsh(get_objective("rosenbrock").hessian(np.array([1.0, 1.0])))
    np.testing.assert_allclose(eig, [0.39936, 1001.6006], rtol=1e-5)
    assert 2 / eig[1] == pytest.approx(0.0019968, rel=1e-4)


def test_reference_minima_values():
    six = get_objective("six-hump-camel")
    assert six.f_star == pytest.approx(-1.0316285, abs=1e-7)
    np.testing.assert_allclose(np.abs(six.global_minima), [[0.089842, 0.712656]] * 2, atol=1e-6)
    st = get_objective("styblinski-tang")
    assert st.f_star == pytest.approx(-78.332331, abs=1e-6)
    np.testing.assert_allclose(st.global_minima, [[-2.903534, -2.903534]], atol=1e-6)
    him = get_objective("himmelblau")
    want = [[3, 2], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]]
    np.testing.assert_allclose(him.global_minima, want, atol=1e-6)


def test_parameters_move_the_minimum():
    rosen = get_objective("rosenbrock", a=2.0, b=10.0)
    np.testing.assert_array_equal(rosen.global_minima, [[2.0, 4.0]])
    assert rosen.value(np.array([2.0, 4.0])) == 0.0
    quad = get_objective("quadratic", condition=100.0, angle=0.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(quad.hessian(np.zeros(2))), [0.01, 1.0])
    assert len(get_objective("rastrigin", A=3.0).minima) == 121


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("nope", {}, "unknown function 'nope'"),
        ("rosenbrock", {"c": 1.0}, "rosenbrock has no parameter 'c'"),
        ("rosenbrock", {"b": -1.0}, "b must be > 0, got -1"),
        ("rastrigin", {"A": float("nan")}, "A must be > 0, got nan"),
        ("quadratic", {"condition": 0.5}, "condition must be >= 1, got 0.5"),
        ("booth", {"a": 1.0}, "booth has no parameter 'a'"),
    ],
)
def test_bad_names_and_parameters(name, params, message):
    with pytest.raises(ValueError, match=message):
        get_objective(name, **params)


@pytest.mark.parametrize("name", NAMES)
def test_no_warnings_far_outside_the_domain(name):
    # pyproject turns RuntimeWarning into errors: huge points must not warn.
    obj = get_objective(name)
    p = np.array([[1e3, -1e3], [1e150, 1e150], [0.0, 0.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        obj.value(p), obj.gradient(p)
    obj.value(p[:1]), obj.gradient(p[:1])
