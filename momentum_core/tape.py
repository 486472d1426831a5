"""A formula as a tape: its operations in evaluation order, each with its forward-mode
derivative, so that one pass gives the value and the gradient.

Every landscape, built-in or typed, is one expression in x and y
(:mod:`momentum_core.expression`); :func:`record` writes its tree as a :class:`Tape`, a
few flat arrays, and :func:`evaluate` runs the tape over arrays of points with numpy. The
compiled runners (:mod:`momentum_core.kernels`) run the same tape one point at a time;
the two evaluators are the two formulations of every rule below and the tests hold them
to each other bit for bit (numpy's and the C library's ``tanh`` differ in the last bit).

Recording is linear in the size of the tree and differentiating adds a constant amount
of work per operation, so a typed formula's derivatives cost no more than its value.

The rules (``a``, ``b`` the operands, ``'`` a derivative along x or y):

======== ======================== =====================================================
op        value                    derivative
======== ======================== =====================================================
add/sub   a + b, a - b             a' + b', a' - b'
mul       a b                      a' b + a b'
div       v = a / b                (a' - v b') / b
neg       -a                       -a'
powc      a^c (c a constant)       c a^(c-1) a'   (0 where a = 0 and c < 1)
pow       v = a^b                  v (b' log a + b a' / a)
sin, cos  sin a, cos a             cos a a', -sin a a'
tan       v = tan a                (1 + v^2) a'
exp       v = exp a                v a'
log       log a                    a' / a
sqrt      v = sqrt a               a' / (2 v)     (0 where a = 0)
abs       |a|                      sign(a) a'     (0 where a = 0)
tanh      v = tanh a               (1 - v^2) a'
sinh/cosh sinh a, cosh a           cosh a a', sinh a a'
arctan    arctan a                 a' / (1 + a^2)
======== ======================== =====================================================

Where a function has a kink or a cusp (``abs``, ``sqrt`` and fractional powers at 0, the
tip of Ackley's cone), the gradient there is 0: the convention of ``abs``, and a run that
lands exactly on the tip stays there instead of reading an infinite slope.

``a^c`` with c a constant is a product for a whole c up to :data:`WHOLE_POWER` (``a a a``
for 3; ``1 / (a a)`` for -2), ``sqrt(a)`` for 0.5, 1 for 0 and ``pow`` otherwise, in both
evaluators.

The two evaluators agree bit for bit where they do the same arithmetic: ``+ - * /``,
``sqrt`` and ``abs`` are exactly rounded everywhere. The other functions are a library's:
the compiled one calls the C library's, numpy its own, and on processors with AVX-512
numpy's vectorised ``exp``, ``sin``, ``pow``... differ from the C library's in the last bit
(:data:`LIBRARY_OPS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from momentum_core.expression import CONSTANTS, _fold, _Node, parse

Array = np.ndarray

# Operation codes (shared with the compiled evaluator).
CONST, X, Y, ADD, SUB, MUL, DIV, NEG, POWC, POW = range(10)
SIN, COS, TAN, EXP, LOG, SQRT, ABS, TANH, SINH, COSH, ARCTAN = range(10, 21)
CALLS = {
    "sin": SIN, "cos": COS, "tan": TAN, "exp": EXP, "log": LOG, "sqrt": SQRT, "abs": ABS,
    "tanh": TANH, "sinh": SINH, "cosh": COSH, "arctan": ARCTAN,
}  # fmt: skip
#: Operations whose value comes from a maths library (numpy's and the C library's may differ
#: in the last bit); the rest are exactly rounded arithmetic, the same on every machine.
LIBRARY_OPS = frozenset({POW, SIN, COS, TAN, EXP, LOG, TANH, SINH, COSH, ARCTAN})


@dataclass(frozen=True, eq=False)
class Tape:
    """A formula's operations in evaluation order; slot ``i`` holds operation ``i``'s
    result and the last slot the formula's value.

    Attributes:
        op: ``(n,)`` operation codes.
        a: ``(n,)`` the first operand's slot (-1 for none).
        b: ``(n,)`` the second operand's slot (-1 for none).
        c: ``(n,)`` the constant of ``CONST`` and ``POWC`` (0 otherwise).
        text: The expression the tape was recorded from.
    """

    op: Array
    a: Array
    b: Array
    c: Array
    text: str

    def __len__(self) -> int:
        return len(self.op)


def record(tree: _Node, text: str = "") -> Tape:
    """The tape of a parse tree (from :func:`momentum_core.expression.parse`); sums and
    products run left to right, as the expression reads (and as Python evaluates it).

    Raises:
        ValueError: From constant folding (a division by zero, an overflowing constant).
    """
    tree, _ = _fold(tree)
    ops: list[tuple[int, int, int, float]] = []

    def emit(op: int, a: int = -1, b: int = -1, c: float = 0.0) -> int:
        ops.append((op, a, b, c))
        return len(ops) - 1

    def walk(node: _Node) -> int:
        kind = node.kind
        if kind == "num":
            return emit(CONST, c=float(node.value))
        if kind == "const":
            return emit(CONST, c=CONSTANTS[node.value])
        if kind == "var":
            return emit(X if node.value == "x" else Y)
        if kind == "neg":
            return emit(NEG, walk(node.children[0]))
        if kind == "call":
            return emit(CALLS[node.value], walk(node.children[0]))
        if kind == "pow":
            base, exponent = node.children
            _, constant = _fold(exponent)
            if constant is not None:
                return emit(POWC, walk(base), c=float(constant))
            return emit(POW, walk(base), walk(exponent))
        # add or mul: the first operand, then each further one onto it
        slot = walk(node.children[0])
        if kind == "add" and node.value[0] == "-":
            slot = emit(NEG, slot)
        pairs = {"+": ADD, "-": SUB, "*": MUL, "/": DIV}
        for sign, child in zip(node.value[1:], node.children[1:], strict=True):
            slot = emit(pairs[sign], slot, walk(child))
        return slot

    walk(tree)
    op, a, b, c = zip(*ops, strict=True)
    return Tape(
        np.array(op, dtype=np.int64), np.array(a, dtype=np.int64),
        np.array(b, dtype=np.int64), np.array(c, dtype=float), text,
    )  # fmt: skip


def tape_of(text: str) -> Tape:
    """The tape of an expression in x and y (the grammar of :mod:`momentum_core.formula`).

    Raises:
        ValueError: One line saying what is wrong with the expression.
    """
    return record(parse(text), text)


#: Constant whole exponents up to this size are products (``v * v * v``), in both loops.
#: A library's ``pow`` is not the same function everywhere: numpy's vectorised one on a
#: processor with AVX-512 and the C library's differ in the last bit, so a product is what
#: keeps ``x**4`` the same number on every machine and in both formulations.
WHOLE_POWER = 16


#: The maths library of the numpy evaluator, in one place: a test puts the C library's
#: functions here to compare the two evaluators' arithmetic bit for bit on any processor.
_lib = SimpleNamespace(
    sin=np.sin, cos=np.cos, tan=np.tan, exp=np.exp, log=np.log, tanh=np.tanh, sinh=np.sinh,
    cosh=np.cosh, arctan=np.arctan, power=np.power,
)  # fmt: skip


def _whole(c: float) -> bool:
    return abs(c) <= WHOLE_POWER and c == int(c)


def exactly_rounded(tape: Tape) -> bool:
    """Whether the formula is exactly rounded arithmetic only (no library function, no
    ``pow``): its value and gradient are then the same bits on every machine and in both
    evaluators."""
    powers = tape.c[tape.op == POWC]
    library = bool(np.isin(tape.op, list(LIBRARY_OPS)).any())
    return not library and all(_whole(c) or c == 0.5 for c in powers.tolist())


def _power(v, c: float):
    """``v ** c`` for a constant ``c``, exactly as the compiled evaluator computes it."""
    if c == 0.5:
        return np.sqrt(v)
    if c == 0.0:
        return np.ones_like(v) if isinstance(v, np.ndarray) else 1.0
    if _whole(c):
        r = v
        for _ in range(int(abs(c)) - 1):
            r = r * v
        return 1.0 / r if c < 0 else r
    return _lib.power(v, c)


def evaluate(
    tape: Tape, x: Array, y: Array, gradient: bool = True
) -> tuple[Array, Array | None, Array | None]:
    """The value and both partial derivatives at points ``(x, y)`` (arrays of one shape),
    with numpy: the second formulation of the compiled evaluator.

    Floating-point warnings are the caller's (far from the domain a value may overflow).

    Args:
        tape: The formula.
        x: The points' x.
        y: The points' y.
        gradient: False for the value alone (the derivatives come back as None).

    Returns:
        ``(f, df/dx, df/dy)``, each of the points' shape.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    v: list = []
    gx: list = []
    gy: list = []
    for op, ia, ib, c in zip(tape.op.tolist(), tape.a.tolist(), tape.b.tolist(),
                             tape.c.tolist(), strict=True):  # fmt: skip
        if op == CONST:
            v.append(c), gx.append(0.0), gy.append(0.0)
            continue
        if op == X:
            v.append(x), gx.append(1.0), gy.append(0.0)
            continue
        if op == Y:
            v.append(y), gx.append(0.0), gy.append(1.0)
            continue
        va, vb = v[ia], (v[ib] if ib >= 0 else None)
        r = _VALUES[op](va, vb, c)
        v.append(r)
        if not gradient:
            gx.append(None), gy.append(None)
            continue
        ax, ay = gx[ia], gy[ia]
        if ib >= 0:
            bx, by = gx[ib], gy[ib]
        if op == ADD:
            rx, ry = ax + bx, ay + by
        elif op == SUB:
            rx, ry = ax - bx, ay - by
        elif op == MUL:
            rx, ry = ax * vb + va * bx, ay * vb + va * by
        elif op == DIV:
            rx, ry = (ax - r * bx) / vb, (ay - r * by) / vb
        elif op == NEG:
            rx, ry = -ax, -ay
        elif op == POW:
            log_a = _lib.log(va)
            rx, ry = r * (bx * log_a + vb * ax / va), r * (by * log_a + vb * ay / va)
        else:  # a function of one operand: its derivative d times the operand's
            d = _slope(op, va, r, c)
            rx, ry = d * ax, d * ay
        gx.append(rx), gy.append(ry)
    shape = np.broadcast_shapes(x.shape, y.shape)
    if not gradient:
        return _full(v[-1], shape), None, None
    return tuple(_full(a, shape) for a in (v[-1], gx[-1], gy[-1]))


