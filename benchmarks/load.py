"""Load test: simulated browsers against a running app, over Streamlit's own websocket.

Each simulated visitor does what a browser does: GET the page (keeping any cookie, so a
sticky proxy sends it to one server), open ``/_stcore/stream``, ask for a first run of the
page its link names, then move widgets. Everything goes to this machine only.

Run (the app must be on loopback; ``--fresh-server`` starts and stops one itself):

    .venv/bin/python benchmarks/load.py --fresh-server             # 30 visitors x 5 changes
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8501 --sessions 30 --changes 5
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8501 --workers auto  # serve-room.sh
    .venv/bin/python benchmarks/load.py --fresh-server --reruns 1000   # memory over 1000 reruns

The protocol, from Streamlit's source (``web/server/starlette/starlette_websocket.py``,
``runtime/app_session.py``, the ``streamlit.proto`` messages):

* Browser to server, a ``BackMsg`` whose ``rerun_script`` is a ``ClientState``: the
  address bar's ``query_string``; on the first run ``page_name`` (the path, e.g.
  ``playground``) and no ``page_script_hash``, afterwards the ``page_script_hash`` the
  server reported; ``widget_states`` with the value of every widget on screen;
  ``cached_message_hashes`` for the large messages the browser keeps.
* Server to browser, ``ForwardMsg``: ``new_session`` starts each run; ``navigation``
  (from ``st.navigation``) names the page that runs and lists the app's pages by url path;
  ``delta``s carry the elements (widgets with ``id``, ``label`` and a value the server may
  impose with ``set_value``; ``alert`` for ``st.warning``; ``exception`` for a traceback);
  ``page_info_changed`` rewrites the address bar's query; ``ref_hash`` stands for a
  message the browser said it caches; ``script_finished`` ends a run (a run that ends in
  ``st.rerun()`` finishes "early for rerun" and the next one follows).

A widget change is sent like the browser sends it: the full ``widget_states`` with the one
widget's new value (the widget found by its label among the deltas the session received).
A hostile link (about one change in ten) is a rerun with an edited query string, as when
a visitor edits the address, and must give a warning, never an exception. A visitor whose
pointer reaches into the charts (``--reach``, the share of visitors; all by default) sends,
after each first run of a page, what each chart sends then: a component value asking for
the sets listed in its ``lazy`` argument (race.js) but the grid of starts, kept with every
later rerun as the browser keeps it. The grid of starts is asked for, as race.js does,
when the visitor goes for the start's handle: a change of kind "start" (a drag of the
start on the playground's race) first asks for it (once a session), then drops the start
at a new point; the memory run (``--reruns``) asks for every set, starts included.

The report: sessions, reruns, p50/p95 latency (BackMsg sent to ``script_finished``),
reruns per second over the measured window, errors (exceptions, timeouts, page not found,
a hostile link without a warning) with the link that caused them, warnings, and the
server's resident memory (``VmRSS``; summed over the workers behind serve-room.sh's
nginx). Exit status 0 when there were no errors, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = ("127.0.0.1", "localhost", "::1")

#: First visits: (page, query, weight). Mostly the playground, as in a workshop.
FIRST_LINKS = [
    (
        "playground",
        "fn=rosenbrock&lr=0.0015&momentum=0.9&steps=1000&start=-1.5,2"
        "&optimizers=sgd,momentum&noise=0&seed=0",
        40,
    ),
    ("playground", "fn=rastrigin&lr=0.002&momentum=0.9&steps=300", 10),
    ("playground", "fn=rosenbrock&momentum=0.5", 10),
    ("scenes", "scene=faster", 10),
    ("sweep", "fn=rosenbrock&grid=60&steps=1000", 10),
    ("local-minima", "fn=rastrigin&lr=0.002&momentum=0.9", 8),
    ("theory", "kappa=100&lr=0.5&momentum=0.5", 8),
    ("guide", "", 4),
]

#: Widget labels per kind of change, in order of preference (the first found is used).
CHANGE_LABELS = {
    "momentum": ("Momentum β", "Momentum β of the right-hand map"),
    "lr": ("Learning rate α (log scale)", "Learning rate α", "Condition number κ"),
    "function": ("Test function", "Scene", "Optimizer"),
    "steps": ("Steps", "Steps per run"),
}
#: Kinds of change and their weights; "link" is a hostile link.
CHANGE_WEIGHTS = {"momentum": 40, "lr": 20, "function": 15, "steps": 15, "start": 10, "link": 10}
#: Where a dragged start lands: a point of this lattice over the chart's axes (few, so that
#: visitors share the server's caches).
START_LATTICE = 5
#: Values a visitor moves to: few, so that visitors share the server's caches.
MOMENTA = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
STEPS = (100, 300, 500, 1000, 2000)
#: Hostile query edits per page; each must give a warning. Pages with none borrow the
#: playground's (the visitor pastes a playground link).
HOSTILE = {
    "playground": (
        "momentum=banana",
        "momentum=5",
        "fn=nope",
        "steps=-3",
        "start=1,2,3",
        "lr=1e400",
    ),
    "local-minima": ("momentum=banana", "momentum=5", "fn=nope", "lr=1e400", "steps=-3"),
    "sweep": ("fn=nope", "steps=-3"),
    "theory": ("kappa=0", "lr=1e400", "momentum=banana"),
    "scenes": ("scene=bogus",),
}

WIDGET_TYPES = ("slider", "number_input", "selectbox", "radio", "multiselect", "checkbox")
FINAL = (
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)


def check_loopback(url: str) -> tuple[str, int]:
    """Host and port of ``url``, which must be plain http on this machine.

    Raises:
        ValueError: for another scheme or any host that is not loopback.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise ValueError(f"refusing {url!r}: only http://127.0.0.1, localhost or [::1]")
    return parts.hostname, parts.port or 80


