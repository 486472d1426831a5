"""β and pad questions in AppTest: followers pick a β on the slider or a cell of the pad
(the chart's value, as race.js sends it), the presenter's chart gets every guess and the
count, and after the reveal the answer and the room's median. The answer is recomputed
here from the core alone (its runs and its sweep rule), not from the app's scenes code."""

from __future__ import annotations

import numpy as np

from momentum_app.race.runs import GRAD_TOLERANCE, TOLERANCE
from momentum_app.talk import scenes
from momentum_core import (
    SweepResult,
    best_cell,
    family_momenta,
    make_optimizer,
    robust_best,
    run_batch,
)
from momentum_core.spaces import pad_momenta, pad_rates

SCENES = "pages/scenes.py"


def core_answer(name: str) -> tuple[tuple[float, ...], int]:
    """A β or pad question's answer straight from the core: the asked run's optimizer over
    the family's momenta (β) or the pad's rates and momenta, in one batch, and the cell the
    sweep picks (robust best, else best cell). Returns ``(truth, steps)``."""
    scene = scenes.scene_named(name)
    q = scene.question
    run = next(r for r in scene.runs if r.key == q.run)
    obj = scene.objective
    if q.kind == "beta":
        lrs, momenta = np.array([scene.lr]), family_momenta(run.momentum)
    else:
        lrs, momenta = pad_rates(obj, scene.lr), pad_momenta(run.momentum)
    lr, mu = np.meshgrid(lrs, momenta)
    opt = make_optimizer(run.optimizer, lr.ravel(), mu.ravel())
    r = run_batch(obj, opt, scene.start, scene.steps, loss_tol=TOLERANCE,
                  grad_tol=GRAD_TOLERANCE, summary_only=True)  # fmt: skip
    grid = SweepResult(lr, mu, r)
    best = robust_best(grid)
    row, col = (best.row, best.col) if best.row >= 0 else best_cell(grid)
    steps = int(r.tol_step[row * len(lrs) + col])
    truth = (float(momenta[row]),) if q.kind == "beta" else (float(lrs[col]), float(momenta[row]))
    return truth, steps
