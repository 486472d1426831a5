"""Formulas in x and y: the grammar, its parser and its constant folding.

The one reader of typed formulas and of the built-in landscapes' expressions
(:mod:`momentum_core.objectives`); :mod:`momentum_core.formula` analyses a typed one and
:mod:`momentum_core.tape` turns a tree into the tape that the runners evaluate. The text is
never handed to ``eval``, ``exec``, ``ast.parse`` or ``sympify``. See
:mod:`momentum_core.formula` for the grammar and the limits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: Longest formula accepted, in characters.
MAX_LENGTH = 500
#: Deepest nesting accepted (parentheses, function calls, signs, exponents).
MAX_DEPTH = 16
#: Largest absolute value of a constant exponent.
MAX_EXPONENT = 100
#: The spacing of floats at 1 (2^-52).
_EPSILON = 2.0**-52

#: The functions of the grammar with their float versions (for constant parts).
FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
    "tanh": math.tanh,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "arctan": math.atan,
}
VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
_NAMES = (*VARIABLES, *CONSTANTS, *FUNCTIONS)
_ALLOWED = ", ".join(_NAMES)


# --- tokens ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<space>[ \t]+)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^()])"
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    pos: int  # 0-based index into the formula


def _quote(text: str, limit: int = 24) -> str:
    """``text`` in quotes, shortened, with any control character escaped (one line)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _tokens(formula: str) -> Iterator[_Token]:
    """The tokens of ``formula``, lazily: a bad character is reported when the parser
    reaches it, so errors come in reading order (``__import__('os')`` is an unknown name
    before it is a string)."""
    i = 0
    while i < len(formula):
        match = _TOKEN.match(formula, i)
        if match is None:
            char = formula[i]
            hint = {
                "=": " (write an expression, not an assignment)",
                ",": " (functions take one argument)",
                ".": " (numbers only: no attribute access)",
                "'": " (no strings)",
                '"': " (no strings)",
            }.get(char, "")
            raise ValueError(f"unexpected character {char!r} at position {i + 1}{hint}")
        if match.lastgroup != "space":
            yield _Token(match.lastgroup, match.group(), i)
        i = match.end()
    yield _Token("end", "", len(formula))


