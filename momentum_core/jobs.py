"""Computations that stop when their asker leaves, and cores shared fairly between askers.

A computation runs on behalf of one *owner* (for the app, a visitor's session). The loops
of the core call :func:`checkpoint` between chunks of their work (tens of milliseconds
each). There, a computation whose :class:`Job` says its owner is gone stops with
:class:`Cancelled`, and, under a :class:`Gate`, a computation gives its slot to a waiting
owner's and queues again behind it: with as many slots as cores, each owner gets at most
an equal share of the cores, whatever the size or the number of their requests.

Outside a job (the command line, the tests) :func:`checkpoint` does nothing.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


class Cancelled(Exception):
    """The computation's owner left: nobody is waiting for its result."""


def _never() -> bool:
    return False


@dataclass
class Job:
    """One computation: whose it is, how to tell that they left, and the gate it holds a
    slot of (None: it holds none)."""

    owner: str
    gone: Callable[[], bool] = _never
    gate: Gate | None = None
    since: float = 0.0  # when it last took a slot (time.monotonic)


_current: ContextVar[Job | None] = ContextVar("momentum_job", default=None)


def current() -> Job | None:
    """The job this thread computes for, or None."""
    return _current.get()


def checkpoint() -> None:
    """Between two chunks of work: stop if the owner left; give the slot to a waiting
    owner if there is one (and wait for it back)."""
    job = _current.get()
    if job is None:
        return
    if job.gone():
        raise Cancelled(f"{job.owner} left")
    if job.gate is not None:
        job.gate.yield_to_others(job)


class Gate:
    """At most ``slots`` computations at once, served fairly: of the waiting ones, those
    of the owners computing the least go first, and of them the first to ask; at a
    :func:`checkpoint`, a computation that has held its slot for ``quantum`` seconds gives
    it up to a waiting owner who computes less, and queues again. A short computation
    (most of them) so runs to its end, and a long one shares its core with the others.

    Args:
        slots: Computations at once (the cores they share).
        quantum: Seconds a computation holds its slot before it gives way.
        poll: Seconds between two looks, while waiting, at whether the owner left.
    """

    def __init__(self, slots: int, quantum: float = 0.25, poll: float = 0.1) -> None:
        self.slots = max(1, slots)
        self.quantum = quantum
        self.poll = poll
        self._cond = threading.Condition()
        self._running: dict[str, int] = {}
        self._waiting: list[tuple[int, str]] = []  # (ticket, owner), in order of asking
        self._tickets = itertools.count()

    def running(self) -> dict[str, int]:
        """Computations under way, by owner (a copy)."""
        with self._cond:
            return dict(self._running)

    def waiting(self) -> list[str]:
        """Owners waiting for a slot, first first."""
        with self._cond:
            return [owner for _, owner in self._waiting]

    def _turn(self, ticket: int) -> bool:
        """Whether ``ticket`` may take a slot now: one is free, and of the waiting tickets
        it comes first by :meth:`_rank`."""
        if sum(self._running.values()) >= self.slots:
            return False
        return min(self._waiting, key=self._rank)[0] == ticket

    def _rank(self, waiting: tuple[int, str]) -> tuple[int, int]:
        """A waiting ticket's place: its owner's computations under way, then the ticket."""
        ticket, owner = waiting
        return self._running.get(owner, 0), ticket

    def _enter(self, job: Job) -> None:
        with self._cond:
            ticket = next(self._tickets)
            self._waiting.append((ticket, job.owner))
            try:
                while not self._turn(ticket):
                    if job.gone():
                        raise Cancelled(f"{job.owner} left while waiting")
                    self._cond.wait(self.poll)
            finally:
                self._waiting.remove((ticket, job.owner))
                self._cond.notify_all()
            self._running[job.owner] = self._running.get(job.owner, 0) + 1
            job.since = time.monotonic()

    def _leave(self, job: Job) -> None:
        with self._cond:
            left = self._running[job.owner] - 1
            if left:
                self._running[job.owner] = left
            else:
                del self._running[job.owner]
            self._cond.notify_all()

    def yield_to_others(self, job: Job) -> None:
        """Once ``job`` has held its slot for :attr:`quantum`: give it to a waiting owner
        who computes less than its own, if any, and queue again behind them."""
        if time.monotonic() - job.since < self.quantum:
            return
        with self._cond:
            mine = self._running.get(job.owner, 0)
            if not any(self._running.get(o, 0) < mine for _, o in self._waiting):
                return
        self._leave(job)
        self._enter(job)

    @contextmanager
    def slot(self, owner: str, gone: Callable[[], bool] = _never) -> Iterator[Job]:
        """Run the block as a job of ``owner`` holding a slot (waiting for one first); its
        :func:`checkpoint` calls stop it once ``gone()`` says so."""
        job = Job(owner, gone, self)
        self._enter(job)
        token = _current.set(job)
        try:
            yield job
        finally:
            _current.reset(token)
            self._leave(job)
