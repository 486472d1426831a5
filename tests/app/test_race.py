"""The race's table, verdict and CSV say what the runs did."""

from __future__ import annotations

import io
from dataclasses import replace

import pandas as pd

from momentum_app.race.runs import (
    TOLERANCE,
    results_table,
    run_race,
    shown_table,
    trajectories_csv,
    verdict,
)
from momentum_app.ui.settings import LABELS, default_settings
from momentum_core import outcome


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
    assert shown.loc["SGD", f"steps to f - f* < {TOLERANCE:g}"] == "—"
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
        assert said_stuck == status.startswith("stuck in local min") == (name in stuck)


def test_csv_has_every_step():
    s, results = race(steps=50)
    frame = pd.read_csv(io.StringIO(trajectories_csv(s.objective, results)))
    assert list(frame.columns) == ["optimizer", "step", "x", "y", "loss"]
    assert len(frame) == 2 * 51
    sgd = frame[frame.optimizer == "sgd"]
    assert (sgd[["x", "y"]].to_numpy() == results["sgd"].positions[:, 0]).all()
