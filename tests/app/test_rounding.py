"""Links as people write numbers: every number a link carries, a widget or a chart hands
back is rounded to the digits a page shows, and the run is the run of the rounded value."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace

import numpy as np
import pytest

from momentum_app.config import links
from momentum_app.config.settings import (
    MinimaSettings,
    ModelSettings,
    RaceSettings,
    SweepSettings,
    TheorySettings,
)
from momentum_app.landscapes import CUSTOM, SIGNIFICANT, lr_limits
from momentum_app.studies import sweep_figures, theory_view
from momentum_core import SweepResult, get_objective, spaces
from tests.app.harness import component_args, open_app, page_at

RECORDS = (RaceSettings, SweepSettings, MinimaSettings, TheorySettings, ModelSettings)
NOISY = (0.00030638870628004047, 8.490249844618393e-05, 1.587878787878788, 0.40202020202020206)


def digits(text: str) -> int:
    """The significant digits of a number as a link spells it."""
    mantissa = re.sub(r"[eE].*$", "", text.lstrip("+-")).replace(".", "").lstrip("0")
    return len(mantissa.rstrip("0")) if mantissa else 0


def test_digits_counts_what_a_reader_sees():
    assert [digits(t) for t in ("0.0003064", "8.49e-05", "1.588", "100.0", "0")] == [4, 3, 4, 1, 0]
    assert digits(repr(NOISY[0])) > SIGNIFICANT  # the links of issue #26


@pytest.mark.parametrize("value", [*NOISY, -2.718281828, 123456.789, 1e-300, 0.0])
def test_rounded_keeps_the_significant_digits_and_is_settled(value):
    r = links.rounded(value)
    assert digits(repr(r)) <= SIGNIFICANT
    assert math.isclose(r, value, rel_tol=5 * 10.0**-SIGNIFICANT, abs_tol=1e-300)
    assert links.rounded(r) == r  # a rounded value is left as it is


def test_a_value_inside_its_bounds_stays_inside_after_rounding():
    low, high = 1.0 / 3, 2.0 / 3  # bounds with more digits than a page shows
    assert links.rounded(high) > high and links.rounded(low) < low  # rounding alone leaves
    up, down = links.rounded(high, low, high), links.rounded(low, low, high)
    assert low <= down <= up <= high
    assert digits(repr(up)) <= SIGNIFICANT and digits(repr(down)) <= SIGNIFICANT


def test_a_bound_just_under_a_power_of_ten_keeps_four_digits():
    """The rule that once differed between the spaces and the links: the step inward is
    taken from the value, not from its rounding up to the next power of ten."""
    high = 9.99997
    assert links.rounded(9.99996, 0.0, high) == 9.999
    assert spaces.significant([9.99996, 5.0], 0.0, high).tolist() == [9.999, 5.0]


def test_the_spaces_and_the_links_round_alike():
    values = np.geomspace(1e-6, 7.77777, 301)
    low, high = values[0], values[-1]
    assert spaces.significant(values, low, high).tolist() == [
        links.rounded(v, low, high) for v in values
    ]


def test_the_learning_rate_bounds_are_numbers_a_page_shows():
    """1e-05 / 10 is 1.0000000000000002e-06: a rounded rate fell below its own box."""
    for fn in ("rosenbrock", "booth", "rastrigin"):
        for bound in lr_limits(get_objective(fn)):
            assert links.rounded(bound) == bound


def _noisy(cls):
    """A record of ``cls`` whose every number field is noisy (made, not read)."""
    s = links.defaults(cls)
    ctx = links.Context(getattr(s, "objective", None))
    fields = {}
    for name, link in links.links(cls):
        if link.kind == "number":
            low, high = link.value("low", ctx), link.value("high", ctx)
            fields[name] = low + (high - low) * NOISY[3]
    return replace(s, **fields), fields


@pytest.mark.parametrize("cls", RECORDS, ids=[c.__name__ for c in RECORDS])
def test_a_link_has_no_more_digits_than_a_page_shows(cls):
    s, fields = _noisy(cls)
    query = links.to_query(s)
    for _, link in links.links(cls):
        if link.kind == "number":
            assert digits(query[link.name]) <= SIGNIFICANT, (link.name, query[link.name])
    read, warnings = links.from_query(cls, query)
    assert warnings == [] and links.to_query(read) == query  # the link reproduces its run
    assert all(getattr(read, n) == links.rounded(v) for n, v in fields.items())


def test_whole_numbers_and_choices_are_not_rounded():
    s = replace(links.defaults(ModelSettings), data_seed=123456789, batch=255, activation="tanh")
    query = links.to_query(s)
    assert (query["data"], query["batch"], query["act"]) == ("123456789", "255", "tanh")
    s = replace(links.defaults(RaceSettings), seed=987654321, steps=2999)
    assert links.from_query(RaceSettings, links.to_query(s))[0] == s


def test_state_hands_the_run_the_rounded_value():
    """A value typed into a box with all its digits is run as the page shows it."""
    items = links.initial_state(RaceSettings)
    items.update(lr=NOISY[0], momentum=NOISY[3], noise=0.123456789)
    s = links.from_state(RaceSettings, items)
    assert (s.lr, s.momentum, s.noise) == (0.0003064, 0.402, 0.1235)


def test_a_typed_formula_s_largest_rate_is_rounded_inside_its_box():
    s, _ = links.from_query(RaceSettings, {"fn": CUSTOM, "f": "x^2 + 3*y^2", "lr": "1e9"})
    low, high = lr_limits(s.objective)
    assert low <= s.lr <= high and digits(repr(s.lr)) <= SIGNIFICANT


def test_a_noisy_theory_link_runs_the_rounded_values():
    """The theory link of issue #26."""
    at = page_at("pages/theory.py", {"kappa": "100", "lr": repr(NOISY[2]),
                                     "momentum": repr(NOISY[3])})  # fmt: skip
    assert not at.warning  # nothing was wrong with the link
    assert (
        at.number_input(key="th_alpha").value == 1.588 and at.slider(key="th_beta").value == 0.402
    )
    (race,) = component_args(at, "race_component")
    chosen = json.loads(race["data"])["chosen"]
    assert (chosen["alpha"], chosen["beta"]) == (1.588, 0.402)  # what the bowl ran
    assert (at.query_params["lr"], at.query_params["momentum"]) == ("1.588", "0.402")


