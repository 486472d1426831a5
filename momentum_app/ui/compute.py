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

import os
from collections.abc import Callable
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
