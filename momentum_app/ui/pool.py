"""A pool of compute processes beside the Streamlit server, for the pages' heavy results.

Streamlit runs every visitor's script in a thread of one process, and the core's batched
runs hold Python's GIL for most of their time (numpy calls on arrays of a few thousand
numbers): two visitors computing at once share one core, whatever the machine has. The
heavy results (a race's sets of runs, a sweep's rows, basin maps, the theory pad) are
computed in separate processes, so that the server's own threads keep answering
and the machine's cores all work. The caches in ``cache.py`` stay where they were: a
result is computed once per setting for every visitor, in the pool instead of the server.

``MOMENTUM_POOL`` sets the number of processes: unset, one per core (at most
:data:`MAX_PROCESSES`); ``0`` computes everything in the server's process (the tests do,
so that what they patch is what runs). The processes start with the first heavy result
("spawn": a fork of a server with threads could inherit a lock held by another thread),
all at once, and leave with the server (or within a second of it being killed). A pool
that breaks (a process killed) gives way to a new one and the result is computed here;
after :data:`MAX_FAILURES` broken pools, everything is.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from momentum_core import engine

T = TypeVar("T")

ENV = "MOMENTUM_POOL"
#: Processes at most, whatever the core count (each holds ~120 MB of modules and arrays).
MAX_PROCESSES = 4
#: After this many pools that broke or could not start, everything is computed here.
MAX_FAILURES = 3

_lock = threading.Lock()
_pool: cf.ProcessPoolExecutor | None = None
_failures = 0


def size() -> int:
    """The pool's processes: ``$MOMENTUM_POOL``, else one per core (0: no pool)."""
    raw = os.environ.get(ENV, "").strip()
    if raw.isdigit():
        return min(int(raw), MAX_PROCESSES)
    return min(os.cpu_count() or 1, MAX_PROCESSES)


def _watch(parent: int) -> None:
    """In a pool process: exit once the server is gone (killed, it cannot say so)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _warm(parent: int) -> None:
    """Each process watches its server, starts loading the compiled loop and imports the
    pages' modules, before its first task."""
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    engine.warm()  # the compiled loop loads in the background; numpy answers meanwhile
    import momentum_app.race.runs
    import momentum_app.studies.basin_figures
    import momentum_app.studies.sweep_figures
    import momentum_app.studies.theory_view  # noqa: F401


def _launch() -> cf.ProcessPoolExecutor | None:
    """A pool with every process started, or None if they could not start.

    A spawned process re-imports the server's ``__main__`` from its file, the app's entry
    script, under the name ``__mp_main__``; app.py does nothing under that name.
    """
    context = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(size(), mp_context=context, initializer=_warm,
                                  initargs=(os.getpid(),))  # fmt: skip
    # A spawn-context pool starts a process when a task finds none idle: as many tasks at
    # once as processes start them all now (~2 s), not one by one under load later.
    tasks = [pool.submit(time.sleep, 0.2) for _ in range(size())]
    if all(task.exception() is None for task in tasks):
        return pool
    pool.shutdown(wait=False, cancel_futures=True)
    return None


def start() -> bool:
    """Start the pool unless it runs (the first heavy result waits for it, the others
    meanwhile wait for this lock); whether it runs."""
    global _pool, _failures
    with _lock:
        if _pool is None and _failures < MAX_FAILURES and size() > 0:
            _pool = _launch()
            _failures += _pool is None
        return _pool is not None


def _reset(broken: cf.ProcessPoolExecutor) -> None:
    global _pool, _failures
    with _lock:
        if _pool is broken:
            _pool = None
            _failures += 1
    broken.shutdown(wait=False, cancel_futures=True)


def compute(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a pool process (``fn`` a module-level function, its arguments and
    result picklable), or here without a pool; an exception in ``fn`` is raised here."""
    pool = _pool if start() else None
    if pool is None:
        return fn(*args)
    try:
        return pool.submit(fn, *args).result()
    except cf.process.BrokenProcessPool:
        _reset(pool)  # a process died (killed, out of memory): the next call starts anew
        return fn(*args)


def shutdown() -> None:
    """Stop the pool's processes (at the server's exit; the tests start anew after it)."""
    global _pool, _failures
    with _lock:
        pool, _pool, _failures = _pool, None, 0
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


atexit.register(shutdown)
