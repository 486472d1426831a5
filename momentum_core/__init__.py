"""The shared optimizer core: test functions, optimizers and a batch runner, numpy only;
and the article's 5-10-1 network, trained by the same optimizers (:mod:`momentum_core.model`).

Quick start:
    >>> from momentum_core import get_objective, heavy_ball, run_batch
    >>> rosen = get_objective("rosenbrock")
    >>> result = run_batch(rosen, heavy_ball(1e-3, 0.9), rosen.x0, num_steps=500)
    >>> result.positions.shape
    (501, 1, 2)
"""

from momentum_core.family import FAMILY_GRID, Family, family_momenta, run_family, take_run
from momentum_core.model import Model, TrainResult, glorot_params, make_dataset, train_batch
from momentum_core.objectives import FACTORIES, Objective, get_objective
from momentum_core.optimizers import (
    MOMENTUM_OPTIMIZERS,
    OPTIMIZER_NAMES,
    SPEC,
    SPECS,
    Optimizer,
    OptimizerSpec,
    adagrad,
    adam,
    gradient_descent,
    heavy_ball,
    keras_momentum,
    make_optimizer,
    momentum_ramp,
    rmsprop,
)
from momentum_core.outcome import Outcome, outcome
from momentum_core.runner import MAX_STEPS, BatchResult, run_batch
from momentum_core.sweeps import (
    MAX_GRID,
    SweepResult,
    Tuned,
    best_cell,
    chosen_cell,
    grid_of,
    largest_stable_lr,
    parse_grid,
    robust_best,
    stack_rows,
    sweep_grid,
    tune,
)

__all__ = [
    "FACTORIES",
    "FAMILY_GRID",
    "MAX_GRID",
    "MAX_STEPS",
    "MOMENTUM_OPTIMIZERS",
    "OPTIMIZER_NAMES",
    "SPEC",
    "SPECS",
    "BatchResult",
    "Family",
    "Model",
    "Objective",
    "Optimizer",
    "OptimizerSpec",
    "Outcome",
    "SweepResult",
    "TrainResult",
    "Tuned",
    "adagrad",
    "adam",
    "best_cell",
    "chosen_cell",
    "family_momenta",
    "get_objective",
    "glorot_params",
    "gradient_descent",
    "grid_of",
    "heavy_ball",
    "keras_momentum",
    "largest_stable_lr",
    "make_dataset",
    "make_optimizer",
    "momentum_ramp",
    "outcome",
    "parse_grid",
    "rmsprop",
    "robust_best",
    "run_batch",
    "run_family",
    "stack_rows",
    "sweep_grid",
    "take_run",
    "train_batch",
    "tune",
]
