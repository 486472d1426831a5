"""Two-dimensional test functions, one record each.

Every function is vectorised over points of shape ``(..., 2)``: ``value`` returns
shape ``(...)``, ``gradient`` shape ``(..., 2)`` and ``hessian`` shape ``(..., 2, 2)``.
The record itself allows any dimension ``d`` (:attr:`Objective.dim`; e.g. a network's
loss over its weights, :mod:`momentum_core.model`): read ``d`` for 2 throughout.
Everything known about a function (formula, domain, minima, start, learning-rate range)
lives in its one :class:`Objective` record, built by the factory registered under its
command-line name in :data:`FACTORIES`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from momentum_core.expression import _Node, parse, shown, to_latex, to_text
from momentum_core.tape import Tape, evaluate, record, tape_of
from momentum_core.tape import hessian as second_derivatives

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Objective:
    """A test function with everything the app and the CLI need to know about it.

    The test functions are 2D; ``dim`` says otherwise for a loss over ``d`` parameters,
    whose points then have shape ``(..., d)`` (and its ``domain`` has ``d`` ranges).

    Attributes:
        name: The command-line and URL name, e.g. ``"rosenbrock"``.
        title: The human name, e.g. ``"Rosenbrock"``.
        formula: The formula in plain text (a built-in's printed from ``code``).
        latex: The formula in LaTeX (for ``st.latex``; a built-in's printed from ``code``).
        code: The formula as a Python expression in ``x`` and ``y`` that uses only numbers,
            ``+ - * / **``, parentheses and ``sin cos exp sqrt pi e``: the guide page
            turns it into PyTorch, Keras, JAX and TF.js code, and a test checks it
            against ``value``.
        value: ``f(points) -> (...)`` for points of shape ``(..., 2)``.
        gradient: ``grad f(points) -> (..., 2)``.
        hessian: ``hess f(points) -> (..., 2, 2)``.
        domain: ``((x_min, x_max), (y_min, y_max))``, the plot domain (one range per
            coordinate).
        global_minima: Shape ``(k, 2)``, every global minimiser (k may be 0 where none
            is known).
        f_star: The global minimum value.
        local_minima: Shape ``(m, 2)``, known local (non-global) minimisers in the domain.
        x0: The default start point.
        lr_range: A sensible learning-rate range ``(low, high)`` for plain gradient
            descent and momentum on this function.
        lr_default: A learning rate inside ``lr_range`` at which the default start
            neither diverges nor crawls.
        log_scale: Whether a contour plot should use ``log10(f - f* + offset)``
            because values span many orders of magnitude.
        params: The function's own parameters (``{"a": 1.0, "b": 100.0}`` etc.).
        fused: Optional ``points -> (value, gradient)`` that shares their subexpressions;
            the runner's hot loop calls :meth:`value_and_gradient`, which falls back to
            ``value`` and ``gradient`` without it.
        minima_estimated: True when the minima, ``f_star``, the start and the learning
            rates were found numerically rather than known (a typed custom formula, see
            :mod:`momentum_core.formula`), so the app can say they are estimates.
        dim: The number of coordinates ``d`` of a point (2 for every test function).
        tape: The expression as a tape (:mod:`momentum_core.tape`), from which ``value``,
            ``gradient`` and ``fused`` are computed and which the compiled runner
            evaluates; None for a loss that is no formula in x and y (a network's).
    """

    name: str
    title: str
    formula: str
    latex: str
    code: str
    value: Callable[[Array], Array]
    gradient: Callable[[Array], Array]
    hessian: Callable[[Array], Array]
    domain: tuple[tuple[float, float], ...]
    global_minima: Array
    f_star: float
    local_minima: Array
    x0: tuple[float, ...]
    lr_range: tuple[float, float]
    lr_default: float
    log_scale: bool = False
    params: dict[str, float] = field(default_factory=dict)
    fused: Callable[[Array], tuple[Array, Array]] | None = None
    minima_estimated: bool = False
    dim: int = 2
    tape: Tape | None = None

    def value_and_gradient(self, points: Array) -> tuple[Array, Array]:
        """``(value(points), gradient(points))`` in one call (see :attr:`fused`)."""
        if self.fused is not None:
            return self.fused(points)
        return self.value(points), self.gradient(points)

    @property
    def minima(self) -> Array:
        """All known minimisers, shape ``(k + m, d)``: the global ones first."""
        return np.concatenate(
            [self.global_minima.reshape(-1, self.dim), self.local_minima.reshape(-1, self.dim)]
        )

    @property
    def is_global(self) -> Array:
        """Boolean mask over :attr:`minima`, true for the global minimisers."""
        k = len(self.global_minima.reshape(-1, self.dim))
        m = len(self.local_minima.reshape(-1, self.dim))
        return np.arange(k + m) < k


# --- helpers ---------------------------------------------------------------------------


def _pack(gx: Array, gy: Array) -> Array:
    """Stack two components along a new last axis (cheaper than np.stack in the hot loop)."""
    shape = gx.shape if type(gx) is np.ndarray else np.shape(gx)
    if (gy.shape if type(gy) is np.ndarray else np.shape(gy)) != shape:
        shape = np.broadcast_shapes(shape, np.shape(gy))
    out = np.empty((*shape, 2))
    out[..., 0], out[..., 1] = gx, gy
    return out


def _hess(fxx: Array, fxy: Array, fyy: Array) -> Array:
    fxx, fxy, fyy = np.broadcast_arrays(fxx, fxy, fyy)
    return np.stack([np.stack([fxx, fxy], -1), np.stack([fxy, fyy], -1)], -2)


class Functions(NamedTuple):
    """A formula's functions, as :class:`Objective` holds them (``**fns._asdict()``)."""

    value: Callable[[Array], Array]
    gradient: Callable[[Array], Array]
    hessian: Callable[[Array], Array]
    fused: Callable[[Array], tuple[Array, Array]]
    tape: Tape


def formula_functions(code: str, tree: _Node | None = None) -> Functions:
    """``value``, ``gradient``, ``hessian`` and ``fused`` of an expression in x and y (the
    record's ``code``; ``tree``, its parse tree if already read), all from its tape
    (:mod:`momentum_core.tape`): the one definition of a function, exact to the last
    derivative, for the built-in functions and typed ones alike."""
    tape = tape_of(code) if tree is None else record(tree, code)

    def value(p: Array) -> Array:
        p = np.asarray(p, dtype=float)
        return evaluate(tape, p[..., 0], p[..., 1], gradient=False)[0]

    def gradient(p: Array) -> Array:
        return fused(p)[1]

    def fused(p: Array) -> tuple[Array, Array]:
        p = np.asarray(p, dtype=float)
        f, gx, gy = evaluate(tape, p[..., 0], p[..., 1])
        return f, _pack(gx, gy)

    def hessian(p: Array) -> Array:
        p = np.asarray(p, dtype=float)
        return _hess(*second_derivatives(tape, p[..., 0], p[..., 1]))

    return Functions(_quiet(value), _quiet(gradient), _quiet(hessian), _quiet(fused), tape)


def _quiet(fn: Callable[[Array], Array]) -> Callable[[Array], Array]:
    """Let points far outside the domain give inf or nan instead of a RuntimeWarning.

    A diverging run reaches such points on purpose; callers detect non-finite values, and a
    warning per step would only drown the one that matters.
    """

    @functools.wraps(fn)
    def quiet(p: Array) -> Array:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return fn(p)

    return quiet


#: Characters of a formula's text beyond which its LaTeX is ``f = ...``.
_LONG = 80


def formula_latex(tree: _Node, number: Callable[[float], str] = shown) -> str:
    """A formula's LaTeX line, ``f(x, y) = ...`` (``f = ...`` for a long one, which saves
    the "(x, y)" to fit a laptop's column unscrolled), printed from its parse tree as it
    reads (:func:`~momentum_core.expression.to_latex`): built-in and typed formulas alike.

    >>> formula_latex(parse("x**2 + 10*sin(y)"))
    'f(x, y) = x^2 + 10\\\\sin y'
    """
    long = len(to_text(tree, number)) > _LONG
    return ("f = " if long else "f(x, y) = ") + to_latex(tree, number)


def _declared(code: str, note: tuple[str, str] | None = None) -> tuple[dict, Functions]:
    """A built-in function's fields that come from its one expression ``code``: the code,
    its formula as text and in LaTeX (:func:`~momentum_core.expression.to_text`,
    :func:`~momentum_core.expression.to_latex`) and its functions from its tape; and the
    functions again, for the factory's minima.

    ``note``, ``(text, latex)``: what the parameters mean, written after the formula (the
    quadratic's condition number and angle, which its coefficients hide).
    """
    tree = parse(code)
    fn = formula_functions(code, tree)
    formula, latex = to_text(tree), formula_latex(tree)
    if note is not None:
        formula, latex = f"{formula}; {note[0]}", rf"{latex},\quad {note[1]}"
    return {"code": code, "formula": formula, "latex": latex, **fn._asdict()}, fn


_NEWTON_STEPS = 8


def _newton(
    gradient: Callable[[Array], Array], hessian: Callable[[Array], Array], points: Array
) -> Array:
    """Refine approximate stationary points by Newton's method (vectorised, 2x2 solves).

    The starting points are good to a few digits, so eight Newton steps (quadratic
    convergence) reach machine precision; the check afterwards makes a bad start fail
    loudly when the record is built rather than list a point that is not stationary.
    """
    p = np.array(points, dtype=float)
    # A singular Hessian only shows up as non-convergence, reported below.
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_NEWTON_STEPS):
            p = p - newton_step(hessian(p), gradient(p))
        residual = np.linalg.norm(gradient(p), axis=-1)
    if not np.all(residual < 1e-9):
        raise RuntimeError(f"Newton refinement of the minima did not converge: {residual}")
    return p


def newton_step(h: Array, g: Array, shift: Array | float = 0.0) -> Array:
    """``(H + shift I)^-1 g`` for stacks of symmetric 2x2 Hessians ``h`` (..., 2, 2) and
    gradients ``g`` (..., 2), by the closed form (no LAPACK call per point)."""
    a, b, d = h[..., 0, 0] + shift, h[..., 0, 1], h[..., 1, 1] + shift
    det = a * d - b * b
    return (
        np.stack([d * g[..., 0] - b * g[..., 1], a * g[..., 1] - b * g[..., 0]], -1)
        / det[..., None]
    )


def positive_definite(h: Array) -> Array:
    """Whether each symmetric 2x2 matrix of ``h`` (..., 2, 2) is positive definite."""
    return (h[..., 0, 0] > 0) & (h[..., 0, 0] * h[..., 1, 1] - h[..., 0, 1] ** 2 > 0)


def _minima_only(hessian: Callable[[Array], Array], points: Array) -> Array:
    """Keep the points whose Hessian is positive definite (true minima, not saddles)."""
    return points[positive_definite(hessian(points))]


def _inside(points: Array, domain: tuple[tuple[float, float], tuple[float, float]]) -> Array:
    (x0, x1), (y0, y1) = domain
    x, y = points[:, 0], points[:, 1]
    return points[(x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)]


def _check(name: str, value: float, ok: bool, rule: str) -> float:
    value = float(value)
    if not (np.isfinite(value) and ok):
        raise ValueError(f"{name} must be {rule}, got {value:g}")
    return value


def _fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once (as ``math.fma`` of Python 3.13): exact in fractions."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _none() -> Array:
    return np.empty((0, 2))


# --- the functions ---------------------------------------------------------------------


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Objective:
    """Rosenbrock's banana valley: ``(a - x)^2 + b (y - x^2)^2``, minimum at ``(a, a^2)``.

    Args:
        a: Where the minimum sits: ``(a, a^2)``.
        b: The steepness of the valley walls, > 0; the curvature across the valley, and with
            it the stable learning rate, scales with b.

    Raises:
        ValueError: If ``a`` is not finite or ``b`` is not a positive number.
    """
    a = _check("a", a, True, "finite")
    b = _check("b", b, b > 0, "> 0")

    code = f"({float(a)!r} - x)**2 + {float(b)!r}*(y - x**2)**2"
    fields, _ = _declared(code)

    # The stiffest curvature along the valley from the start to the minimum is about
    # 2 + 2b + 8b x^2 at the larger |x| of the two; the learning rates shrink with it, so
    # they are the tuned (1e-5, 3e-3), 1e-3 at the defaults and stay stable for other a, b.
    x0 = (-1.5, 2.0)
    lr_scale = 2002 / (2 + 2 * b + 8 * b * max(abs(x0[0]), abs(a)) ** 2)
    return Objective(
        name="rosenbrock",
        title="Rosenbrock",
        **fields,
        # Grown when a moves the minimum out of the classic window.
        domain=((min(-2.0, a - 1), max(2.0, a + 1)), (-1.0, max(3.0, a * a + 1))),
        global_minima=np.array([[a, a * a]]),
        f_star=0.0,
        local_minima=_none(),
        x0=x0,
        lr_range=(1e-5 * lr_scale, 3e-3 * lr_scale),
        lr_default=1.5e-3 * lr_scale,  # momentum 0.9 reaches f* in ~900 steps, SGD not
        log_scale=True,
        params={"a": a, "b": b},
    )


def _rastrigin_minima_1d(A: float, bound: float) -> Array:
    """Every local minimiser of ``x^2 - A cos(2 pi x)`` in ``[-bound, bound]``, sorted.

    ``f'' = 2 + 4 pi^2 A cos(2 pi x)`` is positive exactly on the intervals
    ``|x - k| < w`` around the integers k, with ``w = arccos(-1 / (2 pi^2 A)) / (2 pi)``,
    and ``f' = 2x + 2 pi A sin(2 pi x)`` increases across each, so each interval holds one
    minimum if f' changes sign on it and none otherwise. For small A the outer integers lose
    theirs (the parabola wins), which is why the count is not always ``2 floor(bound) + 1``.
    """
    two_pi = 2 * np.pi
    c = 1 / (2 * np.pi**2 * A)
    if c >= 1:  # f'' > 0 everywhere: convex, so 0 is the only minimum
        return np.zeros(1)
    w = np.arccos(-c) / two_pi
    k = np.arange(-np.ceil(bound), np.ceil(bound) + 1)

    def slope(x: Array) -> Array:
        return 2 * x + two_pi * A * np.sin(two_pi * x)

    lo, hi = k - w, k + w
    has_min = (slope(lo) < 0) & (slope(hi) > 0)
    k, lo, hi = k[has_min], lo[has_min], hi[has_min]
    # Newton from the integer, kept inside the shrinking sign-change bracket by falling
    # back to bisection: plain Newton can jump to a neighbouring interval's root.
    x = k.copy()
    for _ in range(40):
        s = slope(x)
        lo, hi = np.where(s < 0, x, lo), np.where(s > 0, x, hi)
        step = x - s / (2 + two_pi**2 * A * np.cos(two_pi * x))
        x = np.where((step > lo) & (step < hi), step, 0.5 * (lo + hi))
    if not np.all(np.abs(slope(x)) < 1e-9 * (1 + A)):
        raise RuntimeError(f"Rastrigin minima did not converge for A={A:g}")
    return x[np.abs(x) <= bound]


def rastrigin(A: float = 10.0) -> Objective:
    """Rastrigin: ``2A + sum(x_i^2 - A cos(2 pi x_i))``, a bowl of egg-box dimples.

    With the default A = 10 there are 121 minima in the domain, one near every integer
    point: the global one at the origin and 120 local ones. Smaller A keeps fewer (see
    :func:`_rastrigin_minima_1d`).

    Args:
        A: The depth of the ripples, > 0.

    Raises:
        ValueError: If ``A`` is not a positive number.
    """
    A = _check("A", A, A > 0, "> 0")
    domain = ((-5.12, 5.12), (-5.12, 5.12))

    code = (
        f"{2 * float(A)!r} + (x**2 - {float(A)!r}*cos(2*pi*x)) + (y**2 - {float(A)!r}*cos(2*pi*y))"
    )
    fields, _ = _declared(code)

    # The coordinates separate, so the 2D minima are all pairs of 1D minima.
    x = _rastrigin_minima_1d(A, bound=domain[0][1])
    pairs = np.stack(np.meshgrid(x, x), -1).reshape(-1, 2)
    local = pairs[np.any(pairs != 0, axis=1)]
    # Rates tuned for A = 10, scaled with the curvature 2 + 4 pi^2 A at the minima.
    lr_scale = (2 + 40 * np.pi**2) / (2 + 4 * np.pi**2 * A)
    return Objective(
        name="rastrigin",
        title="Rastrigin",
        **fields,
        domain=domain,
        global_minima=np.zeros((1, 2)),
        f_star=0.0,
        local_minima=local,
        x0=(3.2, -2.7),
        lr_range=(1e-4 * lr_scale, 1e-2 * lr_scale),
        lr_default=2e-3 * lr_scale,
        params={"A": A},
    )


def quadratic(condition: float = 10.0, angle: float = 30.0) -> Objective:
    """An ill-conditioned bowl ``1/2 p^T H p``, the model problem of the theory page.

    H has eigenvalues ``lambda_max = 1`` and ``lambda_min = 1 / condition`` (both in
    ``params``), the stiff direction (eigenvalue 1) at ``angle`` degrees from the x axis.
    The default learning rate is 0.9 times gradient descent's optimum
    ``2 / (lambda_min + lambda_max)``: close to the best rate, yet the stiff direction
    still overshoots and the run zig-zags.

    Args:
        condition: The condition number ``kappa = lambda_max / lambda_min``, at least 1.
        angle: Direction of the stiff eigenvector, in degrees from the x axis.

    Raises:
        ValueError: If ``condition`` is below 1 or a parameter is not finite.
    """
    kappa = _check("condition", condition, condition >= 1, ">= 1")
    angle = _check("angle", angle, True, "finite")
    lam_max, lam_min = 1.0, 1.0 / kappa
    c, s = float(np.cos(np.radians(angle))), float(np.sin(np.radians(angle)))
    # H = R diag(1, lambda_min) R^T for the rotation R by the angle, its entries each one
    # fused multiply-add: the bits a BLAS matrix product gave on the machines this was
    # written on (they vary with the processor's BLAS kernel), now on every machine.
    h00 = _fma(-s * lam_min, -s, c * c)
    h01 = _fma(-s * lam_min, c, c * s)
    h11 = _fma(c * lam_min, c, s * s)

    code = f"0.5*({h00!r}*x**2 + {2 * h01!r}*x*y + {h11!r}*y**2)"
    # The coefficients hide the bowl's shape: say it after the formula.
    note = (f"λmax = 1, κ = {kappa:g}, θ = {angle:g}°",
            rf"\lambda_{{\max}} = 1,\ \kappa = {kappa:g},\ \theta = {angle:g}^\circ")  # fmt: skip
    fields, _ = _declared(code, note)

    return Objective(
        name="quadratic",
        title="Quadratic bowl",
        **fields,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        global_minima=np.zeros((1, 2)),
        f_star=0.0,
        local_minima=_none(),
        x0=(-8.0, 6.0),
        # Up to 2.5: above gradient descent's limit 2 / lambda_max, inside momentum's.
        lr_range=(1e-2, 2.5),
        lr_default=float(f"{0.9 * 2 / (lam_min + lam_max):.3g}"),
        params={"condition": kappa, "angle": angle, "lambda_min": lam_min, "lambda_max": lam_max},
    )


def himmelblau() -> Objective:
    """Himmelblau: ``(x^2 + y - 11)^2 + (x + y^2 - 7)^2``, four global minima."""

    code = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
    fields, fn = _declared(code)

    approx = [[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]]
    return Objective(
        name="himmelblau",
        title="Himmelblau",
        **fields,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        global_minima=_newton(fn.gradient, fn.hessian, np.array(approx)),
        f_star=0.0,
        local_minima=_none(),
        x0=(-0.5, -0.5),
        lr_range=(1e-4, 2e-2),
        lr_default=5e-3,
        log_scale=True,
    )


def beale() -> Objective:
    """Beale: ``sum_i (c_i - x + x y^i)^2`` for c = 1.5, 2.25, 2.625; minimum (3, 0.5)."""

    code = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
    fields, _ = _declared(code)

    return Objective(
        name="beale",
        title="Beale",
        **fields,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        global_minima=np.array([[3.0, 0.5]]),
        f_star=0.0,
        local_minima=_none(),
        x0=(1.0, 1.4),
        lr_range=(1e-5, 1e-2),
        lr_default=1e-3,
        log_scale=True,
    )


def booth() -> Objective:
    """Booth: ``(x + 2y - 7)^2 + (2x + y - 5)^2``, a tilted bowl with minimum (1, 3)."""

    code = "(x + 2*y - 7)**2 + (2*x + y - 5)**2"
    fields, _ = _declared(code)

    return Objective(
        name="booth",
        title="Booth",
        **fields,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        global_minima=np.array([[1.0, 3.0]]),
        f_star=0.0,
        local_minima=_none(),
        x0=(-8.0, -6.0),
        lr_range=(1e-3, 0.2),
        lr_default=0.01,
        log_scale=True,
    )


def matyas() -> Objective:
    """Matyas: ``0.26 (x^2 + y^2) - 0.48 xy``, a long flat valley along y = x."""

    code = "0.26*(x**2 + y**2) - 0.48*x*y"
    fields, _ = _declared(code)

    return Objective(
        name="matyas",
        title="Matyas",
        **fields,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        global_minima=np.zeros((1, 2)),
        f_star=0.0,
        local_minima=_none(),
        x0=(-7.0, -9.0),
        lr_range=(1e-2, 3.0),
        lr_default=0.5,
        log_scale=True,
    )


def three_hump_camel() -> Objective:
    """Three-hump camel: ``2x^2 - 1.05x^4 + x^6/6 + xy + y^2``; two local minima."""

    code = "2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2"
    fields, _ = _declared(code)

    # On y = -x/2 the gradient vanishes where x^4 - 4.2 x^2 + 3.5 = 0; the larger root
    # gives the two local minima (the smaller one, saddles).
    r = np.sqrt((4.2 + np.sqrt(4.2**2 - 14)) / 2)
    return Objective(
        name="three-hump-camel",
        title="Three-hump camel",
        **fields,
        domain=((-2.5, 2.5), (-2.5, 2.5)),
        global_minima=np.zeros((1, 2)),
        f_star=0.0,
        local_minima=np.array([[r, -r / 2], [-r, r / 2]]),
        x0=(2.2, 1.5),
        lr_range=(1e-3, 0.1),
        lr_default=0.01,
        log_scale=True,
    )


def six_hump_camel() -> Objective:
    """Six-hump camel: ``(4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2``."""

    code = "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2"
    fields, fn = _declared(code)

    glob = _newton(fn.gradient, fn.hessian, np.array([[0.0898, -0.7126], [-0.0898, 0.7126]]))
    approx_local = [[1.7036, -0.7961], [-1.7036, 0.7961], [1.6071, 0.5687], [-1.6071, -0.5687]]
    return Objective(
        name="six-hump-camel",
        title="Six-hump camel",
        **fields,
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        global_minima=glob,
        f_star=float(fn.value(glob[0])),
        local_minima=_newton(fn.gradient, fn.hessian, np.array(approx_local)),
        x0=(-2.0, 1.5),
        lr_range=(1e-3, 0.05),
        lr_default=0.01,
        log_scale=True,
    )


def ackley() -> Objective:
    """Ackley: a nearly flat plate of ripples around a sharp funnel at the origin.

    At the origin the cone term ``-20 exp(-0.2 r / sqrt 2)`` has no gradient: we use 0 there
    (a valid subgradient), and its curvature, unbounded as r -> 0, is left out of the
    Hessian at that single point, which then holds only the ripples' ``2 pi^2 e I``.

    The local minima are all listed: one near every other integer point of the domain (120
    of them), found by Newton from the integers, where the ripples' troughs sit.
    """

    code = "-20*exp(-0.2*sqrt((x**2 + y**2)/2)) - exp((cos(2*pi*x) + cos(2*pi*y))/2) + e + 20"
    fields, fn = _declared(code)

    domain = ((-5.0, 5.0), (-5.0, 5.0))
    # A local minimum sits near every integer point; Newton finds each one exactly.
    k = np.arange(-5.0, 6.0)
    lattice = np.stack(np.meshgrid(k, k), -1).reshape(-1, 2)
    lattice = lattice[np.any(lattice != 0, axis=1)]
    local = _minima_only(fn.hessian, _newton(fn.gradient, fn.hessian, lattice))
    return Objective(
        name="ackley",
        title="Ackley",
        **fields,
        domain=domain,
        global_minima=np.zeros((1, 2)),
        f_star=0.0,
        local_minima=_inside(local, domain),
        x0=(2.6, 3.3),
        lr_range=(1e-3, 0.1),
        lr_default=0.01,
    )


def styblinski_tang() -> Objective:
    """Styblinski-Tang: ``1/2 sum(x_i^4 - 16 x_i^2 + 5 x_i)``, four minima, one global."""

    code = "0.5*(x**4 - 16*x**2 + 5*x + y**4 - 16*y**2 + 5*y)"
    fields, fn = _declared(code)

    roots = _newton(fn.gradient, fn.hessian, np.array([[-2.9, -2.9], [2.75, 2.75]]))[:, 0]
    lo, hi = roots
    return Objective(
        name="styblinski-tang",
        title="Styblinski-Tang",
        **fields,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        global_minima=np.array([[lo, lo]]),
        f_star=float(fn.value(np.array([lo, lo]))),
        local_minima=np.array([[lo, hi], [hi, lo], [hi, hi]]),
        x0=(0.5, 0.5),
        lr_range=(1e-3, 0.05),
        lr_default=0.01,
        log_scale=True,
    )


def goldstein_price() -> Objective:
    """Goldstein-Price: the standard product form; f* = 3 at (0, -1)."""

    code = (
        "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
        "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))"
    )
    fields, fn = _declared(code)

    approx_local = [[-0.6, -0.4], [1.8, 0.2], [1.2, 0.8]]
    local = _minima_only(fn.hessian, _newton(fn.gradient, fn.hessian, np.array(approx_local)))
    return Objective(
        name="goldstein-price",
        title="Goldstein-Price",
        **fields,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        global_minima=np.array([[0.0, -1.0]]),
        f_star=3.0,
        local_minima=local,
        x0=(-0.5, 0.5),
        lr_range=(1e-7, 3e-5),
        lr_default=3e-6,
        log_scale=True,
    )


#: Every test function, by its command-line and URL name.
FACTORIES: dict[str, Callable[..., Objective]] = {
    "rosenbrock": rosenbrock,
    "rastrigin": rastrigin,
    "quadratic": quadratic,
    "himmelblau": himmelblau,
    "beale": beale,
    "booth": booth,
    "matyas": matyas,
    "three-hump-camel": three_hump_camel,
    "six-hump-camel": six_hump_camel,
    "ackley": ackley,
    "styblinski-tang": styblinski_tang,
    "goldstein-price": goldstein_price,
}


@functools.lru_cache(maxsize=256)
def _build(name: str, params: tuple[tuple[str, float], ...]) -> Objective:
    objective = FACTORIES[name](**dict(params))
    # The record is shared by every caller from now on: nobody may edit its minima in place.
    for minima in (objective.global_minima, objective.local_minima):
        minima.flags.writeable = False
    return objective


def get_objective(name: str, **params: float) -> Objective:
    """The :class:`Objective` called ``name``, with optional parameters.

    Records are cached: the same name and parameters give the same (read-only) record.

    Args:
        name: A key of :data:`FACTORIES`, e.g. ``"rosenbrock"``.
        **params: The function's own parameters, e.g. ``b=50`` for Rosenbrock.

    Returns:
        The function's record.

    Raises:
        ValueError: For an unknown name, an unknown parameter or a bad parameter value.

    Example:
        >>> get_objective("rosenbrock", b=50).global_minima.tolist()
        [[1.0, 1.0]]
    """
    if name not in FACTORIES:
        raise ValueError(f"unknown function {name!r}; choose one of: {', '.join(FACTORIES)}")
    known = inspect.signature(FACTORIES[name]).parameters
    # Start from the defaults so that spelling a default out finds the same cached record.
    values = {key: float(p.default) for key, p in known.items()}
    for key, value in params.items():
        if key not in known:
            allowed = ", ".join(known) or "none"
            raise ValueError(f"{name} has no parameter {key!r} (parameters: {allowed})")
        try:
            values[key] = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a number, got {value!r}") from None
    return _build(name, tuple(sorted(values.items())))
