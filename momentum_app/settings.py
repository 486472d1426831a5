"""The playground's settings: one frozen record, its limits, and its URL form.

The query-string names are a public interface (documented in the README): ``fn``, ``lr``,
``momentum``, ``steps``, ``start``, ``optimizers``, ``noise``, ``seed``. Reading a link
never raises: each bad value becomes a warning and a valid fallback.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from momentum_core import (
    FACTORIES,
    MOMENTUM_OPTIMIZERS,
    OPTIMIZER_NAMES,
    SPECS,
    Objective,
    get_objective,
)
from momentum_core.formula import DEFAULT_DOMAIN, custom_objective

#: Most steps a run on a page may take (the core allows more: momentum_core.MAX_STEPS).
PAGE_MAX_STEPS = 3000
#: Largest gradient-noise sigma the controls accept.
MAX_NOISE = 1000.0
MAX_SEED = 2**31 - 1
DEFAULT_FUNCTION = "rosenbrock"
DEFAULT_OPTIMIZERS = ("sgd", "momentum")
DEFAULT_STEPS = 1000

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


def param_defaults(fn: str) -> Params:
    """Function ``fn``'s parameters at their defaults, sorted by name."""
    if fn not in PARAM_RANGES:
        return ()
    sig = inspect.signature(FACTORIES[fn]).parameters
    return tuple(sorted((name, float(sig[name].default)) for name in PARAM_RANGES[fn]))


def explicit(fn: str, params: dict[str, float] | Params) -> Params:
    """The parameters that differ from ``fn``'s defaults, sorted: the one way a landscape's
    parameters are written (an empty tuple is every default)."""
    given = dict(params)
    return tuple((n, float(given[n])) for n, v in param_defaults(fn) if given.get(n, v) != v)


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


#: Each optimizer's name as people read it (from its record in the core).
LABELS = {spec.name: spec.label for spec in SPECS}


@dataclass(frozen=True)
class RaceSettings:
    """Everything that decides a race; hashable, so it keys the caches."""

    fn: str
    lr: float
    momentum: float
    steps: int
    start: tuple[float, float]
    optimizers: tuple[str, ...]
    noise: float
    seed: int
    params: Params = ()
    formula: str = ""
    domain: tuple[float, ...] = ()

    @property
    def objective(self) -> Objective:
        return landscape(self.fn, self.params, self.formula, self.domain)


def default_settings(
    fn: str = DEFAULT_FUNCTION, params: Params | None = None, formula: str = "", domain=()
) -> RaceSettings:
    """The settings a fresh visitor sees for function ``fn`` (with these parameters, or
    this formula and domain for a typed function)."""
    params = explicit(fn, params or ())
    if fn == CUSTOM:
        formula, domain = formula or DEFAULT_FORMULA, tuple(domain) or FLAT_DEFAULT_DOMAIN
    obj = landscape(fn, params, formula, domain)
    return RaceSettings(
        params=params,
        formula=formula,
        domain=domain,
        fn=fn,
        lr=obj.lr_default,
        momentum=0.9,
        steps=DEFAULT_STEPS,
        start=tuple(float(v) for v in obj.x0),
        optimizers=DEFAULT_OPTIMIZERS,
        noise=0.0,
        seed=0,
    )


def lr_limits(obj: Objective) -> tuple[float, float]:
    """The learning rates a user may type: a decade beyond the sensible range each way."""
    low, high = obj.lr_range
    return low / 10, high * 10


#: A plain decimal or scientific number, as a link spells one: ``0.002``, ``-1.5``, ``1e-05``.
#: ``float`` also takes ``1_0``, ``inf``, ``nan`` and non-ASCII digits; a link should not.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number(text: str) -> float | None:
    """The finite number ``text`` spells plainly, or None."""
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_domain(text: str) -> tuple[float, ...]:
    """``"x0,x1,y0,y1"`` as four numbers (whether they make a domain is the formula's
    check: :func:`momentum_core.formula.check_domain`).

    Raises:
        ValueError: Unless it is four plain numbers.
    """
    parts = [_number(p) for p in str(text).split(",")]
    if len(parts) != 4 or None in parts:
        raise ValueError("the domain is four numbers: x0,x1,y0,y1")
    return tuple(parts)


def _first(value: str | list[str]) -> str:
    return value[-1] if isinstance(value, list) else value