def test_a_click_on_the_theory_map_is_rounded():
    at = page_at("pages/theory.py", {"kappa": "10"})
    at.session_state["theory_map"] = {"cell": [10, 20], "nonce": 1}
    at.run()
    alpha, beta = theory_view.MAP_ALPHAS[20], theory_view.MAP_BETAS[10]
    assert at.number_input(key="th_alpha").value == links.rounded(alpha)
    assert at.slider(key="th_beta").value == links.rounded(beta)
    assert digits(at.query_params["lr"]) <= SIGNIFICANT


def test_a_scrub_handed_back_by_the_chart_is_rounded_and_run():
    at = open_app()
    at.session_state["race"] = {"lr": NOISY[0], "momentum": NOISY[3], "nonce": 11}
    at.run()
    assert not at.exception, at.exception
    assert at.number_input(key="lr").value == 0.0003064
    assert at.slider(key="momentum").value == 0.402
    (feed,) = [f for f in component_args(at, "race_feed") if "lr" in f]
    assert (feed["lr"], feed["momentum"]) == (0.0003064, 0.402)  # the race the chart shows
    assert (at.query_params["lr"], at.query_params["momentum"]) == ("0.0003064", "0.402")


def test_the_sweep_s_open_in_playground_link_is_rounded():
    s = links.defaults(SweepSettings)
    lrs, momenta = np.meshgrid(np.geomspace(1e-4, 3e-3, 3), np.linspace(0, 0.99, 3))
    result = SweepResult.__new__(SweepResult)
    object.__setattr__(result, "lr", lrs)
    object.__setattr__(result, "momentum", momenta)
    query = links.to_query(sweep_figures.cell_race(s, result, 1, 1))
    assert digits(query["lr"]) <= SIGNIFICANT and digits(query["momentum"]) <= SIGNIFICANT
    assert repr(float(lrs[1, 1])) != query["lr"]  # the grid's own value had more


def test_a_start_point_and_a_parameter_are_rounded_like_a_number():
    s, warnings = links.from_query(
        RaceSettings, {"fn": "rastrigin", "param": "A:1.23456789", "start": "1.23456789,-0.98765"}
    )
    assert warnings == [] and s.params == (("A", 1.235),) and s.start == (1.235, -0.9877)
    query = links.to_query(replace(s, start=(1 / 3, -2 / 3)))
    assert query["start"] == "0.3333,-0.6667" and query["param"] == "A:1.235"


def test_a_value_typed_with_every_digit_is_kept_as_the_page_shows_it():
    at = open_app()
    at.number_input(key="lr").set_value(0.00123456789).run()
    assert not at.exception, at.exception
    assert at.number_input(key="lr").value == 0.001235 and at.query_params["lr"] == "0.001235"
    at.number_input(key="start_x").set_value(-1.23456789).run()
    assert at.number_input(key="start_x").value == -1.235
    assert at.query_params["start"].startswith("-1.235,")
