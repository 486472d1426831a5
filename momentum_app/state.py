"""Session-state keys and their defaults, in one place; the URL <-> state bridge.

Widgets own these keys. Streamlit forgets a widget's state when a page that does not draw
it runs, so :func:`init_state` re-assigns every key on each run of ``app.py``: a settings
change on one page survives a visit to another.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import streamlit as st

from momentum_app.scenes import scenes
from momentum_app.settings import (
    CUSTOM,
    DEFAULT_FORMULA,
    FLAT_DEFAULT_DOMAIN,
    PARAM_RANGES,
    MinimaSettings,
    Params,
    RaceSettings,
    SweepSettings,
    TheorySettings,
    default_settings,
    explicit,
    landscape,
    param_defaults,
    parse_domain,
    parse_minima_query,
    parse_sweep_query,
    parse_theory_query,
)

#: Widget keys that hold the shared settings (the query names, plus start_x/start_y).
SETTING_KEYS = (
    "fn",
    "lr",
    "momentum",
    "steps",
    "start_x",
    "start_y",
    "optimizers",
    "noise",
    "seed",
    "formula",
    "domain",
    *(f"param_{name}" for ranges in PARAM_RANGES.values() for name in ranges),
)
#: The other pages' widget keys and the display choices (defaults: see init_state).
PAGE_KEYS = (
    "view",
    "presenter",
    "scene",
    *(f"sw_{name}" for name in ("optimizer", "steps", "grid", "metric")),
    *(f"th_{name}" for name in ("kappa", "alpha", "beta")),
    *(
        f"lm_{name}"
        for name in ("fn", "lr", "momentum", "grid", "steps", "starts", "noise", "seed")
    ),
    *(f"lm_param_{name}" for ranges in PARAM_RANGES.values() for name in ranges),
)
_SYNCED = "_written_queries"
#: How many of the queries it wrote a session remembers (see sync_from_url).
_REMEMBERED = 64
_WARNINGS = "_link_warnings"
_CLICK = "_click_nonce"
_PENDING = "_pending_start"
#: Query parameters of the whole app, not of a page's settings.
PRESENT = "present"
_PRESENT_SEEN = "_present_seen"
_TRUE = ("1", "true", "yes", "on")


def presenting() -> bool:
    """Whether presenter mode is on (controls hidden, larger type, scenes stepped through)."""
    return bool(st.session_state.get("presenter", False))


def read_presenter_flag() -> None:
    """Follow a link's ``?present=1`` (or ``=0``) when the address bar's flag changes;
    the presenter toggle rules otherwise (the bar then follows it, see sync_to_url)."""
    flag = st.query_params.get(PRESENT)
    if flag != st.session_state.get(_PRESENT_SEEN):
        st.session_state[_PRESENT_SEEN] = flag
        if flag is not None:
            st.session_state.presenter = flag.strip().lower() in _TRUE


def _page_query() -> dict[str, str]:
    return {k: v for k, v in st.query_params.to_dict().items() if k != PRESENT}


def put_sweep(s: SweepSettings) -> None:
    """Write a :class:`SweepSettings` into the widget keys (the start is shared)."""
    state = st.session_state
    put_landscape(s.fn, s.params, s.formula, s.domain)
    state.start_x, state.start_y = s.start
    state.sw_optimizer, state.sw_steps, state.sw_grid, state.sw_metric = (
        s.optimizer,
        s.steps,
        s.grid,
        s.metric,
    )


def get_sweep() -> SweepSettings:
    """The sweep settings the widgets hold now."""
    state = st.session_state
    fn, params, formula, domain = get_landscape()
    return SweepSettings(
        fn=fn,
        params=params,
        formula=formula,
        domain=domain,
        start=(float(state.start_x), float(state.start_y)),
        optimizer=state.sw_optimizer,
        steps=int(state.sw_steps),
        grid=int(state.sw_grid),
        metric=state.sw_metric,
    )


def put_scene(name: str) -> None:
    """Select scene ``name`` on the scenes page."""
    st.session_state.scene = name


def get_scene() -> str:
    """The name of the selected scene."""
    return st.session_state.scene


def put_theory(s: TheorySettings) -> None:
    """Write a :class:`TheorySettings` into the theory page's widget keys."""
    st.session_state.th_kappa, st.session_state.th_alpha = s.kappa, s.alpha
    st.session_state.th_beta = s.beta


