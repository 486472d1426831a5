"""A room's version over plain HTTP, so that an idle follower costs its worker almost nothing.

A follower's page used to ask the store every 0.5 s through a Streamlit rerun of a fragment
(about 3.5 ms of the worker's CPU each: 7 ms a second a follower). Now its browser asks
``GET /_room/next?room=K7QD&after=12`` and the answer waits (a long poll) until the room's
version is no longer 12, or :data:`WAIT_SECONDS` have passed: ``{"version": 13}``. Only then
does the browser rerun the page (``room_ui``'s follow component). An idle follower costs one
small request every :data:`WAIT_SECONDS`.

However many followers wait, each process asks the store about each room they wait on once
every :data:`TICK_SECONDS` (:class:`Watch`), and wakes every waiter of a room whose version
moved. The route is added where the app is served with ``st.App`` (``serve.py``);
:data:`served` says whether this process answers it (without it, followers' pages poll
through Streamlit as before). Nothing here imports Streamlit.
"""

from __future__ import annotations

import asyncio
import time

from momentum_app.talk import room as rooms

#: The address of the long poll (under the server's base path).
PATH = "/_room/next"
#: How long one request waits for a change before it answers the version unchanged: short
#: enough that a stopping server (uvicorn lets requests under way finish first) stops
#: within seconds, long enough that an idle follower costs next to nothing.
WAIT_SECONDS = 5.0
#: How often a process reads the versions of the rooms its followers wait on.
TICK_SECONDS = 0.15
#: Waiting requests one process holds at most (more are told to come back: 503).
MAX_WAITERS = 5000
#: A room nobody waited on for this long is no longer read.
FORGET_SECONDS = 60.0

#: Whether this process serves :data:`PATH` (set by :func:`routes`).
served = False


class Watch:
    """The versions of the rooms that this process's followers wait on, read from the store
    every ``tick`` seconds by one task, and the waiters to wake when a version moves.

    Args:
        store: Gives a room's state (``now``); the process's room store by default.
        tick: Seconds between two reads of the watched rooms.
    """

    def __init__(self, store=None, tick: float = TICK_SECONDS) -> None:
        self._store = store
        self.tick = tick
        self.versions: dict[str, int] = {}
        self._waiters: dict[str, set[asyncio.Future]] = {}
        self._asked: dict[str, float] = {}  # room -> when a waiter last came
        self._first: dict[str, asyncio.Future] = {}  # room -> its first read, under way
        self._task: asyncio.Task | None = None
        self.reads = 0  # store reads, for the tests

    def store(self):
        return self._store if self._store is not None else rooms.open_store()

    def waiting(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def _version(self, room: str) -> int:
        """The room's version in the store (0 for a room nobody presents yet, or none)."""
        self.reads += 1
        now = self.store().now(room)
        return 0 if now is None else now.version

    async def wait(self, room: str, after: int, timeout: float = WAIT_SECONDS) -> int:
        """The room's version once it differs from ``after``, or after ``timeout`` seconds.

        Raises:
            ValueError: ``room`` is no room id.
            OverflowError: This process holds :data:`MAX_WAITERS` waiters already.
        """
        rooms.check_room(room)
        self._asked[room] = time.monotonic()
        if room not in self.versions:  # a room new to this process: read it now, once
            if room not in self._first:
                self._first[room] = asyncio.ensure_future(asyncio.to_thread(self._version, room))
            try:
                version = await asyncio.shield(self._first[room])
            finally:
                self._first.pop(room, None)
            self.versions.setdefault(room, version)
        if self.versions[room] != after:
            return self.versions[room]
        if self.waiting() >= MAX_WAITERS:
            raise OverflowError(f"{MAX_WAITERS} followers wait here already")
        moved = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(room, set()).add(moved)
        self._start()
        try:
            return await asyncio.wait_for(asyncio.shield(moved), timeout)
        except TimeoutError:
            return self.versions.get(room, after)
        finally:
            self._waiters.get(room, set()).discard(moved)

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        """Read every watched room each tick; stop when no room is watched."""
        while self.versions:
            await asyncio.sleep(self.tick)
            self._forget()
            watched = [r for r in self.versions if self._waiters.get(r)]
            if not watched:
                continue
            try:
                read = await asyncio.to_thread(self._read, watched)
            except Exception:  # the store is away (Redis restarting): try again next tick
                continue
            for room, version in read.items():
                self._moved(room, version)

    def _read(self, watched: list[str]) -> dict[str, int]:
        return {room: self._version(room) for room in watched}

    def _moved(self, room: str, version: int) -> None:
        if self.versions.get(room) == version:
            return
        self.versions[room] = version
        for waiter in self._waiters.get(room, ()):
            if not waiter.done():
                waiter.set_result(version)

    def _forget(self) -> None:
        old = time.monotonic() - FORGET_SECONDS
        for room in [r for r, t in self._asked.items() if t < old and not self._waiters.get(r)]:
            for table in (self.versions, self._asked, self._waiters):
                table.pop(room, None)


def parse(query) -> tuple[str, int]:
    """The room and version of a request's query (``room=K7QD&after=12``).

    Raises:
        ValueError: With one line saying what is wrong.
    """
    room = rooms.check_room(query.get("room", ""))
    after = query.get("after", "0")
    if not (after.isdigit() and len(after) <= 12):
        raise ValueError("after is the version the page shows: a whole number")
    return room, int(after)


#: This process's watch (one per process: its task runs in the server's event loop).
WATCH = Watch()


def routes() -> list:
    """The long poll's route, for ``st.App(..., routes=routes())``; marks it served."""
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    global served
    served = True

    async def next_version(request):
        try:
            room, after = parse(request.query_params)
        except ValueError as err:
            return PlainTextResponse(f"{err}\n", status_code=400)
        try:
            version = await WATCH.wait(room, after)
        except OverflowError as err:
            return PlainTextResponse(f"{err}\n", status_code=503, headers={"Retry-After": "2"})
        except Exception as err:  # the store cannot be reached: the browser tries again
            return PlainTextResponse(f"no room store ({type(err).__name__})\n", status_code=503)
        return JSONResponse({"version": version}, headers={"Cache-Control": "no-store"})

    return [Route(PATH, next_version, methods=["GET"])]