class QueryReader:
    """Reads a link's query parameters: each bad value becomes a warning and a fallback.

    Args:
        params: The query parameters (``st.query_params.to_dict()`` or a plain dict).
    """

    def __init__(self, params: Mapping[str, str | list[str]]) -> None:
        self.q = {k: _first(v).strip() for k, v in params.items()}
        self.warnings: list[str] = []

    def function(self, default: str = DEFAULT_FUNCTION) -> str:
        fn = self.q.get("fn", default)
        if fn not in FACTORIES and fn != CUSTOM:
            self.warnings.append(f"Unknown function fn={fn!r} in the link; showing {default}.")
            return default
        return fn

    def landscape(self, default: str = DEFAULT_FUNCTION) -> tuple[str, Params, str, tuple]:
        """``fn`` with its ``param=name:value,...``, or ``fn=custom`` with ``f=`` and
        ``domain=x0,x1,y0,y1``; each bad part warns and falls back."""
        fn = self.function(default)
        params = dict(param_defaults(fn))
        for item in filter(None, (p.strip() for p in self.q.get("param", "").split(","))):
            name, _, text = item.partition(":")
            limits = PARAM_RANGES.get(fn, {}).get(name.strip())
            if limits is None:
                known = ", ".join(PARAM_RANGES.get(fn, {})) or "none"
                self.warnings.append(f"Ignored param {item!r}: {fn} has no such parameter "
                                     f"(its parameters: {known}).")  # fmt: skip
                continue
            value = _number(text.strip())
            if value is None:
                self.warnings.append(f"Ignored param {item!r}: not a number.")
                continue
            low, high = limits
            if not low <= value <= high:
                clamped = min(max(value, low), high)
                self.warnings.append(
                    f"param {name}={value:g} is outside [{low:g}, {high:g}]; using {clamped:g}."
                )
                value = clamped
            params[name.strip()] = value
        if fn != CUSTOM:
            return fn, explicit(fn, params), "", ()
        formula = self.q.get("f", DEFAULT_FORMULA)
        domain = FLAT_DEFAULT_DOMAIN
        if "domain" in self.q:
            try:
                domain = parse_domain(self.q["domain"])
            except ValueError:
                self.warnings.append(f"Ignored domain={self.q['domain']!r}: expected x0,x1,y0,y1.")
        try:
            landscape(CUSTOM, (), formula, domain)
        except ValueError as err:
            self.warnings.append(
                f"Cannot use f={formula[:60]!r} on that domain: {err}; showing "
                f"{DEFAULT_FORMULA} on the default domain instead."
            )
            formula, domain = DEFAULT_FORMULA, FLAT_DEFAULT_DOMAIN
        return fn, (), formula, domain

    def number(
        self, name: str, low: float, high: float, default: float, what: str, *, whole: bool = False
    ) -> float:
        """``name``'s value, clamped into ``[low, high]`` (the bounds of its widget).

        Only a plain decimal or scientific number counts (see ``_PLAIN_NUMBER``); anything
        else falls back to ``default``. Each correction adds a warning; ``whole`` prints the
        bounds and the value used as integers, in full.
        """
        show = (lambda v: f"{round(v)}") if whole else (lambda v: f"{v:g}")
        if name not in self.q:
            return default
        value = _number(self.q[name])
        if value is None:
            self.warnings.append(
                f"Ignored {name}={self.q[name]!r}: not a number; using {show(default)}."
            )
            return default
        if not low <= value <= high:
            clamped = min(max(value, low), high)
            self.warnings.append(
                f"{name}={value:g} is outside {what} [{show(low)}, {show(high)}]; "
                f"using {show(clamped)}."
            )
            return clamped
        return value

    def whole(self, name: str, low: int, high: int, default: int, what: str) -> int:
        value = self.number(name, low, high, default, what, whole=True)
        if value != round(value):
            self.warnings.append(f"{name}={value:g} is not a whole number; using {round(value)}.")
        return round(value)

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        value = self.q.get(name, default)
        if value not in options:
            self.warnings.append(
                f"Ignored {name}={value!r}: choose one of {', '.join(options)}; using {default}."
            )
            return default
        return value

    def start(self, obj: Objective, default: tuple[float, float]) -> tuple[float, float]:
        """``start=x,y``, moved inside the plot when it lies outside."""
        if "start" not in self.q:
            return default
        text = self.q["start"]
        parts = [_number(p) for p in text.split(",")]
        if len(parts) != 2 or None in parts:
            self.warnings.append(f"Ignored start={text!r}: expected x,y; using the default.")
            return default
        (x_lo, x_hi), (y_lo, y_hi) = obj.domain
        x, y = min(max(parts[0], x_lo), x_hi), min(max(parts[1], y_lo), y_hi)
        if (x, y) != tuple(parts):
            self.warnings.append(f"start={text} is outside the plot; moved to {x:g},{y:g}.")
        return (x, y)


