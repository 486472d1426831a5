"""The pages' heavy results, computed in the visitor's own thread: fairly, and only while
somebody waits for them.

Streamlit runs every visitor's script in a thread of one process. The core's loops and the
race's packing are compiled with the GIL released (``momentum_core.kernels``), so the
threads of visitors computing at once share the machine's cores; measured in a room of 30
(``benchmarks/load.py``, docs/benchmarks.md), this beat a pool of processes, which is gone.

Each heavy result (a race's sets of runs, a sweep's rows, basin maps, the theory pad, the
model's race) runs as a job of its visitor's session under one :class:`~momentum_core.jobs.Gate`
with a slot per core: of the waiting visitors, those computing the least go first, and a
computation that has held its core for a quarter of a second gives it up at its next chunk
to a waiting visitor who computes less (a fair share, whatever the number or size of their
requests; the short ones, most of them, run to their end). A visitor who leaves (their
session closes) stops their job at its next chunk, or gives up their place in the queue.
The caches in ``cache.py`` stay where they were: a result is computed once per setting for
every visitor.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from momentum_core import jobs

T = TypeVar("T")

#: One slot per core: as many visitors compute at once as there are cores.
GATE = jobs.Gate(os.cpu_count() or 1)


def _asker() -> tuple[str, Callable[[], bool]]:
    """This thread's visitor (their session's id; "" outside a session) and a test of
    whether they left."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not runtime.exists():
        return "", lambda: False
    session, server = ctx.session_id, runtime.get_instance()
    return session, lambda: not server.is_active_session(session)


def compute(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` as a job of this thread's visitor, holding a slot of :data:`GATE`
    (inside another job: as part of it). Raises :class:`~momentum_core.jobs.Cancelled`
    if the visitor leaves first."""
    if jobs.current() is not None:
        return fn(*args)
    owner, gone = _asker()
    with GATE.slot(owner, gone):
        return fn(*args)


#: Threads for :func:`ahead`: a few, since each waits for a slot of :data:`GATE` anyway.
_AHEAD = ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1), thread_name_prefix="ahead")


def ahead(fn: Callable[..., T], *args: Any) -> Future:
    """``fn(*args)`` set off now in a thread of its own, as another job of this thread's
    visitor (it waits for a slot of :data:`GATE` as any job does, behind the visitors who
    compute less, and stops if the visitor leaves): a result the page needs after the one
    it computes now, on another core meanwhile when one is free. Whoever takes the result
    should first try ``future.cancel()``: a job still queued for a thread is then
    computed where it is needed instead of waiting behind other visitors' turns."""
    owner, gone = _asker()

    def job() -> T:
        with GATE.slot(owner, gone):
            return fn(*args)

    return _AHEAD.submit(job)


class SetOff:
    """Results set off ahead (:func:`ahead`), by key, each taken once where the page needs it.

    :meth:`set_off` starts ``fn(*args)`` as another job of this visitor, unless it is under
    way or this process took it already (a cache holds it then); :meth:`take` returns the
    one set off (waited for if it started; still queued, it is cancelled and computed here,
    instead of behind other visitors' turns), else computes it (:func:`compute`). At most
    ``waiting`` results wait to be taken (beyond them, finished ones whose visitors left are
    dropped); the last ``remembered`` keys taken are remembered.
    """

    def __init__(self, waiting: int = 16, remembered: int = 64) -> None:
        self.waiting, self.remembered = waiting, remembered
        self._futures: dict[Hashable, Future] = {}
        self._taken: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()

    def set_off(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            if key in self._futures or key in self._taken:
                return
            if len(self._futures) >= self.waiting:
                for done in [k for k, f in self._futures.items() if f.done()]:
                    del self._futures[done]
            self._futures[key] = ahead(fn, *args)

    def take(self, key: Hashable, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            future = self._futures.pop(key, None)
        result = missing = object()
        if future is not None and not future.cancel():  # started: wait for it, not again
            with contextlib.suppress(Exception):  # its visitor left (or it failed): here, then
                result = future.result()
        if result is missing:
            result = compute(fn, *args)
        with self._lock:
            self._taken[key] = None
            while len(self._taken) > self.remembered:
                self._taken.popitem(last=False)
        return result  # type: ignore[return-value]

    def clear(self) -> None:
        """Forget every result set off and taken (a benchmark's cold start)."""
        with self._lock:
            self._futures.clear()
            self._taken.clear()
