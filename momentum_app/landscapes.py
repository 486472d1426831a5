"""The landscape a page shows: a built-in function with its parameters, or a typed formula.

A landscape is four plain values, ``(fn, params, formula, domain)``, so that it can sit in a
frozen settings record and key the caches: ``fn`` names a built-in function (or is
:data:`CUSTOM`), ``params`` holds the built-in's parameters that differ from their defaults
(sorted), and ``formula``/``domain`` describe a typed function.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from momentum_core import FACTORIES, Objective, get_objective, spaces
from momentum_core.formula import DEFAULT_DOMAIN, custom_objective

DEFAULT_FUNCTION = "rosenbrock"
#: The function picker's name for a formula the user types.
CUSTOM = "custom"
#: A typed formula's default and a few examples for the sidebar.
DEFAULT_FORMULA = "0.1*(x^2 + y^2) - cos(2*x)*cos(2*y)"
FORMULA_EXAMPLES = (
    DEFAULT_FORMULA,
    "(1 - x)^2 + 10*(y - x^2)^2",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "x^2 + 10*sin(y)",
    "abs(x) + 0.5*y^2",
)
FLAT_DEFAULT_DOMAIN = (*DEFAULT_DOMAIN[0], *DEFAULT_DOMAIN[1])
#: Each function's own parameters, with the range its controls and links accept.
PARAM_RANGES = {
    "rosenbrock": {"a": (-2.0, 2.0), "b": (1.0, 1000.0)},
    "rastrigin": {"A": (0.1, 20.0)},
    "quadratic": {"condition": (1.0, 1000.0), "angle": (-90.0, 90.0)},
}
Params = tuple[tuple[str, float], ...]


#: Significant digits of every number a setting holds (a learning rate, a momentum, a
#: noise; not a whole number or a choice): what the pages show, and all a link writes.
SIGNIFICANT = spaces.DIGITS


def significant(value: float, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` to :data:`SIGNIFICANT` significant digits, inside ``[low, high]`` if it was
    (:func:`momentum_core.spaces.significant`, the app's one rounding, for one number)."""
    return float(spaces.significant(value, low, high))


def param_step(low: float, high: float) -> float:
    """The "−"/"+" step of a parameter's box: a power of ten near a fiftieth of its range
    (Rastrigin's A on 0.1-20 steps by 0.1, Rosenbrock's b on 1-1000 by 10; Streamlit's own
    0.01 took 2,000 presses to cross A's range)."""
    return float(10 ** np.floor(np.log10((high - low) / 50)))


def param_defaults(fn: str) -> Params:
    """Function ``fn``'s parameters at their defaults, sorted by name."""
    if fn not in PARAM_RANGES:
        return ()
    sig = inspect.signature(FACTORIES[fn]).parameters
    return tuple(sorted((name, float(sig[name].default)) for name in PARAM_RANGES[fn]))


def explicit(fn: str, params: dict[str, float] | Params) -> Params:
    """The parameters that differ from ``fn``'s defaults, sorted, to :data:`SIGNIFICANT`
    digits: the one way a landscape's parameters are written (an empty tuple is every
    default)."""
    given = {n: significant(v) for n, v in dict(params).items()}  # as the boxes show them
    return tuple((n, given[n]) for n, v in param_defaults(fn) if given.get(n, v) != v)


def landscape(fn: str, params: Params = (), formula: str = "", domain: tuple = ()) -> Objective:
    """The function a page shows: a built-in one with its parameters, or a typed formula
    (both records are cached by the core, so this is cheap to call again).

    Raises:
        ValueError: For a formula, domain or parameter that cannot be used.
    """
    if fn == CUSTOM:
        d = domain or FLAT_DEFAULT_DOMAIN
        return custom_objective(formula or DEFAULT_FORMULA, ((d[0], d[1]), (d[2], d[3])))
    return get_objective(fn, **dict(params))


def title(fn: str) -> str:
    """A function's name as the pickers show it."""
    return "Your own f(x, y)" if fn == CUSTOM else get_objective(fn).title


def lr_limits(obj: Objective) -> tuple[float, float]:
    """The learning rates a user may type: a decade beyond the sensible range each way,
    to :data:`SIGNIFICANT` digits (``1e-05 / 10`` is ``1.0000000000000002e-06``; a rounded
    rate must not fall outside its own box)."""
    low, high = obj.lr_range
    return significant(low / 10), significant(high * 10)
