"""The room on the Scenes page: the presenter publishes the scene on screen, followers' pages
follow it, and a scene's question collects the room's answers (see momentum_app.talk.room).

A follower's browser waits on the room's long poll (:mod:`momentum_app.talk.room_watch`,
where the app is served by ``serve.py``) and reruns the page only when the room's version
moved: an idle follower costs its worker one small request every 5 s. Served without it
(``streamlit run app.py``), followers poll the store with ``st.fragment(run_every=
POLL_SECONDS)``: each tick one indexed read of one row and ~3 ms of the worker's CPU.
Either way a change reruns the follower's whole page on the presenter's scene.

Only the presenter presents: the browser that opens a room keeps the room's key in a
cookie (and in its session), which no link, QR code or page shows; a reload finds it
there. An address with ``present=1`` and another browser's room follows that room instead,
with a line saying why.
"""

from __future__ import annotations

import contextvars
import functools
import math
from pathlib import Path

import streamlit as st

from momentum_app.race.race_chart import parse_guess, race_chart, race_marks
from momentum_app.talk import room as rooms
from momentum_app.talk import room_watch
from momentum_app.talk.scenes import (
    ON_CHART,
    Asked,
    Scene,
    SceneChoice,
    answer_words,
    chart_truth,
    guess_words,
    median_point,
    right_answers,
)
from momentum_app.ui import state

#: How often a follower's page asks the store for the presenter's scene, in seconds: the
#: presenter's Next reaches followers in at most this plus one page run.
POLL_SECONDS = 0.5
_DEVICE = "_device_id"
_REVEALED = "_revealed_questions"
_ANSWERED = "_my_answers"
_SHOWN = "_room_version_shown"
_DRAWING = "_room_version_drawing"
_KEYS = "_room_keys"
#: The cookie that keeps a room's key in its presenter's browser (``<name><room>``).
COOKIE = "momentum_room_"
#: How long a presenter's browser keeps a room's key.
COOKIE_SECONDS = 12 * 3600
_SAID = {
    rooms.OK: "Answer received.",
    rooms.AGAIN: "This device has answered already; the first answer counts.",
    rooms.FULL: "The room's answers are full; yours was not counted.",
    rooms.CLOSED: "The question is closed.",
}


def _ask(method: str, *args):
    """Call the room store's ``method``; if the store says no (no room free, not this
    browser's room) or cannot be reached (Redis down, a disk full), say so in one line and
    return None: the scene itself still shows."""
    try:
        return getattr(rooms.open_store(), method)(*args)
    except (rooms.RoomsBusy, rooms.NotPresenter, rooms.RoomGone, rooms.TalksFull) as err:
        st.warning(state.plain(f"No room: {err}."), icon=":material/group_off:")
        return None
    except Exception as err:  # sqlite3.Error, redis's errors, OSError: the page goes on
        st.warning(f"The room cannot be reached ({type(err).__name__}); showing this scene "
                   "on its own.", icon=":material/wifi_off:")  # fmt: skip
        return None


#: The cookie that keeps a follower's random device id (so a reload knows its answers).
DEVICE_COOKIE = "momentum_device"


def _cookie(name: str) -> str:
    """The browser's cookie ``name`` as it sent it ("" if none, or not text)."""
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) else ""


def device_id() -> str:
    """This browser's random device id (anonymous: nothing about the device): from this
    session, else from the browser's cookie, else new."""
    if _DEVICE not in st.session_state:
        kept = _cookie(DEVICE_COOKIE)
        st.session_state[_DEVICE] = kept if rooms.DEVICE_ID.fullmatch(kept) else ""
        if not st.session_state[_DEVICE]:
            st.session_state[_DEVICE] = rooms.new_device_id()
    return st.session_state[_DEVICE]


def _cookie_ui(key: str, name: str, value: str) -> None:
    """A hidden element whose script sets the cookie ``name`` for this server only
    (SameSite) for :data:`COOKIE_SECONDS`."""
    cookie = f"{name}={value}; path=/; max-age={COOKIE_SECONDS}; SameSite=Strict"
    with st.container(key=key):
        st.html(f"<style>.st-key-{key} {{ display: none; }}</style>"
                f"<script>document.cookie = {cookie!r};</script>",
                unsafe_allow_javascript=True)  # fmt: skip