# --- the server's memory -----------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            for line in list(f)[1:]:
                cols = line.split()
                if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "0A":  # LISTEN
                    inodes.add(cols[9])
    return inodes


def pid_on_port(port: int) -> int | None:
    """The process listening on ``port`` (found through /proc: socket inode -> fd)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    if not wanted:
        return None
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in os.scandir(f"/proc/{entry.name}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(fd.path) in wanted:
                        pids.append(int(entry.name))
                        break
    # A forking server (nginx) shares the socket: its master is the smallest pid.
    return min(pids) if pids else None


def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` in MB (VmRSS), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def with_children(pids: list[int]) -> list[int]:
    """``pids`` and every process they started, still running (a server's compiler
    child, see momentum_core/engine.py): its work and memory are the server's."""
    out, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        out.append(pid)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
    return out


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time used so far by ``pids`` and their children (all threads)."""
    total, read = 0, 0
    for pid in with_children(pids):
        with contextlib.suppress(OSError):  # a child may end while we read
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            read += 1
    return total / os.sysconf("SC_CLK_TCK") if read else None


def total_rss_mb(pids: list[int]) -> float | None:
    """The resident memory of ``pids`` and their children, summed."""
    values = [rss_mb(p) for p in with_children(pids)]
    return None if any(v is None for v in values) else sum(values)


# --- one simulated browser ---------------------------------------------------------------


@dataclass
class Rerun:
    """One rerun a session asked for, and what came of it."""

    session: int
    kind: str  # "first visit", "momentum", "lr", "function", "steps", "link", "reload"
    link: str  # the address bar when it was sent
    change: str  # what was changed, e.g. "Momentum β=0.95" or "momentum=banana"
    sent: float = 0.0
    finished: float | None = None
    exceptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    gave_up: bool = False  # timed out: a late script_finished no longer counts

    @property
    def latency(self) -> float | None:
        return None if self.finished is None else self.finished - self.sent


def _initial_state(kind: str, p) -> WidgetState | None:
    """The value a browser holds for a widget it has just drawn (``set_value`` wins,
    else the element's default), encoded as that widget sends it."""
    ws = WidgetState(id=p.id)
    if kind == "slider":
        if p.type == p.SELECT_SLIDER:
            values = list(p.raw_value) if p.set_value else [p.options[int(i)] for i in p.default]
            ws.string_array_value.data.extend(values)
        else:
            ws.double_array_value.data.extend(p.value if p.set_value else p.default)
    elif kind == "number_input":
        if not p.HasField("value" if p.set_value else "default"):
            return None  # an empty box
        value = p.value if p.set_value else p.default
        if p.data_type == p.INT:
            ws.int_value = int(value)
        else:
            ws.double_value = value
    elif kind in ("selectbox", "radio"):
        if p.set_value and p.HasField("raw_value"):
            ws.string_value = p.raw_value
        elif p.set_value:
            return None
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            ws.string_value = p.options[p.default]
        else:
            return None  # nothing chosen yet: the browser sends no value either
    elif kind == "multiselect":
        values = list(p.raw_values) if p.set_value else [p.options[i] for i in p.default]
        ws.string_array_value.data.extend(values)
    elif kind == "checkbox":
        ws.bool_value = p.value if p.set_value else p.default
    return ws


@dataclass
class Traffic:
    """What the sessions received, all together."""

    messages: int = 0
    bytes: int = 0
    cached_refs: int = 0  # messages sent as a ref_hash to one the browser kept


TRAFFIC = Traffic()


@dataclass
class Widget:
    kind: str
    proto: object  # the element's own proto (Slider, NumberInput, ...)
    state: WidgetState | None


class Browser:
    """One visitor: a cookie, a websocket, the widgets on screen and the address bar."""

    def __init__(self, number: int, base_url: str, rerun_timeout: float) -> None:
        self.number = number
        self.base_url = base_url.rstrip("/")
        self.host, self.port = check_loopback(base_url)
        self.rerun_timeout = rerun_timeout
        self.cookies: dict[str, str] = {}
        self.worker = ""  # the X-Worker header of serve-room.sh's nginx, when there
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.path = ""  # the page's url path, e.g. "playground"
        self.query = ""  # the address bar's query string
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.nav_pages: frozenset | None = None  # the pages the last navigation listed
        self.final_pages: frozenset | None = None  # ... as of the last finished run
        self.widgets: dict[str, Widget] = {}
        self.on_screen: set[str] = set()  # widget ids drawn by the run in progress
        # whether the run in progress is a fragment's (it redraws that fragment alone)
        self.fragment_run = False
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash -> (message, run seen)
        self.max_cached_age = 2
        self.runs = 0
        self.current: Rerun | None = None
        self.done = asyncio.Event()

    # -- connecting -----------------------------------------------------------------------

    async def get(self, path: str) -> tuple[int, dict[str, list[str]], bytes]:
        """A plain HTTP/1.1 GET with this visitor's cookies; keeps the cookies it is set."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            request = f"GET {path} HTTP/1.1\r\nHost: {urlsplit(self.base_url).netloc}\r\n"
            request += f"Cookie: {cookie}\r\n" if cookie else ""
            writer.write((request + "Connection: close\r\n\r\n").encode())
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, list[str]] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        for value in headers.get("set-cookie", []):
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.worker = headers.get("x-worker", [self.worker])[0]
        return int(lines[0].split()[1]), headers, body

    async def open(self, path: str, query: str) -> None:
        """Load the page (for its cookie), then open the websocket with that cookie."""
        status, _, _ = await self.get(f"/{path}" + (f"?{query}" if query else ""))
        if status != 200:
            raise ConnectionError(f"GET /{path} answered {status}")
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        ws_url = "ws" + self.base_url[4:] + "/_stcore/stream"
        self.ws = await connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers=headers,
            origin=self.base_url,
            proxy=None,
            max_size=2**28,
            open_timeout=self.rerun_timeout,
            ping_interval=None,  # a browser sends no pings either
        )
        self.reader = asyncio.create_task(self._read())
        self.path, self.query = path, query

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader

    # -- receiving ------------------------------------------------------------------------

    def _note(self, what: str, text: str) -> None:
        run = self.current
        if run is not None:
            getattr(run, what).append(text)

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                TRAFFIC.messages += 1
                TRAFFIC.bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except ConnectionClosed as e:
            self._note("errors", f"websocket closed by the server ({e})")
        except Exception as e:  # a bug here must not pass for a quiet server
            self._note("errors", f"client error reading the stream: {e!r}")
        self.done.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                self._note("errors", f"server referred to a message never sent ({msg.ref_hash})")
                return
            msg, kind = cached[0], cached[0].WhichOneof("type")
            TRAFFIC.cached_refs += 1
            self.cache[msg.hash] = (msg, self.runs)
        elif msg.metadata.cacheable:
            self.cache[msg.hash] = (msg, self.runs)

        if kind == "new_session":
            self.max_cached_age = msg.new_session.config.max_cached_message_age or 2
            self.fragment_run = bool(msg.metadata.run.fragment_ids)
            if not self.fragment_run:
                self.on_screen = set()
        elif kind == "navigation":
            # st.navigation's message names the page that runs (the browser's current
            # page from then on) and the app's pages by url path.
            nav = msg.navigation
            self.page_hash = nav.page_script_hash
            self.pages = {p.url_pathname: p.page_script_hash for p in nav.app_pages}
            self.path = next((u for u, h in self.pages.items() if h == self.page_hash), self.path)
            self.nav_pages = frozenset(self.pages.items())
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            self._note("errors", f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            e = msg.session_event.script_compilation_exception
            self._note("exceptions", f"{e.type}: {e.message}")
        elif kind == "script_finished" and msg.script_finished in FINAL:
            self._finished()

    def _element(self, el) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            e = el.exception
            self._note("warnings" if e.is_warning else "exceptions", f"{e.type}: {e.message}")
        elif kind == "alert" and el.alert.format == el.alert.WARNING:
            self._note("warnings", el.alert.body)
        elif kind == "component_instance":
            # A chart: the browser sends its value (once set) with every rerun, like a widget's.
            p = el.component_instance
            old = self.widgets.get(p.id)
            self.widgets[p.id] = Widget(kind, p, old.state if old is not None else None)
            self.on_screen.add(p.id)
        elif kind in WIDGET_TYPES:
            p = getattr(el, kind)
            old = self.widgets.get(p.id)
            keep = old is not None and old.state is not None and not p.set_value
            state = old.state if keep else _initial_state(kind, p)
            self.widgets[p.id] = Widget(kind, p, state)
            self.on_screen.add(p.id)

    def _finished(self) -> None:
        # Like the browser: forget widgets the run did not draw (a fragment's run redraws
        # the fragment alone: the rest of the page stays), and cached messages not seen
        # for max_cached_age runs.
        if not self.fragment_run:
            self.widgets = {k: w for k, w in self.widgets.items() if k in self.on_screen}
        self.runs += 1
        self.cache = {
            h: (m, seen)
            for h, (m, seen) in self.cache.items()
            if self.runs - seen <= self.max_cached_age
        }
        run = self.current
        if self.fragment_run:  # a fragment's timer: not the (full) rerun a visitor awaits
            return
        if run is not None and run.finished is None and not run.gave_up:
            run.finished = time.perf_counter()
            self.done.set()

    # -- sending --------------------------------------------------------------------------

    def _context(self, msg: BackMsg) -> None:
        info = msg.rerun_script.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url = f"{self.base_url}/{self.path}" + (f"?{self.query}" if self.query else "")
        info.is_embedded, info.color_scheme = False, "light"

    async def rerun(self, run: Rerun, changed: WidgetState | None = None, page_name="") -> Rerun:
        """Send one rerun_script (every widget's value, ``changed`` replacing its own) and
        wait for the run to finish."""
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query
        if page_name:  # a first visit: the server resolves the page from the path
            rs.page_name = page_name
        else:
            rs.page_script_hash = self.page_hash
        states = [w.state for w in self.widgets.values() if w.state is not None]
        if changed is not None:
            states = [s for s in states if s.id != changed.id] + [changed]
        rs.widget_states.CopyFrom(WidgetStates(widgets=states))
        rs.cached_message_hashes.extend(self.cache)
        self._context(msg)

        self.current, run.link = run, f"/{self.path}?{self.query}".rstrip("?")
        self.done.clear()
        run.sent = time.perf_counter()
        try:
            await self.ws.send(msg.SerializeToString())
            await asyncio.wait_for(self.done.wait(), self.rerun_timeout)
        except TimeoutError:
            run.gave_up = True
            run.errors.append(f"no script_finished within {self.rerun_timeout:g} s")
        except ConnectionClosed as e:
            run.errors.append(f"websocket closed ({e})")
        if run.finished is None and not run.errors:
            run.errors.append("the connection ended before the run finished")
        if run.finished is not None:
            # The app's pages never change, so a new list means the previous run was
            # routed by something else: Streamlit's pages/ folder mode, without app.py.
            before, self.final_pages = self.final_pages, self.nav_pages
            if before is not None and before != self.final_pages:
                run.errors.append(
                    "the app's page list changed since the previous run: that run was "
                    "routed without app.py's st.navigation (Streamlit's pages/ folder mode)"
                )
        return run

    # -- what a visitor does --------------------------------------------------------------

    def find(self, labels: tuple[str, ...]) -> Widget | None:
        for label in labels:
            for w in self.widgets.values():
                if w.kind == "component_instance":
                    continue
                if w.proto.label == label and w.state is not None and not w.proto.disabled:
                    return w
        return None

    def change(self, kind: str, rng: random.Random) -> tuple[WidgetState, str] | None:
        """A new value for the widget that does ``kind`` on this page, as the browser
        would send it after the visitor moves it; None when the page has no such widget."""
        w = self.find(CHANGE_LABELS[kind])
        if w is None:
            return None
        p, new = w.proto, WidgetState()
        new.CopyFrom(w.state)
        if w.kind == "slider" and p.type == p.SELECT_SLIDER:
            current = list(w.state.string_array_value.data)
            choice = rng.choice([o for o in p.options if [o] != current] or list(p.options))
            new.string_array_value.data[:] = [choice]
            return new, f"{p.label}={choice}"
        if w.kind == "slider":
            current = w.state.double_array_value.data[0]
            values = [v for v in MOMENTA if p.min <= v <= p.max and abs(v - current) > 1e-9]
            value = rng.choice(values)
            new.double_array_value.data[:] = [value]
            return new, f"{p.label}={value:g}"
        if w.kind in ("selectbox", "radio"):
            choice = rng.choice([o for o in p.options if o != w.state.string_value] or p.options)
            new.string_value = choice
            return new, f"{p.label}={choice}"
        if w.kind == "number_input":
            current = w.state.int_value if p.data_type == p.INT else w.state.double_value
            if kind == "steps":
                values = [v for v in STEPS if v != current]
            else:  # a learning rate typed in: half or twice the current one
                values = [current * f for f in (0.5, 2.0)]
            lo, hi = (p.min if p.has_min else -math.inf), (p.max if p.has_max else math.inf)
            value = rng.choice([v for v in values if lo <= v <= hi] or [current])
            if p.data_type == p.INT:
                new.int_value = int(value)
            else:
                new.double_value = value
            return new, f"{p.label}={value:g}"
        return None

    def race(self) -> Widget | None:
        """The playground's race chart (a component whose sets include the grid of starts)."""
        for w in self.widgets.values():
            if w.kind == "component_instance" and w.proto.id.endswith("-race"):
                return w
        return None

    def drop_start(self, rng: random.Random) -> tuple[WidgetState, str] | None:
        """The start dragged to a new point of :data:`START_LATTICE` over the race's axes,
        as race.js sends it on release; None when the page has no race with a start."""
        w = self.race()
        if w is None:
            return None
        try:
            layout = json.loads(json.loads(w.proto.json_args)["data"])["figure"]["layout"]
            (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
        except (KeyError, TypeError, ValueError):
            return None
        n = START_LATTICE
        i, j = rng.randrange(n), rng.randrange(n)
        point = [x0 + (x1 - x0) * (i + 0.5) / n, y0 + (y1 - y0) * (j + 0.5) / n]
        state = WidgetState(id=w.proto.id)
        state.json_value = json.dumps({"start": point, "nonce": time.time()})
        return state, f"start={point[0]:.3g},{point[1]:.3g}"

    def reach(self, starts: bool = False) -> list[WidgetState]:
        """What the page's charts send when the pointer first comes into them: each chart
        with sets it sends only when asked (its ``lazy`` argument) asks for them, as
        race.js does, but the grid of starts, asked for when the visitor goes for the
        start's handle (``starts``: only that). A list of the new component values (empty:
        nothing to ask)."""
        asks = []
        for w in self.widgets.values():
            if w.kind != "component_instance":
                continue
            lazy = json.loads(w.proto.json_args or "{}").get("lazy") or []
            lazy = [k for k in lazy if (k == "start") == starts]
            if lazy:
                state = WidgetState(id=w.proto.id)
                state.json_value = json.dumps({"want": lazy, "nonce": time.time()})
                asks.append(state)
        return asks

    def hostile(self, rng: random.Random) -> tuple[str, str, str]:
        """(page, query, the bad parameter): the address bar with one parameter made bad."""
        page = self.path if self.path in HOSTILE else "playground"
        edit = rng.choice(HOSTILE[page])
        name, _, bad = edit.partition("=")
        if name == "scene":
            # A query the session already saw counts as its own stale address (the app
            # ignores those, see state.sync_from_url); a browser would reload instead.
            bad = f"{bad}-{rng.randrange(10**6)}"
            edit = f"{name}={bad}"
        base = self.query if page == self.path else ""
        params = [(k, v) for k, v in parse_qsl(base, keep_blank_values=True) if k != name]
        return page, urlencode([*params, (name, bad)], safe=","), edit


# --- the runs ------------------------------------------------------------------------------


@dataclass
class Options:
    url: str
    sessions: int
    changes: int
    think: tuple[float, float]
    ramp: float
    timeout: float
    rerun_timeout: float
    seed: int
    pages: list[str] | None
    reach: float = 1.0


async def visit(number: int, opts: Options, deadline: float, log: list[Rerun]) -> str:
    """One visitor: open a link, then make ``opts.changes`` changes. Returns its worker."""
    rng = random.Random(opts.seed * 1000 + number)
    links = [x for x in FIRST_LINKS if opts.pages is None or x[0] in opts.pages]
    page, query, _ = rng.choices(links, weights=[x[2] for x in links])[0]
    await asyncio.sleep(opts.ramp * number / max(opts.sessions, 1))
    browser = Browser(number, opts.url, opts.rerun_timeout)
    first = Rerun(number, "first visit", f"/{page}?{query}".rstrip("?"), "")
    log.append(first)
    try:
        try:
            await browser.open(page, query)
        except (OSError, InvalidHandshake, TimeoutError) as e:
            first.errors.append(f"could not connect: {e!r}")
            return ""
        await browser.rerun(first, page_name=page)
        if first.finished is not None and browser.path != page:
            first.errors.append(f"opened /{page} but the server ran /{browser.path}")
        reaches = rng.random() < opts.reach  # this visitor moves the pointer over the charts
        if reaches:
            await reach_in(browser, number, log)
        for _ in range(opts.changes):
            if first.finished is None or browser.reader.done():  # no run, or disconnected
                break
            await asyncio.sleep(rng.uniform(*opts.think))
            if time.perf_counter() > deadline:
                break
            if (await make_change(browser, rng, number, log)).finished is None:
                break  # timed out or disconnected: this visitor gives up
            if reaches:  # a new page's charts ask too
                await reach_in(browser, number, log)
    finally:
        await browser.close()
    return browser.worker


async def reach_in(browser: Browser, number: int, log: list[Rerun], starts: bool = False) -> None:
    """The pointer comes into the page's charts (``starts``: goes for the start's handle):
    each that asks sends its value (a rerun that computes the sets it asks for). Nothing
    when no chart asks (already asked)."""
    for ask in browser.reach(starts):
        run = Rerun(number, "reach", "", "chart asks for its sets")
        log.append(run)
        browser.widgets[ask.id].state = ask
        await browser.rerun(run, changed=ask)
        if run.finished is None:
            return


async def make_change(browser: Browser, rng: random.Random, number: int, log: list[Rerun]) -> Rerun:
    """One change of the kinds in CHANGE_WEIGHTS, as the visitor makes it."""
    kinds = list(CHANGE_WEIGHTS)
    kind = rng.choices(kinds, weights=[CHANGE_WEIGHTS[k] for k in kinds])[0]
    if kind == "start" and browser.race() is not None:
        await reach_in(browser, number, log, starts=True)  # the pointer goes for the handle
        made = browser.drop_start(rng)
        if made is not None:
            run = Rerun(number, "start", "", made[1])
            log.append(run)
            browser.widgets[made[0].id].state = made[0]
            await browser.rerun(run, changed=made[0])
            return run
    if kind == "start":  # no race with a start here: another change of this page
        kind = "momentum"
    if kind != "link":
        # Fall back through the kinds when this page has no such widget (e.g. the guide).
        for k in [kind, *(other for other in kinds if other not in ("link", "start"))]:
            made = browser.change(k, rng)
            if made is not None:
                run = Rerun(number, k, "", made[1])
                log.append(run)
                await browser.rerun(run, changed=made[0])
                return run
    if kind != "link" and not browser.widgets:
        # An error page has no widgets: the visitor reloads (reruns the same address).
        run = Rerun(number, "reload", "", "")
        log.append(run)
        await browser.rerun(run)
        return run
    page, query, edit = browser.hostile(rng)
    run = Rerun(number, "link", "", edit)
    log.append(run)
    target = browser.pages.get(page, browser.page_hash)
    if target != browser.page_hash:
        browser.page_hash, browser.path = target, page
    browser.query = query
    await browser.rerun(run)
    if run.finished is not None and not run.warnings and not run.exceptions:
        run.errors.append("a hostile link gave no warning")
    return run


async def warm_up(opts: Options, visits: int) -> list[Rerun]:
    """One first visit per page, ``visits`` times over (to reach every worker)."""
    log: list[Rerun] = []
    pages = {p: q for p, q, _ in reversed(FIRST_LINKS) if opts.pages is None or p in opts.pages}
    for number, (page, query) in enumerate(list(pages.items()) * visits):
        browser = Browser(-1 - number, opts.url, opts.rerun_timeout)
        run = Rerun(browser.number, "first visit", f"/{page}?{query}".rstrip("?"), "warm-up")
        log.append(run)
        try:
            await browser.open(page, query)
            await browser.rerun(run, page_name=page)
        except (OSError, InvalidHandshake, TimeoutError) as e:
            run.errors.append(f"could not connect: {e!r}")
        finally:
            await browser.close()
    return log


async def burst(opts: Options) -> tuple[list[Rerun], list[str]]:
    log: list[Rerun] = []
    deadline = time.perf_counter() + opts.timeout
    tasks = [asyncio.create_task(visit(i, opts, deadline, log)) for i in range(opts.sessions)]
    _, pending = await asyncio.wait(tasks, timeout=opts.timeout)
    for task in pending:
        task.cancel()
    workers = []
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            workers.append(await task)
    for run in log:
        if run.finished is None and not run.errors:
            run.errors.append(f"unfinished when the {opts.timeout:g} s bound ran out")
    return log, workers


async def many_reruns(opts: Options, count: int, rss: Sampler) -> tuple[list[Rerun], dict]:
    """One visitor on the playground making ``count`` distinct reruns back to back: a new
    learning rate (typed) and momentum each time, so nothing comes from a cache."""
    log: list[Rerun] = []
    deadline = time.perf_counter() + opts.timeout
    browser = Browser(0, opts.url, opts.rerun_timeout)
    page, query, _ = FIRST_LINKS[0]
    first = Rerun(0, "first visit", f"/{page}?{query}", "")
    log.append(first)
    after_first = None
    try:
        await browser.open(page, query)
        await browser.rerun(first, page_name=page)
        if opts.reach > 0:  # the pointer in the chart: every rerun sends the pad and starts
            await reach_in(browser, 0, log)
            await reach_in(browser, 0, log, starts=True)
        after_first = rss.now()
        lr, momentum = browser.find(("Exact learning rate",)), browser.find(("Momentum β",))
        if lr is None or momentum is None:
            first.errors.append("no 'Exact learning rate' / 'Momentum β' widget to move")
            return log, {}
        slider = browser.find(("Learning rate α (log scale)",))
        lo, hi = (
            (float(slider.proto.options[0]), float(slider.proto.options[-1]))
            if slider is not None
            else (lr.proto.min, lr.proto.max)
        )
        for i in range(count):
            if time.perf_counter() > deadline:
                break
            value = lo * (hi / lo) ** ((i + 0.5) / count)
            run = Rerun(0, "lr+momentum", "", f"lr={value:.6g}, momentum={i % 100 / 100:g}")
            log.append(run)
            m = WidgetState()
            m.CopyFrom(momentum.state)
            m.double_array_value.data[:] = [i % 100 / 100]
            browser.widgets[momentum.proto.id].state = m
            new = WidgetState()
            new.CopyFrom(lr.state)
            new.double_value = value
            await browser.rerun(run, changed=new)
            if run.finished is None:
                break
            lr = browser.find(("Exact learning rate",)) or lr
            momentum = browser.find(("Momentum β",)) or momentum
    except (OSError, InvalidHandshake, TimeoutError) as e:
        first.errors.append(f"could not connect: {e!r}")
    finally:
        await browser.close()
    return log, {"rss_after_first_visit_mb": after_first}


# --- memory while it runs -----------------------------------------------------------------


class Sampler:
    """Samples the servers' summed RSS twice a second (for the peak)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak: float | None = None
        self._task: asyncio.Task | None = None

    def now(self) -> float | None:
        value = total_rss_mb(self.pids) if self.pids else None
        if value is not None:
            self.peak = max(self.peak or 0.0, value)
        return value

    async def _run(self) -> None:
        while True:
            self.now()
            await asyncio.sleep(0.5)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# --- a server of our own ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app_dir: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """``streamlit run serve.py`` (the README's command) on a free loopback port; returns
    once it is healthy.

    The file watcher is off: an edit elsewhere in the tree during a run would reload
    modules mid-test and count as the app's errors.
    """
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 (the server writes to it until stopped)
    options = (
        f"--server.port {port} --server.address 127.0.0.1 --server.headless true "
        "--browser.gatherUsageStats false --server.fileWatcherType none"
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", *options.split()],
        cwd=app_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            s.sendall(b"GET /_stcore/health HTTP/1.0\r\n\r\n")
            if s.recv(64).split(b" ")[1:2] == [b"200"]:
                return server, url
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"streamlit did not start on {url}; see {log_path}")


def stop_server(server: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server started in a session of its own: its whole process group, TERM and
    then, after ``timeout`` seconds, KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


async def worker_pids(url: str, spec: str | None) -> list[int]:
    """The pids whose memory is reported: the server on ``url``'s port, or the workers
    (``auto``: as serve-room.sh's nginx lists them at /_room/workers; or ``PORT,PORT``)."""
    if spec is None:
        pid = pid_on_port(check_loopback(url)[1])
        return [pid] if pid else []
    if spec == "auto":
        status, _, body = await Browser(0, url, 10).get("/_room/workers")
        if status != 200:
            raise RuntimeError(f"{url}/_room/workers answered {status}: not serve-room.sh?")
        spec = ",".join(body.decode().split())
    # Memory can only be read here: workers on other machines (--remote) are left out.
    local = [i for i in spec.split(",") if i and i.rsplit(":", 1)[0] in ("", *LOOPBACK)]
    ports = [int(item.rsplit(":", 1)[-1]) for item in local]
    return [pid for pid in map(pid_on_port, ports) if pid]


# --- the report ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def error_groups(log: list[Rerun]) -> list[dict]:
    """Errors grouped by message (first line), most frequent first, each with the first
    rerun that met it and the link its session opened with."""
    opened = {r.session: r.link for r in log if r.kind == "first visit"}
    groups: dict[str, dict] = {}
    for r in sorted(log, key=lambda r: r.sent):
        for message in r.exceptions + r.errors:
            line = message.splitlines()[0][:240] if message else "(empty message)"
            g = groups.setdefault(line, {"message": line, "count": 0, "sessions": set()})
            g["count"] += 1
            g["sessions"].add(r.session)
            g.setdefault(
                "first",
                {"session": r.session, "opened": opened.get(r.session), "kind": r.kind,
                 "link": r.link, "change": r.change},
            )  # fmt: skip
    ordered = sorted(groups.values(), key=lambda g: -g["count"])
    return [{**g, "sessions": len(g["sessions"])} for g in ordered]


def summarize(log: list[Rerun], sessions: int, rss: dict) -> dict:
    done = [r for r in log if r.finished is not None]
    latencies = sorted(r.latency for r in done)
    changes = [r.latency for r in done if r.kind != "first visit"]
    firsts = [r.latency for r in done if r.kind == "first visit"]
    window = (max(r.finished for r in done) - min(r.sent for r in log)) if done else 0.0
    failed = [r for r in log if r.errors or r.exceptions]
    links = [r for r in log if r.kind == "link"]
    return {
        "sessions": sessions,
        "reruns": len(done),
        "reruns_sent": len(log),
        "first_visits": len(firsts),
        "p50_s": percentile(latencies, 50),
        "p95_s": percentile(latencies, 95),
        "max_s": latencies[-1] if latencies else None,
        "changes_p50_s": percentile(sorted(changes), 50),
        "changes_p95_s": percentile(sorted(changes), 95),
        "first_visit_p50_s": percentile(sorted(firsts), 50),
        "first_visit_p95_s": percentile(sorted(firsts), 95),
        "by_page": {
            page: {"reruns": len(values), "p50_s": percentile(values, 50)}
            for page in sorted({r.link.split("?")[0] for r in done})
            for values in [sorted(r.latency for r in done if r.link.split("?")[0] == page)]
        },
        "window_s": window,
        "reruns_per_s": len(done) / window if window > 0 else None,
        "errors": sum(len(r.errors) + len(r.exceptions) for r in log),
        "exceptions": sum(len(r.exceptions) for r in log),
        "timeouts": sum(1 for r in log if r.finished is None),
        "sessions_with_errors": len({r.session for r in failed}),
        "error_groups": error_groups(log),
        "warnings": sum(len(r.warnings) for r in log),
        "hostile_links": len(links),
        "hostile_links_warned": sum(1 for r in links if r.warnings),
        "received_mb": TRAFFIC.bytes / 1e6,
        "received_messages": TRAFFIC.messages,
        "cached_refs": TRAFFIC.cached_refs,
        "client_cpu_s": time.process_time(),
        **rss,
    }


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} MB"


def print_report(s: dict) -> None:
    print(f"sessions: {s['sessions']}   reruns finished: {s['reruns']} of {s['reruns_sent']}")
    print(
        f"latency (sent -> script_finished): p50 {_s(s['p50_s'])}, p95 {_s(s['p95_s'])}, "
        f"max {_s(s['max_s'])}"
    )
    print(
        f"  first visits: p50 {_s(s['first_visit_p50_s'])}, p95 {_s(s['first_visit_p95_s'])};"
        f" changes: p50 {_s(s['changes_p50_s'])}, p95 {_s(s['changes_p95_s'])}"
    )
    pages = ", ".join(f"{p} {v['reruns']} x {_s(v['p50_s'])}" for p, v in s["by_page"].items())
    print(f"  by page (reruns x p50): {pages}")
    rate = s["reruns_per_s"]
    print(
        f"reruns per second: {'-' if rate is None else f'{rate:.2f}'} (over {s['window_s']:.1f} s)"
    )
    print(
        f"received: {s['received_mb']:.1f} MB in {s['received_messages']} messages "
        f"({s['cached_refs']} as references to cached ones); "
        f"this client's CPU: {s['client_cpu_s']:.1f} s"
    )
    print(
        f"warnings: {s['warnings']}   hostile links: {s['hostile_links']}, "
        f"{s['hostile_links_warned']} warned"
    )
    print(f"errors: {s['errors']} ({s['exceptions']} exceptions, {s['timeouts']} unfinished)")
    if s["errors"]:
        print(f"  in {s['sessions_with_errors']} session(s); by message:")
    for g in s["error_groups"][:6]:
        f = g["first"]
        change = f" ({f['change']})" if f["change"] else ""
        print(f"  {g['count']} x in {g['sessions']} session(s): {g['message']}")
        print(
            f"      first: session {f['session']}, opened {f['opened']}; "
            f"on its {f['kind']}{change} at {f['link']}"
        )
    if len(s["error_groups"]) > 6:
        print(f"  ... and {len(s['error_groups']) - 6} more messages")
    print(
        f"server RSS ({s['rss_processes']} process(es)): start {_mb(s['rss_start_mb'])}, "
        f"end {_mb(s['rss_end_mb'])}, peak {_mb(s['rss_peak_mb'])}"
    )
    if s.get("server_cpu_s") is not None and s["reruns"]:
        busy = s["server_cpu_s"] / s["window_s"] if s["window_s"] else 0
        print(
            f"server CPU: {s['server_cpu_s']:.1f} s ({s['server_cpu_s'] / s['reruns']:.2f} s "
            f"a rerun; {busy:.2f} cores busy on average)"
        )
    if s.get("rss_after_first_visit_mb") is not None:
        grown = s["rss_end_mb"] - s["rss_after_first_visit_mb"]
        print(
            f"  after the first visit {_mb(s['rss_after_first_visit_mb'])}; grew "
            f"{grown:.0f} MB over {s['reruns'] - 1} distinct reruns"
        )
    if s.get("workers_seen"):
        print(f"sessions per worker: {s['workers_seen']}")


async def main_async(args: argparse.Namespace) -> dict:
    opts = Options(
        url=args.url,
        sessions=args.sessions,
        changes=args.changes,
        think=tuple(args.think),
        ramp=args.ramp,
        timeout=args.timeout,
        rerun_timeout=args.rerun_timeout,
        seed=args.seed,
        pages=args.pages.split(",") if args.pages else None,
        reach=args.reach,
    )
    pids = [args.server_pid] if args.server_pid else await worker_pids(args.url, args.workers)
    sampler = Sampler(pids)
    result: dict = {}
    if args.warmup:
        warm = await warm_up(opts, max(1, len(pids)) * args.warmup)
        result["warmup"] = summarize(warm, len(warm), {})
    start, cpu_start = sampler.now(), cpu_seconds(pids)
    sampler.start()
    try:
        if args.reruns:
            opts.sessions = 1
            log, extra = await many_reruns(opts, args.reruns, sampler)
            workers: list[str] = []
        else:
            log, workers = await burst(opts)
            extra = {}
    finally:
        await sampler.stop()
    end, cpu_end = sampler.now(), cpu_seconds(pids)
    rss = {
        "rss_processes": len(with_children(pids)),
        "rss_start_mb": start,
        "rss_end_mb": end,
        "rss_peak_mb": sampler.peak,
        "server_cpu_s": None if None in (cpu_start, cpu_end) else cpu_end - cpu_start,
        **extra,
    }
    summary = summarize(log, opts.sessions, rss)
    seen = {w: workers.count(w) for w in sorted(set(workers)) if w}
    if seen:
        summary["workers_seen"] = seen
    return {**result, **summary, "log": sorted(log, key=lambda r: (r.session, r.sent))}


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Load test over Streamlit's websocket (loopback only).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running app, e.g. http://127.0.0.1:8501")
    where.add_argument(
        "--fresh-server",
        action="store_true",
        help="start `streamlit run serve.py` on a free loopback port; stop it after",
    )
    parser.add_argument(
        "--app-dir", default=str(ROOT), help="with --fresh-server: the app's folder (a snapshot)"
    )
    parser.add_argument("--sessions", type=int, default=30, help="simulated visitors")
    parser.add_argument("--changes", type=int, default=5, help="changes per visitor")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=[1.0, 3.0],
        metavar=("MIN", "MAX"),
        help="seconds between changes (uniform)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=0.0,
        help="spread the sessions' starts over this many seconds (0: a burst)",
    )
    parser.add_argument(
        "--timeout", type=float, help="bound on the whole run, s (default 300; 900 with --reruns)"
    )
    parser.add_argument("--rerun-timeout", type=float, default=60.0, help="bound on one rerun")
    parser.add_argument("--pages", help="first visits only to these pages, e.g. playground")
    parser.add_argument(
        "--reruns",
        type=int,
        default=0,
        help="instead: one session making this many distinct reruns (memory)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        metavar="K",
        help="first visit every page K times per worker before measuring",
    )
    parser.add_argument(
        "--workers",
        metavar="auto|PORT,...",
        help="report the summed RSS of these workers (auto: ask serve-room.sh)",
    )
    parser.add_argument(
        "--reach", type=float, default=1.0,
        help="share of visitors whose pointer reaches into the charts (they then ask for "
        "the sets a chart sends only when asked: the pad, the starts, a map's paths, every β)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print every rerun")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    args.server_pid = None
    if args.timeout is None:
        args.timeout = 900.0 if args.reruns else 300.0

    server = None
    if args.fresh_server:
        log_path = Path(tempfile.gettempdir()) / f"load-streamlit-{os.getpid()}.log"
        server, args.url = start_server(Path(args.app_dir), log_path)
        args.server_pid = server.pid
        print(f"started {args.url} (pid {server.pid}, log {log_path})")
    else:
        try:
            check_loopback(args.url)
        except ValueError as e:
            parser.error(str(e))
    try:
        summary = asyncio.run(main_async(args))
    finally:
        if server is not None:
            stop_server(server)
    if "warmup" in summary:
        w = summary["warmup"]
        print(f"warm-up: {w['reruns']} first visits, {w['errors']} errors")
        for g in w["error_groups"][:5]:
            print(f"  {g['count']} x {g['message']} (first at {g['first']['link']})")
    if args.verbose:
        for r in summary.pop("log"):
            took = "unfinished" if r.latency is None else f"{r.latency:.3f} s"
            print(
                f"[{r.session}] {r.kind:11} {took:>10}  {r.link}  {r.change}  "
                f"warnings={len(r.warnings)} {r.exceptions + r.errors}"
            )
    summary.pop("log", None)
    print_report(summary)
    if args.json:
        print(json.dumps(summary))
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
