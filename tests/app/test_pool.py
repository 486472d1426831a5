"""The compute pool beside the server: the same results as in the server's process, errors
raised where they were asked for, a killed process replaced, nothing left behind."""

from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from momentum_app.config.links import defaults
from momentum_app.config.settings import MinimaSettings, RaceSettings
from momentum_app.race import runs
from momentum_app.studies import basin_figures
from momentum_app.ui import pool

ROOT = Path(__file__).parents[2]


@pytest.fixture
def one_process(monkeypatch):
    monkeypatch.setenv(pool.ENV, "1")
    pool.shutdown()
    yield
    pool.shutdown()


def die_unless_in(parent: int) -> str:
    """Kill the process it runs in, unless that is ``parent``."""
    if os.getpid() != parent:
        os._exit(3)
    return "computed here"


def where() -> int:
    return os.getpid()


def test_the_pool_computes_what_the_server_would(one_process):
    s = defaults(RaceSettings)
    assert pool.start()
    assert pool.compute(where) != os.getpid()  # it is another process
    assert pool.compute(runs.start_part, s) == runs.start_part(s)  # the same bytes
    m = defaults(MinimaSettings)
    got, want = pool.compute(basin_figures.basin_map_at, m, 0.5), basin_figures.basin_map_at(m, 0.5)
    assert np.array_equal(got.ended, want.ended) and np.array_equal(got.counts, want.counts)


def test_an_error_in_the_pool_is_raised_where_it_was_asked_for(one_process):
    assert pool.start()
    with pytest.raises(ValueError, match="math domain error"):
        pool.compute(__import__("math").sqrt, -1.0)


def test_a_killed_process_gives_way_to_a_new_pool(one_process):
    assert pool.start()
    first = pool.compute(where)
    assert pool.compute(die_unless_in, os.getpid()) == "computed here"  # here, after all
    assert pool.start()
    assert pool.compute(where) not in (first, os.getpid())  # a new process serves


def test_a_pool_that_keeps_breaking_is_given_up(one_process):
    for _ in range(pool.MAX_FAILURES):
        assert pool.start()
        assert pool.compute(die_unless_in, os.getpid()) == "computed here"
    assert not pool.start() and pool.compute(where) == os.getpid()


def test_without_a_pool_everything_is_computed_here(monkeypatch):
    monkeypatch.setenv(pool.ENV, "0")
    pool.shutdown()
    assert not pool.start() and pool.compute(where) == os.getpid()


@pytest.mark.parametrize(("value", "size"), [("0", 0), ("3", 3), ("64", pool.MAX_PROCESSES)])
def test_the_pool_size_comes_from_the_environment(monkeypatch, value, size):
    monkeypatch.setenv(pool.ENV, value)
    assert pool.size() == size
    monkeypatch.setenv(pool.ENV, "lots")
    assert pool.size() == min(os.cpu_count() or 1, pool.MAX_PROCESSES)


def test_the_entry_point_draws_no_page_in_a_pool_process():
    # A spawned process imports the server's __main__, the app's script, under this name.
    assert "st" not in runpy.run_path(str(ROOT / "app.py"), run_name="__mp_main__")


SERVER = """
import os, sys, time
from momentum_app.ui import pool
pool.start()
print(" ".join(str(p.pid) for p in pool._pool._processes.values()), flush=True)
time.sleep(60)
"""


def test_pool_processes_leave_when_their_server_is_killed():
    env = {**os.environ, pool.ENV: "2", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-c", SERVER], env=env, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    children = [int(p) for p in server.stdout.readline().split()]
    assert len(children) == 2
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in children):
        time.sleep(0.2)
    alive = [p for p in children if Path(f"/proc/{p}/stat").exists()
             and Path(f"/proc/{p}/stat").read_text().split()[2] != "Z"]  # fmt: skip
    assert not alive, alive
