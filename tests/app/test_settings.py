"""Links: query parameters to settings and back, and what a bad link does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from momentum_app.config.links import from_query, rounded, to_query
from momentum_app.config.settings import PAGE_MAX_STEPS, RaceSettings, default_settings
from momentum_app.landscapes import lr_limits
from momentum_app.ui import state
from momentum_core import FACTORIES, get_objective
from tests.app.harness import page_at


@pytest.mark.parametrize("fn", list(FACTORIES))
def test_round_trip_is_exact(fn):
    s = default_settings(fn)
    s = type(s)(
        fn,
        s.lr * 1.2345678901234,
        0.87,
        123,
        (s.start[0] / 3, s.start[1]),
        ("adam", "sgd"),
        0.25,
        42,
    )
    back, warnings = from_query(RaceSettings, to_query(s))
    assert warnings == []
    # The link carries the learning rate and the start to the digits a page shows: the run
    # it opens is the run of those values, and its own link is the same link.
    start = (rounded(s.start[0]), rounded(s.start[1]))
    assert back == replace(s, lr=rounded(s.lr), start=start) and back.lr != s.lr
    assert to_query(back) == to_query(s) and from_query(RaceSettings, to_query(back))[0] == back


def test_issue_example_link():
    s, warnings = from_query(
        RaceSettings, {"fn": "rastrigin", "lr": "0.002", "momentum": "0.9", "steps": "300"}
    )
    assert warnings == []
    assert (s.fn, s.lr, s.momentum, s.steps) == ("rastrigin", 0.002, 0.9, 300)
    assert s.start == get_objective("rastrigin").x0


BAD = [
    ({"fn": "banana"}, "Unknown function fn='banana'", lambda s: s.fn == "rosenbrock"),
    ({"lr": "abc"}, "Ignored lr='abc'", lambda s: s.lr == default_settings().lr),
    ({"lr": "nan"}, "not a number", lambda s: s.lr == default_settings().lr),
    ({"lr": "-1"}, "outside", lambda s: s.lr == lr_limits(get_objective("rosenbrock"))[0]),
    ({"lr": "1e9"}, "outside", lambda s: s.lr == lr_limits(get_objective("rosenbrock"))[1]),
    ({"momentum": "1.7"}, "momentum=1.7 is outside", lambda s: s.momentum == 1.0),
    ({"steps": "0"}, "steps=0", lambda s: s.steps == 1),
    ({"steps": "99999999"}, "outside", lambda s: s.steps == PAGE_MAX_STEPS),
    ({"steps": "12.5"}, "not a whole number", lambda s: s.steps == 12),
    ({"start": "1;2"}, "expected x,y", lambda s: s.start == get_objective("rosenbrock").x0),
    ({"start": "100,2"}, "outside the plot", lambda s: s.start == (2.0, 2.0)),
    ({"optimizers": "sgd,lion"}, "unknown optimizer(s) lion", lambda s: s.optimizers == ("sgd",)),
    ({"optimizers": "lion"}, "No known optimizer", lambda s: s.optimizers == ("sgd", "momentum")),
    ({"noise": "-3"}, "noise=-3", lambda s: s.noise == 0.0),
    ({"seed": "x"}, "Ignored seed='x'", lambda s: s.seed == 0),
]


@pytest.mark.parametrize(("query", "message", "check"), BAD, ids=[str(q) for q, _, _ in BAD])
def test_bad_values_warn_and_fall_back(query, message, check):
    s, warnings = from_query(RaceSettings, query)
    assert len(warnings) == 1
    assert message in warnings[0]
    assert check(s)
    # Whatever the link said, the settings it yields are valid for the core.
    lo, hi = lr_limits(s.objective)
    assert lo <= s.lr <= hi and 0 <= s.momentum <= 1 and 1 <= s.steps <= PAGE_MAX_STEPS


def test_list_valued_params_take_the_last():
    s, _ = from_query(RaceSettings, {"fn": ["booth", "matyas"]})
    assert s.fn == "matyas"


def test_sweep_link_round_trips_with_its_start():
    from momentum_app.config.settings import SweepSettings

    s = SweepSettings("himmelblau", (0.5, -1.25), "nesterov", 700, 25, "final loss")
    back, warnings = from_query(SweepSettings, to_query(s))
    assert back == s and warnings == []
    moved, warnings = from_query(SweepSettings, {"fn": "booth", "start": "99,0"})
    assert moved.start == (10.0, 0.0) and "moved to 10,0" in warnings[0]


def test_a_parameters_box_steps_by_a_useful_amount():
    """Rastrigin's A (0.1 to 20) stepped by Streamlit's default 0.01 a press."""
    at = page_at("pages/playground.py", {"fn": "rastrigin", "param": "A:1"})
    assert at.number_input(key="param_A").step == 0.1
    at = page_at("pages/playground.py", {"fn": "rosenbrock"})
    assert at.number_input(key="param_b").step == 10
    assert at.number_input(key="param_a").step == 0.01


@pytest.mark.parametrize(
    ("key", "typed", "clamped", "message"),
    [
        ("start_x", 100.0, 2.0, "Start x 100 is outside -2 to 2; using 2."),
        ("steps", 5000, 3000, "Steps 5,000 is outside 1 to 3,000; using 3,000."),
        ("steps", -5, 1, "Steps -5 is outside 1 to 3,000; using 1."),
        ("lr", 1e-12, 1e-6, "Exact learning rate 1e-12 is outside 1e-06 to 0.03; using 1e-06."),
        ("param_b", 1e6, 1000.0, "Rosenbrock: b 1e+06 is outside 1 to 1000; using 1000."),
    ],
    ids=["start", "steps-high", "steps-low", "lr", "param"],
)
def test_a_value_typed_out_of_range_is_clamped_with_a_warning(key, typed, clamped, message):
    """The box used to keep a typed 100 in red while the race kept the old start."""
    at = page_at("pages/playground.py", {"fn": "rosenbrock"})
    at.number_input(key=key).set_value(typed).run()
    assert not at.exception, at.exception
    assert at.number_input(key=key).value == pytest.approx(clamped, rel=1e-12)
    assert state.plain(message) in [w.value for w in at.warning]
    assert any(c.value.endswith(" to 3,000") for c in at.sidebar.caption)  # ranges shown


def test_every_declared_widget_has_a_drawing():
    from momentum_app.config import links
    from momentum_app.ui.widgets import WIDGETS

    declared = {link.widget for cls in state.RECORDS for _, link in links.links(cls)}
    assert declared - {""} <= set(WIDGETS), declared - set(WIDGETS)
    assert "slider" in declared and "point" in declared  # the records do declare widgets
