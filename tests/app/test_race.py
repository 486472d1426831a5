"""The race's table, verdict and CSV say what the runs did."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from momentum_app.config.settings import LABELS, default_settings
from momentum_app.race.runs import (
    TOLERANCE,
    results_table,
    run_race,
    shown_table,
    trajectories_csv,
    verdict,
    why_sgd_wins,
)
from momentum_core import outcome
from momentum_core.theory import bowl_rate


def race(fn="rosenbrock", **changes):
    s = replace(default_settings(fn), **changes)
    return s, run_race(s)


def test_verdict_numbers_are_the_runs_numbers():
    s, results = race("quadratic", lr=0.5, steps=2000)
    text = verdict(s.objective, results)
    steps = {name: int(r.tol_step[0]) for name, r in results.items()}
    assert all(k > 0 for k in steps.values())
    assert f"Momentum reached f − f* < {TOLERANCE:g} in {steps['momentum']:,} steps" in text
    assert f"SGD reached f − f* < {TOLERANCE:g} in {steps['sgd']:,} steps" in text
    ratio = max(steps.values()) / min(steps.values())
    assert f"{ratio:.1f}× fewer steps" in text


def test_verdict_reports_divergence_and_stalling():
    s, results = race("himmelblau", lr=0.028, momentum=0.9, steps=300)
    text = verdict(s.objective, results)
    k = int(results["momentum"].diverged_step[0])
    assert k > 0
    assert f"Momentum diverged at step {k:,}" in text
    gap = float(results["sgd"].final_loss[0])
    assert f"SGD did not get there within 300 steps (f − f* = {gap:.3g})" in text


def test_verdict_names_a_local_minimum():
    s, results = race("rastrigin", optimizers=("sgd",), steps=500)
    r = results["sgd"]
    assert not r.reached_global[0]
    x, y = s.objective.minima[r.nearest_minimum[0]]
    assert f"stuck in the local minimum ({x:.3g}, {y:.3g})" in verdict(s.objective, results)


def test_table_matches_results():
    s, results = race("rosenbrock", lr=0.0025, momentum=0.9, steps=300)
    table = results_table(s.objective, results)
    assert list(table.index) == ["SGD", "Momentum"]
    for name, label in (("sgd", "SGD"), ("momentum", "Momentum")):
        k = results[name].diverged_step[0]
        assert k > 0 and table.loc[label, "status"] == f"diverged at step {k}"
        assert table.loc[label, "nearest minimum"] is None  # a diverged run is near nothing
    assert table.loc["SGD", "final f"] == results["sgd"].final_loss[0]
    shown = shown_table(table)
    assert shown.loc["SGD", "nearest minimum"] == "—"
    assert shown.loc["SGD", f"steps to f − f* < {TOLERANCE:g}"] == "—"
    assert "None" not in shown.to_string() and "e+" in shown.loc["SGD", "final f"]


def test_verdict_and_table_agree_on_a_local_minimum():
    # The review's case: the verdict said "stuck", the table "still moving".
    s, results = race(
        "rastrigin", lr=0.00123, momentum=0.85, steps=200, start=(3.2, -2.7),
        optimizers=("sgd", "momentum", "adam", "nesterov"),
    )  # fmt: skip
    table = results_table(s.objective, results)
    text = verdict(s.objective, results)
    stuck = [n for n, r in results.items() if outcome(s.objective, r).kind == "stuck"]
    assert "momentum" in stuck  # the case the review found
    for name in results:
        label, status = LABELS[name], table.loc[LABELS[name], "status"]
        said_stuck = f"{label} got stuck in the local minimum" in text
        assert said_stuck == status.startswith("stuck in a local min") == (name in stuck)
        if name in stuck:  # which one: the nearest-minimum column, as in the verdict
            assert table.loc[label, "nearest minimum"].startswith("local ")


def test_csv_has_every_step():
    s, results = race(steps=50)
    frame = pd.read_csv(io.StringIO(trajectories_csv(s.objective, results)))
    assert list(frame.columns) == ["optimizer", "step", "x", "y", "loss"]
    assert len(frame) == 2 * 51
    sgd = frame[frame.optimizer == "sgd"]
    assert (sgd[["x", "y"]].to_numpy() == results["sgd"].positions[:, 0]).all()


def test_a_tie_says_as_fast_as_not_one_times_fewer():
    s, results = race("quadratic", optimizers=("momentum", "keras-momentum"))
    text = verdict(s.objective, results)
    assert "was as fast as" in text and "1.0× fewer" not in text


def test_one_step_is_singular():
    s = replace(default_settings("custom", formula="x^2 + y^2"), lr=0.5, optimizers=("sgd",))
    results = run_race(s)  # x - 0.5 * 2x = 0: the minimum in one step
    text = verdict(s.objective, results)
    assert int(results["sgd"].tol_step[0]) == 1
    assert "in 1 step" in text and "in 1 steps" not in text


def test_a_landscape_without_a_minimum_says_so():
    for formula, words in [("y", "no minimum inside"), ("0", "flat")]:
        s = default_settings("custom", formula=formula)
        text = verdict(s.objective, run_race(s))
        assert words in text and "0 steps" not in text and "1.0×" not in text


def test_results_csv_writes_steps_as_whole_numbers():
    s, results = race()
    csv = results_table(s.objective, results).to_csv()
    k = int(results["momentum"].tol_step[0])
    assert f",{k}\n" in csv and f"{k}.0" not in csv


@pytest.mark.parametrize("fn", ["quadratic", "himmelblau", "booth"])
def test_when_sgd_beats_momentum_the_page_says_why_from_the_runs(fn):
    # On these defaults SGD is 3.6-4.5x faster and the page said nothing why (#19 item 9).
    s, results = race(fn)
    obj, sgd, heavy = s.objective, results["sgd"], results["momentum"]
    k_sgd, k_heavy = outcome(obj, sgd).step, outcome(obj, heavy).step
    assert 0 < k_sgd < k_heavy
    why = why_sgd_wins(obj, results, s)
    rises = int((np.diff(heavy.losses[: k_heavy + 1, 0]) > 0).sum())
    assert f"its loss rising {rises:,} times on the way (SGD's: never)" in why
    lam = np.linalg.eigvalsh(obj.hessian(np.asarray(obj.global_minima[0])[None])[0])
    gd, hb = (float(bowl_rate(s.lr, b, lam[0], lam[-1])) for b in (0.0, s.momentum))
    # The theory's clause only where it agrees with the runs (not on Booth from this start).
    assert (f"factor {gd:.3g} a step, momentum by {hb:.3g}" in why) == (gd < hb)


@pytest.mark.parametrize("fn", ["rosenbrock", "matyas", "rastrigin"])
def test_no_lesson_where_momentum_does_not_lose(fn):
    s, results = race(fn)
    assert why_sgd_wins(s.objective, results, s) == ""


def test_the_shown_table_gives_every_column_a_width_that_fits_its_header():
    # The steps column and long names were cut while the status column was "large".
    from momentum_app.race.runs import TABLE_WIDTHS

    s, results = race(optimizers=("sgd", "momentum", "keras-momentum", "nesterov"))
    shown = shown_table(results_table(s.objective, results))
    names = [shown.index.name, *shown.columns]
    assert set(TABLE_WIDTHS) == set(names)
    for name in names:  # about 6 px a character at the table's 14 px font, plus padding
        longest = max([len(name), *(len(str(v)) for v in shown.get(name, shown.index))])
        assert TABLE_WIDTHS[name] >= 6 * longest + 16, (name, longest)
    assert sum(TABLE_WIDTHS.values()) <= 980  # the main column at 1440 x 900