def parse_query(params: Mapping[str, str | list[str]]) -> tuple[RaceSettings, list[str]]:
    """Read playground settings from a link's query parameters.

    Returns:
        The settings (valid) and one warning per ignored or corrected value.
    """
    read = QueryReader(params)
    q = read.q
    s = default_settings(*read.landscape())
    obj = s.objective
    lo, hi = lr_limits(obj)
    lr = read.number("lr", lo, hi, s.lr, "the learning rates allowed for this function")
    momentum = read.number("momentum", 0.0, 1.0, s.momentum, "the momentum range")
    steps = read.whole("steps", 1, PAGE_MAX_STEPS, s.steps, "the step range")
    noise = read.number("noise", 0.0, MAX_NOISE, s.noise, "the noise range")
    seed = read.whole("seed", 0, MAX_SEED, s.seed, "the seed range")

    start = read.start(obj, s.start)

    optimizers = s.optimizers
    if "optimizers" in q:
        names = [n.strip() for n in q["optimizers"].split(",") if n.strip()]
        unknown = [n for n in names if n not in OPTIMIZER_NAMES]
        known = tuple(dict.fromkeys(n for n in names if n in OPTIMIZER_NAMES))
        if not known:
            read.warnings.append(
                f"No known optimizer in optimizers={q['optimizers']!r}; racing SGD against "
                f"momentum (choose from {', '.join(OPTIMIZER_NAMES)})."
            )
        elif unknown:
            read.warnings.append(
                f"Ignored unknown optimizer(s) {', '.join(unknown)}; "
                f"choose from {', '.join(OPTIMIZER_NAMES)}."
            )
        optimizers = known or optimizers
    settings = replace(
        s,
        lr=lr,
        momentum=momentum,
        steps=steps,
        start=start,
        optimizers=optimizers,
        noise=noise,
        seed=seed,
    )
    return settings, read.warnings


def _point(p: tuple[float, float]) -> str:
    return f"{float(p[0])!r},{float(p[1])!r}"


def landscape_query(fn: str, params: Params, formula: str, domain: tuple) -> dict[str, str]:
    """The link parameters of a landscape: ``fn``, and ``param`` or ``f`` and ``domain``."""
    query = {"fn": fn}
    if params:
        query["param"] = ",".join(f"{name}:{float(value)!r}" for name, value in params)
    if fn == CUSTOM:
        query["f"] = formula
        query["domain"] = ",".join(repr(float(v)) for v in domain)
    return query


def to_query(s: RaceSettings) -> dict[str, str]:
    """The query parameters that reproduce ``s`` exactly (shortest round-tripping floats)."""
    return {
        **landscape_query(s.fn, s.params, s.formula, s.domain),
        "lr": repr(float(s.lr)),
        "momentum": repr(float(s.momentum)),
        "steps": str(s.steps),
        "start": _point(s.start),
        "optimizers": ",".join(s.optimizers),
        "noise": repr(float(s.noise)),
        "seed": str(s.seed),
    }


#: Sweep grids: values per axis (the core allows more; a page must stay responsive).
SWEEP_GRID_DEFAULT, SWEEP_GRID_MAX = 60, 200
#: The sweep runs the optimizers that take a momentum (every one the core has).
SWEEP_OPTIMIZERS = MOMENTUM_OPTIMIZERS
SWEEP_METRICS = ("steps to tolerance", "final loss")


@dataclass(frozen=True)
class SweepSettings:
    """A learning rate x momentum sweep from one start point."""

    fn: str
    start: tuple[float, float]
    optimizer: str
    steps: int
    grid: int
    metric: str
    params: Params = ()
    formula: str = ""
    domain: tuple[float, ...] = ()

    @property
    def objective(self) -> Objective:
        return landscape(self.fn, self.params, self.formula, self.domain)


def parse_sweep_query(params: Mapping[str, str | list[str]]) -> tuple[SweepSettings, list[str]]:
    """Read sweep settings (``fn``, ``start``, ``optimizer``, ``steps``, ``grid``,
    ``metric``) from a link."""
    read = QueryReader(params)
    fn, fn_params, formula, domain = read.landscape()
    obj = landscape(fn, fn_params, formula, domain)
    settings = SweepSettings(
        fn=fn,
        params=fn_params,
        formula=formula,
        domain=domain,
        start=read.start(obj, tuple(float(v) for v in obj.x0)),
        optimizer=read.choice("optimizer", SWEEP_OPTIMIZERS, "momentum"),
        steps=read.whole("steps", 1, PAGE_MAX_STEPS, DEFAULT_STEPS, "the step range"),
        grid=read.whole("grid", 2, SWEEP_GRID_MAX, SWEEP_GRID_DEFAULT, "the grid sizes"),
        metric=read.choice("metric", SWEEP_METRICS, SWEEP_METRICS[0]),
    )
    return settings, read.warnings