#: The value alone of each operation (as in :func:`evaluate`, without the derivatives).
_VALUES = {
    ADD: lambda a, b, c: a + b,
    SUB: lambda a, b, c: a - b,
    MUL: lambda a, b, c: a * b,
    DIV: lambda a, b, c: a / b,
    NEG: lambda a, b, c: -a,
    POWC: lambda a, b, c: _power(a, c),
    POW: lambda a, b, c: _lib.power(a, b),
    SIN: lambda a, b, c: _lib.sin(a),
    COS: lambda a, b, c: _lib.cos(a),
    TAN: lambda a, b, c: _lib.tan(a),
    EXP: lambda a, b, c: _lib.exp(a),
    LOG: lambda a, b, c: _lib.log(a),
    SQRT: lambda a, b, c: np.sqrt(a),
    ABS: lambda a, b, c: np.abs(a),
    TANH: lambda a, b, c: _lib.tanh(a),
    SINH: lambda a, b, c: _lib.sinh(a),
    COSH: lambda a, b, c: _lib.cosh(a),
    ARCTAN: lambda a, b, c: _lib.arctan(a),
}


def _slope(op: int, a, r, c: float):
    """The derivative of a one-operand operation at ``a``, whose value is ``r``."""
    if op == POWC:
        d = c * _power(a, c - 1.0)
        return np.where(a == 0.0, 0.0, d) if c < 1.0 else d
    if op == SIN:
        return _lib.cos(a)
    if op == COS:
        return -_lib.sin(a)
    if op == TAN:
        return 1.0 + r * r
    if op == EXP:
        return r
    if op == LOG:
        return 1.0 / a
    if op == SQRT:
        return np.where(r == 0.0, 0.0, 0.5 / np.where(r == 0.0, 1.0, r))
    if op == ABS:
        return np.sign(a)
    if op == TANH:
        return 1.0 - r * r
    if op == SINH:
        return _lib.cosh(a)
    if op == COSH:
        return _lib.sinh(a)
    return 1.0 / (1.0 + a * a)  # ARCTAN


