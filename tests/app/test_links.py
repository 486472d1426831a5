"""The declarative settings layer: every record's link, state keys and defaults come from
its field declarations, so these tests run over every record and every field."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import pytest

from momentum_app.config import links
from momentum_app.config.settings import (
    MINIMA_DEFAULT,
    MinimaSettings,
    RaceSettings,
    SweepSettings,
    TheorySettings,
)
from momentum_app.landscapes import CUSTOM, lr_limits
from momentum_app.talk.scenes import SceneChoice
from momentum_core import get_objective

RECORDS = (RaceSettings, SweepSettings, MinimaSettings, TheorySettings, SceneChoice)
IDS = [cls.__name__ for cls in RECORDS]
#: Every bounded field of every record, as (record, field name, link).
BOUNDED = [
    (cls, name, link)
    for cls in RECORDS
    for name, link in links.links(cls)
    if link.kind in ("number", "whole")
]


@pytest.mark.parametrize("cls", RECORDS, ids=IDS)
def test_an_empty_link_gives_the_defaults_and_they_round_trip(cls):
    s, warnings = links.from_query(cls, {})
    assert warnings == [] and s == links.defaults(cls)
    assert links.from_query(cls, links.to_query(s)) == (s, [])


@pytest.mark.parametrize("cls", RECORDS, ids=IDS)
def test_state_holds_a_record_exactly_under_the_keys_it_declares(cls):
    s = links.defaults(cls)
    items = links.initial_state(cls)
    assert set(items) == set(links.state_keys(cls))
    assert links.from_state(cls, items) == s


@pytest.mark.parametrize(
    "s",
    [
        RaceSettings(
            "rastrigin",
            0.0031,
            0.75,
            321,
            (1.5, -2.0),
            ("adam", "sgd"),
            0.5,
            7,
            True,
            params=(("A", 3.0),),
        ),
        RaceSettings(
            CUSTOM,
            0.02,
            0.5,
            100,
            (0.5, 0.25),
            ("momentum",),
            0.0,
            0,
            False,
            formula="x^2 + 3*y^2",
            domain=(-1.234567891, 2.0, -3.0, 4.5),
        ),
        SweepSettings("himmelblau", (0.5, -1.25), "nesterov", 700, 25, "final loss"),
        MinimaSettings("booth", 0.01, 0.5, 20, 300, 50, 0.25, 3),
        TheorySettings(1000, 0.5, 0.25),
    ],
    ids=["race", "typed", "sweep", "minima", "theory"],
)
def test_a_changed_record_survives_link_and_state(s):
    assert links.from_query(type(s), links.to_query(s)) == (s, [])
    assert links.from_state(type(s), links.to_state(s)) == s


def test_state_keys_are_the_field_names_after_the_record_prefix():
    assert links.state_keys(TheorySettings) == ["th_kappa", "th_alpha", "th_beta"]
    race = links.state_keys(RaceSettings)
    assert {"fn", "formula", "domain", "param_A", "lr", "start_x", "start_y", "seed"} <= set(race)
    # The sweep shares the playground's landscape and start, and keeps its own steps.
    sweep = set(links.state_keys(SweepSettings))
    assert {"fn", "start_x", "sw_steps", "sw_grid"} <= sweep and "steps" not in sweep
    minima = set(links.state_keys(MinimaSettings))
    assert {"lm_fn", "lm_param_A", "lm_lr"} <= minima and "lm_formula" not in minima


@pytest.mark.parametrize(
    ("cls", "name", "link"), BOUNDED, ids=[f"{c.__name__}.{n}" for c, n, _ in BOUNDED]
)
def test_every_bounded_value_is_clamped_to_its_widget_with_a_warning(cls, name, link):
    ctx = links.Context(links.defaults(cls).objective if hasattr(cls, "objective") else None)
    low, high = link.value("low", ctx), link.value("high", ctx)
    for text, expected in ((repr(high * 10 + 1), high), (repr(low - 10 * abs(low) - 1), low)):
        s, warnings = links.from_query(cls, {link.name: text})
        assert getattr(s, name) == expected
        assert len(warnings) == 1 and f"{link.name}=" in warnings[0] and "outside" in warnings[0]
    s, warnings = links.from_query(cls, {link.name: "1_0"})
    assert getattr(s, name) == getattr(links.defaults(cls), name)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"Ignored {link.name}='1_0': not a number; using ")


def test_landscape_dependent_defaults_follow_the_landscape():
    rastrigin = get_objective("rastrigin")
    fresh = links.landscape_defaults(RaceSettings, ("rastrigin", (), "", ()))
    assert fresh == {"lr": rastrigin.lr_default, "start_x": rastrigin.x0[0],
                     "start_y": rastrigin.x0[1]}  # fmt: skip
    # The sweep's start is the playground's; it has no learning rate of its own.
    assert links.landscape_defaults(SweepSettings, ("booth", (), "", ())) == {
        "start_x": get_objective("booth").x0[0],
        "start_y": get_objective("booth").x0[1],
    }


def test_the_minima_page_opens_on_its_own_case_unless_the_link_names_a_landscape():
    opened = links.defaults(MinimaSettings)
    assert (opened.fn, opened.params, opened.lr) == MINIMA_DEFAULT
    named, _ = links.from_query(MinimaSettings, {"fn": "rastrigin", "param": "A:1"})
    assert named.params == opened.params
    assert named.lr == links.rounded(opened.objective.lr_default)  # the digits a page shows
    assert named.lr != opened.lr
    typed, warnings = links.from_query(MinimaSettings, {"fn": CUSTOM, "f": "x^2+y^2"})
    assert typed.fn == "rastrigin" and "built-in functions" in warnings[0]


def test_lr_bounds_come_from_the_landscape():
    s, _ = links.from_query(RaceSettings, {"fn": "booth", "lr": "1e9"})
    assert s.lr == lr_limits(get_objective("booth"))[1]
    assert replace(s, lr=0.1) != s


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        links.linked("x", "colour")


def test_a_new_record_needs_nothing_but_its_field_declarations():
    @dataclass(frozen=True)
    class Demo:
        PREFIX: ClassVar[str] = "demo_"
        rate: float = links.linked("rate", "number", default=0.5, low=0.0, high=1.0,
                                   what="the rates", widget="slider", label="Rate")  # fmt: skip
        picks: tuple = links.linked("picks", "choices", default=("a",), options=("a", "b", "c"),
                                    what="pick", widget="multiselect", label="Picks")  # fmt: skip

    s, warnings = links.from_query(Demo, {"rate": "2", "picks": "c,z"})
    assert s == Demo(1.0, ("c",))
    assert warnings == [
        "rate=2 is outside the rates [0, 1]; using 1.",
        "Ignored unknown pick(s) z; choose from a, b, c.",
    ]
    assert links.to_query(s) == {"rate": "1.0", "picks": "c"}
    assert links.to_state(s) == {"demo_rate": 1.0, "demo_picks": ["c"]}
    assert links.from_state(Demo, {"demo_rate": 0.25, "demo_picks": []}) == Demo(0.25, ("a",))
