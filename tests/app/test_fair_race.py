"""A fair race (?tuned=1): every racer at its own best α (and β), found from real runs."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from momentum_app.config.links import from_query
from momentum_app.config.settings import RaceSettings
from momentum_app.race import runs
from momentum_app.talk import scenes
from momentum_core import MOMENTUM_OPTIMIZERS, outcome, robust_best
from momentum_core.spaces import grid_runs, run_space
from momentum_core.sweeps import SweepResult
from tests.app.harness import component_args, open_app


def _own_best(s: RaceSettings, name: str) -> tuple[float, float]:
    """The racer's robust best, recomputed here from its own grid of runs."""
    lrs, momenta = runs.tuning_grid(s, name)
    lr, mu = grid_runs(lrs, momenta)
    r = run_space(s.objective, name, lr, mu, s.start, s.steps, loss_tol=runs.TOLERANCE,
                  grad_tol=runs.GRAD_TOLERANCE)  # fmt: skip
    best = robust_best(SweepResult(lr.reshape(len(momenta), -1), mu.reshape(len(momenta), -1), r))
    assert best.row >= 0, "the test's landscape has a robust best"
    return float(lrs[best.col]), float(momenta[best.row])


def test_a_tuned_link_races_each_optimizer_at_its_own_best_and_says_so():
    query = {"fn": "quadratic", "tuned": "1", "optimizers": "sgd,momentum", "steps": "300"}
    s, warnings = from_query(RaceSettings, query)
    assert warnings == [] and s.tuned
    at = open_app(query)
    (race,) = [a for a in component_args(at, "race_component") if a.get("role") == "race"]
    data = json.loads(race["data"])
    labels = {t["name"]: t["label"] for t in data["tracks"]}
    assert data["betas"] is None and data["chosen"]["alpha"] is None  # nothing to scrub
    results = {}
    for name in ("sgd", "momentum"):
        lr, momentum = _own_best(s, name)
        assert f"best α = {lr:g}" in labels[name]
        if name in MOMENTUM_OPTIMIZERS:
            assert f"β = {momentum:g}" in labels[name]
        one = runs.run_one(runs.at_best(s, name))
        by_hand = replace(s, lr=lr, momentum=momentum, tuned=False)
        assert one.final_loss[0] == runs.run_one(runs.solo(by_hand, name)).final_loss[0]
        results[name] = one
    # The verdict's claim is the runs' claim.
    verdict = next(m.value for m in at.markdown if "Each at its best" in m.value)
    sgd, heavy = (outcome(s.objective, results[n]) for n in ("sgd", "momentum"))
    assert sgd.kind == heavy.kind == "converged"
    for o in (sgd, heavy):
        assert f"in {o.step:,} steps" in verdict
    if heavy.step < sgd.step:
        assert "Momentum still wins when both are tuned" in verdict
        ratio = float(re.search(r"(\d+\.\d)× fewer steps", verdict)[1])
        assert np.isclose(ratio, sgd.step / heavy.step, atol=0.05)
    else:
        assert "still wins" not in verdict
    assert "nan" not in verdict.lower() and not at.exception
    # The sidebar's box is on, and the link keeps it.
    assert at.checkbox(key="tuned").value is True
    assert "1" in at.query_params["tuned"]


def test_untuned_links_stay_as_they_were():
    s, _ = from_query(RaceSettings, {})
    assert not s.tuned and runs.racer_label("momentum", s).startswith("Momentum (α = ")


def test_a_bad_tuned_value_warns_and_falls_back():
    s, warnings = from_query(RaceSettings, {"tuned": "yes"})
    assert not s.tuned and warnings and "tuned" in warnings[0]


def test_when_sgd_does_not_get_there_at_any_alpha_the_verdict_says_so():
    s, _ = from_query(RaceSettings, {"fn": "rosenbrock", "tuned": "1", "steps": "1000"})
    results = runs.run_race(s)
    verdict = runs.verdict(s.objective, results, s)
    sgd = outcome(s.objective, results["sgd"])
    assert sgd.kind != "converged" and runs.tuning(s, "sgd").steps == -1
    assert f"none of its {runs.tuning(s, 'sgd').runs:,} settings" in verdict
    assert "Momentum still wins when both are tuned" in verdict


def test_a_tuned_scene_runs_each_at_its_best_and_opens_the_playground_tuned():
    scene = next(s for s in scenes.scenes() if s.tuned)
    staged = scenes.stage(scene)
    race = scene.playground()
    assert race.tuned and race.optimizers == tuple(r.optimizer for r in scene.runs)
    for run in scene.runs:
        best = runs.tuning(race, run.optimizer)
        assert staged.values[run.key].lr == best.lr
        assert f"best α = {best.lr:g}" in staged.values[run.key].label


def test_a_tuned_scene_takes_no_momentum(tmp_path):
    path = tmp_path / "scenes.toml"
    path.write_text(
        '[[scene]]\nname = "t"\ntitle = "T"\nclaim = "c"\nfunction = "booth"\ntuned = true\n'
        'steps = 50\nruns = [{ key = "m", optimizer = "momentum", momentum = 0.9 }]\n'
        'caption = "{m.outcome}"\n'
    )
    with pytest.raises(ValueError, match="own best β"):
        scenes.load_scenes(path)
    path.write_text(path.read_text().replace(", momentum = 0.9", ""))
    (scene,) = scenes.load_scenes(path)
    assert scene.tuned and scene.where.endswith("each at its best α")