def sweep_query(s: SweepSettings) -> dict[str, str]:
    return {**landscape_query(s.fn, s.params, s.formula, s.domain),
            "start": _point(s.start), "optimizer": s.optimizer,
            "steps": str(s.steps), "grid": str(s.grid), "metric": s.metric}  # fmt: skip


THEORY_CONDITIONS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


@dataclass(frozen=True)
class TheorySettings:
    """The theory page's bowl (condition number) and the user's own (alpha, beta)."""

    kappa: int
    alpha: float
    beta: float


def parse_theory_query(
    params: Mapping[str, str | list[str]],
) -> tuple[TheorySettings, list[str]]:
    """Read ``kappa``, ``lr`` and ``momentum`` for the theory page from a link."""
    read = QueryReader(params)
    kappa = read.whole("kappa", 1, 1000, 100, "the condition numbers")
    if kappa not in THEORY_CONDITIONS:
        nearest = min(THEORY_CONDITIONS, key=lambda c: abs(math.log(c) - math.log(kappa)))
        read.warnings.append(f"kappa={kappa} is not on the page's scale; using {nearest}.")
        kappa = nearest
    alpha = read.number("lr", 1e-4, 4.0, (2 / 1.1) ** 2, "the learning rates shown")
    beta = read.number("momentum", 0.0, 1.0, 81 / 121, "the momentum range")
    return TheorySettings(kappa, alpha, beta), read.warnings


def theory_query(s: TheorySettings) -> dict[str, str]:
    return {"kappa": str(s.kappa), "lr": repr(float(s.alpha)), "momentum": repr(float(s.beta))}


@dataclass(frozen=True)
class MinimaSettings:
    """The local-minima study: basin maps at one (lr, momentum), success rates around it."""

    fn: str
    lr: float
    momentum: float
    grid: int
    steps: int
    starts: int
    noise: float
    seed: int
    params: Params = ()

    @property
    def objective(self) -> Objective:
        return landscape(self.fn, self.params)

    @property
    def study_lrs(self) -> tuple[float, ...]:
        """The success study's learning rates: half, once and twice the chosen one."""
        return (self.lr / 2, self.lr, self.lr * 2)


MINIMA_GRID_MAX, MINIMA_STARTS_MAX = 200, 1000
#: Where the local-minima page opens: shallow Rastrigin (A = 1), where heavy ball at
#: beta = 0.9 reaches the global minimum from far more starts than gradient descent; one
#: click away, the classic A = 10, where it does not.
MINIMA_DEFAULT = ("rastrigin", (("A", 1.0),), 0.005)
MINIMA_CONTRAST = ("rastrigin", (), None)  # None: the function's own learning rate
#: The largest momentum of the local-minima page: its slider's end, and the success study's.
MINIMA_MOMENTUM_MAX = 0.99


def parse_minima_query(
    params: Mapping[str, str | list[str]],
) -> tuple[MinimaSettings, list[str]]:
    """Read the local-minima page's settings from a link."""
    read = QueryReader(params)
    lr_default = None
    if "fn" in read.q or "param" in read.q:
        fn, fn_params, _, _ = read.landscape("rastrigin")
    else:  # the page opens where momentum makes a difference (see MINIMA_DEFAULT)
        fn, fn_params, lr_default = MINIMA_DEFAULT
    if fn == CUSTOM:
        read.warnings.append("The local-minima page takes the built-in functions; showing "
                             "Rastrigin.")  # fmt: skip
        fn, fn_params = "rastrigin", ()
    obj = landscape(fn, fn_params)
    lo, hi = lr_limits(obj)
    settings = MinimaSettings(
        fn=fn,
        params=fn_params,
        lr=read.number(
            "lr",
            lo,
            hi,
            lr_default or obj.lr_default,
            "the learning rates allowed for this function",
        ),
        momentum=read.number(
            "momentum", 0.0, MINIMA_MOMENTUM_MAX, 0.9, "the momentum range of this page"
        ),
        grid=read.whole("grid", 10, MINIMA_GRID_MAX, 100, "the grid sizes"),
        steps=read.whole("steps", 1, PAGE_MAX_STEPS, 500, "the step range"),
        starts=read.whole("starts", 10, MINIMA_STARTS_MAX, 200, "the numbers of starts"),
        noise=read.number("noise", 0.0, MAX_NOISE, 0.0, "the noise range"),
        seed=read.whole("seed", 0, MAX_SEED, 0, "the seed range"),
    )
    return settings, read.warnings


def minima_query(s: MinimaSettings) -> dict[str, str]:
    return {
        **landscape_query(s.fn, s.params, "", ()),
        "lr": repr(float(s.lr)), "momentum": repr(float(s.momentum)),
        "grid": str(s.grid), "steps": str(s.steps), "starts": str(s.starts),
        "noise": repr(float(s.noise)), "seed": str(s.seed),
    }  # fmt: skip