def put_minima(s: MinimaSettings) -> None:
    """Write :class:`MinimaSettings` into the local-minima page's widget keys (``lm_*``)."""
    for field in dataclasses.fields(MinimaSettings):
        if field.name != "params":
            st.session_state["lm_" + field.name] = getattr(s, field.name)
    for name, value in (*param_defaults(s.fn), *s.params):  # the defaults, then the given
        st.session_state["lm_param_" + name] = value


def get_minima() -> MinimaSettings:
    """The local-minima settings the widgets hold now."""
    state = st.session_state
    fields = [f.name for f in dataclasses.fields(MinimaSettings) if f.name != "params"]
    values = {name: float(state["lm_param_" + name]) for name, _ in param_defaults(state.lm_fn)}
    return MinimaSettings(
        **{name: state["lm_" + name] for name in fields}, params=explicit(state.lm_fn, values)
    )


_GOOD = "_last_good_formula"


def put_landscape(fn: str, params: Params, formula: str, domain: tuple) -> None:
    """Write a landscape (function, parameters, or formula and domain) into its widgets."""
    state = st.session_state
    state.fn = fn
    for name, value in (*param_defaults(fn), *params):  # the defaults, then the given
        state[f"param_{name}"] = value
    if fn == CUSTOM:
        state.formula, state.domain = formula, ",".join(f"{v:g}" for v in domain)
        state[_GOOD] = (formula, tuple(domain))


def read_landscape() -> tuple[str, Params, str, tuple]:
    """The landscape the widgets hold, as ``(fn, params, formula, domain)``.

    Raises:
        ValueError: For a typed formula or domain that cannot be used.
    """
    state = st.session_state
    fn = state.fn
    if fn != CUSTOM:
        values = {name: float(state[f"param_{name}"]) for name, _ in param_defaults(fn)}
        return fn, explicit(fn, values), "", ()
    domain = parse_domain(state.domain)
    landscape(CUSTOM, (), state.formula, domain)
    return fn, (), state.formula, domain


def get_landscape(report: bool = True) -> tuple[str, Params, str, tuple]:
    """:func:`read_landscape`, or, when the typed formula or domain cannot be used, the
    last one that could, with a message in the sidebar (unless ``report`` is off: the
    settings record reports it, once a run)."""
    try:
        fn, params, formula, domain = read_landscape()
    except ValueError as err:
        formula, domain = st.session_state.get(_GOOD, (DEFAULT_FORMULA, FLAT_DEFAULT_DOMAIN))
        if report:
            st.sidebar.error(f"{err} — showing {formula} instead.", icon=":material/error:")
        return CUSTOM, (), formula, domain
    if fn == CUSTOM:
        st.session_state[_GOOD] = (formula, domain)
    return fn, params, formula, domain


def put_settings(s: RaceSettings) -> None:
    """Write a whole :class:`RaceSettings` into the widget keys."""
    state = st.session_state
    put_landscape(s.fn, s.params, s.formula, s.domain)
    state.lr, state.momentum, state.steps = s.lr, s.momentum, s.steps
    state.start_x, state.start_y = s.start
    state.optimizers = list(s.optimizers)
    state.noise, state.seed = s.noise, s.seed


def get_settings() -> RaceSettings:
    """The settings the widgets hold now."""
    state = st.session_state
    fn, params, formula, domain = get_landscape()
    return RaceSettings(
        fn=fn,
        params=params,
        formula=formula,
        domain=domain,
        lr=float(state.lr),
        momentum=float(state.momentum),
        steps=int(state.steps),
        start=(float(state.start_x), float(state.start_y)),
        optimizers=tuple(state.optimizers) or default_settings(state.fn).optimizers,
        noise=float(state.noise),
        seed=int(state.seed),
    )


