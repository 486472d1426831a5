"""The command line: ``python -m momentum_core {functions,run,sweep,basins,theory,train} ...``.

``train`` trains the article's 5-10-1 network (:mod:`momentum_core.model`) on its seeded
data set and prints the per-epoch training and validation losses.

``--function custom --formula "x^2 + 10*sin(y)"`` runs on a typed formula (grammar and
limits in :mod:`momentum_core.formula`), over ``--domain x0,x1,y0,y1`` (default
``-5,5,-5,5``), which is where its minima are searched and its default start lies.

Bad input exits with status 2 and one line on stderr naming the bad value (argparse's
usage line, then the error), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Sequence

import numpy as np

from momentum_core import theory
from momentum_core.basins import basin_map
from momentum_core.formula import DEFAULT_DOMAIN, custom_objective
from momentum_core.model import ACTIVATIONS, MAX_EPOCHS, Model, glorot_params, train_batch
from momentum_core.objectives import FACTORIES, Objective, get_objective
from momentum_core.optimizers import OPTIMIZER_NAMES, make_optimizer
from momentum_core.outcome import KINDS, codes
from momentum_core.runner import MAX_STEPS, BatchResult, run_batch
from momentum_core.sweeps import parse_grid, sweep_grid

#: Most digits needed to read a float back exactly.
_FLOAT = "{:.17g}"


def _point(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected x,y (two numbers), got {text!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise argparse.ArgumentTypeError(f"start must be finite, got {text!r}")
    return x, y


def _param(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}") from None


def _domain(text: str) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        x0, x1, y0, y1 = (float(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected x0,x1,y0,y1 (four numbers), got {text!r}"
        ) from None
    return (x0, x1), (y0, y1)


def _steps(text: str) -> int:
    try:
        steps = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"steps must be a whole number, got {text!r}") from None
    if not 1 <= steps <= MAX_STEPS:
        raise argparse.ArgumentTypeError(f"steps must be in [1, {MAX_STEPS}], got {steps}")
    return steps


def _add_problem_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--function", required=True, help="test function (see 'functions'), or custom"
    )
    parser.add_argument("--formula", help='with --function custom: f(x, y), e.g. "x^2 + 10*sin(y)"')
    (dx0, dx1), (dy0, dy1) = DEFAULT_DOMAIN
    parser.add_argument(
        "--domain",
        type=_domain,
        metavar="X0,X1,Y0,Y1",
        help=f"with --function custom: the domain (default: {dx0:g},{dx1:g},{dy0:g},{dy1:g})",
    )
    parser.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the function, e.g. b=100 (repeatable)",
    )
    parser.add_argument("--start", type=_point, help="start point x,y (default: the function's)")
    parser.add_argument("--steps", type=_steps, default=500, help=f"1 to {MAX_STEPS}")
    parser.add_argument("--tol", type=float, default=1e-6, help="tolerance on f - f*")
    parser.add_argument(
        "--grad-tol",
        type=float,
        default=1e-6,
        help="a run whose gradient norm stays below this has converged too (0: off)",
    )


def _epochs(text: str) -> int:
    try:
        epochs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"epochs must be a whole number, got {text!r}") from None
    if not 1 <= epochs <= MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"epochs must be in [1, {MAX_EPOCHS}], got {epochs}")
    return epochs


def _batch_size(text: str) -> int:
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"batch size must be a whole number, got {text!r}"
        ) from None
    if size < 1:
        raise argparse.ArgumentTypeError(f"batch size must be >= 1, got {size}")
    return size


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, got {text!r}") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"seed must be >= 0, got {seed}")
    return seed


def _add_optimizer_arguments(parser: argparse.ArgumentParser, noise: bool = True) -> None:
    parser.add_argument("--optimizer", default="momentum", choices=OPTIMIZER_NAMES)
    parser.add_argument("--nesterov", action="store_true", help="Nesterov momentum")
    parser.add_argument("--dampening", type=float, default=0.0)
    parser.add_argument("--beta1", type=float, default=0.9, help="Adam")
    parser.add_argument("--beta2", type=float, default=0.999, help="Adam")
    parser.add_argument("--eps", type=float, default=None, help="default: torch's")
    parser.add_argument("--alpha", type=float, default=0.99, help="RMSprop smoothing")
    if noise:  # a network's SGD is stochastic by its mini-batches instead
        parser.add_argument("--noise", type=float, default=0.0, help="gradient noise sigma")
        parser.add_argument("--seed", type=int, default=0)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m momentum_core``."""
    parser = argparse.ArgumentParser(
        prog="python -m momentum_core",
        description="Gradient descent and momentum on 2D test functions.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("functions", help="list the test functions with their minima")

    run = sub.add_parser("run", help="one run: CSV step,x,y,loss or a JSON summary")
    _add_problem_arguments(run)
    _add_optimizer_arguments(run)
    run.add_argument("--lr", type=float, default=None, help="default: the function's")
    run.add_argument("--momentum", type=float, default=0.9)
    run.add_argument("--format", choices=("csv", "json"), default="csv")

    sweep = sub.add_parser("sweep", help="a grid of runs over lr x momentum, as CSV")
    _add_problem_arguments(sweep)
    _add_optimizer_arguments(sweep)
    sweep.add_argument("--lr", required=True, help="LOW:HIGH:COUNT[:log], e.g. 1e-5:3e-3:60:log")
    sweep.add_argument("--momentum", default="0:0.99:60", help="LOW:HIGH:COUNT[:log]")

    basins = sub.add_parser("basins", help="where each start of a grid ends, as CSV")
    _add_problem_arguments(basins)
    _add_optimizer_arguments(basins)
    basins.add_argument("--lr", type=float, default=None, help="default: the function's")
    basins.add_argument("--momentum", type=float, default=0.9)
    basins.add_argument("--grid", type=int, default=150, help="starts per axis, 2 to 400")

    theory_cmd = sub.add_parser(
        "theory", help="optimal settings and rates on a quadratic bowl, as JSON"
    )
    theory_cmd.add_argument("--condition", type=float, default=100.0, help="kappa >= 1")
    theory_cmd.add_argument("--steps", type=_steps, default=3000, help="for the measured rates")

    train = sub.add_parser(
        "train", help="train the article's 5-10-1 network: CSV epoch,train_loss,val_loss"
    )
    _add_optimizer_arguments(train, noise=False)
    train.add_argument("--lr", type=float, default=0.01, help="default: the article's 0.01")
    train.add_argument("--momentum", type=float, default=0.9)
    train.add_argument("--batch-size", type=_batch_size, default=32, help="examples per step")
    train.add_argument("--epochs", type=_epochs, default=50, help=f"1 to {MAX_EPOCHS}")
    train.add_argument("--seed", type=_seed, default=0, help="seed of the initial weights")
    train.add_argument(
        "--shuffle-seed", type=_seed, default=None, help="seed of the batch order (default: --seed)"
    )
    train.add_argument("--activation", choices=ACTIVATIONS, default="linear")
    train.add_argument("--format", choices=("csv", "json"), default="csv")
    return parser


def _objective(args: argparse.Namespace) -> Objective:
    if args.function == "custom":
        if args.formula is None:
            raise ValueError('--function custom needs --formula, e.g. --formula "x^2 + y^2"')
        if args.param:
            raise ValueError("--function custom takes no --param: write numbers in --formula")
        return custom_objective(args.formula, args.domain or DEFAULT_DOMAIN)
    for option in ("formula", "domain"):
        if getattr(args, option) is not None:
            raise ValueError(f"--{option} goes with --function custom, not {args.function}")
    if args.function not in FACTORIES:
        choices = ", ".join([*FACTORIES, "custom"])
        raise ValueError(f"unknown function {args.function!r}; choose one of: {choices}")
    return get_objective(args.function, **dict(args.param))


def _optimizer_name(args: argparse.Namespace) -> str:
    if args.nesterov:
        if args.optimizer not in ("momentum", "nesterov"):
            raise ValueError(f"--nesterov goes with --optimizer momentum, not {args.optimizer}")
        return "nesterov"
    return args.optimizer


def _optimizer_options(args: argparse.Namespace) -> dict:
    return {
        "dampening": args.dampening,
        "beta1": args.beta1,
        "beta2": args.beta2,
        "eps": args.eps,
        "alpha": args.alpha,
    }


def list_functions() -> str:
    """The text printed by ``functions``: one block per test function."""
    lines = []
    for name in FACTORIES:
        obj = get_objective(name)
        (x0, x1), (y0, y1) = obj.domain
        minima = "; ".join(f"({x:.6g}, {y:.6g})" for x, y in obj.global_minima)
        lines.append(f"{name}  ({obj.title})")
        lines.append(f"  f(x, y) = {obj.formula}")
        lines.append(f"  global minima: {minima}   f* = {obj.f_star:.10g}")
        lines.append(f"  local minima in the domain: {len(obj.local_minima)}")
        lines.append(f"  domain: x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]")
        lines.append(
            f"  default start: ({obj.x0[0]:g}, {obj.x0[1]:g})   "
            f"lr range: {obj.lr_range[0]:g} to {obj.lr_range[1]:g} (default {obj.lr_default:g})"
        )
        if obj.params:
            lines.append("  parameters: " + ", ".join(f"{k}={v:g}" for k, v in obj.params.items()))
    (x0, x1), (y0, y1) = DEFAULT_DOMAIN
    lines.append("custom  (your own formula)")
    lines.append(
        '  --function custom --formula "x^2 + 10*sin(y)"'
        f" [--domain X0,X1,Y0,Y1, default {x0:g},{x1:g},{y0:g},{y1:g}]"
    )
    lines.append(
        "  numbers, x, y, pi, e, + - * / ^ (or **), parentheses and"
        " sin cos tan exp log sqrt abs tanh sinh cosh arctan;"
        " minima, start and lr range are estimated numerically"
    )
    return "\n".join(lines)


def run_summary(obj: Objective, result: BatchResult, run: int = 0) -> dict:
    """A JSON-ready summary of run ``run`` of ``result``."""
    index = int(result.nearest_minimum[run])
    point = obj.minima[index]
    tol_step = int(result.tol_step[run])
    kind, step = codes(obj, result)
    return {
        "function": obj.name,
        "status": KINDS[kind[run]],
        "step": int(step[run]) if step[run] >= 0 else None,
        "steps": result.num_steps,
        "final_point": [float(v) for v in result.final_position[run]],
        "final_loss": float(result.final_loss[run]),
        "steps_to_tolerance": tol_step if tol_step >= 0 else None,
        "nearest_minimum": {
            "point": [float(v) for v in point],
            "global": bool(result.reached_global[run]),
            "value": float(obj.value(point)),
            "distance": float(result.minimum_distance[run]),
        },
    }


def _run(args: argparse.Namespace) -> str:
    obj = _objective(args)
    lr = obj.lr_default if args.lr is None else args.lr
    optimizer = make_optimizer(_optimizer_name(args), lr, args.momentum, **_optimizer_options(args))
    start = obj.x0 if args.start is None else args.start
    result = run_batch(
        obj,
        optimizer,
        start,
        args.steps,
        noise=args.noise,
        seed=args.seed,
        loss_tol=args.tol,
        grad_tol=args.grad_tol,
    )
    if args.format == "json":
        summary = run_summary(obj, result)
        summary.update(optimizer=optimizer.name, lr=lr, momentum=args.momentum, start=list(start))
        return json.dumps(summary, indent=2)
    rows = ["step,x,y,loss"]
    for step, ((x, y), loss) in enumerate(
        zip(result.positions[:, 0], result.losses[:, 0], strict=True)
    ):
        rows.append(f"{step},{_FLOAT.format(x)},{_FLOAT.format(y)},{_FLOAT.format(loss)}")
    return "\n".join(rows)


def _sweep(args: argparse.Namespace) -> str:
    obj = _objective(args)
    lrs = parse_grid(args.lr, "--lr")
    momenta = parse_grid(args.momentum, "--momentum")
    result = sweep_grid(
        obj,
        _optimizer_name(args),
        lrs,
        momenta,
        args.steps,
        x0=obj.x0 if args.start is None else args.start,
        noise=args.noise,
        seed=args.seed,
        loss_tol=args.tol,
        grad_tol=args.grad_tol,
        **_optimizer_options(args),
    )
    rows = ["lr,momentum,final_loss,status,step"]
    kind, event = codes(obj, result.summary)
    for i, (lr, mu) in enumerate(zip(result.lr.ravel(), result.momentum.ravel(), strict=True)):
        step = "" if event[i] < 0 else str(event[i])
        loss = _FLOAT.format(result.summary.final_loss[i])
        rows.append(f"{lr:.10g},{mu:.10g},{loss},{KINDS[kind[i]]},{step}")
    return "\n".join(rows)


#: Options whose values may start with a minus sign.
_SIGNED = ("--start", "--domain", "--formula")


def _glue_signed(argv: list[str]) -> list[str]:
    """``--start -1.5,2`` -> ``--start=-1.5,2``: argparse takes "-1.5,2" for an option
    (likewise ``--domain -3,3,-3,3`` and ``--formula "-x^2 + y"``)."""
    out = []
    for arg in argv:
        if out and out[-1] in _SIGNED and arg.startswith("-"):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def _basins(args: argparse.Namespace) -> str:
    """CSV start_x,start_y,minimum_x,minimum_y,global (blank minimum: diverged), then a
    summary line with the share of starts that reach a global minimum."""
    obj = _objective(args)
    lr = obj.lr_default if args.lr is None else args.lr
    result = basin_map(
        obj, _optimizer_name(args), lr, args.momentum, args.grid, args.steps,
        noise=args.noise, seed=args.seed,
    )  # fmt: skip
    rows = ["start_x,start_y,minimum_x,minimum_y,global"]
    for i, y in enumerate(result.ys):
        for j, x in enumerate(result.xs):
            k = result.ended[i, j]
            if k < 0:
                rows.append(f"{x:.10g},{y:.10g},,,diverged")
            else:
                mx, my = obj.minima[k]
                rows.append(f"{x:.10g},{y:.10g},{mx:.10g},{my:.10g},{bool(obj.is_global[k])}")
    rows.append(f"# share of starts reaching a global minimum: {result.share_global:.6g}")
    return "\n".join(rows)


def _theory(args: argparse.Namespace) -> str:
    """Predicted and measured rates for optimal GD and momentum on the quadratic bowl
    (curvatures 1/condition and 1, as ``--function quadratic`` has them)."""
    obj = get_objective("quadratic", condition=args.condition)
    lam_min, lam_max = obj.params["lambda_min"], obj.params["lambda_max"]
    gd_alpha, gd_rate = theory.optimal_gd(lam_min, lam_max)
    hb_alpha, hb_beta, hb_rate = theory.optimal_momentum(lam_min, lam_max)
    settings = {
        "gradient_descent": (gd_alpha, 0.0, gd_rate),
        "momentum": (hb_alpha, hb_beta, hb_rate),
    }
    out: dict = {"condition": args.condition, "lambda_min": lam_min, "lambda_max": lam_max}
    for name, (alpha, beta, rate) in settings.items():
        result = run_batch(obj, make_optimizer("momentum", alpha, beta), obj.x0, args.steps)
        dist = np.linalg.norm(result.positions[:, 0], axis=-1)
        out[name] = {
            "alpha": alpha,
            "beta": beta,
            "rate_predicted": rate,
            "rate_measured": float(theory.measured_rate(dist)),
            "steps_to_1e-6_predicted": float(theory.steps_to_tolerance(rate, 1e-6)),
            "steps_to_1e-6_measured": int(theory.steps_below(dist[:, None], 1e-6)[0]),
        }
    return json.dumps(out, indent=2)


def _train(args: argparse.Namespace) -> str:
    """CSV ``epoch,train_loss,val_loss`` (epoch 0: the initial weights) or a JSON summary."""
    optimizer = make_optimizer(
        _optimizer_name(args), args.lr, args.momentum, **_optimizer_options(args)
    )
    model = Model(args.activation)
    shuffle_seed = args.seed if args.shuffle_seed is None else args.shuffle_seed
    result = train_batch(
        model, optimizer, glorot_params(args.seed), args.epochs, args.batch_size, shuffle_seed
    )
    train_loss, val_loss = result.train_loss[:, 0], result.val_loss[:, 0]
    if args.format == "json":
        step = int(result.diverged_step[0])
        best = int(np.argmin(val_loss))
        return json.dumps(
            {
                "model": "dense(10, inputShape [5]) -> dense(1), mean squared error",
                "activation": args.activation,
                "optimizer": optimizer.name,
                "lr": args.lr,
                "momentum": args.momentum,
                "batch_size": result.batch_size,
                "epochs": args.epochs,
                "steps": result.num_steps,
                "seed": args.seed,
                "shuffle_seed": shuffle_seed,
                "n_train": len(model.data.x_train),
                "n_val": len(model.data.x_val),
                "status": "diverged" if step >= 0 else "trained",
                "diverged_step": step if step >= 0 else None,
                "diverged_epoch": int(result.diverged_epoch[0]) if step >= 0 else None,
                "initial_train_loss": float(train_loss[0]),
                "final_train_loss": float(train_loss[-1]),
                "final_val_loss": float(val_loss[-1]),
                "best_val_loss": float(val_loss[best]),
                "best_epoch": best,
            },
            indent=2,
        )
    rows = ["epoch,train_loss,val_loss"]
    for epoch, (tr, va) in enumerate(zip(train_loss, val_loss, strict=True)):
        rows.append(f"{epoch},{_FLOAT.format(tr)},{_FLOAT.format(va)}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(_glue_signed(list(sys.argv[1:] if argv is None else argv)))
    try:
        if args.command == "functions":
            out = list_functions()
        elif args.command == "run":
            out = _run(args)
        elif args.command == "theory":
            out = _theory(args)
        elif args.command == "basins":
            out = _basins(args)
        elif args.command == "train":
            out = _train(args)
        else:
            out = _sweep(args)
    except ValueError as err:
        parser.error(str(err))  # exits with status 2
    with contextlib.suppress(BrokenPipeError):  # e.g. piped into head
        sys.stdout.write(out + "\n")
    return 0
