"""Your own landscape: a test function typed as a formula in x and y.

:func:`custom_objective` turns text such as ``"x^2 + 10*sin(y)"`` into a full
:class:`~momentum_core.objectives.Objective`: exact gradient and Hessian, minima found
numerically, a default start and a learning-rate range from the curvature.

The text is never handed to ``eval``, ``exec``, ``ast.parse`` or ``sympify``: a tokenizer
and a recursive-descent parser written here accept only this grammar::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom (("^" | "**") unary)?        right-associative: 2^3^2 = 2^9
    atom    := number | "x" | "y" | "pi" | "e" | function "(" sum ")" | "(" sum ")"
    function: sin cos tan exp log sqrt abs tanh sinh cosh arctan

Numbers are decimal (``3``, ``0.26``, ``.5``, ``1e-3``). A power binds tighter than a
minus on its left (``-x^2`` is ``-(x^2)``) and its exponent may carry its own sign
(``x^-1``), as in Python. ``log`` is the natural logarithm. Anything else is refused with
a one-line :class:`ValueError` that says what is wrong and where (positions count from 1).

Limits, each refused before any work on the function starts:

* :data:`MAX_LENGTH` = 500 characters: a landscape worth plotting fits on two lines, and
  the length bounds the size of the tree, of its derivatives and of the work below.
* :data:`MAX_DEPTH` = 16 levels of nesting (each parenthesis or function call, each sign
  and each exponent opens one): plenty for hand-typed formulas, and the printers and the
  tape recurse per level.
* :data:`MAX_EXPONENT` = 100 for exponents that are constants (``x^1e9``, ``9^9^9``):
  ``x^100`` already spans 200 decades on the default domain.
* Constant parts are evaluated in floating point first: ``1/0``, ``log(0)``,
  ``sqrt(-1)``, ``(-8)^(1/3)``, ``tan(pi/2)`` (a pole, to rounding) and overflowing
  constants are refused where they occur, and so are a product's constant factors or a
  sum's constant terms that overflow together (``1e200*x*1e200``).
* The function must be finite at least at :data:`MIN_FINITE_SHARE` of a
  :data:`GRID` x :data:`GRID` grid over the domain (``log(-1 - x^2)`` is finite nowhere),
  with f and its gradient within +-:data:`MAX_MAGNITUDE` there (``1e300 * x^2`` is
  finite, but its squared gradient is not).
* Domains: finite, ``x0 < x1`` and ``y0 < y1``, every bound within
  ``+-``:data:`MAX_COORDINATE` and every span at least :data:`MIN_SPAN`.

Derivatives are exact: the parse tree is recorded as a tape (:mod:`momentum_core.tape`)
and differentiated in forward mode, the work linear in the formula's length. The LaTeX is
printed from the tree as typed (:func:`~momentum_core.objectives.formula_latex`, the
built-in functions' printer), terms in their order and numbers as written. The minima, f*
and the default settings are numerical estimates (``Objective.minima_estimated``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from momentum_core.expression import (  # noqa: F401 (the grammar's names, re-exported)
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    VARIABLES,
    _fold,
    _literal,
    _Node,
    parse,
    to_code,
)
from momentum_core.objectives import (
    Functions,
    Objective,
    formula_functions,
    formula_latex,
    newton_step,
    positive_definite,
)

Array = np.ndarray
Domain = tuple[tuple[float, float], tuple[float, float]]

#: Every domain bound lies within +-MAX_COORDINATE (the runner's divergence bound is 1e6,
#: so a run that leaves such a domain still has room to be seen leaving).
MAX_COORDINATE = 1e4
#: Narrowest span of a domain axis: below it a 25-point grid samples nothing but roundoff.
MIN_SPAN = 1e-3
#: Points per axis of the grid used for the checks, the minima search and the defaults.
GRID = 25
#: The function must be finite at no less than this share of the grid.
MIN_FINITE_SHARE = 0.5
#: Largest |f| and |gradient| counted as finite: the runner squares gradients and
#: subtracts f*, so values near the float limit (``1e300 * x^2``) would overflow there.
MAX_MAGNITUDE = 1e150
#: Largest |f*|: the pages measure a run against f - f* < 1e-6 (the runner's ``loss_tol``),
#: and floats near f* must be much closer together than that for the gap to be seen (near
#: 1e8 they are 1.5e-8 apart; near 1e10, 1.9e-6: a run at the minimum would never be seen
#: there). ``x^2 + 1/sin(pi)`` has f* = 8.2e15 (sin(pi) is 1.2e-16 in floating point).
MAX_F_STAR = 1e8
#: The domain of a custom function when none is given (also the CLI's default).
DEFAULT_DOMAIN: Domain = ((-5.0, 5.0), (-5.0, 5.0))

# Steps of the minima search: damped Newton from every grid point, then plain Newton.
_DESCENT_STEPS = 60
_POLISH_STEPS = 6


@dataclass(frozen=True)
class _Compiled:
    """A formula's LaTeX, its Python code, and its functions from its tape."""

    latex: str
    code: str
    fns: Functions


