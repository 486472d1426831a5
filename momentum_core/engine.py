"""Which loop answers: the compiled one once it is loaded, numpy's until then.

Importing numba and loading the compiled loop from its disk cache takes about a second,
compiling it on a fresh install several. :func:`warm` does either in a background thread
(``serve.py`` calls it as the server starts). Until :func:`compiled` has the module, the
runners answer with numpy, but for a second or two when the machine code is on disk: a
run then waits for the load (:data:`LOAD_WAIT` at most), which costs less than numpy's
answer, and under a burst of first visits far less. Both give the same numbers: the tests
hold them to each other bit for bit.

Compiling runs in a child process (numba's compiler is Python, and would hold the
server's GIL for seconds), which leaves the machine code in numba's disk cache; the
server then loads it from there.

``MOMENTUM_ENGINE=numpy`` turns the compiled loop off (``compiled`` then says None), and
``MOMENTUM_ENGINE=compiled`` makes the first run wait for it instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType

_lock = threading.Lock()
_loaded: dict[str, object] = {}
#: The folder that holds the package, for child processes that import it.
_ROOT = str(Path(__file__).resolve().parents[1])


def in_cache(source: Path, functions: tuple[str, ...]) -> bool:
    """Whether numba's disk cache has an index for each of ``functions`` of the module
    file ``source`` (loading them then costs a fraction of a second, and no child; an
    index that a later edit made stale is compiled here, once)."""
    cache = source.parent / "__pycache__"
    return all(any(cache.glob(f"{source.stem}.{name}-*.nbi")) for name in functions)


def compile_elsewhere(code: str, lock: Path, timeout: float = 600.0) -> None:
    """Run ``code`` in a child Python (with this package importable), whose compiling
    fills numba's disk cache without holding this process's GIL; errors surface later,
    when this process loads what it needed.

    The child first takes an exclusive lock on the file ``lock``, held until it is done:
    servers that start together on a fresh install (or restart while a compile runs; a
    child outlives its server) compile once, one after another, the later ones loading
    what the first left in the cache, instead of each compiling at once (19 such children
    were once found starving each other on 2 cores)."""
    path = os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH", "")]))
    lock.parent.mkdir(parents=True, exist_ok=True)
    locked = (f"import fcntl; _lock = open({str(lock)!r}, 'a'); "
              f"fcntl.flock(_lock, fcntl.LOCK_EX); {code}")  # fmt: skip
    # At a low priority: visitors come first, the compiler takes what they leave.
    nice = ["nice", "-n", "15"] if shutil.which("nice") else []
    subprocess.run([*nice, sys.executable, "-c", locked], env={**os.environ, "PYTHONPATH": path},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                   check=False)  # fmt: skip


#: The compiled loop's module, and the functions of it that the server loads at start.
_SOURCE = Path(__file__).with_name("kernels.py")
_FUNCTIONS = ("advance", "evaluate", "replay", "packed", "train", "net_losses")
#: At most this long, in seconds, a run waits for the compiled loop to load from the disk
#: cache (about a second on a quiet machine) rather than answer with numpy.
LOAD_WAIT = 3.0


def _load() -> None:
    try:
        if not _on_disk():
            compile_elsewhere(
                "from momentum_core import kernels; kernels.warm_up()",
                _SOURCE.parent / "__pycache__" / "kernels.compile.lock",
            )
        from momentum_core import kernels

        kernels.warm_up()
        _loaded["module"] = kernels
    except Exception as err:  # numba missing or broken: numpy answers, and says why
        _loaded["error"] = f"{type(err).__name__}: {err}"


def warm(wait: bool = False) -> ModuleType | None:
    """Load (or compile) the compiled loop in a background thread, once.

    Args:
        wait: Block until it is loaded.

    Returns:
        The compiled module if it is ready (or ``wait``), else None.
    """
    if os.environ.get("MOMENTUM_ENGINE", "") == "numpy":
        return None
    with _lock:
        thread = _loaded.get("thread")
        if thread is None:
            thread = threading.Thread(target=_load, name="momentum-kernels", daemon=True)
            _loaded["thread"] = thread
            thread.start()
    if wait:
        thread.join()
    return _loaded.get("module")  # type: ignore[return-value]


def compiled() -> ModuleType | None:
    """The compiled module if it is loaded, else None (and it starts loading); while it
    loads from the disk cache, it is waited for (:data:`LOAD_WAIT` at most)."""
    if os.environ.get("MOMENTUM_ENGINE", "") == "numpy":  # even once it is loaded
        return None
    module = warm(wait=os.environ.get("MOMENTUM_ENGINE", "") == "compiled")
    thread = _loaded.get("thread")
    if module is None and thread is not None and _on_disk():
        thread.join(timeout=LOAD_WAIT)  # type: ignore[attr-defined]
        module = _loaded.get("module")
    return module  # type: ignore[return-value]


@functools.cache
def _on_disk() -> bool:
    """Whether the compiled loop's machine code was in numba's disk cache (checked once)."""
    return in_cache(_SOURCE, _FUNCTIONS)


def for_loop(forced: bool) -> ModuleType | None:
    """The compiled module for a loop: waited for if ``forced`` (a ValueError if it cannot
    be loaded), else if it is loaded (None meanwhile: numpy answers)."""
    kernels = warm(wait=True) if forced else compiled()
    if kernels is None and forced:
        raise ValueError(f"the compiled loop is not available: {failure()}")
    return kernels


def failure() -> str | None:
    """Why the compiled loop could not be loaded, or None."""
    return _loaded.get("error")  # type: ignore[return-value]
