"""The guide's update rules are the core's docstrings, and every optimizer has one."""

from __future__ import annotations

import inspect

import pytest

from momentum_app.settings import LABELS
from momentum_app.update_rules import FUNCTIONS, update_rule
from momentum_core import OPTIMIZER_NAMES, make_optimizer


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_optimizer_states_its_rule(name):
    rule = update_rule(name)
    doc = inspect.getdoc(FUNCTIONS[name])
    assert rule.summary.rstrip(".") in doc.replace("``", "`")
    body = rule.latex.removeprefix(r"\begin{gathered}").removesuffix(r"\end{gathered}")
    assert body.split(",")[0].strip() in doc  # the math is the docstring's own
    assert r"\alpha" in rule.latex and name in LABELS


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_the_rule_belongs_to_the_optimizer_make_optimizer_builds(name):
    built = make_optimizer(name, 0.1, 0.5)
    assert (
        built.build in (FUNCTIONS[name],) or getattr(built.build, "func", None) is FUNCTIONS[name]
    )
