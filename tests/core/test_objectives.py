"""Test functions: analytic derivatives against finite differences, minima against the
stationarity conditions, records against their own claims, and the facts REFERENCE.md
states."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from momentum_core import FACTORIES, get_objective

NAMES = list(FACTORIES)

# Every function with its defaults, plus non-default parameters where a function has them:
# derivatives and minima must hold for those too.
CASES = [(name, {}) for name in NAMES] + [
    ("rosenbrock", {"a": -0.5, "b": 7.0}),
    ("rosenbrock", {"a": 2.0, "b": 1000.0}),
    ("rastrigin", {"A": 1.0}),
    ("rastrigin", {"A": 3.0}),
    ("rastrigin", {"A": 40.0}),
    ("rosenbrock", {"a": 0.5, "b": 1000.0}),
    ("quadratic", {"condition": 1000.0, "angle": -60.0}),
]
CASE_IDS = [
    name + "".join(f"-{key}={value:g}" for key, value in params.items()) for name, params in CASES
]

# How many minima each function lists (global, local) with its defaults.
MINIMA_COUNTS = {
    "rosenbrock": (1, 0),
    "rastrigin": (1, 120),
    "quadratic": (1, 0),
    "himmelblau": (4, 0),
    "beale": (1, 0),
    "booth": (1, 0),
    "matyas": (1, 0),
    "three-hump-camel": (1, 2),
    "six-hump-camel": (2, 4),
    "ackley": (1, 120),
    "styblinski-tang": (1, 3),
    "goldstein-price": (1, 3),
}


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def points_in_domain(obj, rng, n=20):
    (x0, x1), (y0, y1) = obj.domain
    pts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    if obj.name == "ackley":  # no derivative at the origin
        pts = pts[np.linalg.norm(pts, axis=1) > 1e-3]
    return pts


def central_differences(fn, p, h=1e-6):
    """d fn / d p_j stacked on a new last axis."""
    return np.stack([(fn(p + h * e) - fn(p - h * e)) / (2 * h) for e in np.eye(2)], -1)


def inside(obj, p):
    (x0, x1), (y0, y1) = obj.domain
    return x0 <= p[0] <= x1 and y0 <= p[1] <= y1


def test_every_function_has_a_pinned_minima_count():
    assert list(MINIMA_COUNTS) == NAMES


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)], ids=["point", "batch", "grid"])
def test_shapes(name, shape, rng):
    obj = get_objective(name)
    (x0, x1), (y0, y1) = obj.domain
    p = np.stack([rng.uniform(x0, x1, shape), rng.uniform(y0, y1, shape)], -1)
    value, gradient, hessian = obj.value(p), obj.gradient(p), obj.hessian(p)
    assert np.shape(value) == shape
    assert gradient.shape == (*shape, 2)
    assert hessian.shape == (*shape, 2, 2)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(gradient))


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_gradient_matches_finite_differences(name, params, rng):
    obj = get_objective(name, **params)
    p = points_in_domain(obj, rng)
    g = obj.gradient(p)
    fd = central_differences(obj.value, p)
    # Relative to the gradient's size at each point (Goldstein-Price reaches 1e6 at corners).
    scale = 1 + np.linalg.norm(g, axis=-1, keepdims=True)
    np.testing.assert_allclose(g / scale, fd / scale, rtol=0, atol=1e-5)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_hessian_is_symmetric_and_matches_finite_differences_of_gradient(name, params, rng):
    obj = get_objective(name, **params)
    p = points_in_domain(obj, rng)
    hess = obj.hessian(p)
    np.testing.assert_allclose(hess, np.swapaxes(hess, -1, -2), rtol=1e-12, atol=1e-12)
    fd = central_differences(obj.gradient, p)
    scale = 1 + np.linalg.norm(hess, axis=(-2, -1), keepdims=True)
    np.testing.assert_allclose(hess / scale, fd / scale, rtol=0, atol=1e-5)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_global_minima_are_stationary_with_value_f_star(name, params):
    obj = get_objective(name, **params)
    assert len(obj.global_minima) >= 1
    for m in obj.global_minima:
        assert inside(obj, m)
        assert obj.value(m) == pytest.approx(obj.f_star, abs=1e-8)
        assert np.linalg.norm(obj.gradient(m)) < 1e-6
        if name != "ackley":  # the cone has no Hessian at the origin
            # Positive definite (so certainly semidefinite) at every listed global minimum.
            assert np.linalg.eigvalsh(obj.hessian(m))[0] > 0


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_local_minima_are_strict_minima_above_f_star_in_the_domain(name, params):
    obj = get_objective(name, **params)
    for m in obj.local_minima:
        assert inside(obj, m)
        assert np.linalg.norm(obj.gradient(m)) < 1e-8
        assert np.linalg.eigvalsh(obj.hessian(m))[0] > 0
        assert obj.value(m) > obj.f_star + 1e-6
    assert len(np.unique(obj.minima.round(6), axis=0)) == len(obj.minima)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_minima_counts(name):
    obj = get_objective(name)
    assert (len(obj.global_minima), len(obj.local_minima)) == MINIMA_COUNTS[name]
    assert obj.is_global.tolist() == [True] * len(obj.global_minima) + [False] * len(
        obj.local_minima
    )


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_record_is_consistent(name):
    obj = get_objective(name)
    assert obj.name == name
    assert inside(obj, obj.x0)
    (x0, x1), (y0, y1) = obj.domain
    assert x0 < x1 and y0 < y1
    low, high = obj.lr_range
    assert 0 < low < high
    assert low <= obj.lr_default <= high
    assert obj.title and obj.formula and obj.latex


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_gradient_descent_at_default_rate_neither_diverges_nor_stalls(name, params):
    obj = get_objective(name, **params)
    p = np.array(obj.x0, dtype=float)
    f0 = obj.value(p)
    for _ in range(1000):
        p = p - obj.lr_default * obj.gradient(p)
    f = obj.value(p)
    assert np.all(np.isfinite(p)) and f < f0
    # Either it has settled in a listed minimum or it has covered at least half the gap.
    settled = np.min(np.linalg.norm(obj.minima - p, axis=1)) < 1e-3
    assert settled or f - obj.f_star < 0.5 * (f0 - obj.f_star)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_no_warnings_in_the_domain_or_far_outside_it(name):
    obj = get_objective(name)
    (x0, x1), (y0, y1) = obj.domain
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41)), -1)
    near = np.array([[1e3, -1e3], [-1e3, 5e2], [0.0, 0.0]])
    huge = np.array([[1e150, 1e150], [-1e300, 1e300], [1e200, -1e5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for p in (grid, near):
            assert np.all(np.isfinite(obj.value(p)))
            assert np.all(np.isfinite(obj.gradient(p)))
            assert np.all(np.isfinite(obj.hessian(p)))
        # Far enough out the values may overflow to inf or nan, silently.
        obj.value(huge), obj.gradient(huge), obj.hessian(huge)


def test_records_are_cached_and_read_only():
    rosen = get_objective("rosenbrock")
    assert get_objective("rosenbrock") is rosen
    assert get_objective("rosenbrock", b=100) is rosen
    with pytest.raises(ValueError, match="read-only"):
        rosen.global_minima[0, 0] = 5.0
    assert rosen.global_minima.tolist() == [[1.0, 1.0]]


# --- Rastrigin ---------------------------------------------------------------------------


def grid_minima_1d(A, bound=5.12, n=200_001):
    """The 1D Rastrigin minima by brute force: strict local minima of f on a fine grid."""
    x = np.linspace(-bound, bound, n)
    f = x * x - A * np.cos(2 * np.pi * x)
    i = np.flatnonzero((f[1:-1] < f[:-2]) & (f[1:-1] < f[2:])) + 1
    return x[i], x[1] - x[0]


def test_rastrigin_has_121_distinct_minima_near_the_integer_points():
    rast = get_objective("rastrigin")
    minima = rast.minima
    assert len(minima) == 121
    assert len(np.unique(minima.round(6), axis=0)) == 121
    np.testing.assert_array_equal(minima[0], [0.0, 0.0])
    # One per integer point of [-5, 5]^2, pulled a little towards the origin.
    k = np.round(minima)
    assert sorted(map(tuple, k.tolist())) == [(i, j) for i in range(-5, 6) for j in range(-5, 6)]
    assert np.all(np.abs(minima - k) < 0.03)
    assert np.all(np.abs(minima) <= np.abs(k))


@pytest.mark.parametrize("A", [0.03, 0.06, 0.3, 1.0, 3.0, 10.0, 40.0])
def test_rastrigin_minima_match_a_brute_force_scan(A):
    rast = get_objective("rastrigin", A=A)
    coords = np.unique(rast.minima[:, 0])
    want, dx = grid_minima_1d(A)
    assert len(coords) == len(want)
    np.testing.assert_allclose(coords, want, atol=dx)
    assert len(rast.minima) == len(want) ** 2


def test_rastrigin_shallower_ripples_pull_the_minima_towards_the_origin():
    deep, shallow = get_objective("rastrigin", A=10.0), get_objective("rastrigin", A=3.0)
    x_deep, x_shallow = np.unique(deep.minima[:, 0]), np.unique(shallow.minima[:, 0])
    assert len(x_deep) == len(x_shallow) == 11
    outer = x_deep != 0
    assert np.all(np.abs(x_shallow[outer]) < np.abs(x_deep[outer]))
    assert len(get_objective("rastrigin", A=1.0).minima) == 7**2


# --- parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [(1.0, 100.0), (2.0, 10.0), (-1.0, 5.0), (0.5, 1000.0)])
def test_rosenbrock_parameters_move_the_minimum(a, b):
    rosen = get_objective("rosenbrock", a=a, b=b)
    np.testing.assert_array_equal(rosen.global_minima, [[a, a * a]])
    assert rosen.value(np.array([a, a * a])) == 0.0
    assert rosen.value(np.array([a + 0.1, a * a])) > 0.0
    assert rosen.params == {"a": a, "b": b}


@pytest.mark.parametrize(("condition", "angle"), [(10.0, 30.0), (100.0, 0.0), (4.0, 90.0)])
def test_quadratic_eigenvalues_and_stiff_direction(condition, angle):
    quad = get_objective("quadratic", condition=condition, angle=angle)
    h = quad.hessian(np.zeros(2))
    lam_min, lam_max = quad.params["lambda_min"], quad.params["lambda_max"]
    np.testing.assert_allclose(np.linalg.eigvalsh(h), [1 / condition, 1.0])
    assert (lam_min, lam_max) == pytest.approx((1 / condition, 1.0))
    stiff = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    np.testing.assert_allclose(h @ stiff, lam_max * stiff, atol=1e-12)
    # The default rate is just under gradient descent's optimum, so the stiff direction
    # overshoots (zig-zags) without diverging.
    assert quad.lr_default == pytest.approx(0.9 * 2 / (lam_min + lam_max), rel=1e-2)
    assert 1 < quad.lr_default * lam_max < 2


def test_quadratic_coefficients_are_the_rotated_eigenvalues_to_the_last_bit():
    """Each coefficient of H = R diag(1, 1/kappa) R^T is one rounding of its exact value
    (a fused multiply-add), whatever the processor: here, against exact fractions."""
    from fractions import Fraction

    for condition, angle in [(10.0, 30.0), (123.4, -71.0), (1e4, 12.5)]:
        quad = get_objective("quadratic", condition=condition, angle=angle)
        c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
        lam = 1 / condition
        # The exact fused forms of c*c + (s*lam)*s, c*s - (s*lam)*c and s*s + (c*lam)*c.
        want = [
            float(Fraction(c * c) + Fraction(s * lam) * Fraction(s)),
            float(Fraction(c * s) - Fraction(s * lam) * Fraction(c)),
            float(Fraction(s * s) + Fraction(c * lam) * Fraction(c)),
        ]
        assert quad.code == f"0.5*({want[0]!r}*x**2 + {2 * want[1]!r}*x*y + {want[2]!r}*y**2)"


def test_quadratic_default_start_mixes_both_eigendirections():
    quad = get_objective("quadratic")
    _, vectors = np.linalg.eigh(quad.hessian(np.zeros(2)))
    assert np.all(np.abs(vectors.T @ np.array(quad.x0)) > 1.0)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("nope", {}, "unknown function 'nope'; choose one of: rosenbrock, rastrigin"),
        ("rosenbrock", {"c": 1.0}, "rosenbrock has no parameter 'c'"),
        ("booth", {"a": 1.0}, "booth has no parameter 'a'"),
        ("rosenbrock", {"b": -1.0}, "b must be > 0, got -1"),
        ("rosenbrock", {"b": float("inf")}, "b must be > 0, got inf"),
        ("rosenbrock", {"a": float("nan")}, "a must be finite, got nan"),
        ("rosenbrock", {"a": "one"}, "a must be a number, got 'one'"),
        ("rastrigin", {"A": 0.0}, "A must be > 0, got 0"),
        ("rastrigin", {"A": float("nan")}, "A must be > 0, got nan"),
        ("quadratic", {"condition": 0.5}, "condition must be >= 1, got 0.5"),
        ("quadratic", {"condition": float("inf")}, "condition must be >= 1, got inf"),
        ("quadratic", {"angle": float("nan")}, "angle must be finite, got nan"),
        ("quadratic", {"lambda_min": 0.1}, "quadratic has no parameter 'lambda_min'"),
    ],
)
def test_bad_names_and_parameters(name, params, message):
    with pytest.raises(ValueError, match=message):
        get_objective(name, **params)


# --- REFERENCE.md ------------------------------------------------------------------------


def test_rosenbrock_hessian_at_minimum_matches_reference():
    eig = np.linalg.eigvalsh(get_objective("rosenbrock").hessian(np.array([1.0, 1.0])))
    np.testing.assert_allclose(eig, [0.39936, 1001.6006], rtol=1e-5)
    assert eig[1] / eig[0] == pytest.approx(2508, rel=1e-3)
    assert 2 / eig[1] == pytest.approx(0.0019968, rel=1e-4)


def test_rastrigin_curvature_at_minima():
    # REFERENCE.md says "about 396.6-396.8". That holds only for the global minimum and
    # its nearest neighbours; the curvature falls to 391.80 at the outermost minima
    # (|x_i| ~ 4.97). The global minimum, 2 + 4 pi^2 A = 396.78, is the stiffest and sets
    # the stability limit lr < 0.00504.
    rast = get_objective("rastrigin")
    curv = np.linalg.eigvalsh(rast.hessian(rast.minima))
    np.testing.assert_allclose(curv[0], [2 + 40 * np.pi**2] * 2)
    assert curv.max() == pytest.approx(396.784, abs=1e-3)
    assert curv.min() == pytest.approx(391.803, abs=1e-3)
    assert 2 / curv.max() == pytest.approx(0.00504, abs=1e-5)


def test_reference_minima_and_values():
    six = get_objective("six-hump-camel")
    assert six.f_star == pytest.approx(-1.0316284534898774, abs=1e-12)
    np.testing.assert_allclose(
        six.global_minima, [[0.089842, -0.712656], [-0.089842, 0.712656]], atol=1e-6
    )
    st = get_objective("styblinski-tang")
    assert st.f_star == pytest.approx(-78.33233140754282, abs=1e-10)
    np.testing.assert_allclose(st.global_minima, [[-2.903534, -2.903534]], atol=1e-6)
    him = get_objective("himmelblau")
    # REFERENCE.md's 3.131312 and -1.848126 are truncated; the 6-digit roundings end in 3, 7.
    want = [[3, 2], [-2.805118, 3.131313], [-3.779310, -3.283186], [3.584428, -1.848127]]
    np.testing.assert_allclose(him.global_minima, want, atol=5e-7)
    gp = get_objective("goldstein-price")
    np.testing.assert_allclose(gp.local_minima, [[-0.6, -0.4], [1.8, 0.2], [1.2, 0.8]], atol=1e-9)
    np.testing.assert_allclose(gp.value(gp.local_minima), [30, 84, 840], rtol=1e-12)
    for name, point, f_star in [
        ("beale", (3.0, 0.5), 0.0),
        ("booth", (1.0, 3.0), 0.0),
        ("goldstein-price", (0.0, -1.0), 3.0),
    ]:
        obj = get_objective(name)
        np.testing.assert_array_equal(obj.global_minima, [point])
        assert obj.f_star == f_star