def init_state() -> None:
    """Called by ``app.py`` on every run: defaults once, then keep widget state alive.

    Each page's defaults are what its link parser gives for an empty query, so they are
    written once, in :mod:`momentum_app.settings`.
    """
    state = st.session_state
    if "fn" not in state:
        for fn in PARAM_RANGES:
            for name, value in param_defaults(fn):
                state[f"param_{name}"] = state[f"lm_param_{name}"] = value
        state.formula = DEFAULT_FORMULA
        state.domain = ",".join(f"{v:g}" for v in FLAT_DEFAULT_DOMAIN)
        put_settings(default_settings())
        put_sweep(parse_sweep_query({})[0])
        put_minima(parse_minima_query({})[0])
        put_theory(parse_theory_query({})[0])
        state.view = "Animated 2D"
        state.presenter, state.scene = False, scenes()[0].name if scenes() else ""
    for key in (*SETTING_KEYS, *PAGE_KEYS):
        state[key] = state[key]


def _remember(query: dict[str, str]) -> None:
    """Note a query this session wrote (the last :data:`_REMEMBERED` of them)."""
    key = tuple(sorted(query.items()))
    written = [q for q in st.session_state.get(_SYNCED, []) if q != key]
    st.session_state[_SYNCED] = [*written, key][-_REMEMBERED:]


def sync_from_url(parse: Callable, put: Callable, to_query: Callable) -> list[str]:
    """Apply a link's settings once: a query this session did not write itself.

    A rerun carries the address bar as the browser last knew it; when reruns follow each
    other fast (key presses on a slider), that can be a query an interrupted run wrote
    before the newest one. Every query the session wrote is remembered, so such a stale
    address never overwrites a newer control value. A new link (opened, or handed over by
    another page) is never one of them.

    Args:
        parse: Query dict -> (settings, warnings).
        put: Writes settings into the widget keys.
        to_query: Settings -> the query that reproduces them.

    Returns:
        Warnings about values in the link that were ignored or corrected.
    """
    query = _page_query()
    if query and tuple(sorted(query.items())) not in st.session_state.get(_SYNCED, []):
        settings, warnings = parse(query)
        put(settings)
        _remember(to_query(settings))
        st.session_state[_WARNINGS] = warnings
    return st.session_state.pop(_WARNINGS, [])


def sync_to_url(query: dict[str, str]) -> None:
    """Make the address bar hold ``query`` (which reproduces the page's view), plus the
    presenter flag while presenting."""
    full = {**query, PRESENT: "1"} if presenting() else query
    if st.query_params.to_dict() != full:
        st.query_params.from_dict(full)
    _remember(query)
    st.session_state[_PRESENT_SEEN] = full.get(PRESENT)


def linked_settings(
    parse: Callable,
    put: Callable,
    to_query: Callable,
    controls: Callable[[], object],
    current: Callable[[], object],
):
    """A page's settings from its controls, in step with the address bar.

    A new link is applied to the widgets first (with a warning per bad value), the
    controls are drawn (in presenter mode they are not, and ``current`` reads what the
    widgets' keys hold), and the address then follows the settings.
    """
    warnings = sync_from_url(parse, put, to_query)
    settings = current() if presenting() else controls()
    sync_to_url(to_query(settings))
    for message in warnings:
        st.warning(message, icon=":material/link:")
    return settings


def apply_chart_value(key: str) -> None:
    """Apply what the race chart ``key`` last sent, once, before the widgets are drawn:
    a start point clicked on the landscape (clamped to the plot), or a momentum picked
    with the chart's own slider. The chart's rerun is then the only one it costs."""
    value = st.session_state.get(key)
    if not value or value.get("nonce") == st.session_state.get(_CLICK):
        return
    st.session_state[_CLICK] = value.get("nonce")
    if "momentum" in value:
        st.session_state.momentum = min(max(float(value["momentum"]), 0.0), 1.0)
    if "start" in value:
        st.session_state[_PENDING] = tuple(float(v) for v in value["start"])


def apply_pending_start() -> None:
    """Move the start to a clicked point (clamped to the plot), before the widgets run."""
    start = st.session_state.pop(_PENDING, None)
    if start is None:
        return
    (x0, x1), (y0, y1) = landscape(*get_landscape(report=False)).domain
    st.session_state.start_x = round(min(max(start[0], x0), x1), 4)
    st.session_state.start_y = round(min(max(start[1], y0), y1), 4)
