"""Each optimizer's update rule, read from its docstring in ``momentum_core.optimizers``.

The guide shows these, so the page cannot drift from the code that runs.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from momentum_core import optimizers

#: The core function behind each CLI name.
FUNCTIONS = {
    "sgd": optimizers.gradient_descent,
    "momentum": optimizers.heavy_ball,
    "nesterov": optimizers.heavy_ball,
    "keras-momentum": optimizers.keras_momentum,
    "adam": optimizers.adam,
    "rmsprop": optimizers.rmsprop,
    "adagrad": optimizers.adagrad,
}


@dataclass(frozen=True)
class UpdateRule:
    """A docstring's first line (its summary) and its math, as LaTeX."""

    summary: str
    latex: str


def update_rule(name: str) -> UpdateRule:
    """The rule of optimizer ``name``: the ``.. math::`` block of its core function's
    docstring, or the inline ``:math:`` of its first line.

    Raises:
        ValueError: If the docstring holds no math (a test runs every optimizer).
    """
    doc = inspect.getdoc(FUNCTIONS[name]) or ""
    first = doc.splitlines()[0] if doc else ""
    block = re.search(r"\.\. math::\n((?:\s{4}.*\n?)+)", doc)
    if block:
        lines = [line.strip() for line in block[1].splitlines() if line.strip()]
        latex = r"\begin{gathered}" + " ".join(lines) + r"\end{gathered}"
    else:
        inline = re.search(r":math:`([^`]+)`", first)
        if not inline:
            raise ValueError(f"the docstring of {FUNCTIONS[name].__name__} states no rule")
        latex = inline[1]
    summary = re.sub(r":math:`[^`]+`", "", first).strip().rstrip(":. ").replace("``", "`")
    summary += "."
    return UpdateRule(summary, latex)
