"""Computations that stop when their asker leaves, and a gate that shares the cores fairly."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from momentum_core import engine, get_objective, jobs, make_optimizer, run_batch
from momentum_core import runner as runner_module


def gone_after(checks: int):
    """A ``gone`` that says the owner left from its ``checks``-th look on, and counts."""
    looks = []

    def gone() -> bool:
        looks.append(1)
        return len(looks) >= checks

    return gone, looks


def start_grid_run(loop: str):
    obj = get_objective("rosenbrock")
    starts = np.random.default_rng(0).uniform(-2, 2, (400, 2))
    return lambda: run_batch(obj, make_optimizer("momentum", 1e-3, 0.9), starts, 2000, loop=loop)


def test_checkpoint_outside_a_job_does_nothing():
    assert jobs.current() is None
    jobs.checkpoint()
    result = start_grid_run("numpy")()
    assert result.num_steps == 2000


@pytest.mark.parametrize("loop", ["numpy", "compiled"])
def test_a_cancelled_run_stops_at_its_next_chunk(loop, monkeypatch):
    if loop == "compiled":
        assert engine.warm(wait=True) is not None, engine.failure()
    monkeypatch.setattr(runner_module, "CHECK_WORK", 400 * 100)  # 100 steps a chunk
    gone, looks = gone_after(3)
    with pytest.raises(jobs.Cancelled), jobs.Gate(1).slot("visitor", gone):
        start_grid_run(loop)()
    # it stopped at the third look (of 8 chunks compiled, 2000 / 256 numpy): no chunk
    # ran after the owner was gone, and nothing of it goes on behind
    assert len(looks) == 3


def test_a_run_whose_owner_stays_finishes_with_the_same_numbers(monkeypatch):
    monkeypatch.setattr(runner_module, "CHECK_WORK", 400 * 100)
    alone = start_grid_run("numpy")()
    gone, looks = gone_after(10**9)
    with jobs.Gate(1).slot("visitor", gone):
        watched = start_grid_run("numpy")()
    assert len(looks) > 3
    np.testing.assert_array_equal(alone.positions, watched.positions)


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_waiting_owner_takes_the_slot_at_the_next_checkpoint():
    gate, events = jobs.Gate(1, quantum=0.0, poll=0.01), []
    a_in, a_go = threading.Event(), threading.Event()

    def long_job():
        with gate.slot("a"):
            events.append("a in")
            a_in.set()
            a_go.wait(10)
            jobs.checkpoint()  # b waits: a gives its slot and queues behind b
            events.append("a back")

    def short_job():
        with gate.slot("b"):
            events.append("b in")
        events.append("b out")

    a = threading.Thread(target=long_job)
    a.start()
    a_in.wait(10)
    b = threading.Thread(target=short_job)
    b.start()
    wait_until(lambda: gate.waiting() == ["b"])
    assert events == ["a in"]  # one slot: b waits while a computes
    a_go.set()
    a.join(10)
    b.join(10)
    assert events == ["a in", "b in", "b out", "a back"]
    assert gate.running() == {} and gate.waiting() == []


def test_an_owner_computing_less_goes_first():
    gate, order = jobs.Gate(2, poll=0.01), []
    release = {name: threading.Event() for name in ("a", "c")}

    def job(owner: str, hold: threading.Event | None = None):
        with gate.slot(owner):
            order.append(owner)
            if hold is not None:
                hold.wait(10)

    threads = [threading.Thread(target=job, args=(o, release[o])) for o in ("a", "c")]
    for t in threads:
        t.start()
    wait_until(lambda: gate.running() == {"a": 1, "c": 1})
    for owner in ("a", "b"):  # a's second request asks first, then b's first
        threads.append(threading.Thread(target=job, args=(owner,)))
        threads[-1].start()
        wait_until(lambda owner=owner: gate.waiting()[-1:] == [owner])
    release["c"].set()  # one slot frees: b, computing nothing, goes before a's second
    wait_until(lambda: len(order) >= 3)
    release["a"].set()
    for t in threads:
        t.join(10)
    assert order[2:] == ["b", "a"]


def test_a_short_computation_is_not_interrupted():
    gate, events = jobs.Gate(1, quantum=60.0, poll=0.01), []
    a_in, a_go = threading.Event(), threading.Event()

    def long_job():
        with gate.slot("a"):
            a_in.set()
            a_go.wait(10)
            jobs.checkpoint()  # b waits, but a has held its slot for less than a quantum
            events.append("a done")

    def other():
        with gate.slot("b"):
            events.append("b in")

    a = threading.Thread(target=long_job)
    a.start()
    a_in.wait(10)
    b = threading.Thread(target=other)
    b.start()
    wait_until(lambda: gate.waiting() == ["b"])
    a_go.set()
    a.join(10)
    b.join(10)
    assert events == ["a done", "b in"]


def test_an_owner_who_leaves_while_waiting_never_takes_a_slot():
    gate = jobs.Gate(1, poll=0.01)
    release, left, ran = threading.Event(), threading.Event(), []

    def holder():
        with gate.slot("a"):
            release.wait(10)

    def leaver():
        try:
            with gate.slot("b", gone=left.is_set):
                ran.append("b")
        except jobs.Cancelled:
            ran.append("cancelled")

    h, w = threading.Thread(target=holder), threading.Thread(target=leaver)
    h.start()
    wait_until(lambda: gate.running() == {"a": 1})
    w.start()
    wait_until(lambda: gate.waiting() == ["b"])
    left.set()
    w.join(10)
    assert ran == ["cancelled"] and gate.waiting() == []
    release.set()
    h.join(10)
    assert gate.running() == {}
