"""Settings records that live in links, in session state and in the sidebar.

Each page's settings are one frozen dataclass. Every field a link carries is declared with
:func:`linked`: its name in the link, its kind, its bounds and default (plain values, or
functions of the page's landscape), and the widget that sets it. The rest is derived here:

- :func:`from_query` reads a link: each bad value becomes a warning and a valid fallback;
- :func:`to_query` writes the link that reproduces a record exactly;
- :func:`rounded` gives every number (and start point) a link, a widget or a chart
  hands over the
  :data:`SIGNIFICANT` digits a page shows, when a record is read (from a link, from state)
  and when it is written: a link says ``lr=0.0003064``, not ``lr=0.00030638870628004047``,
  and the run is the run of the value the link says;
- :func:`defaults` is what a fresh visitor sees (what an empty link gives);
- :func:`state_keys`, :func:`to_state` and :func:`from_state` map a record onto the
  session-state keys its widgets own: the field's name, after the record's ``PREFIX``
  unless the field is ``shared`` with the playground (a start point is two keys,
  ``<key>_x`` and ``<key>_y``; a landscape is ``fn``, ``param_<name>``, ``formula`` and
  ``domain``).

Each kind of field (a number, a start point, a landscape...) is one object of :data:`KIND`
that reads, writes, rounds and keeps it; adding a control is one :func:`linked` field and
one ``widgets.control(...)`` line. Nothing
here imports Streamlit: :mod:`momentum_app.ui.state` stores, :mod:`momentum_app.ui.widgets` draws.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from momentum_app.landscapes import (
    CUSTOM,
    DEFAULT_FORMULA,
    FLAT_DEFAULT_DOMAIN,
    PARAM_RANGES,
    Params,
    explicit,
    landscape,
    param_defaults,
    significant,
    title,
)
from momentum_core import FACTORIES, Objective

#: The kinds of linked values. ``landscape`` sits on a record's ``fn`` field and fills its
#: ``params``, ``formula`` and ``domain`` fields too; ``scale`` is a whole number snapped to
#: the nearest of its options; ``choices`` is a non-empty tuple of options; ``point`` is x,y;
#: ``flag`` is on or off (``1`` or ``0`` in a link).
KINDS = ("landscape", "number", "whole", "scale", "choice", "choices", "point", "flag")
#: The fields a landscape fills, in order.
LANDSCAPE_FIELDS = ("fn", "params", "formula", "domain")
#: A link that names neither of these gets the record's default landscape.
LANDSCAPE_NAMES = frozenset({"fn", "param"})


@dataclass(frozen=True)
class Context:
    """What a field's bounds, options and default may depend on: the page's landscape (None
    for a record without one) and the names a link gave."""

    objective: Objective | None
    given: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Link:
    """How one field of a settings record lives in a link, in state and in the sidebar."""

    name: str
    kind: str
    default: Any = None
    low: Any = None
    high: Any = None
    options: Any = ()
    what: str = ""  # the range's name in a warning: "the momentum range"
    widget: str = ""  # see widgets.control; "" for a control drawn by a helper of its own
    label: str = ""
    ui: tuple[tuple[str, Any], ...] = ()  # more keyword arguments for the widget
    shared: bool = False  # the state key has no record prefix (shared with the playground)
    custom: bool = True  # a landscape may be a typed formula
    numbered: bool = False  # a choice: a whole number n picks the n-th option, as shown

    def value(self, attr: str, ctx: Context) -> Any:
        """Attribute ``attr`` (default, low, high, options), worked out for ``ctx``."""
        v = getattr(self, attr)
        return v(ctx) if callable(v) else v


def linked(name: str, kind: str, **spec: Any) -> Any:
    """A settings field that a link carries (see :class:`Link` for ``spec``; keyword
    arguments it does not name go to the widget)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    own = {f.name for f in dataclasses.fields(Link)}
    ui = tuple((k, spec.pop(k)) for k in [k for k in spec if k not in own])
    link = Link(name, kind, ui=ui, **spec)
    if kind == "flag":  # off unless asked: a record made in code need not name it
        return dataclasses.field(default=bool(link.default), metadata={"link": link})
    return dataclasses.field(metadata={"link": link})


def links(cls: type) -> list[tuple[str, Link]]:
    """A record's linked fields, in order, as (field name, link)."""
    return [(f.name, f.metadata["link"]) for f in dataclasses.fields(cls) if "link" in f.metadata]


def link_of(cls: type, name: str) -> Link:
    return dict(links(cls))[name]


