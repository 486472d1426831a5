"""Every page's settings: one frozen record each, whose fields say how they live in a link.

Each field is declared with :func:`momentum_app.config.links.linked`: its query-string name (a
public interface, documented in docs/links.md), its bounds and default, and the widget that
sets it. Reading and writing links, the session-state keys and the defaults are all derived
from these declarations (see :mod:`momentum_app.config.links`). Reading a link never raises: each
bad value becomes a warning and a valid fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from momentum_app.config.links import LANDSCAPE_NAMES, Context, defaults, linked
from momentum_app.landscapes import (
    DEFAULT_FUNCTION,
    Params,
    landscape,
    lr_limits,
)
from momentum_core import MOMENTUM_OPTIMIZERS, OPTIMIZER_NAMES, SPECS, Objective
from momentum_core.model import ACTIVATIONS

#: Most steps a run on a page may take (the core allows more: momentum_core.MAX_STEPS).
PAGE_MAX_STEPS = 3000
#: Largest gradient-noise sigma the controls accept.
MAX_NOISE = 1000.0
MAX_SEED = 2**31 - 1
DEFAULT_OPTIMIZERS = ("sgd", "momentum")
DEFAULT_STEPS = 1000

#: Each optimizer's name as people read it (from its record in the core).
LABELS = {spec.name: spec.label for spec in SPECS}


# What the landscape decides (the functions take the link's Context).
def _lr_low(c: Context) -> float:
    return lr_limits(c.objective)[0]


def _lr_high(c: Context) -> float:
    return lr_limits(c.objective)[1]


def _own_lr(c: Context) -> float:
    return c.objective.lr_default


def _own_start(c: Context) -> tuple[float, float]:
    return tuple(float(v) for v in c.objective.x0)


LR_WHAT = "the learning rates allowed for this function"


def _start(shared: bool = False):
    return linked("start", "point", default=_own_start, shared=shared, widget="point",
                  label="Start")  # fmt: skip


def _noise(step: float):
    return linked("noise", "number", default=0.0, low=0.0, high=MAX_NOISE, what="the noise range",
                  widget="number", label="Noise σ", step=step, format="%g",
                  help="Gaussian noise added to every gradient: makes SGD stochastic.")  # fmt: skip


def _seed():
    return linked("seed", "whole", default=0, low=0, high=MAX_SEED, what="the seed range",
                  widget="number", label="Seed", step=1)  # fmt: skip


def _steps(default: int, label: str, step: int):
    return linked("steps", "whole", default=default, low=1, high=PAGE_MAX_STEPS,
                  what="the step range", widget="number", label=label, step=step,
                  help=f"At most {PAGE_MAX_STEPS}.")  # fmt: skip


class OnLandscape:
    """A record on a landscape: its ``fn``, ``params``, ``formula`` and ``domain`` fields
    (filled together by its ``landscape`` link) make the function it shows."""

    @property
    def objective(self) -> Objective:
        return landscape(self.fn, self.params, self.formula, self.domain)


@dataclass(frozen=True)
class RaceSettings(OnLandscape):
    """Everything that decides a race (the playground's and the guide's settings, and a
    scene's runs); hashable, so it keys the caches."""

    fn: str = linked("fn", "landscape", default=(DEFAULT_FUNCTION, ()), label="Test function")
    lr: float = linked(
        "lr", "number", default=_own_lr, low=_lr_low, high=_lr_high, what=LR_WHAT,
        widget="number", label="Exact learning rate", format="%.6g",
        step=lambda c: c.objective.lr_range[0],
        help=lambda c: f"Any value from {_lr_low(c):g} to {_lr_high(c):g}; the slider covers "
        "the sensible range.",
    )  # fmt: skip
    momentum: float = linked(
        "momentum", "number", default=0.9, low=0.0, high=1.0, what="the momentum range",
        widget="slider", label="Momentum β", step=0.01,
        help="0 is plain gradient descent; 0.9 is the usual default; 1.0 never settles.",
    )  # fmt: skip
    steps: int = _steps(DEFAULT_STEPS, "Steps", 50)
    start: tuple[float, float] = _start()
    optimizers: tuple[str, ...] = linked(
        "optimizers", "choices", default=DEFAULT_OPTIMIZERS, options=OPTIMIZER_NAMES,
        what="optimizer", widget="multiselect", label="Optimizers in the race",
        format_func=LABELS.get,
        help="All share the learning rate (and the momentum, where they use one).",
    )  # fmt: skip
    noise: float = _noise(0.1)
    seed: int = _seed()
    #: Each racer at its own best α (and β) instead of the shared ones: a fair race.
    tuned: bool = linked(
        "tuned", "flag", default=False, widget="checkbox", label="Each at its best α (and β)",
        help="Every racer runs at the learning rate (and momentum) that gets it to the minimum "
        "in the fewest steps, found by running its whole α line (and the (α, β) pad) from "
        "this start; robust: its neighbours on the grid get there too. The α and β above "
        "are not used then.",
    )  # fmt: skip
    params: Params = ()
    formula: str = ""
    domain: tuple[float, ...] = ()
    #: A scene's momentum raised during the run: (from, to, over this many steps); no link
    #: or widget sets it (see momentum_core.momentum_ramp).
    ramp: tuple[float, ...] = ()


def default_settings(fn: str = DEFAULT_FUNCTION, params: Params = (), formula="", domain=()):
    """The race a fresh visitor sees on function ``fn`` (with these parameters, or this
    formula and domain for a typed function)."""
    return defaults(RaceSettings, (fn, params, formula, domain))


#: Sweep grids: values per axis (the core allows more; a page must stay responsive).
SWEEP_GRID_DEFAULT, SWEEP_GRID_MAX = 60, 200
#: The sweep runs the optimizers that take a momentum (every one the core has).
SWEEP_OPTIMIZERS = MOMENTUM_OPTIMIZERS
SWEEP_METRICS = ("steps to tolerance", "final loss")


@dataclass(frozen=True)
class SweepSettings(OnLandscape):
    """A learning rate x momentum sweep from one start (the landscape and the start are
    the playground's)."""

    PREFIX: ClassVar[str] = "sw_"
    fn: str = linked("fn", "landscape", default=(DEFAULT_FUNCTION, ()), shared=True,
                     label="Test function")  # fmt: skip
    start: tuple[float, float] = _start(shared=True)
    optimizer: str = linked(
        "optimizer", "choice", default="momentum", options=SWEEP_OPTIMIZERS, widget="select",
        label="Optimizer", format_func=LABELS.get,
    )  # fmt: skip
    steps: int = _steps(DEFAULT_STEPS, "Steps per run", 100)
    grid: int = linked(
        "grid", "whole", default=SWEEP_GRID_DEFAULT, low=2, high=SWEEP_GRID_MAX,
        what="the grid sizes", widget="slider", label="Grid: values per axis",
        help=f"{SWEEP_GRID_MAX} x {SWEEP_GRID_MAX} at most; the default 60 x 60 takes ~1 s.",
    )  # fmt: skip
    metric: str = linked("metric", "choice", default=SWEEP_METRICS[0], options=SWEEP_METRICS,
                         widget="radio", label="Colour by")  # fmt: skip
    params: Params = ()
    formula: str = ""
    domain: tuple[float, ...] = ()


THEORY_CONDITIONS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


@dataclass(frozen=True)
class TheorySettings:
    """The theory page's bowl (condition number) and the user's own (alpha, beta)."""

    PREFIX: ClassVar[str] = "th_"
    kappa: int = linked("kappa", "scale", default=100, options=THEORY_CONDITIONS,
                        what="the condition numbers", widget="select_slider",
                        label="Condition number κ")  # fmt: skip
    alpha: float = linked("lr", "number", default=(2 / 1.1) ** 2, low=1e-4, high=4.0,
                          what="the learning rates shown", widget="number",
                          label="Learning rate α", format="%.5g")  # fmt: skip
    beta: float = linked("momentum", "number", default=81 / 121, low=0.0, high=1.0,
                         what="the momentum range", widget="slider", label="Momentum β",
                         step=0.001, format="%.3f")  # fmt: skip


MINIMA_GRID_MAX, MINIMA_STARTS_MAX = 200, 1000
#: Where the local-minima page opens: shallow Rastrigin (A = 1), where heavy ball at
#: beta = 0.9 reaches the global minimum from far more starts than gradient descent; one
#: click away, the classic A = 10, where it does not.
MINIMA_DEFAULT = ("rastrigin", (("A", 1.0),), 0.005)
MINIMA_CONTRAST = ("rastrigin", (), None)  # None: the function's own learning rate
#: The largest momentum of the local-minima page: its slider's end, and the success study's.
MINIMA_MOMENTUM_MAX = 0.99


def _minima_lr(c: Context) -> float:
    # A link that names no landscape opens on MINIMA_DEFAULT, learning rate included.
    return c.objective.lr_default if LANDSCAPE_NAMES & c.given else MINIMA_DEFAULT[2]


@dataclass(frozen=True)
class MinimaSettings(OnLandscape):
    """The local-minima study: basin maps at one (lr, momentum), success rates around it
    (its own keys, ``lm_*``: a study, not the race)."""

    PREFIX: ClassVar[str] = "lm_"
    fn: str = linked("fn", "landscape", default=MINIMA_DEFAULT[:2], custom=False,
                     label="Test function")  # fmt: skip
    lr: float = linked("lr", "number", default=_minima_lr, low=_lr_low, high=_lr_high,
                       what=LR_WHAT, widget="number", label="Learning rate α",
                       format="%.4g", step=_lr_low)  # fmt: skip
    momentum: float = linked(
        "momentum", "number", default=0.9, low=0.0, high=MINIMA_MOMENTUM_MAX,
        what="the momentum range of this page", widget="slider",
        label="Momentum β of the right-hand map", step=0.01,
    )  # fmt: skip
    grid: int = linked("grid", "whole", default=100, low=10, high=MINIMA_GRID_MAX,
                       what="the grid sizes", widget="slider",
                       label="Starts per axis (basin maps)", step=10)  # fmt: skip
    steps: int = _steps(500, "Steps per run", 100)
    starts: int = linked("starts", "whole", default=200, low=10, high=MINIMA_STARTS_MAX,
                         what="the numbers of starts", widget="number",
                         label="Random starts (success study)")  # fmt: skip
    noise: float = _noise(0.5)
    seed: int = _seed()
    params: Params = ()
    formula: str = ""
    domain: tuple[float, ...] = ()

    @property
    def study_lrs(self) -> tuple[float, ...]:
        """The success study's learning rates: half, once and twice the chosen one."""
        return (self.lr / 2, self.lr, self.lr * 2)


#: Limits of the article's-model page: enough for a lesson, small enough to stay fast.
MODEL_MAX_EPOCHS, MODEL_MAX_SEEDS, MODEL_MAX_BATCH = 100, 50, 256
#: The smallest batch: with it and the most epochs a run is 3,200 steps (a path of one seed
#: at every β stays under 30 MB; a batch of 1 would make it 200 MB and minutes of work).
MODEL_MIN_BATCH = 8


@dataclass(frozen=True)
class ModelSettings:
    """The article's network trained by SGD and momentum over seeds (its own keys, ``md_*``).

    The data is :func:`momentum_core.model.make_dataset`'s 256 training examples, so a
    batch of 256 is the full batch (plain gradient descent).
    """

    PREFIX: ClassVar[str] = "md_"
    lr: float = linked("lr", "number", default=0.01, low=1e-4, high=0.3,
                       what="the learning rates of this page", widget="number",
                       label="Learning rate α", format="%.4g", step=0.001)  # fmt: skip
    momentum: float = linked("momentum", "number", default=0.9, low=0.0, high=0.99,
                             what="the momentum range of this page", widget="slider",
                             label="Momentum β", step=0.01)  # fmt: skip
    batch: int = linked("batch", "whole", default=32, low=MODEL_MIN_BATCH, high=MODEL_MAX_BATCH,
                        what="the batch sizes", widget="number", label="Batch size",
                        help="256 is the whole training set: plain gradient descent.")  # fmt: skip
    epochs: int = linked("epochs", "whole", default=50, low=1, high=MODEL_MAX_EPOCHS,
                         what="the epoch range", widget="number", label="Epochs")  # fmt: skip
    activation: str = linked("act", "choice", default="linear", options=ACTIVATIONS,
                             widget="radio", label="Hidden activation",
                             help="linear is the article's network.")  # fmt: skip
    seeds: int = linked("seeds", "whole", default=20, low=10, high=MODEL_MAX_SEEDS,
                        what="the numbers of seeds", widget="number",
                        label="Initialisations (seeds)")  # fmt: skip
    data_seed: int = linked("data", "whole", default=0, low=0, high=MAX_SEED,
                            what="the seed range", widget="number",
                            label="Data and shuffle seed", step=1)  # fmt: skip
