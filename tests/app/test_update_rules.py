"""The guide's update rules are the core's docstrings, and every optimizer has its own."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from momentum_app.config.settings import LABELS
from momentum_app.guide.update_rules import FUNCTIONS, update_rule
from momentum_core import OPTIMIZER_NAMES, make_optimizer


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_optimizer_states_its_rule(name):
    rule = update_rule(name)
    doc = inspect.getdoc(FUNCTIONS[name]).replace("``", "`")
    first_line = rule.summary.split(", with `nesterov=True`")[0].rstrip(".")
    assert first_line in doc.splitlines()[0]
    body = rule.latex.removeprefix(r"\begin{gathered}").removesuffix(r"\end{gathered}")
    assert body.split(",")[0].strip() in doc  # the math is the docstring's own
    assert r"\alpha" in rule.latex and name in LABELS


#: How each rule's factory builds what make_optimizer(name, 0.1, 0.5) should be.
DIRECT = {
    "sgd": lambda f: f(0.1),
    "momentum": lambda f: f(0.1, 0.5),
    "nesterov": lambda f: f(0.1, 0.5, nesterov=True),
    "keras-momentum": lambda f: f(0.1, 0.5),
    "adam": lambda f: f(0.1),
    "rmsprop": lambda f: f(0.1),
    "adagrad": lambda f: f(0.1),
}


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_the_rule_belongs_to_the_optimizer_make_optimizer_builds(name):
    # The optimizer the app runs and the factory whose docstring the guide shows take
    # the same steps.
    built, direct = make_optimizer(name, 0.1, 0.5), DIRECT[name](FUNCTIONS[name])
    assert built.name == direct.name == name
    x = np.array([[1.0, -2.0]])
    a, b = built.init(x), direct.init(x)
    for _ in range(3):
        g = np.array([[x[0, 0] ** 3, 3 * x[0, 1]]])
        (step_a, a), (step_b, b) = built.update(g, a), direct.update(g, b)
        np.testing.assert_array_equal(step_a, step_b)
        x = x + step_a


def test_momentum_and_nesterov_show_different_rules():
    momentum, nesterov = update_rule("momentum"), update_rule("nesterov")
    assert momentum.latex != nesterov.latex
    assert r"d_t = b_t," in momentum.latex and r"d_t = g_t + \beta b_t," in nesterov.latex
    for rule in (momentum, nesterov):
        assert r"\text{ if nesterov else }" not in rule.latex
    # Nesterov needs zero dampening, so its rule has no tau; heavy ball keeps it.
    assert r"(1 - \tau) g_t" in momentum.latex and r"\tau" not in nesterov.latex
    assert "nesterov=True" in nesterov.summary and "τ = 0" in nesterov.summary
    # A learner's sentence: no internal wording about batches of runs (#19 item 9).
    assert "per-run" not in nesterov.summary and "betas" not in nesterov.summary
    assert "nesterov" not in momentum.summary


def test_each_shown_rule_gives_the_cores_first_two_steps():
    """Hand-expanded from the rules as shown: momentum d = b, Nesterov d = g + beta b."""
    alpha, beta = 0.1, 0.5
    g1, g2 = np.array([[1.0, 2.0]]), np.array([[-3.0, 0.5]])
    b1, b2 = g1, beta * g1 + g2
    expected = {"momentum": (b1, b2), "nesterov": (g1 + beta * b1, g2 + beta * b2)}
    for name, (d1, d2) in expected.items():
        opt = make_optimizer(name, alpha, beta)
        state = opt.init(np.zeros((1, 2)))
        step1, state = opt.update(g1, state)
        step2, _ = opt.update(g2, state)
        np.testing.assert_allclose(step1, -alpha * d1)
        np.testing.assert_allclose(step2, -alpha * d2)
