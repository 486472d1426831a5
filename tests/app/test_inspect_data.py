"""The step inspector's data: requests checked, numbers shipped exactly, sizes measured."""

from __future__ import annotations

import base64
import json

import numpy as np

from momentum_app.config.settings import default_settings
from momentum_app.race.inspect_data import (
    inspect_part,
    parse_requests,
    run_inspection,
    with_inspection,
)
from momentum_app.race.runs import race_view
from momentum_core import get_objective
from momentum_core.inspector import inspect_run


def _f64(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), "<f8")


def test_requests_are_checked():
    good = {"key": "k", "name": "momentum", "alpha": 0.0015, "beta": 0.9, "start": [-1.5, 2]}
    value = {"inspect": [
        good,
        {**good, "name": "adam"},  # not in this race
        {**good, "alpha": float("nan")},
        {**good, "alpha": -1},
        {**good, "beta": 2},
        {**good, "start": "here"},
        "junk",
    ]}  # fmt: skip
    assert parse_requests(value, ("sgd", "momentum")) == (
        ("k", "momentum", 0.0015, 0.9, (-1.5, 2.0)),
    )
    assert parse_requests({"want": ["pad"]}, ("sgd",)) == ()


def test_the_numbers_travel_as_exact_floats():
    rosen = get_objective("rosenbrock")
    d = run_inspection(rosen, "momentum", 1.5e-3, 0.9, rosen.x0, 100, key="k")
    ins = inspect_run(rosen, "momentum", 1.5e-3, 0.9, rosen.x0, 100)
    assert _f64(d["x"]).tolist() == ins.positions.ravel().tolist()
    assert _f64(d["terms"]["carry"]).tolist() == ins.terms["carry"].ravel().tolist()
    assert _f64(d["states"]["b"]).tolist() == ins.states["b"].ravel().tolist()
    assert d["key"] == "k" and d["rule"] == "momentum" and d["hyper"]["momentum"] == 0.9


def test_a_diverged_run_ships_finite_numbers_and_its_step():
    rosen = get_objective("rosenbrock")
    d = run_inspection(rosen, "momentum", 0.01, 0.9, rosen.x0, 200)
    assert d["diverged"] > 0 and d["updates"] == d["diverged"] - 1
    text = inspect_part([d])  # allow_nan=False: a NaN would raise here
    assert np.all(np.isfinite(_f64(json.loads(text)["runs"][0]["step"])))


def test_inspections_join_a_race_and_the_default_payload_stays_small():
    s = default_settings()
    data = race_view(s).data
    runs = [run_inspection(s.objective, n, s.lr, s.momentum, s.start, s.steps, key=n)
            for n in s.optimizers]  # fmt: skip
    joined = json.loads(with_inspection(data, runs))
    assert [r["key"] for r in joined["inspect"]] == list(s.optimizers)
    assert joined["tracks"] == json.loads(data)["tracks"]
    part = inspect_part(runs)
    print(f"default race {len(data):,} B, its inspect part {len(part):,} B")
    assert len(data) + len(part) <= 1_500_000
