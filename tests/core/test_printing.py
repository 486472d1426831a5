"""The formula text and LaTeX of every built-in function, derived from its one expression
(:func:`momentum_core.expression.to_text` and :func:`~momentum_core.expression.to_latex`)."""

from __future__ import annotations

import re

import pytest

from momentum_core import FACTORIES, get_objective
from momentum_core.expression import parse, to_latex, to_text


def tokens(latex: str) -> list[str]:
    """LaTeX as its tokens: white space between them does not count (but ``\\pi x`` is not
    ``\\pix``: a control word ends at the first non-letter)."""
    return re.findall(r"\\[A-Za-z]+|\\.|\S", latex)


def body(latex: str) -> list[str]:
    """The tokens after ``f(x, y) =`` or ``f =``."""
    return tokens(re.sub(r"^f(\(x, y\))? = ", "", latex))


# The LaTeX each function showed when it was written by hand next to its code (before it
# was derived), and where the derived form differs, the reviewed new one (checked in the
# playground's screenshots: KaTeX draws each).
SHOWN = {
    "rosenbrock": (r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2", None),
    "rastrigin": (
        r"f(x, y) = 20 + \sum_{i} \left(x_i^2 - 10\cos 2\pi x_i\right)",
        r"20 + (x^2 - 10\cos 2\pi x) + (y^2 - 10\cos 2\pi y)",
    ),
    "quadratic": (
        r"f = \tfrac12\left(\lambda_{\max} u^2 + \lambda_{\min} v^2\right),\ "
        r"\lambda_{\max} = 1,\ \kappa = 10,\ \theta = 30^\circ",
        r"0.5\,(0.775x^2 + 0.779423xy + 0.325y^2),\quad \lambda_{\max} = 1,\ \kappa = 10,\ "
        r"\theta = 30^\circ",
    ),
    "himmelblau": (r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2", None),
    "beale": (r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", None),
    "booth": (r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2", None),
    "matyas": (r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy", r"0.26\,(x^2 + y^2) - 0.48xy"),
    "three-hump-camel": (r"f(x, y) = 2x^2 - 1.05x^4 + \frac{x^6}{6} + xy + y^2", None),
    "six-hump-camel": (
        r"f(x, y) = \left(4 - 2.1x^2 + \frac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
        None,
    ),
    "ackley": (
        r"f = -20\,e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20",
        None,
    ),
    "styblinski-tang": (
        r"f(x, y) = \tfrac12 \sum_i \left(x_i^4 - 16x_i^2 + 5x_i\right)",
        r"0.5\,(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y)",
    ),
    "goldstein-price": (
        r"f = \left[1 + (x+y+1)^2(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
        r"\left[30 + (2x-3y)^2(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]",
        None,
    ),
}


def test_every_function_has_its_latex_reviewed():
    assert set(SHOWN) == set(FACTORIES)


@pytest.mark.parametrize("name", list(SHOWN))
def test_the_latex_is_the_one_shown_before_or_the_reviewed_new_one(name):
    before, reviewed = SHOWN[name]
    latex = get_objective(name).latex
    assert latex.startswith("f = " if name == "goldstein-price" else "f(x, y) = ")
    assert body(latex) == body(reviewed if reviewed is not None else before)


def test_the_latex_and_the_text_follow_the_parameters():
    obj = get_objective("rosenbrock", a=-1.5, b=37.25)
    assert obj.formula == "(-1.5 - x)^2 + 37.25 (y - x^2)^2"
    assert body(obj.latex) == tokens(r"(-1.5 - x)^2 + 37.25\,(y - x^2)^2")
    obj = get_objective("quadratic", condition=123.4, angle=-71)
    # A negative coefficient is a minus, not "+ -".
    assert obj.formula.startswith("0.5 (0.113239x^2 - 0.610672xy + 0.894864y^2); ")
    assert r"\kappa = 123.4" in obj.latex and r"\theta = -71^\circ" in obj.latex


TEXT = {
    "rastrigin": "20 + (x^2 - 10 cos 2πx) + (y^2 - 10 cos 2πy)",
    "six-hump-camel": "(4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2",
    "ackley": "-20 exp(-0.2 sqrt((x^2 + y^2)/2)) - exp((cos 2πx + cos 2πy)/2) + e + 20",
    "goldstein-price": "[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)]"
    " [30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]",
}


@pytest.mark.parametrize("name", list(TEXT))
def test_the_text_reads_as_written_by_hand(name):
    assert get_objective(name).formula == TEXT[name]


# (expression, text, LaTeX): one rule of the printers each.
RULES = [
    ("x**6/6", "x^6/6", r"\frac{x^6}{6}"),
    ("x/3*y", "x/3·y", r"\frac{x}{3}y"),
    ("exp(-(x**2 + y**2)/2)", "exp(-(x^2 + y^2)/2)", r"e^{-(x^2 + y^2)/2}"),
    ("2*pi*x", "2πx", r"2\pi x"),
    ("pi*e", "πe", r"\pi e"),
    ("cos(2*pi*x)", "cos 2πx", r"\cos 2\pi x"),
    ("cos(x + y)", "cos(x + y)", r"\cos(x + y)"),
    ("sin(x)**2", "sin(x)^2", r"\sin(x)^2"),
    ("x + -2*y", "x - 2y", "x - 2y"),
    ("x - -y", "x + y", "x + y"),
    ("2*3*x", "2·3x", r"2 \cdot 3x"),
    ("1e-5*x", "1e-05·x", "10^{-5}x"),
    ("2.5e7 + x", "2.5e+07 + x", r"2.5 \cdot 10^{7} + x"),
    ("x*y**2", "xy^2", "xy^2"),
    ("x**2*y", "x^2 y", "x^2y"),
    ("-x**2", "-x^2", "-x^2"),
    ("x**(y + 1)", "x^(y + 1)", "x^{y + 1}"),
    ("x**10", "x^10", "x^{10}"),
    ("(x + y)**2", "(x + y)^2", "(x + y)^2"),
    ("abs(x - 1)", "abs(x - 1)", r"\left|x - 1\right|"),
    ("sqrt(x**2 + 1)", "sqrt(x^2 + 1)", r"\sqrt{x^2 + 1}"),
    ("100*(y - x**2)**2", "100 (y - x^2)^2", r"100\,(y - x^2)^2"),
    ("(x - 1)*y", "(x - 1) y", r"(x - 1)\,y"),
    (
        "((x + 1)*(y + 1) + 1)*2",
        "[(x + 1) (y + 1) + 1]·2",
        r"\left[(x + 1)(y + 1) + 1\right] \cdot 2",
    ),
    ("(1 + x**2/2)*y", "(1 + x^2/2) y", r"\left(1 + \frac{x^2}{2}\right)y"),
    ("x + (y + 1)", "x + (y + 1)", "x + (y + 1)"),
    ("x*(y*2)", "x (y·2)", r"x(y \cdot 2)"),
    ("log(x)*arctan(y)", "log x arctan y", r"\log x\arctan y"),
]


@pytest.mark.parametrize(("expression", "text", "latex"), RULES, ids=[r[0] for r in RULES])
def test_each_printing_rule(expression, text, latex):
    tree = parse(expression)
    assert to_text(tree) == text
    assert tokens(to_latex(tree)) == tokens(latex)