@functools.lru_cache(maxsize=128)
def _compile(formula: str) -> _Compiled:
    typed = parse(formula)
    code = to_code(typed)  # as typed: 2^0.5 stays 2 ** 0.5
    tree, _ = _fold(typed)  # refuses constants that are not finite real numbers
    # The LaTeX is printed from the tree as typed, terms in their order and numbers as
    # written (0.123456789, not 0.123457), by the printer of the built-in formulas.
    latex = formula_latex(typed, _literal)
    return _Compiled(latex, code, formula_functions(code, tree))


# --- the numerical analysis ------------------------------------------------------------


def check_domain(domain: Any) -> Domain:
    """``domain`` as ``((x0, x1), (y0, y1))`` floats after checking it.

    Raises:
        ValueError: Unless it is four finite numbers with ``x0 < x1``, ``y0 < y1``, every
            bound within ``+-MAX_COORDINATE`` and every span at least ``MIN_SPAN``.
    """
    try:
        (x0, x1), (y0, y1) = domain
        bounds = [float(v) for v in (x0, x1, y0, y1)]
    except (TypeError, ValueError):
        raise ValueError(f"domain must be ((x0, x1), (y0, y1)), got {domain!r}") from None
    if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in bounds):
        raise ValueError(f"domain bounds must be finite and within +-{MAX_COORDINATE:g}")
    x0, x1, y0, y1 = bounds
    if not (x1 - x0 >= MIN_SPAN and y1 - y0 >= MIN_SPAN):
        raise ValueError(
            f"domain needs x0 < x1 and y0 < y1, each span at least {MIN_SPAN:g};"
            f" got x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]"
        )
    return (x0, x1), (y0, y1)


def _largest_eigenvalue(h: Array) -> Array:
    a, b, c = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
    return 0.5 * (a + c) + np.hypot(0.5 * (a - c), b)


def _minima_search(c: _Compiled, starts: Array, lo: Array, hi: Array) -> tuple[Array, ...]:
    """Damped Newton from every start, kept inside the domain, then Newton polishing.

    Returns the polished points that are minima (inside the domain, Newton step
    negligible, Hessian positive definite), and the points the damped phase reached with
    their values (they only ever go downhill).
    """
    span = float(np.max(hi - lo))
    radius = 0.1 * float(np.min(hi - lo))  # longest step: no jumping across basins
    p = starts.copy()
    f = c.fns.value(p)
    damping = np.full(len(p), 1e-2)
    active = np.arange(len(p))  # the starts still moving
    with np.errstate(all="ignore"):
        for _ in range(_DESCENT_STEPS):
            if not len(active):
                break
            here = p[active]
            g, h = c.fns.gradient(here), c.fns.hessian(here)
            rad = np.hypot(0.5 * (h[:, 0, 0] - h[:, 1, 1]), h[:, 0, 1])
            low = 0.5 * (h[:, 0, 0] + h[:, 1, 1]) - rad
            # Levenberg-Marquardt: shift the Hessian until it is positive definite, so
            # every step goes downhill (saddles and maxima repel), then cap its length.
            shift = np.maximum(0.0, -low) + damping[active] * (np.abs(low) + 2 * rad) + 1e-300
            step = -newton_step(h, g, shift)
            step *= np.minimum(1.0, radius / np.hypot(step[:, 0], step[:, 1]))[:, None]
            new = np.clip(here + step, lo, hi)
            f_new = c.fns.value(new)
            better = np.isfinite(f_new) & (f_new < f[active])
            p[active[better]], f[active[better]] = new[better], f_new[better]
            damping[active] = np.where(better, damping[active] / 3, damping[active] * 4)
            # Done: converged (the step no longer moves it), pinned against the edge of
            # the domain, or unable to go downhill at any damping.
            moved = np.hypot(*(new - here).T)
            done = ~(moved > 1e-12 * span) | (damping[active] > 1e12)
            active = active[~done]
        q = p.copy()
        for _ in range(_POLISH_STEPS):
            q = q - newton_step(c.fns.hessian(q), c.fns.gradient(q))
        h = c.fns.hessian(q)
        step = newton_step(h, c.fns.gradient(q))
        small = np.hypot(step[:, 0], step[:, 1]) <= 1e-9 * span
        definite = positive_definite(h)
        inside = np.all((q >= lo) & (q <= hi), axis=1)
        keep = small & definite & inside & np.isfinite(c.fns.value(q))
    return q[keep], p, f