def _kept(scene: Scene, where: str, ask: str):
    """This device's answer to ``scene``'s question (kept under ``where`` in the session)
    and what the store said: from this session, else from the store's ``ask`` (a reload:
    the device id came back in its cookie)."""
    mine = st.session_state.get(where, {}).get((state.room(), scene.name))
    if mine is None and _cookie(DEVICE_COOKIE) == device_id():
        kept = _ask(ask, state.room(), scene.name, device_id())
        if kept is not None:
            mine = (kept, rooms.OK)
            st.session_state.setdefault(where, {})[(state.room(), scene.name)] = mine
    return mine


def _my_answer(scene: Scene) -> tuple[int, str] | None:
    """This device's choice for ``scene`` and what the store said."""
    return _kept(scene, _ANSWERED, "mine")


def _key(room: str) -> str | None:
    """This browser's key to ``room``: from this session, else from its cookie."""
    return st.session_state.get(_KEYS, {}).get(room) or _cookie(COOKIE + room) or None


def _client() -> str:
    """The browser's address, as far as the server can tell: behind a proxy on this
    machine (serve-room.sh's nginx), the address that proxy saw, which it puts last in
    X-Forwarded-For (what a browser wrote there itself comes before it)."""
    address = st.context.ip_address or "local"  # Streamlit gives None for loopback
    forwarded = st.context.headers.get("X-Forwarded-For", "")
    if forwarded and address in ("local", "127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip()[:64]
    return address


def _open_room(note: str = "") -> None:
    """Open a new room for this browser; its key goes into the session and a cookie."""
    opened = _ask("open", _client())
    if opened is None:
        state.set_room("", follow=False)
        return
    st.session_state.setdefault(_KEYS, {})[opened.room] = opened.key
    state.set_room(opened.room, follow=False)
    if note:
        st.info(f"{note} This is room {opened.room}.", icon=":material/group:")


def _remember_key() -> None:
    """Keep this room's key in the presenter's browser, so that a reload still presents.
    The cookie goes to this server only (SameSite), and no link carries it."""
    room, key = state.room(), _key(state.room())
    if key:
        _cookie_ui("room_key", COOKIE + room, key)


def claim_presenter() -> None:
    """At the top of every page, presenting in a room: this browser must hold the room's
    key. Another browser's room is followed instead, with a line saying so, before
    anything of presenter mode is drawn; a room that is no more gives way to a new one."""
    room = state.room()
    if not (state.presenting() and room):
        return
    key = _key(room)
    held = _ask("holds", room, key) if key else False
    if held is None:  # the store is out of reach (a line says so): still this room's presenter
        return
    if held:
        st.session_state.setdefault(_KEYS, {})[room] = key
        return
    if _ask("now", room) is None:  # no such room, or none shown in it yet: a room of one's own
        _open_room(f"Room {room} is closed or has not started.")
        return
    st.session_state.presenter = False
    state.set_room(room, follow=True)
    st.warning(f"Room {room} is presented from another browser: this page follows it.",
               icon=":material/group:")  # fmt: skip


#: The page of a room's scenes: the built-in talk's, and a presenter's own talk's.
SCENES_PAGE, TALK_PAGE = "pages/scenes.py", "pages/talk.py"


def enter_room(own_talk: bool = False) -> rooms.Now | None:
    """Before the scene is chosen: a presenter opens a room if there is none (its id then
    goes into the address, its key into the presenter's browser only); a follower's page
    moves to the presenter's scene, on the page of the talk the room presents (``own_talk``:
    this is My talk's page, whose followers read the presenter's talk from the store).

    Returns:
        The room's state for a follower, or None (not following, or nobody presents yet).
    """
    if state.presenting() and not state.room():
        _open_room()
    if state.presenting() and state.room():
        _remember_key()
    if not state.following():
        return None
    now = _ask("now", state.room())
    if now is not None and bool(now.talk) != own_talk:  # the presenter changed talks
        st.switch_page(TALK_PAGE if now.talk else SCENES_PAGE,
                       query_params={state.ROOM: state.room(), state.FOLLOW: "1"})  # fmt: skip
    if now is not None:
        state.sync_from_url(SceneChoice)  # the address's scene is read, and the room's wins
        state.update(SceneChoice, scene=now.scene)
        st.session_state[_DRAWING] = now.version  # shown once the page is whole: shown()
    return now


def shown() -> None:
    """At the end of a follower's page: the room's version it drew is on screen.

    Marked only here, so that a run cut short (a stale run under load left a follower with
    the new scene's heading over the old scene's body for 40 s) is not taken for shown:
    the next poll reruns the page until one run draws it whole. Where the server answers
    the long poll (``room_watch.served``), the browser waits there for the next version
    (:func:`_follow_component`), drawn here, last: a page cut short keeps the last whole
    page's, whose older version brings a rerun at once."""
    if state.following():
        st.session_state[_SHOWN] = st.session_state.get(_DRAWING)
        if room_watch.served:
            _follow_component(st.session_state.get(_DRAWING) or 0)


def keep_talk(text: str) -> str | None:
    """A presenter's own talk (its scenes file) kept in the store: its id, or None with a
    line saying why (too big, the store full, or out of reach)."""
    size = len(text.encode())
    if size > rooms.MAX_TALK_BYTES:
        st.warning(f"The talk cannot be kept: its scenes file has {size / 1000:,.0f} kB, at "
                   f"most {rooms.MAX_TALK_BYTES // 1000} kB.", icon=":material/error:")  # fmt: skip
        return None
    return _ask("save_talk", _client(), text)


def stored_talk(talk: str) -> str | None:
    """The scenes file of the kept talk ``talk``, or None (unknown, expired: see
    rooms.TALK_SECONDS; a malformed id is unknown too)."""
    if not rooms.TALK_ID.fullmatch(talk):
        return None
    return _ask("talk", talk)


def publish(scene: Scene, talk: str = "") -> bool:
    """In presenter mode: show the room ``scene`` (see :func:`enter_room`), of the kept
    talk ``talk`` (``""``: the built-in scenes).

    Returns:
        Whether the scene may play (it asks nothing, or its answer has been shown).
    """
    if not state.room():
        return True
    if scene.question is not None and (state.room(), scene.name) not in _revealed():
        now = _ask("now", state.room())  # a reload after the reveal: still revealed
        if now is not None and now.scene == scene.name and now.revealed:
            _reveal(scene)
    revealed = scene.question is None or (state.room(), scene.name) in _revealed()
    _ask("publish", state.room(), _key(state.room()), scene.name, revealed, talk)
    return revealed


def _revealed() -> set:
    return st.session_state.setdefault(_REVEALED, set())


def _reveal(scene: Scene) -> None:
    _revealed().add((state.room(), scene.name))


def answer_key(scene: Scene, choice: int) -> str:
    """The widget key of ``scene``'s answer button ``choice``. A keyed button's id is its
    key alone, so the scene is in it: a tap on the previous question's button that arrives
    after the page drew the next question names a button the page no longer has (Streamlit
    drops it) instead of answering a question its follower has not seen."""
    return f"answer_{choice}_{scene.name.replace('-', '_')}"


def _answer(scene: Scene, choice: int) -> None:
    result = _ask("answer", state.room(), scene.name, device_id(), choice)
    if result is None:
        return
    st.session_state.setdefault(_ANSWERED, {})[(state.room(), scene.name)] = (choice, result)


def _tally(scene: Scene, right: tuple[int, ...] = ()) -> None:
    """The room's answers to ``scene``'s question, one bar per choice (✓ on the right one)."""
    counts = _ask("tally", state.room(), scene.name) or {}
    total = sum(counts.values())
    for i, choice in enumerate(scene.question.choices):
        n = counts.get(i, 0)
        mark = "✓ " if i in right else ""
        st.progress(n / total if total else 0.0, text=f"{mark}{choice.label}: {n}")
    st.caption(f"{total} answer{'' if total == 1 else 's'} · room {state.room()}")


@st.fragment(run_every=POLL_SECONDS)
def _live_tally(scene: Scene) -> None:
    _tally(scene)


def _question_head(question, how: str = "") -> None:
    """A scene's question as its heading, keyed (a follower's phone moves it: FOLLOWER_CSS),
    and ``how`` to answer it where one can."""
    with st.container(key="scene_question"):
        st.subheader(f"Question: {question.text}", anchor=False)
        if how:
            st.markdown(how)


#: How the room answers a question on the chart, by its kind, on the presenter's screen
#: before the reveal (a follower's chart says it in its own bar; outside a room there is
#: nothing to tap).
TAP_ROOM = {
    "point": "Tap the landscape on your phone where you think it stops.",
    "beta": "Pick the β on your phone's slider that you think is fastest.",
    "pad": "Tap the cell of the pad on your phone that you think is fastest.",
}


def _reveal_button(scene: Scene) -> None:
    """The presenter's button that closes the question and plays the scene."""
    st.button(
        "Show the answer and play", key="reveal", icon=":material/play_arrow:",
        on_click=_reveal, args=(scene,), type="primary",
    )  # fmt: skip


def question_ui(scene: Scene, values: dict, now: rooms.Now | None = None) -> bool:
    """A scene's question: asked of the room, answered, then its answer marked.

    The presenter sees the answers come in and a button that shows the answer and plays
    the scene; a follower answers (one answer a device); a visitor outside a room reads the
    question and its answer. The right answer comes from the runs (``right_answers``).

    Args:
        scene: The scene on screen.
        values: Its caption fields (``scenes.facts``).
        now: The room's state, for a follower.

    Returns:
        Whether the scene's caption and race may be shown.
    """
    question = scene.question
    if question is None:
        return True
    if question.kind in ON_CHART:
        return point_question_ui(scene, values, now)
    right = right_answers(scene, values)
    revealed = _is_revealed(scene, now)
    _question_head(question)
    if state.presenting() and not revealed:
        _live_tally(scene)
        _reveal_button(scene)
        return False
    if state.following() and not revealed:
        mine = _my_answer(scene)
        if _cookie(DEVICE_COOKIE) != device_id():  # kept for a reload
            _cookie_ui("device_key", DEVICE_COOKIE, device_id())
        if mine is None:
            for i, choice in enumerate(question.choices):
                st.button(choice.label, key=answer_key(scene, i), on_click=_answer,
                          args=(scene, i), width="stretch")  # fmt: skip
        else:
            st.info(f"{question.choices[mine[0]].label} — {_SAID[mine[1]]}")
        return False
    if state.room():
        mine = _my_answer(scene) if state.following() else None
        if mine is not None and mine[1] == rooms.OK:
            label = question.choices[mine[0]].label
            if mine[0] in right:
                st.success(f"You answered {label}: right.", icon=":material/check_circle:")
            else:
                st.error(f"You answered {label}: the runs say otherwise.",
                         icon=":material/cancel:")  # fmt: skip
        with st.container(key="scene_tally"):
            _tally(scene, right)
    else:
        labels = ", ".join(question.choices[i].label for i in right)
        st.caption(f"The runs below answer it: {labels}.")
    return True


# --- a question on the chart (scenes.toml, kind = "point", "beta" or "pad") -----------------
# The room guesses where a run stops (a tap on the landscape), its fastest β (its slider) or
# its fastest (α, β) (a cell of the pad). One path for the three: the store keeps every
# guess as a point (rooms.guess_point), the chart draws them where the kind says.
#: The scene's chart (pages/scenes.py draws it under the same key after the reveal).
CHART = "scene_chart"
_POINTS = "_my_points"
_GUESS_SEEN = "_guess_nonces_seen"
#: The numbers a guess of each kind holds, as the chart sends it.
_SIZE = {"point": 2, "pad": 2, "beta": 1}


def asking(scene: Scene, now: rooms.Now | None) -> bool:
    """Whether ``scene``'s question is open on this screen (the presenter's and a
    follower's, before the reveal; outside a room a question shows with its answer)."""
    return scene.question is not None and not _is_revealed(scene, now)


def _is_revealed(scene: Scene, now: rooms.Now | None) -> bool:
    if state.presenting():
        return (state.room(), scene.name) in _revealed()
    if state.following():
        return now is not None and now.scene == scene.name and now.revealed
    return True


def _my_point(scene: Scene) -> tuple[tuple[float, float], str] | None:
    """This device's guess for ``scene`` as the store keeps it (a point) and what the store
    said."""
    return _kept(scene, _POINTS, "my_point")


def _take_guess(scene: Scene, asked: Asked | None) -> None:
    """A guess the follower's chart sent (``{"guess": [...], "nonce": n}``), each nonce
    once: checked (its shape, its range, for a β or a cell one of the chart's values),
    then answered; a malformed one is a line, not an answer."""
    value = st.session_state.get(CHART)
    nonce = value.get("nonce") if isinstance(value, dict) else None
    seen = st.session_state.setdefault(_GUESS_SEEN, set())
    if nonce is None or nonce in seen:
        return
    seen.add(nonce)
    kind = scene.question.kind
    try:
        guess = parse_guess(value, _SIZE[kind])
        if guess is None:
            return
        point = rooms.guess_point(kind, guess)
        if asked is not None:
            asked.index(guess)
    except ValueError as err:
        st.warning(f"That {'tap' if kind == 'point' else 'guess'} was not taken: {err}.",
                   icon=":material/error:")  # fmt: skip
        return
    result = _ask("answer_point", state.room(), scene.name, device_id(), *point)
    if result is not None:
        st.session_state.setdefault(_POINTS, {})[(state.room(), scene.name)] = (point, result)


def _shown(scene: Scene):
    """The scene as this page draws it (``cache.scene_shown``: once a process for every
    follower)."""
    from momentum_app.ui import cache, widgets

    return cache.scene_shown(scene, widgets.chart_font(), inspect=not state.following())


def _ask_chart(scene: Scene, ask: str) -> None:
    """The scene's landscape with its start and no run drawn (the runs would answer it):
    ``"tap"`` takes a guess, ``"show"`` only shows guesses (a β question's slider, a pad
    question's pad, with no run's colour). A follower's browser is not sent the runs
    either (``SceneShown.asking``: their paths, ends and outcomes are in what it gets, for
    anyone who looks); the presenter's keeps them."""
    from momentum_app.ui import widgets

    shown = _shown(scene)
    data, parts = shown.data, shown.parts
    if shown.asking is not None:
        data, parts = shown.asking, shown.asking_parts
    size = 18 if state.presenting() else widgets.chart_font() + 1
    with st.container(key="scene_ask"):
        race_chart(data, key=CHART, clickable=False, fresh=True, ui_font=size, ask=ask,
                   parts=parts, presenting=state.presenting())  # fmt: skip


@st.fragment(run_every=POLL_SECONDS)
def _live_points(scene: Scene) -> None:
    """The presenter's live view of the guesses: every mark on the chart, and the count."""
    kind = scene.question.kind
    points = _ask("points", state.room(), scene.name) or []
    guesses = [list(rooms.point_guess(kind, p)) for p in points]
    race_marks(CHART, {"kind": kind, "guesses": guesses, "count": len(points)})
    n = len(points)
    st.caption(f"{n} guess{'' if n == 1 else 'es'} · room {state.room()}")


def _off(scene: Scene, asked: Asked | None, guess: tuple, truth: tuple) -> str:
    """How far ``guess`` is from the answer, and (a β or a cell) what its own run does."""
    kind = scene.question.kind
    if asked is None:
        return f"{math.dist(guess, truth):.3g} away from where it stops"
    if kind == "beta":
        off = f"{abs(guess[0] - truth[0]):.2g} off the fastest β"
    else:
        i, j = divmod(asked.index(guess), len(asked.alphas))
        ti, tj = divmod(asked.index(truth), len(asked.alphas))
        off = f"{abs(j - tj)} column(s) and {abs(i - ti)} row(s) from the fastest cell"
    return f"{off}; there the run {asked.said(scene.objective, guess)}"


def point_question_ui(scene: Scene, values: dict, now: rooms.Now | None = None) -> bool:
    """A question on the chart about the run ``question.run``: where it stops, its fastest
    β, its fastest (α, β). Before the reveal the chart shows the landscape without the runs
    (and a β question's slider, a pad question's pad without colours); a follower guesses
    on it, the presenter sees every guess live. After it, the race plays with the answer
    (from the runs, as captions are) and the room's median guess (coordinate-wise) marked,
    and a follower reads how far off it was.

    Returns:
        Whether the scene's caption and race may be shown (after the reveal).
    """
    question, asked = scene.question, _shown(scene).staged.asked
    kind, truth = question.kind, chart_truth(scene, values, asked)
    revealed = _is_revealed(scene, now)
    _question_head(question, TAP_ROOM[kind] if state.presenting() and not revealed else "")
    if state.presenting() and not revealed:
        _ask_chart(scene, "show")
        _live_points(scene)
        _reveal_button(scene)
        return False
    if state.following() and not revealed:
        if _cookie(DEVICE_COOKIE) != device_id():  # kept for a reload
            _cookie_ui("device_key", DEVICE_COOKIE, device_id())
        if _my_point(scene) is None:
            _take_guess(scene, asked)
        kept = _my_point(scene)
        mine = rooms.point_guess(kind, kept[0]) if kept else None
        if kept is not None:
            st.info(f"Your guess {guess_words(kind, mine)} — {_SAID[kept[1]]}")
        _ask_chart(scene, "tap" if kept is None else "show")
        race_marks(CHART, {"kind": kind, "mine": list(mine) if mine else None})
        return False
    points = (_ask("points", state.room(), scene.name) or []) if state.room() else []
    median = median_point(points)
    median = median and rooms.point_guess(kind, median)
    kept = _my_point(scene) if state.following() else None
    mine = rooms.point_guess(kind, kept[0]) if kept else None
    race_marks(CHART, {"kind": kind, "guesses": [list(rooms.point_guess(kind, p)) for p in points],
                       "count": len(points) if state.room() else None,
                       "truth": list(truth), "median": median and list(median),
                       "mine": list(mine) if mine else None})  # fmt: skip
    if state.presenting():
        st.html(REVEALED_CSS)
    with st.container(key="scene_tally"):
        lines = [answer_words(scene, values, asked)]
        n = f"{len(points)} guess{'' if len(points) == 1 else 'es'}"
        if median is not None and kind == "beta":
            lines.append(f"The room's median β of {n} (✕): {median[0]:.4g}, "
                         f"{abs(median[0] - truth[0]):.2g} off.")  # fmt: skip
        elif median is not None:
            x, y = ("α", "β") if kind == "pad" else ("x", "y")
            lines.append(f"The room's median guess, the median {x} and the median {y} of {n} "
                         f"(✕): {guess_words(kind, median)}"
                         + (f", {math.dist(median, truth):.3g} away." if kind == "point"
                            else " (possibly nobody's cell)."))  # fmt: skip
        elif state.room():
            lines.append("Nobody in the room guessed.")
        st.markdown("  \n".join(lines))
        if kept is not None and kept[1] == rooms.OK:
            st.info(f"Your guess {guess_words(kind, mine)} was {_off(scene, asked, mine, truth)}.",
                    icon=":material/my_location:")  # fmt: skip
    return True


#: True while the poll runs inside the page's own run (not on its timer).
_IN_PAGE: contextvars.ContextVar[bool] = contextvars.ContextVar("in_page", default=False)


@st.fragment(run_every=POLL_SECONDS)
def _watch() -> None:
    """A follower's poll: rerun the page when the room's state moved past what the page
    last drew whole (within the page's own run: past what it is drawing)."""
    now = _ask("now", state.room())
    drawn = st.session_state.get(_DRAWING if _IN_PAGE.get() else _SHOWN)
    if now is not None and now.version != drawn:
        st.rerun(scope="app")


_FOLLOW_JS = Path(__file__).parents[1] / "talk" / "room_follow.js"


@functools.cache
def _follow_mount():
    """The follow component (``room_follow.js``): no element to see, a script that waits on
    the long poll and asks for a rerun when the room's version moves."""
    return st.components.v2.component("momentum_room_follow", js=_FOLLOW_JS.read_text())


def _follow_component(version: int) -> None:
    """A follower's browser waits for the version after ``version`` (room_watch.PATH)."""
    with st.container(key="room_follow"):  # hidden by FOLLOWER_CSS
        _follow_mount()(
            key="room_follow_poll", data={"room": state.room(), "after": version,
                                          "path": room_watch.PATH.lstrip("/")},
            on_moved_change=lambda: None,
        )  # fmt: skip


def _explore() -> None:
    state.set_room(state.room(), follow=False)


def _follow_again() -> None:
    state.set_room(state.room(), follow=True)


#: A follower's phone (issue #25): the scene's title, the chart and one's answer on the first
#: screen, the chart no longer under the follow bar, the claim, the question and the caption
#: (it had autoplayed to step 477 when scrolled to). A smaller title and page top, the
#: follow bar on one line; with a chart on the page, the question's tally, the claim and the
#: caption go under it: the heading already says the claim in short and the presenter says
#: it aloud, and the caption tells what the race showed (of a question, its answer), which
#: reads best once watched. One's own answer stays above the chart. Laptops keep the page's
#: order (the presenter's screen is not a follower's).
FOLLOWER_CSS = """<style>
.st-key-room_follow { display: none; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
  [data-testid="stMainBlockContainer"] h2 { font-size: 1.6rem; padding-bottom: 0.25rem; }
  [data-testid="stMainBlockContainer"] h3 { font-size: 1.25rem; }
  .st-key-follow_bar { flex-wrap: nowrap; gap: 0.5rem; }
  .st-key-follow_bar [data-testid="stCaptionContainer"] { font-size: 0.8rem; line-height: 1.3; }
  .st-key-follow_bar button { white-space: nowrap; padding: 0.25rem 0.6rem; min-height: 2.2rem; }
  [data-testid="stVerticalBlock"]:has(> .st-key-scene_chart) >
    :has(> .st-key-scene_question, > .st-key-scene_tally, > .st-key-scene_claim,
         > .st-key-scene_caption) { order: 1; }
  .st-key-scene_chart ~ * { order: 2; }
}
</style>"""
#: A projector, after the reveal of a question on the chart: the answer and the caption go
#: under the chart, whose marks show the answer (above it they pushed a β question's race
#: below a 1280 x 720 screen: the slider, its marks and the readout take room too).
REVEALED_CSS = """<style>
[data-testid="stVerticalBlock"]:has(> .st-key-scene_chart) >
  :has(> .st-key-scene_tally, > .st-key-scene_caption) { order: 1; }
.st-key-scene_chart ~ * { order: 2; }
</style>"""


def follow_ui(now: rooms.Now | None) -> None:
    """A follower's bar: which room, the poll, and a way to explore on one's own."""
    st.html(FOLLOWER_CSS)
    with st.container(horizontal=True, vertical_alignment="center", key="follow_bar"):
        if now is None:
            st.caption(f"Room {state.room()}: waiting for the presenter…")
        else:
            st.caption(f"Following room {state.room()}: this page shows the presenter's scene.")
        st.button(
            "Explore on my own", key="explore", icon=":material/explore:", on_click=_explore,
            help="Stop following: this scene's controls, and its link to the playground.",
        )  # fmt: skip
    if room_watch.served:  # the browser waits on the long poll instead (shown())
        return
    token = _IN_PAGE.set(True)
    try:
        _watch()
    finally:
        _IN_PAGE.reset(token)


def rejoin_ui() -> None:
    """Outside follow mode, in a room: a way back to the presenter's scene."""
    if state.room() and not state.presenting():
        st.button(
            f"Follow the presenter again (room {state.room()})", key="follow_again",
            icon=":material/group:", on_click=_follow_again,
        )  # fmt: skip