def _full(a, shape: tuple[int, ...]) -> Array:
    """``a`` as a float array of ``shape`` (a constant part comes back as a number)."""
    if isinstance(a, np.ndarray) and a.shape == shape and a.dtype == np.float64:
        return a
    return np.broadcast_to(np.asarray(a, dtype=float), shape).copy()


def _curvature(op: int, a, r, c: float):
    """The second derivative of a one-operand operation at ``a``, whose value is ``r``
    (0 where a kink or a cusp has none: see the module's docstring)."""
    if op == POWC:
        d2 = c * (c - 1.0) * _power(a, c - 2.0)
        return np.where(a == 0.0, 0.0, d2) if c < 2.0 else d2
    if op == SIN:
        return -_lib.sin(a)
    if op == COS:
        return -_lib.cos(a)
    if op == TAN:
        return 2.0 * r * (1.0 + r * r)
    if op == EXP:
        return r
    if op == LOG:
        return -1.0 / (a * a)
    if op == SQRT:
        return np.where(r == 0.0, 0.0, -0.25 / np.where(r == 0.0, 1.0, r * r * r))
    if op == ABS:
        return 0.0 * a
    if op == TANH:
        return -2.0 * r * (1.0 - r * r)
    if op == SINH:
        return r
    if op == COSH:
        return r
    return -2.0 * a / (1.0 + a * a) ** 2  # ARCTAN


