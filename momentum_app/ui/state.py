"""Session-state keys and their defaults, in one place; the URL <-> state bridge.

Widgets own these keys. Streamlit forgets a widget's state when a page that does not draw
it runs, so :func:`init_state` re-assigns every key on each run of ``app.py``: a settings
change on one page survives a visit to another.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from momentum_app.config import links
from momentum_app.config.markdown import plain
from momentum_app.config.settings import (
    MinimaSettings,
    ModelSettings,
    RaceSettings,
    SweepSettings,
    TheorySettings,
)
from momentum_app.landscapes import (
    CUSTOM,
    DEFAULT_FORMULA,
    FLAT_DEFAULT_DOMAIN,
    landscape,
    lr_limits,
)
from momentum_app.talk.room import ROOM_ID
from momentum_app.talk.scenes import SceneChoice

#: Every page's settings record: their widgets' keys and defaults are derived from these.
RECORDS = (RaceSettings, SweepSettings, MinimaSettings, TheorySettings, ModelSettings, SceneChoice)
#: Display choices that no link carries, with their defaults.
DISPLAY = {"view": "Animated 2D", "presenter": False}
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
_FALSE = ("0", "false", "no", "off")
#: A room (``?room=ABCD``, see momentum_app.talk.room) and whether this device follows its
#: presenter (``&follow=1``); app-level like ``present``, kept in state, not in a record.
ROOM, FOLLOW = "room", "follow"
APP_PARAMS = (PRESENT, ROOM, FOLLOW)
_ROOM_SEEN = "_room_seen"
ROOM_KEY, FOLLOW_KEY = "_room", "_follow"


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


def room() -> str:
    """The room this session is in (``""``: none)."""
    return st.session_state.get(ROOM_KEY, "")


def following() -> bool:
    """Whether this session follows its room's presenter."""
    return bool(room()) and bool(st.session_state.get(FOLLOW_KEY, False))


def set_room(room_id: str, follow: bool | None = None) -> None:
    """Join ``room_id`` (``""``: leave), following its presenter or not."""
    st.session_state[ROOM_KEY] = room_id
    if follow is not None:
        st.session_state[FOLLOW_KEY] = follow


def read_room_flags() -> list[str]:
    """Follow a link's ``room`` and ``follow`` when the address bar's pair changes, with the
    links' rule: a bad value gives a one-line warning and a fallback (no room; not
    following), never an error.

    Returns:
        Warnings about the values that were ignored.
    """
    raw = (st.query_params.get(ROOM), st.query_params.get(FOLLOW))
    if raw == st.session_state.get(_ROOM_SEEN):
        return []
    st.session_state[_ROOM_SEEN] = raw
    warnings = []
    given, flag = raw
    if given is not None:
        code = given.strip().upper()
        if not ROOM_ID.fullmatch(code):
            warnings.append(f"Ignored room={given[:20]!r}: a room is 4-8 letters or digits.")
            code = ""
        st.session_state[ROOM_KEY] = code
    if flag is not None:
        if flag.strip().lower() not in (*_TRUE, *_FALSE):
            warnings.append(f"Ignored follow={flag[:20]!r}: use follow=1 or follow=0.")
        st.session_state[FOLLOW_KEY] = flag.strip().lower() in _TRUE
    return warnings


def _page_query() -> dict[str, str]:
    return {k: v for k, v in st.query_params.to_dict().items() if k not in APP_PARAMS}


_GOOD = "_last_good_formula"


def put(s) -> None:
    """Write a settings record into its widgets' keys."""
    items = links.to_state(s)
    st.session_state.update(items)
    prefix = links.landscape_prefix(type(s))
    if prefix is not None and getattr(s, "fn", None) == CUSTOM:
        st.session_state[_GOOD] = (s.formula, tuple(s.domain))


def update(cls: type, **values) -> None:
    """Set some fields of the ``cls`` record its widgets hold (from a button, a chart's
    scrub or click): numbers are rounded to the digits the page shows, inside their bounds
    (see :func:`momentum_app.config.links.rounded`), so the widget, the run and the link
    all hold the same value."""
    if {n for n, link in links.links(cls) if link.kind in ("number", "point")} & values.keys():
        prefix = links.landscape_prefix(cls)
        if prefix is None:
            obj = None
        elif "fn" in values:  # the bounds of the landscape being set
            land = {"params": (), "formula": "", "domain": (), **values}
            obj = landscape(*(land[f] for f in links.LANDSCAPE_FIELDS))
        else:
            obj = landscape(*get_landscape(prefix, report=False))
        values = links.settled(cls, obj, **values)
    st.session_state.update(links.state_items(cls, **values))


def get_landscape(prefix: str = "", report: bool = True) -> tuple[str, tuple, str, tuple]:
    """The landscape the widgets under ``prefix`` hold, as ``(fn, params, formula,
    domain)``; when a typed formula or domain cannot be used, the last one that could, with
    a message in the sidebar (unless ``report`` is off: the page's record reports it, once
    a run)."""
    try:
        fn, params, formula, domain = links.read_landscape(st.session_state, prefix)
    except ValueError as err:
        formula, domain = st.session_state.get(_GOOD, (DEFAULT_FORMULA, FLAT_DEFAULT_DOMAIN))
        if report:
            st.sidebar.error(plain(f"{err} — showing {formula} instead."),
                             icon=":material/error:")  # fmt: skip
        return CUSTOM, (), formula, domain
    if fn == CUSTOM:
        st.session_state[_GOOD] = (formula, domain)
    return fn, params, formula, domain


