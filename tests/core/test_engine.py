"""Which loop answers while the compiled one loads (momentum_core.engine)."""

from __future__ import annotations

import threading
import time

import pytest

from momentum_core import engine


@pytest.fixture
def loading(monkeypatch):
    """A load under way in the background that finishes after ``delay`` seconds."""
    monkeypatch.delenv("MOMENTUM_ENGINE", raising=False)
    state: dict = {}
    monkeypatch.setattr(engine, "_loaded", state)
    module = object()

    def start(delay: float, on_disk: bool):
        def load():
            time.sleep(delay)
            state["module"] = module

        state["thread"] = thread = threading.Thread(target=load, daemon=True)
        monkeypatch.setattr(engine, "_on_disk", lambda: on_disk)
        thread.start()
        return module

    yield start
    if "thread" in state:
        state["thread"].join()


def test_a_run_waits_for_machine_code_that_is_on_disk(loading):
    module = loading(0.3, on_disk=True)
    assert engine.compiled() is module


def test_without_machine_code_on_disk_numpy_answers_while_it_compiles(loading):
    loading(0.3, on_disk=False)
    assert engine.compiled() is None


def test_the_wait_for_the_disk_cache_is_bounded(loading, monkeypatch):
    monkeypatch.setattr(engine, "LOAD_WAIT", 0.05)
    loading(1.0, on_disk=True)
    assert engine.compiled() is None  # it gave up waiting: numpy answers


def test_numpy_answers_when_asked_for_even_once_the_compiled_loop_is_loaded(loading, monkeypatch):
    """MOMENTUM_ENGINE=numpy set after the loop loaded (the benchmarks and tests time and
    compare numpy's loop that way) is obeyed, not overridden by the wait for the disk."""
    module = loading(0.0, on_disk=True)
    assert engine.compiled() is module
    monkeypatch.setenv("MOMENTUM_ENGINE", "numpy")
    assert engine.compiled() is None and engine.for_loop(False) is None


def test_the_cache_check_names_the_loaded_functions(tmp_path):
    source = tmp_path / "kernels.py"
    source.write_text("")
    assert not engine.in_cache(source, ("advance",))
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "kernels.advance-12.py311.nbi").write_text("")
    assert engine.in_cache(source, ("advance",))
    assert not engine.in_cache(source, ("advance", "packed"))


def test_compiles_started_together_run_one_after_the_other(tmp_path):
    """Children that compile for the same cache take turns (the lock), so servers started
    together on a fresh install compile once, not each at once."""
    log = tmp_path / "log.txt"
    code = (
        f"import os, time; f = open({str(log)!r}, 'a'); me = str(os.getpid());"
        " f.write('in ' + me + ' '); f.flush(); time.sleep(0.3);"
        " f.write('out ' + me + ' '); f.flush()"
    )
    lock = tmp_path / "cache" / "x.compile.lock"
    children = [threading.Thread(target=engine.compile_elsewhere, args=(code, lock))
                for _ in range(3)]  # fmt: skip
    for child in children:
        child.start()
    for child in children:
        child.join()
    lines = log.read_text().split()
    kinds, pids = lines[0::2], lines[1::2]
    assert kinds == ["in", "out"] * 3, lines  # never two inside at once
    assert pids[0::2] == pids[1::2] and len(set(pids)) == 3