def hessian(tape: Tape, x: Array, y: Array) -> tuple[Array, Array, Array]:
    """The exact second derivatives at points ``(x, y)``, by second-order forward mode:
    each operation carries its value, gradient and Hessian (numpy only: the runners need
    none). For ``u(a)``: ``H = u''(a) g_a g_a^T + u'(a) H_a``; products and quotients by
    the product rule; ``a^b`` as ``exp(b log a)``.

    Returns:
        ``(f_xx, f_xy, f_yy)``, each of the points' shape.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    slots: list[tuple] = []  # (v, gx, gy, hxx, hxy, hyy)
    for op, ia, ib, c in zip(tape.op.tolist(), tape.a.tolist(), tape.b.tolist(),
                             tape.c.tolist(), strict=True):  # fmt: skip
        if op == CONST:
            slots.append((c, 0.0, 0.0, 0.0, 0.0, 0.0))
            continue
        if op in (X, Y):
            slots.append((x if op == X else y, float(op == X), float(op == Y), 0.0, 0.0, 0.0))
            continue
        va, ax, ay, axx, axy, ayy = slots[ia]
        vb, bx, by, bxx, bxy, byy = slots[ib] if ib >= 0 else (None,) * 6
        if op in (ADD, SUB):
            s = 1.0 if op == ADD else -1.0
            slots.append((va + s * vb, ax + s * bx, ay + s * by,
                          axx + s * bxx, axy + s * bxy, ayy + s * byy))  # fmt: skip
        elif op == NEG:
            slots.append((-va, -ax, -ay, -axx, -axy, -ayy))
        elif op == MUL:
            slots.append((va * vb, ax * vb + va * bx, ay * vb + va * by,
                          axx * vb + 2 * ax * bx + va * bxx,
                          axy * vb + ax * by + ay * bx + va * bxy,
                          ayy * vb + 2 * ay * by + va * byy))  # fmt: skip
        elif op == DIV:
            q = va / vb
            gx_, gy_ = (ax - q * bx) / vb, (ay - q * by) / vb
            slots.append((q, gx_, gy_,
                          (axx - 2 * gx_ * bx - q * bxx) / vb,
                          (axy - gx_ * by - gy_ * bx - q * bxy) / vb,
                          (ayy - 2 * gy_ * by - q * byy) / vb))  # fmt: skip
        elif op == POW:  # a^b = exp(w), w = b log a
            log_a = _lib.log(va)
            wx, wy = bx * log_a + vb * ax / va, by * log_a + vb * ay / va
            wxx = bxx * log_a + 2 * bx * ax / va + vb * (axx / va - ax * ax / (va * va))
            wxy = (bxy * log_a + (bx * ay + by * ax) / va
                   + vb * (axy / va - ax * ay / (va * va)))  # fmt: skip
            wyy = byy * log_a + 2 * by * ay / va + vb * (ayy / va - ay * ay / (va * va))
            r = _lib.power(va, vb)
            hxx, hxy, hyy = r * (wx * wx + wxx), r * (wx * wy + wxy), r * (wy * wy + wyy)
            slots.append((r, r * wx, r * wy, hxx, hxy, hyy))
        else:
            r = _VALUES[op](va, vb, c)
            d, d2 = _slope(op, va, r, c), _curvature(op, va, r, c)
            slots.append((r, d * ax, d * ay, d2 * ax * ax + d * axx,
                          d2 * ax * ay + d * axy, d2 * ay * ay + d * ayy))  # fmt: skip
    shape = np.broadcast_shapes(x.shape, y.shape)
    return tuple(_full(h, shape) for h in slots[-1][3:])
