"""Each optimizer's update rule, read from its docstring in ``momentum_core.optimizers``.

The guide shows these, so the page cannot drift from the code that runs.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from momentum_core import optimizers

#: The core function whose docstring states each optimizer's rule (from its record).
FUNCTIONS = {spec.name: spec.rule for spec in optimizers.SPECS}


#: Heavy ball's docstring states both of its variants in one line; each optimizer shows its own.
_VARIANTS = re.compile(r"d_t = (?P<nesterov>.+?) \\text\{ if nesterov else \} (?P<momentum>[^,]+)")
#: Nesterov requires zero dampening, so its buffer takes the raw gradient.
_DAMPED = r"(1 - \tau) g_t"


@dataclass(frozen=True)
class UpdateRule:
    """A docstring's first line (its summary) and its math, as LaTeX."""

    summary: str
    latex: str


def _arguments(doc: str) -> dict[str, str]:
    """The ``Args:`` entries of a Google-style docstring, each joined onto one line."""
    section = re.search(r"^Args:\n((?:[ ]{4}.*\n?)+)", doc, re.MULTILINE)
    entries: dict[str, str] = {}
    name = ""
    for line in section[1].splitlines() if section else []:
        entry = re.match(r"[ ]{4}(\w+): (.*)", line)
        if entry:
            name, entries[entry[1]] = entry[1], entry[2]
        elif name:
            entries[name] += " " + line.strip()
    return entries


def _variant(latex: str, name: str) -> str:
    """Heavy ball's rule for ``momentum`` or ``nesterov`` alone, from the combined one."""
    found = _VARIANTS.search(latex)
    if not found or (name == "nesterov" and _DAMPED not in latex):
        raise ValueError(f"the heavy-ball docstring no longer states the {name} rule as expected")
    latex = latex.replace(found[0], f"d_t = {found[name].strip()}")
    return latex.replace(_DAMPED, "g_t") if name == "nesterov" else latex


def update_rule(name: str) -> UpdateRule:
    """The rule of optimizer ``name``: the ``.. math::`` block of its core function's
    docstring, or the inline ``:math:`` of its first line.

    ``momentum`` and ``nesterov`` share :func:`~momentum_core.optimizers.heavy_ball`, whose
    block covers both; each gets its own branch of it, and Nesterov's summary adds the
    docstring's note on the ``nesterov`` argument (it needs zero dampening, so tau drops out).

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
    summary = re.sub(r":math:`[^`]+`", "", first).strip().rstrip(":. ")
    if name in ("momentum", "nesterov"):
        latex = _variant(latex, name)
    if name == "nesterov":
        # The note for a learner: its first clause, in the rule's symbols (the docstring's
        # aside in parentheses is about batches of runs, for the code's readers).
        note = re.split(r" \(", _arguments(doc)["nesterov"])[0].rstrip(".")
        note = re.sub(r"\bbeta\b", "β", re.sub(r"\btau\b", "τ", note))
        summary += ", with `nesterov=True`: " + note[:1].lower() + note[1:]
    return UpdateRule(summary.replace("``", "`") + ".", latex)