# --- the parse tree --------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """One node of the parse tree.

    ``kind`` is "num" (``value``: the float), "var" and "const" (``value``: the name),
    "neg" (one child), "add" (``value``: the signs "+"/"-" of the children), "mul"
    (``value``: the operators "*"/"/" before the children, the first one "*"), "pow" (base,
    exponent) or "call" (``value``: the function's name; one child). ``pos`` is where the
    node's operator (or the number or name) starts, 0-based; ``op_pos`` holds where each
    operator of a "mul" starts (the first entry is the node's own ``pos``).
    """

    kind: str
    value: Any
    children: tuple[_Node, ...]
    pos: int
    op_pos: tuple[int, ...] = ()


class _Parser:
    """Recursive descent over the tokens, one method per rule of the grammar."""

    def __init__(self, tokens: Iterator[_Token]) -> None:
        self.tokens = tokens
        self.token = next(tokens)  # the next token, not yet consumed

    def advance(self) -> _Token:
        token = self.token
        if token.kind != "end":
            self.token = next(self.tokens)
        return token

    def deeper(self, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise ValueError(
                f"formula is nested too deeply at position {self.token.pos + 1}"
                f" (at most {MAX_DEPTH} levels)"
            )
        return depth + 1

    def parse(self) -> _Node:
        tree = self.sum(0)
        token = self.token
        if token.kind != "end":
            if token.text == ")":
                raise ValueError(f"unmatched ')' at position {token.pos + 1}")
            raise ValueError(
                f"expected an operator (+ - * / ^) at position {token.pos + 1},"
                f" got {_quote(token.text)}"
            )
        return tree

    def sum(self, depth: int) -> _Node:
        pos = self.token.pos
        signs, terms = ["+"], [self.product(depth)]
        while self.token.text in ("+", "-"):
            signs.append(self.advance().text)
            terms.append(self.product(depth))
        return terms[0] if len(terms) == 1 else _Node("add", tuple(signs), tuple(terms), pos)

    def product(self, depth: int) -> _Node:
        pos = self.token.pos
        ops, where, factors = ["*"], [pos], [self.unary(depth)]
        while self.token.text in ("*", "/"):
            op = self.advance()
            ops.append(op.text)
            where.append(op.pos)
            factors.append(self.unary(depth))
        if len(factors) == 1:
            return factors[0]
        return _Node("mul", tuple(ops), tuple(factors), pos, tuple(where))

    def unary(self, depth: int) -> _Node:
        if self.token.text in ("-", "+"):
            depth = self.deeper(depth)
            sign = self.advance()
            operand = self.unary(depth)
            return operand if sign.text == "+" else _Node("neg", None, (operand,), sign.pos)
        return self.power(depth)

    def power(self, depth: int) -> _Node:
        base = self.atom(depth)
        if self.token.text in ("^", "**"):
            depth = self.deeper(depth)
            op = self.advance()
            return _Node("pow", None, (base, self.unary(depth)), op.pos)
        return base

    def atom(self, depth: int) -> _Node:
        token = self.token
        where = f"at position {token.pos + 1}"
        # Checked before reading on: the name is the first thing wrong in "lambda: x".
        if token.kind == "name" and token.text not in _NAMES:
            raise ValueError(f"unknown name {_quote(token.text)} {where}; allowed: {_ALLOWED}")
        self.advance()
        if token.kind == "number":
            value = float(token.text)
            if not math.isfinite(value):
                raise ValueError(f"number {_quote(token.text)} {where} is too large")
            return _Node("num", value, (), token.pos)
        if token.kind == "name":
            name = token.text
            if name in VARIABLES:
                return _Node("var", name, (), token.pos)
            if name in CONSTANTS:
                return _Node("const", name, (), token.pos)
            if name in FUNCTIONS:
                if self.token.text != "(":
                    raise ValueError(f"function {name!r} {where} needs parentheses: {name}(...)")
                depth = self.deeper(depth)
                paren = self.advance()
                arg = self.sum(depth)
                self.close(paren)
                return _Node("call", name, (arg,), token.pos)
        if token.text == "(":
            inner = self.sum(self.deeper(depth))
            self.close(token)
            return inner
        if token.kind == "end":
            raise ValueError(f"formula ends too early at position {token.pos + 1}")
        raise ValueError(
            f"expected a number, x, y, pi, e, a function or '(' {where}, got {_quote(token.text)}"
        )

    def close(self, opening: _Token) -> None:
        token = self.token
        if token.text != ")":
            got = "the end" if token.kind == "end" else _quote(token.text)
            raise ValueError(
                f"missing ')' at position {token.pos + 1} for the '(' at position"
                f" {opening.pos + 1}, got {got}"
            )
        self.advance()


def parse(formula: str) -> _Node:
    """The parse tree of ``formula`` (see the module docstring for the grammar).

    Raises:
        ValueError: One line saying what is wrong and where.
    """
    if not isinstance(formula, str):
        raise ValueError(f"formula must be text, got {type(formula).__name__}")
    if len(formula) > MAX_LENGTH:
        raise ValueError(f"formula is too long: {len(formula)} characters (at most {MAX_LENGTH})")
    if not formula.strip():
        raise ValueError("formula is empty")
    return _Parser(_tokens(formula)).parse()


# --- constant parts, in floating point -------------------------------------------------


def _number(value: float, pos: int) -> _Node:
    return _Node("num", value, (), pos)


def _fold(node: _Node) -> tuple[_Node, float | None]:
    """``node`` with constant powers folded into numbers, and its value if it is constant.

    Every constant part is evaluated in floating point here, so division by zero, overflow,
    poles and non-real constants are refused at their position; so are the constant
    factors of a product and the constant terms of a sum that overflow together, whatever
    their order (``1e200*x*1e200``). Only constant powers are folded: ``2*pi`` stays as
    written.
    """
    kind, where = node.kind, f"at position {node.pos + 1}"
    if kind == "num":
        return node, node.value
    if kind == "var":
        return node, None
    if kind == "const":
        return node, CONSTANTS[node.value]
    folded = [_fold(child) for child in node.children]
    children = tuple(child for child, _ in folded)
    values = [value for _, value in folded]
    node = _Node(kind, node.value, children, node.pos, node.op_pos)
    constant = all(v is not None for v in values)

    if kind == "pow":
        base, exponent = values
        if exponent is not None and abs(exponent) > MAX_EXPONENT:
            raise ValueError(
                f"exponent {exponent:.10g} {where} is too large (at most {MAX_EXPONENT} in size)"
            )
        if not constant:
            return node, None
        try:
            result = base**exponent
        except ZeroDivisionError:
            raise ValueError(f"0 to a negative power {where}") from None
        except OverflowError:
            raise ValueError(f"constant power {where} overflows") from None
        if isinstance(result, complex):
            raise ValueError(
                f"negative number to a fractional power {where} is not real"
                f" (({base:g})^{exponent:g})"
            )
        return _check_constant(_number(result, node.pos), result, where)
    if kind == "mul":
        for op, value, pos in zip(node.value, values, node.op_pos, strict=True):
            if op == "/" and value == 0:
                raise ValueError(f"division by zero at position {pos + 1}")
    if not constant:
        _check_constant_parts(node, values, where)
        return node, None
    if kind == "neg":
        result = -values[0]
    elif kind == "add":
        result = math.fsum(v if s == "+" else -v for s, v in zip(node.value, values, strict=True))
    elif kind == "mul":
        result = 1.0
        for op, value in zip(node.value, values, strict=True):
            result = result * value if op == "*" else result / value
    else:  # call
        arg = values[0]
        name = node.value
        if name == "tan" and abs(math.cos(arg)) <= 4 * _EPSILON * max(1.0, abs(arg)):
            # pi/2 + k pi to rounding: the float tan there is finite (1.6e16), the function not
            raise ValueError(f"tan({arg:g}) {where} is not finite (a pole)")
        try:
            result = FUNCTIONS[name](arg)
        except OverflowError:
            raise ValueError(f"{name}({arg:g}) {where} overflows") from None
        except ValueError:
            raise ValueError(f"{name}({arg:g}) {where} is not a finite real number") from None
    return _check_constant(node, result, where)


def _check_constant_parts(node: _Node, values: list[float | None], where: str) -> None:
    """Refuses a product whose constant factors, or a sum whose constant terms, overflow
    together: the function is then infinite (or the evaluation order decides)."""
    if node.kind == "mul":
        together = 1.0
        for op, value in zip(node.value, values, strict=True):
            if value is not None:
                together = together * value if op == "*" else together / value
        if not math.isfinite(together):
            raise ValueError(f"the product of the constant factors {where} overflows")
    elif node.kind == "add":
        try:
            math.fsum(v if s == "+" else -v for s, v in zip(node.value, values, strict=True)
                      if v is not None)  # fmt: skip
        except OverflowError:
            raise ValueError(f"the sum of the constant terms {where} overflows") from None


def _check_constant(node: _Node, value: float, where: str) -> tuple[_Node, float]:
    if not math.isfinite(value):
        raise ValueError(f"constant {where} overflows")
    return node, float(value)


# --- Python code -----------------------------------------------------------------------

# Binding strength of each kind of node when printed as Python.
_STRENGTH = {"add": 1, "mul": 2, "neg": 3, "pow": 4}


def _literal(value: float) -> str:
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def to_code(node: _Node, name: Callable[[str], str] = str) -> str:
    """The tree as a Python expression in x and y with ``**`` for powers.

    It uses only numbers, ``+ - * / **``, parentheses, ``pi``, ``e`` and the grammar's
    function names, each printed as ``name`` spells it (``torch.sin``, ``math.pi``);
    parentheses are kept wherever the formula had them around a sum or product, so the
    evaluation order is the formula's.

    >>> to_code(parse("x^2 + sin(pi*y)"), lambda n: "m." + n)
    'x ** 2 + m.sin(m.pi * y)'
    """

    def emit(n: _Node, outer: int) -> str:
        """``n`` printed, in parentheses if it binds less strongly than ``outer``."""
        strength = _STRENGTH.get(n.kind, 5)
        if n.kind == "num":
            text = _literal(n.value)
        elif n.kind == "var":
            text = n.value
        elif n.kind == "const":
            text = name(n.value)
        elif n.kind == "call":
            text = f"{name(n.value)}({emit(n.children[0], 0)})"
        elif n.kind == "neg":
            text = "-" + emit(n.children[0], 3)
        elif n.kind == "pow":  # right-associative, and Python allows x ** -y
            text = f"{emit(n.children[0], 5)} ** {emit(n.children[1], 3)}"
        else:  # add or mul: a later operand of the same strength keeps its parentheses
            ops = [f" {op} " for op in n.value]
            text = emit(n.children[0], strength) + "".join(
                op + emit(child, strength + 1)
                for op, child in zip(ops[1:], n.children[1:], strict=True)
            )
        return f"({text})" if strength < outer else text

    return emit(node, 0)


# --- the formula as people write it: text and LaTeX ------------------------------------

#: Functions written as operators before a plain argument: ``cos 2πx``, ``\cos 2\pi x``.
_OPERATORS = ("sin", "cos", "tan", "log", "tanh", "sinh", "cosh", "arctan")
_SYMBOLS = {"pi": ("π", r"\pi"), "e": ("e", "e")}
_CONTROL_WORD = re.compile(r"\\[A-Za-z]+$")


def shown(value: float) -> str:
    """A constant as a formula shows it: six significant digits (``0.7749999999999999``
    of a computed coefficient reads ``0.775``; ``100.0``, ``100``)."""
    return f"{value:g}"


class _Writer:
    """Prints a tree the way formulas are written by hand, as text or as LaTeX.

    Products are juxtaposed (``2x^2``, ``xy``, ``100 (y - x^2)^2``), a number after
    anything is joined by a dot, powers are ``^``, ``pi`` is π, and a function before a
    plain product takes no parentheses (``cos 2πx``). LaTeX adds ``\\frac`` for a
    quotient (``/`` inside exponents and roots, where a fraction would be tiny), ``e^{u}``
    for ``exp(u)``, ``\\sqrt{u}``, ``\\left|u\\right|``, a thin space between a number and
    the bracket after it (and a bracket and the name after it), and tall brackets around
    fractions and roots. Brackets go where the tree has
    them (a sum inside a sum keeps its own, as in :func:`to_code`), square ones around
    brackets.
    """

    def __init__(self, latex: bool, number: Callable[[float], str]) -> None:
        self.latex, self.number = latex, number

    def write(self, n: _Node, outer: int = 0, inline: bool = False) -> str:
        """``n`` printed, in brackets if it binds less strongly than ``outer``; ``inline``
        inside an exponent or a root (no fractions there)."""
        strength = _STRENGTH.get(n.kind, 5)
        text = getattr(self, "_" + n.kind)(n, inline)
        return self.brackets(text) if strength < outer else text

    def brackets(self, text: str) -> str:
        square = "(" in text
        if not self.latex:
            return f"[{text}]" if square else f"({text})"
        tall = square or any(tall in text for tall in (r"\frac", r"\sqrt", "^{", r"\left"))
        left, right = ("[", "]") if square else ("(", ")")
        return rf"\left{left}{text}\right{right}" if tall else f"{left}{text}{right}"

    def _num(self, n: _Node, inline: bool) -> str:
        text = self.number(n.value)
        if self.latex and "e" in text:  # 1e-05: 10^{-5}
            mantissa, exponent = text.split("e")
            power = f"10^{{{int(exponent)}}}"
            return power if mantissa == "1" else rf"{mantissa} \cdot {power}"
        return text

    def _var(self, n: _Node, inline: bool) -> str:
        return n.value

    def _const(self, n: _Node, inline: bool) -> str:
        return _SYMBOLS[n.value][self.latex]

    def _neg(self, n: _Node, inline: bool) -> str:
        return "-" + self.write(n.children[0], 3, inline)

    def _add(self, n: _Node, inline: bool) -> str:
        text = self.write(n.children[0], 1, inline)
        for sign, child in zip(n.value[1:], n.children[1:], strict=True):
            if (positive := _negated(child)) is not None:  # a + -b reads a - b
                sign, child = ("-" if sign == "+" else "+"), positive
            text += f" {sign} " + self.write(child, 2, inline)
        return text

    def _mul(self, n: _Node, inline: bool) -> str:
        first, *rest = n.children
        text, left, previous = self.write(first, 2, inline), first, "*"
        for op, child in zip(n.value[1:], rest, strict=True):
            # A later factor of the same strength keeps its brackets, and so does a sign.
            right = self.write(child, 4 if child.kind == "neg" else 3, inline)
            if op == "/" and self.latex and not inline:
                text = rf"\frac{{{text}}}{{{self.write(child, 0, inline)}}}"
            elif op == "/":
                text += "/" + right
            else:
                text = self.join(text, right, left, child, after_quotient=previous == "/")
            left, previous = child, op
        return text

    def join(self, text: str, right: str, left: _Node, child: _Node, after_quotient: bool) -> str:
        """Two factors side by side, with what separates them."""
        plain = ("num", "var", "const")
        spelled = not self.latex and left.kind == "num" and "e" in text.rsplit(" ", 1)[-1]
        if child.kind in ("num", "neg") or (not self.latex and (after_quotient or spelled)):
            gap = r" \cdot " if self.latex else "·"
        elif left.kind in plain and (child.kind in ("var", "const") or _simple_power(child)):
            gap = ""
        elif left.kind == "pow" and _simple_power(left) and child.kind in ("var", "const"):
            gap = "" if self.latex else " "
        elif not self.latex:
            gap = " "
        elif _signed_number(left) and right.startswith(("(", r"\left", "e^")):
            gap = r"\,"  # 100\,(y - x^2)^2
        elif text.endswith(")") and not text.endswith(r"\right)") and right[:1].isalpha():
            gap = r"\,"  # (-4 + 4y^2)\,y^2
        else:
            gap = ""
        if gap == "" and _CONTROL_WORD.search(text) and right[:1].isalpha():
            gap = " "  # \pi x, not \pix
        return text + gap + right

    def _pow(self, n: _Node, inline: bool) -> str:
        base, exponent = n.children
        if base.kind in ("var", "const") or (base.kind == "num" and base.value >= 0):
            shown_base = self.write(base, 0, inline)
        elif base.kind == "call" and not (self.latex and base.value == "exp"):
            shown_base = self.call(base, inline, bare=False)
        else:
            shown_base = self.brackets(self.write(base, 0, inline))
        power = self.write(exponent, 0, True)
        if self.latex:
            return f"{shown_base}^{power}" if len(power) == 1 else f"{shown_base}^{{{power}}}"
        plain = exponent.kind in ("num", "var", "const")
        return f"{shown_base}^{power}" if plain else f"{shown_base}^({power})"

    def _call(self, n: _Node, inline: bool) -> str:
        return self.call(n, inline, bare=True)

    def call(self, n: _Node, inline: bool, bare: bool) -> str:
        """``name(arg)``, or ``name arg`` where ``bare`` allows and the argument is a
        plain product."""
        name, (arg,) = n.value, n.children
        if self.latex and name == "exp":
            return f"e^{{{self.write(arg, 0, True)}}}"
        if self.latex and name == "sqrt":
            return rf"\sqrt{{{self.write(arg, 0, True)}}}"
        if self.latex and name == "abs":
            return rf"\left|{self.write(arg, 0, inline)}\right|"
        inside = self.write(arg, 0, inline)
        shown_name = rf"\{name}" if self.latex and name in _OPERATORS else name
        if bare and name in _OPERATORS and _plain_product(arg):
            return f"{shown_name} {inside}"
        if self.latex:
            return shown_name + self.brackets(inside).replace("[", "(").replace("]", ")")
        return f"{shown_name}({inside})"


def _negated(n: _Node) -> _Node | None:
    """``m`` where ``n`` is ``-m`` or a product that starts with a sign (``-0.6*x*y``)."""
    if n.kind == "neg":
        return n.children[0]
    if n.kind == "mul" and n.children[0].kind == "neg":
        return _Node("mul", n.value, (n.children[0].children[0], *n.children[1:]), n.pos, n.op_pos)
    return None


def _signed_number(n: _Node) -> bool:
    """A number, or a number with a sign: ``100`` and ``-20`` before ``(y - x^2)^2``."""
    return n.kind == "num" or (n.kind == "neg" and n.children[0].kind == "num")


def _simple_power(n: _Node) -> bool:
    """A power of a variable or a constant: ``x^2``, written next to a factor as is."""
    return n.kind == "pow" and n.children[0].kind in ("var", "const")


def _plain_product(n: _Node) -> bool:
    """Whether ``n`` is a number, a name or a product of them (``2πx``): a function
    written before it needs no brackets."""
    if n.kind in ("var", "const", "num"):
        return True
    return (
        n.kind == "mul"
        and all(op == "*" for op in n.value)
        and all(c.kind in ("var", "const", "num") for c in n.children)
    )


def to_text(node: _Node, number: Callable[[float], str] = shown) -> str:
    """The tree as a formula is written in plain text: ``(1 - x)^2 + 100 (y - x^2)^2``.

    Numbers are printed by ``number`` (six significant digits unless told).

    >>> to_text(parse("20 + (x**2 - 10*cos(2*pi*x))"))
    '20 + (x^2 - 10 cos 2πx)'
    """
    return _Writer(False, number).write(node)


def to_latex(node: _Node, number: Callable[[float], str] = shown) -> str:
    """The tree in LaTeX, for ``st.latex`` (KaTeX): ``\\frac{x^6}{6}``, ``e^{-x^2}``.

    >>> to_latex(parse("x**6/6 - 0.48*x*y + exp(-(x**2 + y**2)/2)"))
    '\\\\frac{x^6}{6} - 0.48xy + e^{-(x^2 + y^2)/2}'
    """
    return _Writer(True, number).write(node)