def key(cls: type, name: str) -> str:
    """The session-state key of field ``name`` (for a landscape, the prefix of its keys)."""
    link = link_of(cls, name)
    prefix = "" if link.shared else getattr(cls, "PREFIX", "")
    return prefix + ("" if link.kind == "landscape" else name)


# Reading a link ---------------------------------------------------------------------

#: A warning about a choice names at most this many of its options (a talk has dozens).
CHOICES_NAMED = 8
#: A plain decimal or scientific number, as a link spells one: ``0.002``, ``-1.5``, ``1e-05``.
#: ``float`` also takes ``1_0``, ``inf``, ``nan`` and non-ASCII digits; a link should not.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def plain_number(text: str) -> float | None:
    """The finite number ``text`` spells plainly, or None."""
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def rounded(value: float, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` to four significant digits, staying inside ``[low, high]`` if
    it was (the app's one rounding: :func:`momentum_core.spaces.significant`)."""
    return significant(value, low, high)


def parse_domain(text: str) -> tuple[float, ...]:
    """``"x0,x1,y0,y1"`` as four numbers (whether they make a domain is the formula's
    check: :func:`momentum_core.formula.check_domain`).

    Raises:
        ValueError: Unless it is four plain numbers.
    """
    parts = [plain_number(p) for p in str(text).split(",")]
    if len(parts) != 4 or None in parts:
        raise ValueError("the domain is four numbers: x0,x1,y0,y1")
    return tuple(parts)


#: The words a link may spell a flag with.
_FLAG_WORDS = {"1": True, "0": False, "true": True, "false": False}


def _last(value: str | list[str]) -> str:
    return value[-1] if isinstance(value, list) else value


class QueryReader:
    """Reads a link's query parameters: each bad value becomes a warning and a fallback.

    Args:
        params: The query parameters (``st.query_params.to_dict()`` or a plain dict).
    """

    def __init__(self, params: Mapping[str, str | list[str]]) -> None:
        self.q = {k: _last(v).strip() for k, v in params.items()}
        self.warnings: list[str] = []

    def function(self, default: str, custom: bool) -> str:
        fn = self.q.get("fn", default)
        if fn == CUSTOM and not custom:
            self.warnings.append(f"This page takes the built-in functions; showing "
                                 f"{title(default)}.")  # fmt: skip
            return default
        if fn not in FACTORIES and fn != CUSTOM:
            self.warnings.append(f"Unknown function fn={fn!r} in the link; showing {default}.")
            return default
        return fn

    def landscape(self, default: tuple[str, Params], custom: bool = True) -> tuple:
        """``fn`` with its ``param=name:value,...``, or ``fn=custom`` with ``f=`` and
        ``domain=x0,x1,y0,y1``; each bad part warns and falls back. A link that names
        neither ``fn`` nor ``param`` gets ``default`` (a function and its parameters)."""
        if not LANDSCAPE_NAMES & self.q.keys():
            return default[0], tuple(default[1]), "", ()
        fn = self.function(default[0], custom)
        params = dict(param_defaults(fn))
        for item in filter(None, (p.strip() for p in self.q.get("param", "").split(","))):
            name, _, text = item.partition(":")
            limits = PARAM_RANGES.get(fn, {}).get(name.strip())
            if limits is None:
                known = ", ".join(PARAM_RANGES.get(fn, {})) or "none"
                self.warnings.append(f"Ignored param {item!r}: {fn} has no such parameter "
                                     f"(its parameters: {known}).")  # fmt: skip
                continue
            value = plain_number(text.strip())
            if value is None:
                self.warnings.append(f"Ignored param {item!r}: not a number.")
                continue
            low, high = limits
            if not low <= value <= high:
                clamped = min(max(value, low), high)
                self.warnings.append(
                    f"param {name}={value:g} is outside [{low:g}, {high:g}]; using {clamped:g}."
                )
                value = clamped
            params[name.strip()] = value
        if fn != CUSTOM:
            return fn, explicit(fn, params), "", ()
        formula = self.q.get("f", DEFAULT_FORMULA)
        domain = FLAT_DEFAULT_DOMAIN
        if "domain" in self.q:
            try:
                domain = parse_domain(self.q["domain"])
            except ValueError:
                self.warnings.append(f"Ignored domain={self.q['domain']!r}: expected x0,x1,y0,y1.")
        try:
            landscape(CUSTOM, (), formula, domain)
        except ValueError as err:
            self.warnings.append(
                f"Cannot use f={formula[:60]!r} on that domain: {err}; showing "
                f"{DEFAULT_FORMULA} on the default domain instead."
            )
            formula, domain = DEFAULT_FORMULA, FLAT_DEFAULT_DOMAIN
        return fn, (), formula, domain

    def number(
        self, name: str, low: float, high: float, default: float, what: str, *, whole: bool = False
    ) -> float:
        """``name``'s value, clamped into ``[low, high]`` (the bounds of its widget).

        Only a plain decimal or scientific number counts (see ``_PLAIN_NUMBER``); anything
        else falls back to ``default``. Each correction adds a warning; ``whole`` prints the
        bounds and the value used as integers, in full; any other value is :func:`rounded`
        (no warning: the page shows it so).
        """
        show = (lambda v: f"{round(v)}") if whole else (lambda v: f"{v:g}")
        default = default if whole else rounded(default, low, high)
        if name not in self.q:
            return default
        value = plain_number(self.q[name])
        if value is None:
            self.warnings.append(
                f"Ignored {name}={self.q[name]!r}: not a number; using {show(default)}."
            )
            return default
        clamped = min(max(value, low), high)
        within = clamped if whole else rounded(clamped, low, high)
        if clamped != value:
            self.warnings.append(
                f"{name}={value:g} is outside {what} [{show(low)}, {show(high)}]; "
                f"using {show(within)}."
            )
        return within

    def whole(self, name: str, low: int, high: int, default: int, what: str) -> int:
        value = self.number(name, low, high, default, what, whole=True)
        if value != round(value):
            self.warnings.append(f"{name}={value:g} is not a whole number; using {round(value)}.")
        return round(value)

    def scale(self, name: str, options: tuple[int, ...], default: int, what: str) -> int:
        """A whole number from ``options``; others snap to the nearest on a log scale."""
        value = self.whole(name, min(options), max(options), default, what)
        if value not in options:
            nearest = min(options, key=lambda c: abs(math.log(c) - math.log(value)))
            self.warnings.append(f"{name}={value} is not on the page's scale; using {nearest}.")
            return nearest
        return value

    def choice(self, name: str, options: tuple[str, ...], default: str, numbered=False) -> str:
        """One of ``options``; with ``numbered``, ``n`` (1 to their count) is the n-th."""
        value = self.q.get(name, default)
        if numbered and value.isascii() and value.isdigit() and 1 <= int(value) <= len(options):
            return options[int(value) - 1]
        if value not in options:
            named = ", ".join(options[:CHOICES_NAMED])
            if len(options) > CHOICES_NAMED:
                named += f", … ({len(options)} in all{', or their number' if numbered else ''})"
            self.warnings.append(
                f"Ignored {name}={value!r}: choose one of {named}; using {default}."
            )
            return default
        return value

    def choices(
        self, name: str, options: tuple[str, ...], default: tuple[str, ...], what: str
    ) -> tuple[str, ...]:
        """A comma-separated list of known options (unknown ones warn; none known: the
        default)."""
        if name not in self.q:
            return default
        names = [n.strip() for n in self.q[name].split(",") if n.strip()]
        unknown = [n for n in names if n not in options]
        known = tuple(dict.fromkeys(n for n in names if n in options))
        if not known:
            self.warnings.append(
                f"No known {what} in {name}={self.q[name]!r}; using {', '.join(default)} "
                f"(choose from {', '.join(options)})."
            )
        elif unknown:
            self.warnings.append(
                f"Ignored unknown {what}(s) {', '.join(unknown)}; choose from {', '.join(options)}."
            )
        return known or default

    def flag(self, name: str, default: bool) -> bool:
        """``name=1`` (on) or ``name=0`` (off); ``true``/``false`` too; anything else warns."""
        if name not in self.q:
            return default
        text = self.q[name].lower()
        if text in _FLAG_WORDS:
            return _FLAG_WORDS[text]
        self.warnings.append(
            f"Ignored {name}={self.q[name]!r}: 1 (on) or 0 (off); using {int(default)}."
        )
        return default

    def point(self, name: str, obj: Objective, default: tuple[float, float]) -> tuple[float, float]:
        """``name=x,y``, moved inside the plot when it lies outside (:func:`rounded`, like a
        number)."""
        if name not in self.q:
            return within_plot(obj, default)
        text = self.q[name]
        parts = [plain_number(p) for p in text.split(",")]
        if len(parts) != 2 or None in parts:
            self.warnings.append(f"Ignored {name}={text!r}: expected x,y; using the default.")
            return within_plot(obj, default)
        (x_lo, x_hi), (y_lo, y_hi) = obj.domain
        x, y = min(max(parts[0], x_lo), x_hi), min(max(parts[1], y_lo), y_hi)
        if (x, y) != tuple(parts):
            self.warnings.append(f"{name}={text} is outside the plot; moved to {x:g},{y:g}.")
        return within_plot(obj, (x, y))


# The kinds -----------------------------------------------------------------------------


class Kind:
    """One kind of linked value: how a link spells it, how it is rounded on its way in or
    out, and the session-state keys that hold it. The plain kind is one query parameter and
    one state key that holds the record's value as it is."""

    def read(self, q: QueryReader, link: Link, ctx: Context) -> Any:
        """The value a link gives (each bad part warns through ``q`` and falls back)."""
        raise NotImplementedError

    def write(self, value: Any) -> str:
        return str(value)

    def query(self, value: Any, link: Link) -> dict[str, str]:
        """The query parameters that say ``value`` (settled already)."""
        return {link.name: self.write(value)}

    def settle(self, value: Any, link: Link, ctx: Context) -> Any:
        """``value`` as a record holds it: numbers and points :func:`rounded` inside their
        bounds, anything else as it is."""
        return value

    def take(self, values: Mapping[str, Any], name: str) -> Any:
        """Field ``name``'s value among a record's field ``values``."""
        return values[name]

    def put(self, name: str, value: Any) -> dict[str, Any]:
        """The record fields that hold ``value``."""
        return {name: value}

    def context(self, value: Any, ctx: Context) -> Context:
        """The context of the fields after this one."""
        return ctx

    def keys(self, k: str, link: Link) -> list[str]:
        """The state keys under key ``k``."""
        return [k]

    def items(self, k: str, value: Any) -> dict[str, Any]:
        return {k: value}

    def held(self, values: Mapping[str, Any], k: str, link: Link, ctx: Context) -> Any:
        """The value that state ``values`` hold under ``k``."""
        return values[k]

    def initial(self, k: str, link: Link) -> dict[str, Any]:
        """State items a fresh session holds beyond the record's own (none)."""
        return {}


class _Number(Kind):
    def read(self, q, link, ctx):
        low, high = link.value("low", ctx), link.value("high", ctx)
        return q.number(link.name, low, high, link.value("default", ctx), link.what)

    def write(self, value):
        return repr(float(value))

    def settle(self, value, link, ctx):
        return within_link(link, ctx, value)

    def held(self, values, k, link, ctx):  # a box takes any digits: the page shows four
        return self.settle(float(values[k]), link, ctx)


class _Whole(Kind):
    def read(self, q, link, ctx):
        low, high = link.value("low", ctx), link.value("high", ctx)
        return q.whole(link.name, low, high, link.value("default", ctx), link.what)

    def write(self, value):
        return str(int(value))

    def held(self, values, k, link, ctx):
        return int(values[k])


class _Scale(_Whole):
    def read(self, q, link, ctx):
        options = link.value("options", ctx)
        return q.scale(link.name, options, link.value("default", ctx), link.what)


class _Choice(Kind):
    def read(self, q, link, ctx):
        options = link.value("options", ctx)
        return q.choice(link.name, options, link.value("default", ctx), link.numbered)


class _Choices(Kind):
    def read(self, q, link, ctx):
        options = link.value("options", ctx)
        return q.choices(link.name, options, link.value("default", ctx), link.what)

    def write(self, value):
        return ",".join(value)

    def items(self, k, value):
        return {k: list(value)}

    def held(self, values, k, link, ctx):  # never empty: the default stands in for none
        return tuple(values[k]) or link.value("default", ctx)


class _Flag(Kind):
    def read(self, q, link, ctx):
        return q.flag(link.name, link.value("default", ctx))

    def write(self, value):
        return str(int(bool(value)))

    def held(self, values, k, link, ctx):
        return bool(values[k])


class _Point(Kind):
    def read(self, q, link, ctx):
        return q.point(link.name, ctx.objective, link.value("default", ctx))

    def write(self, value):
        return f"{float(value[0])!r},{float(value[1])!r}"

    def settle(self, value, link, ctx):
        return within_plot(ctx.objective, value)

    def keys(self, k, link):
        return [k + "_x", k + "_y"]

    def items(self, k, value):
        return {k + "_x": value[0], k + "_y": value[1]}

    def held(self, values, k, link, ctx):
        return self.settle((values[k + "_x"], values[k + "_y"]), link, ctx)


class _Landscape(Kind):
    """A record's ``fn`` field, which fills ``params``, ``formula`` and ``domain`` too: its
    value is the tuple (fn, params, formula, domain), and the fields after it are worked out
    on its objective."""

    def read(self, q, link, ctx):
        return q.landscape(link.value("default", ctx), link.custom)

    def query(self, value, link):
        return landscape_query(*value)

    def take(self, values, name):
        rest = zip(LANDSCAPE_FIELDS[1:], ((), "", ()), strict=True)
        return (values[name], *(values.get(field, blank) for field, blank in rest))

    def put(self, name, value):
        return dict(zip(LANDSCAPE_FIELDS, value, strict=True))

    def context(self, value, ctx):
        return Context(landscape(*value), ctx.given)

    def keys(self, k, link):
        return _landscape_keys(k, link.custom)

    def items(self, k, value):
        fn, params, formula, domain = value
        items = {k + "fn": fn}
        items.update({f"{k}param_{n}": v for n, v in (*param_defaults(fn), *params)})
        if fn == CUSTOM:
            items[k + "formula"], items[k + "domain"] = formula, _domain_text(domain)
        return items

    def held(self, values, k, link, ctx):
        return read_landscape(values, k)

    def initial(self, k, link):
        items = {f"{k}param_{n}": v for fn in PARAM_RANGES for n, v in param_defaults(fn)}
        if link.custom:
            items[k + "formula"] = DEFAULT_FORMULA
            items[k + "domain"] = _domain_text(FLAT_DEFAULT_DOMAIN)
        return items


#: Each kind of :data:`KINDS`, as the object that reads, writes and keeps it.
KIND: dict[str, Kind] = {
    "landscape": _Landscape(),
    "number": _Number(),
    "whole": _Whole(),
    "scale": _Scale(),
    "choice": _Choice(),
    "choices": _Choices(),
    "point": _Point(),
    "flag": _Flag(),
}


def from_query(cls: type, params: Mapping[str, str | list[str]]) -> tuple[Any, list[str]]:
    """Read a ``cls`` record from a link's query parameters.

    Returns:
        The record (valid) and one warning per ignored or corrected value.
    """
    read = QueryReader(params)
    ctx = Context(None, frozenset(read.q))
    values: dict[str, Any] = {}
    for name, link in links(cls):
        kind = KIND[link.kind]
        value = kind.read(read, link, ctx)
        values.update(kind.put(name, value))
        ctx = kind.context(value, ctx)
    return cls(**values), read.warnings


def defaults(cls: type, land: tuple = ()) -> Any:
    """The record a fresh visitor gets: on the record's own default landscape, or on
    ``land`` = (fn, params, formula, domain) with every default that depends on it."""
    return from_query(cls, landscape_query(*land) if land else {})[0]


# Writing a link ---------------------------------------------------------------------


def landscape_query(fn: str, params: Params = (), formula: str = "", domain=()) -> dict[str, str]:
    """The link parameters of a landscape: ``fn``, and ``param`` or ``f`` and ``domain``."""
    query = {"fn": fn}
    if params:
        query["param"] = ",".join(f"{name}:{float(value)!r}" for name, value in params)
    if fn == CUSTOM:
        query["f"] = formula or DEFAULT_FORMULA
        query["domain"] = ",".join(repr(float(v)) for v in domain or FLAT_DEFAULT_DOMAIN)
    return query


#: The context of a record read from state or written to a link: its landscape is given.
_GIVEN = Context(None, frozenset({"fn"}))


def to_query(s: Any) -> dict[str, str]:
    """The query parameters that reproduce ``s`` (shortest round-tripping floats): exactly,
    for a record read from a link or from state; a record made otherwise (a sweep's cell)
    has its numbers :func:`rounded` on the way."""
    query: dict[str, str] = {}
    ctx = _GIVEN
    for name, link in links(type(s)):
        kind = KIND[link.kind]
        value = kind.take(_fields(s), name)
        query.update(kind.query(kind.settle(value, link, ctx), link))
        ctx = kind.context(value, ctx)
    return query


def within_plot(obj: Objective, point: Iterable[float]) -> tuple[float, float]:
    """A start point, each coordinate :func:`rounded` inside ``obj``'s plot."""
    (x_lo, x_hi), (y_lo, y_hi) = obj.domain
    x, y = point
    return rounded(x, x_lo, x_hi), rounded(y, y_lo, y_hi)


def within_link(link: Link, ctx: Context, value: float) -> float:
    """A ``number`` field's value, :func:`rounded` inside the field's bounds."""
    return rounded(value, link.value("low", ctx), link.value("high", ctx))


def settled(cls: type, objective: Objective | None, **values: Any) -> dict[str, Any]:
    """Field ``values`` of a ``cls`` record handed over by a button or a chart, with the
    numbers and points :func:`rounded` inside their bounds on ``objective`` (the record's
    landscape)."""
    ctx = Context(objective, _GIVEN.given)
    fields = {n: link for n, link in links(cls) if n in values}
    return {**values, **{n: KIND[link.kind].settle(values[n], link, ctx)
                         for n, link in fields.items()}}  # fmt: skip


# Session state ----------------------------------------------------------------------


def _domain_text(domain: Iterable[float]) -> str:
    """A domain as its sidebar box shows it: ``-3,3,-3,3``, each number in full."""
    return ",".join(repr(float(v)).removesuffix(".0") for v in domain)


def _landscape_keys(prefix: str, custom: bool) -> list[str]:
    names = {name for ranges in PARAM_RANGES.values() for name in ranges}
    typed = [prefix + "formula", prefix + "domain"] if custom else []
    return [prefix + "fn", *typed, *(f"{prefix}param_{name}" for name in sorted(names))]


def state_keys(cls: type) -> list[str]:
    """Every session-state key that ``cls``'s widgets own."""
    return [k for name, link in links(cls) for k in KIND[link.kind].keys(key(cls, name), link)]


def state_items(cls: type, **values: Any) -> dict[str, Any]:
    """The session-state items that hold these field values of a ``cls`` record (a
    landscape is given as ``fn`` with ``params``, ``formula`` and ``domain``)."""
    items: dict[str, Any] = {}
    for name, link in links(cls):
        if name in values:
            kind = KIND[link.kind]
            items.update(kind.items(key(cls, name), kind.take(values, name)))
    return items


def _fields(s: Any) -> dict[str, Any]:
    return {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}


def to_state(s: Any) -> dict[str, Any]:
    """The session-state items that hold record ``s``."""
    return state_items(type(s), **_fields(s))


def read_landscape(values: Mapping[str, Any], prefix: str = "") -> tuple:
    """The landscape that state ``values`` hold under ``prefix``, as (fn, params, formula,
    domain).

    Raises:
        ValueError: For a typed formula or domain that cannot be used.
    """
    fn = values[prefix + "fn"]
    if fn != CUSTOM:
        given = {name: float(values[f"{prefix}param_{name}"]) for name, _ in param_defaults(fn)}
        return fn, explicit(fn, given), "", ()
    domain = parse_domain(values[prefix + "domain"])
    landscape(CUSTOM, (), values[prefix + "formula"], domain)
    return fn, (), values[prefix + "formula"], domain


def landscape_prefix(cls: type) -> str | None:
    """The state-key prefix of ``cls``'s landscape (None: it has none)."""
    return next((key(cls, n) for n, link in links(cls) if link.kind == "landscape"), None)


def from_state(cls: type, values: Mapping[str, Any], land: Iterable | None = None) -> Any:
    """The ``cls`` record that state ``values`` hold (``land``: its landscape, when the
    caller has read it already, e.g. with a fallback for a formula that cannot be used)."""
    fields: dict[str, Any] = {}
    ctx = _GIVEN
    for name, link in links(cls):
        kind = KIND[link.kind]
        if link.kind == "landscape" and land is not None:
            value = tuple(land)
        else:
            value = kind.held(values, key(cls, name), link, ctx)
        fields.update(kind.put(name, value))
        ctx = kind.context(value, ctx)
    return cls(**fields)


def initial_state(cls: type) -> dict[str, Any]:
    """Every session-state item of ``cls`` at its default: the record's defaults, and
    each function's parameters (and a typed formula) at theirs."""
    items: dict[str, Any] = {}
    for name, link in links(cls):
        items.update(KIND[link.kind].initial(key(cls, name), link))
    return {**items, **to_state(defaults(cls))}


def landscape_defaults(cls: type, land: tuple) -> dict[str, Any]:
    """The state items of ``cls``'s fields whose defaults depend on the landscape, at their
    defaults for ``land`` (a new function gets its own start and learning rate)."""
    fresh = defaults(cls, land)
    depends = [n for n, link in links(cls) if link.kind != "landscape" and callable(link.default)]
    return state_items(cls, **{n: getattr(fresh, n) for n in depends})
