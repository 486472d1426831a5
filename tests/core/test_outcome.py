"""One outcome: every run's kind and step decided in one place, in arrays and in words."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from momentum_core import get_objective, heavy_ball, run_batch
from momentum_core.outcome import KINDS, PHRASES, Outcome, codes, kinds, outcome, outcomes


def _mixed():
    """Rastrigin from a spread of rates and starts: runs that converge, stop in a local
    minimum, diverge and keep moving."""
    rast = get_objective("rastrigin")
    rng = np.random.default_rng(4)
    starts = rng.uniform(-4.5, 4.5, (60, 2))
    lrs = np.geomspace(1e-4, 0.2, 60)
    return rast, run_batch(rast, heavy_ball(lrs, 0.9), starts, 400, grad_tol=1e-6)


def test_codes_are_the_outcome_of_every_run():
    rast, result = _mixed()
    kind, step = codes(rast, result)
    assert kind.dtype == np.uint8 and step.dtype == np.int32
    every = outcomes(rast, result)
    assert [KINDS[k] for k in kind] == [o.kind for o in every] == kinds(rast, result).tolist()
    assert step.tolist() == [o.step for o in every]
    assert len(set(kind.tolist())) >= 3, set(kind.tolist())
    for i in (0, 17, 59):
        assert outcome(rast, result, i) == every[i]
    # each kind's step is the result's own
    for o, i in zip(every, range(len(every)), strict=True):
        want = {
            "converged": result.tol_step[i],
            "diverged": result.diverged_step[i],
            "stuck": result.converged_step[i],
        }.get(o.kind, -1)
        assert o.step == want


def test_phrases_fill_the_one_table_of_words():
    o = Outcome("stuck", 120, 0.99, (0.995, -0.995), False, 400)
    assert o.phrase(1e-6) == PHRASES["stuck"].format(where="(0.995, -0.995)", step="120")
    settling = replace(o, step=-1)
    assert settling.phrase(1e-6) == "stops in the local minimum (0.995, -0.995)"
    moving = replace(o, kind="moving")
    assert moving.phrase(1e-6) == "is still at f − f* = 0.99 after 400 steps"
    assert replace(o, minimum=(np.nan, np.nan)).where == "(unknown)"