def _distinct(points: Array, values: Array, tol: float) -> tuple[Array, Array]:
    """Points at least ``tol`` apart, the lowest of each cluster, ordered by value."""
    order = np.lexsort((points[:, 1], points[:, 0], values))
    kept = np.empty((len(points), 2))  # the points kept so far, in their first rows
    chosen: list[int] = []
    for i in order:
        near = kept[: len(chosen)] - points[i]
        if not np.any(np.hypot(near[:, 0], near[:, 1]) <= tol):
            kept[len(chosen)] = points[i]
            chosen.append(int(i))
    return points[chosen], values[chosen]


def _analyse(c: _Compiled, domain: Domain) -> dict[str, Any]:
    """Minima, f*, start, learning rates and contour scale of ``c`` on ``domain``."""
    (x0, x1), (y0, y1) = domain
    lo, hi = np.array([x0, y0]), np.array([x1, y1])
    span = float(np.max(hi - lo))
    xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    f = c.fns.value(grid)
    g = c.fns.gradient(grid)
    finite = np.isfinite(f) & np.all(np.isfinite(g), axis=1)
    share = float(np.mean(finite))
    if share < MIN_FINITE_SHARE:
        raise ValueError(
            f"f is not finite on the domain: f and its gradient are finite at {share:.0%}"
            f" of a {GRID}x{GRID} grid (at least {MIN_FINITE_SHARE:.0%} needed)"
        )
    with np.errstate(invalid="ignore"):
        ok = finite & (np.abs(f) <= MAX_MAGNITUDE) & np.all(np.abs(g) <= MAX_MAGNITUDE, axis=1)
    share = float(np.mean(ok))
    if share < MIN_FINITE_SHARE:
        raise ValueError(
            f"f is too large on the domain: f and its gradient are within {MAX_MAGNITUDE:.0e}"
            f" at {share:.0%} of a {GRID}x{GRID} grid (at least {MIN_FINITE_SHARE:.0%} needed)"
        )

    found, reached, reached_f = _minima_search(c, grid[ok], lo, hi)
    points, values = _distinct(found, c.fns.value(found), 1e-6 * span)
    # The lowest point seen, on the grid (where f may be finite without a gradient, as at
    # Ackley's tip) or by the descent: it stands in for the minimum when no smooth one
    # was found (a plane, abs(x) + abs(y)), or joins as the global one when it lies inside
    # the domain below every smooth minimum (a kink).
    small = np.isfinite(f) & (np.abs(f) <= MAX_MAGNITUDE)
    seen = np.concatenate([grid[small], reached])
    seen_f = np.concatenate([f[small], reached_f])
    lowest = int(np.argmin(seen_f))
    best, best_f = seen[lowest], float(seen_f[lowest])
    tol = 1e-8 * (1 + abs(best_f))
    if len(points) and values[0] <= best_f + tol:
        f_star = float(values[0])
    elif not len(points) or np.all((best > lo) & (best < hi)):
        points, values = np.concatenate([best[None], points]), np.concatenate([[best_f], values])
        f_star = best_f
    else:  # lower on the edge of the domain only: the smooth minima are what runs reach
        f_star = float(values[0])
    is_global = values - f_star <= 1e-8 * (1 + abs(f_star))
    if abs(f_star) > MAX_F_STAR:
        raise ValueError(
            f"f* = {f_star:.3g}, the lowest f found, is too far from 0: floats near it are"
            f" {np.spacing(abs(f_star)):.2g} apart, so f - f* < 1e-6 cannot be measured"
            f" (|f*| <= {MAX_F_STAR:.0e} needed); f may have a pole, else subtract a constant"
            " or scale f down"
        )
    global_minima, local_minima = points[is_global], points[~is_global]

    # The default start: an inner grid point where f and its gradient are finite and the
    # gradient does not vanish, about half as far from the global minimum as the farthest.
    inner = ok & np.all((grid > lo) & (grid < hi), axis=1)
    gnorm = np.hypot(g[:, 0], g[:, 1])
    candidates = inner & (gnorm > 1e-8 * (1 + np.median(gnorm[ok])))
    if not candidates.any():
        candidates = ok
    distance = np.hypot(*(grid - global_minima[0]).T)
    halfway = 0.5 * distance[candidates].max()
    start = grid[np.flatnonzero(candidates)[np.argmin(np.abs(distance[candidates] - halfway))]]

    # Learning rates from the curvature L: gradient descent is stable where lr < 2 / L and
    # heavy ball with momentum beta where lr < (2 + 2 beta) / L. L is the largest Hessian
    # eigenvalue met on the segment from the start to the nearest global minimum, the
    # region the default run crosses (the built-in functions' tuned rates sit at 0.2 to 3
    # times 1 / L so measured, while a percentile over the whole grid misses Beale's by
    # a factor of 100: its corners are far steeper than its valley). A floor of
    # 2 * median |gradient| / span keeps a plane (L = 0) from getting lr = inf.
    nearest = global_minima[np.argmin(np.hypot(*(global_minima - start).T))]
    t = np.linspace(0.0, 1.0, 64)[:, None]
    with np.errstate(all="ignore"):
        path = _largest_eigenvalue(c.fns.hessian(start * (1 - t) + nearest * t))
    path = path[np.isfinite(path)]
    curvature = [float(path.max()) if len(path) else 0.0]
    curvature += [2 * float(np.median(gnorm[ok])) / span, 1e-12]
    big_l = max(curvature)
    # 0.5 / L: stable for gradient descent and for momentum, and not crawling; the range
    # runs from three decades lower to 4 / L, past the edge of stability of gradient
    # descent (2 / L) and of momentum 0.9 (3.8 / L), so a sweep shows both edges.
    lr_range = (1e-3 / big_l, 4 / big_l)
    lr_default = 0.5 / big_l

    # Log contours when f - f* spans many decades over the grid: at least 1.5 between its
    # 1st and 99th percentiles, which matches the built-in functions' choices (Rosenbrock,
    # Booth, the camels: log; Rastrigin, Ackley: linear) except the quadratic bowl's, kept
    # linear there for the theory page.
    rise = f[ok] - f_star
    rise = rise[rise > 0]
    log_scale = bool(
        len(rise) and np.percentile(rise, 99) > 10**1.5 * max(np.percentile(rise, 1), 1e-300)
    )
    return {
        "global_minima": global_minima,
        "local_minima": local_minima,
        "f_star": f_star,
        "x0": (float(start[0]), float(start[1])),
        "lr_range": lr_range,
        "lr_default": lr_default,
        "log_scale": log_scale,
    }