def get(cls: type, report: bool = True):
    """The ``cls`` record the widgets hold now."""
    prefix = links.landscape_prefix(cls)
    land = None if prefix is None else get_landscape(prefix, report)
    return links.from_state(cls, st.session_state, land)


def init_state() -> None:
    """Called by ``app.py`` on every run: defaults once, then keep widget state alive.

    Each record's defaults are what its link reader gives for an empty link (see
    :mod:`momentum_app.config.links`), so they are written once, in the record's fields.
    """
    state = st.session_state
    if "fn" not in state:
        for cls in RECORDS:
            state.update(links.initial_state(cls))
        state.update(DISPLAY)
    for key in _kept_keys():
        state[key] = state[key]


@functools.cache
def _kept_keys() -> tuple[str, ...]:
    """Every record's widget keys and the display keys, once (fixed for the process)."""
    return (*dict.fromkeys(k for cls in RECORDS for k in links.state_keys(cls)), *DISPLAY)


def _remember(query: dict[str, str]) -> None:
    """Note a query this session wrote (the last :data:`_REMEMBERED` of them)."""
    key = tuple(sorted(query.items()))
    written = [q for q in st.session_state.get(_SYNCED, []) if q != key]
    st.session_state[_SYNCED] = [*written, key][-_REMEMBERED:]


def sync_from_url(cls: type) -> list[str]:
    """Apply a link's ``cls`` settings once: a query this session did not write itself.

    A rerun carries the address bar as the browser last knew it; when reruns follow each
    other fast (key presses on a slider), that can be a query an interrupted run wrote
    before the newest one. Every query the session wrote is remembered, so such a stale
    address never overwrites a newer control value. A new link (opened, or handed over by
    another page) is never one of them.

    Returns:
        Warnings about values in the link that were ignored or corrected.
    """
    query = _page_query()
    if query and tuple(sorted(query.items())) not in st.session_state.get(_SYNCED, []):
        settings, warnings = links.from_query(cls, query)
        put(settings)
        _remember(links.to_query(settings))
        st.session_state[_WARNINGS] = warnings
    return st.session_state.pop(_WARNINGS, [])


def warn_next_run(message: str) -> None:
    """Show ``message`` with the link warnings of the page's next run (for a callback,
    which runs before the page's script)."""
    st.session_state.setdefault(_WARNINGS, []).append(message)


def sync_to_url(query: dict[str, str]) -> None:
    """Make the address bar hold ``query`` (which reproduces the page's view), plus the
    presenter flag while presenting and the room, if any."""
    full = {**query, PRESENT: "1"} if presenting() else dict(query)
    if room():
        full[ROOM] = room()
        if following():  # exploring on one's own, the address has no follow flag to undo
            full[FOLLOW] = "1"
    if st.query_params.to_dict() != full:
        st.query_params.from_dict(full)
    _remember(query)
    st.session_state[_PRESENT_SEEN] = full.get(PRESENT)
    st.session_state[_ROOM_SEEN] = (full.get(ROOM), full.get(FOLLOW))


def linked_settings(cls: type, controls: Callable[[], None] | None = None):
    """A page's ``cls`` record from its controls, in step with the address bar.

    A new link is applied to the widgets first (with a warning per bad value), the
    controls are drawn (not in presenter mode: the widgets' keys keep their values), and
    the address then follows the record.
    """
    warnings = sync_from_url(cls)
    if controls is not None and not presenting():
        controls()
    settings = get(cls)
    sync_to_url(links.to_query(settings))
    for message in warnings:
        st.warning(plain(message), icon=":material/link:")
    return settings


def take_chart_value(key: str) -> dict | None:
    """What the chart ``key`` last sent, once (None when there is nothing new)."""
    value = st.session_state.get(key)
    if not value or value.get("nonce") == st.session_state.get(_CLICK):
        return None
    st.session_state[_CLICK] = value.get("nonce")
    return value


def apply_chart_value(key: str) -> None:
    """Apply what the race chart ``key`` last sent, once, before the widgets are drawn:
    a start point clicked or dragged on the landscape (clamped to the plot), or a momentum
    and a learning rate picked with the chart's sliders or pad (clamped to their ranges).
    The chart's rerun is then the only one it costs."""
    value = take_chart_value(key)
    if value is None:
        return
    if "momentum" in value:
        update(RaceSettings, momentum=min(max(float(value["momentum"]), 0.0), 1.0))
    if "lr" in value:
        low, high = lr_limits(landscape(*get_landscape(report=False)))
        update(RaceSettings, lr=min(max(float(value["lr"]), low), high))
    if "start" in value:
        st.session_state[_PENDING] = tuple(float(v) for v in value["start"])


def apply_pending_start() -> None:
    """Move the start to a clicked point (clamped to the plot, to the digits its boxes
    show), before the widgets run."""
    start = st.session_state.pop(_PENDING, None)
    if start is None:
        return
    (x0, x1), (y0, y1) = landscape(*get_landscape(report=False)).domain
    x = links.rounded(min(max(start[0], x0), x1), x0, x1)
    y = links.rounded(min(max(start[1], y0), y1), y0, y1)
    update(RaceSettings, start=(x, y))
