"""The step inspector's data for the race component: exact numbers, only for runs shown.

Paused, the race draws at each racer's point the arrows of its next update (the gradient
step, the carried velocity, the step taken) and writes the update with its numbers filled
in. Every number comes from :func:`momentum_core.inspector.inspect_run` and travels as
little-endian float64 (base64): the browser only looks numbers up and formats them, it never
computes an update. The playground's families hold a hundred runs a racer, so the race asks
for the runs it shows when it is paused (an ``inspect`` part, :func:`inspect_part`); a
scene's few runs travel with it (:func:`with_inspection`), so a talk file needs no server.
Pure functions, no Streamlit.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

from momentum_core import MOMENTUM_OPTIMIZERS, OPTIMIZER_NAMES, Objective
from momentum_core.inspector import Inspection, inspect_run

Array = np.ndarray

#: At most this many runs in one request (a race has at most one per optimizer).
MAX_REQUESTS = len(OPTIMIZER_NAMES)


def _f64(values: Array) -> str:
    data = np.ascontiguousarray(values, dtype="<f8")
    return base64.b64encode(data.tobytes()).decode("ascii")


def inspection_data(ins: Inspection, key: str = "", noise: float = 0.0) -> dict:
    """One run's inspection for the browser (``decode.js``'s ``unpackInspect``): per update
    ``t`` (row ``t - 1``) the gradient seen ``g``, the step and the terms; the points and the
    states with a row for the start (row 0) and one after each update; the hyperparameters
    as used; ``key`` the browser's name for the run (echoed)."""
    return {
        "key": key,
        "rule": ins.name,
        "hyper": {k: float(v) for k, v in ins.hyper.items()},
        "noise": float(noise),
        "steps": ins.num_steps,
        "updates": ins.updates,
        "diverged": ins.diverged_step,
        "x": _f64(ins.positions),
        "g": _f64(ins.gradients),
        "step": _f64(ins.steps),
        "states": {k: _f64(v) for k, v in ins.states.items()},
        "terms": {k: _f64(v) for k, v in ins.terms.items()},
        "betas": None if ins.betas is None else _f64(ins.betas),
    }


def unavailable(reason: str) -> dict:
    """What the inspector says instead of numbers for a run it cannot take apart."""
    return {"reason": reason}


def run_inspection(
    obj: Objective,
    name: str,
    lr: float,
    momentum: float,
    start: tuple[float, float],
    steps: int,
    *,
    noise: float = 0.0,
    seed: int = 0,
    ramp: tuple[float, ...] = (),
    key: str = "",
) -> dict:
    """:func:`inspection_data` of one run with these settings (a race's, a scene's)."""
    schedule = None
    if ramp and name in ("momentum", "nesterov"):
        from momentum_core import momentum_ramp

        schedule = momentum_ramp(*ramp)
    mu = momentum if name in MOMENTUM_OPTIMIZERS else 0.0
    ins = inspect_run(obj, name, lr, mu, start, steps, noise=noise, seed=seed,
                      momentum_schedule=schedule)  # fmt: skip
    return inspection_data(ins, key, noise)


def parse_requests(value: object, optimizers: tuple[str, ...]) -> tuple[tuple, ...]:
    """The runs a race asked to inspect (its component value's ``inspect`` list), checked:
    each ``(key, name, lr, momentum, (x, y))`` with a racer's name and finite numbers, at
    most :data:`MAX_REQUESTS`; anything else is dropped."""
    asked = value.get("inspect") if isinstance(value, dict) else None
    out = []
    for item in asked if isinstance(asked, list) else []:
        try:
            key, name = str(item["key"])[:200], str(item["name"])
            lr, mu = float(item["alpha"]), float(item.get("beta") or 0.0)
            x, y = (float(v) for v in item["start"])
        except (KeyError, TypeError, ValueError):
            continue
        if name not in optimizers or not all(map(math.isfinite, (lr, mu, x, y))):
            continue
        if lr > 0 and 0 <= mu <= 1:
            out.append((key, name, lr, mu, (x, y)))
    return tuple(out[:MAX_REQUESTS])


def inspect_part(runs: list[dict]) -> str:
    """Inspections sent to a race drawn already (the component's JSON, kind ``inspect``)."""
    return json.dumps({"kind": "inspect", "runs": runs}, separators=(",", ":"), allow_nan=False)


def with_inspection(data: str, runs: list[dict]) -> str:
    """The race component's JSON ``data`` with an inspection per track (in its order)
    added: a scene's runs travel with it."""
    text = json.dumps(runs, separators=(",", ":"), allow_nan=False)
    end = data.rstrip().rindex("}")
    return data[:end] + ',"inspect":' + text + data[end:]