@functools.lru_cache(maxsize=64)
def _custom(formula: str, domain: Domain) -> Objective:
    c = _compile(formula)  # unstripped, so that error positions count in the user's text
    facts = _analyse(c, domain)
    for minima in (facts["global_minima"], facts["local_minima"]):
        minima.flags.writeable = False  # the record is shared through the cache
    text = " ".join(formula.split())
    return Objective(
        name="custom",
        title=f"Custom: {text}",
        formula=text,
        latex=c.latex,
        code=c.code,
        **c.fns._asdict(),
        domain=domain,
        minima_estimated=True,
        **facts,
    )


def custom_objective(formula: str, domain: Any = DEFAULT_DOMAIN) -> Objective:
    """The :class:`~momentum_core.objectives.Objective` of a typed formula in x and y.

    Records are cached on ``(formula, domain)``; the minima, ``f_star``, the start and the
    learning rates are numerical estimates (``minima_estimated`` is true).

    Args:
        formula: Text in the grammar of this module, e.g. ``"(1-x)^2 + 100*(y-x^2)^2"``.
        domain: ``((x0, x1), (y0, y1))``, the plot domain and the search region for minima.

    Returns:
        The function's record, named ``"custom"``.

    Raises:
        ValueError: One line, for a formula outside the grammar or its limits, a function
            that is not finite on most of the domain, or a bad domain.

    Example:
        >>> obj = custom_objective("(x - 1)^2 + 2*y^2", ((-3, 3), (-3, 3)))
        >>> obj.global_minima.round(9).tolist(), obj.code
        ([[1.0, 0.0]], '(x - 1) ** 2 + 2 * y ** 2')
    """
    domain = check_domain(domain)
    if not isinstance(formula, str):
        raise ValueError(f"formula must be text, got {type(formula).__name__}")
    return _custom(formula, domain)
