"""The pages' heavy results in the visitor's thread: the same bytes, a slot of the gate
each, and stopped when the visitor's session is gone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from momentum_app.config.links import defaults
from momentum_app.config.settings import MinimaSettings, RaceSettings
from momentum_app.race import runs
from momentum_app.studies import basin_figures
from momentum_app.ui import compute
from momentum_core import jobs
from momentum_core import runner as runner_module
from tests.app.harness import set_off_at_once


@pytest.fixture
def session(monkeypatch):
    """A script thread of session "s1" on a server that says whether it is still active."""
    active = {"s1": True}
    server = SimpleNamespace(is_active_session=lambda sid: active.get(sid, False))
    ctx = SimpleNamespace(session_id="s1")
    monkeypatch.setattr(compute, "get_script_run_ctx", lambda suppress_warning=False: ctx)
    monkeypatch.setattr(compute.runtime, "exists", lambda: True)
    monkeypatch.setattr(compute.runtime, "get_instance", lambda: server)
    return active


def test_outside_a_session_it_computes_as_a_call_would():
    s = defaults(RaceSettings)
    assert compute.compute(runs.line_part, s) == runs.line_part(s)
    assert compute.GATE.running() == {}


def test_a_result_is_computed_as_a_job_of_the_visitor(session):
    seen = []

    def who() -> str:
        seen.append(jobs.current().owner)
        return compute.compute(len, "nested")  # inside a job: part of it, no second slot

    assert compute.compute(who) == len("nested") and seen == ["s1"]
    assert compute.GATE.running() == {}


def test_a_visitor_who_leaves_stops_their_computation(session, monkeypatch):
    monkeypatch.setattr(runner_module, "CHECK_WORK", 10_000)  # a look every few steps
    s = defaults(RaceSettings)
    chunks = []

    def leave_at_the_third_chunk():
        chunks.append(1)
        if len(chunks) == 3:
            session["s1"] = False  # the browser tab closed
        real_checkpoint()

    real_checkpoint = jobs.checkpoint
    monkeypatch.setattr(runner_module.jobs, "checkpoint", leave_at_the_third_chunk)
    with pytest.raises(jobs.Cancelled):
        compute.compute(runs.start_part, s)
    assert len(chunks) == 3  # nothing ran after it left
    assert compute.GATE.running() == {}  # and its slot is free


def test_a_visitor_who_leaves_stops_the_local_minima_maps_job(session, monkeypatch):
    """The page's basin maps at every β are one job: it still stops between two chunks
    of its runs once the visitor is gone."""
    monkeypatch.setattr(runner_module, "CHECK_WORK", 10_000)
    monkeypatch.setattr(runner_module, "CHECK_POINTS", 10_000)
    s = defaults(MinimaSettings)
    chunks = []

    def leave_at_the_third_chunk():
        chunks.append(1)
        if len(chunks) == 3:
            session["s1"] = False
        real_checkpoint()

    real_checkpoint = jobs.checkpoint
    monkeypatch.setattr(runner_module.jobs, "checkpoint", leave_at_the_third_chunk)
    with pytest.raises(jobs.Cancelled):
        compute.compute(basin_figures.basin_maps_at, s, basin_figures.SCRUB_MOMENTA)
    assert len(chunks) == 3
    assert compute.GATE.running() == {}


def test_a_result_set_off_ahead_is_another_job_of_the_visitor(session):
    seen = []

    def who(x: int) -> int:
        seen.append(jobs.current().owner)
        return x + 1

    assert compute.ahead(who, 41).result(timeout=30) == 42 and seen == ["s1"]


def test_a_result_set_off_ahead_stops_when_the_visitor_leaves(session, monkeypatch):
    monkeypatch.setattr(runner_module, "CHECK_WORK", 10_000)
    monkeypatch.setattr(runner_module, "CHECK_POINTS", 10_000)
    session["s1"] = False  # gone before its job's first chunk
    future = compute.ahead(basin_figures.success_study, defaults(MinimaSettings))
    with pytest.raises(jobs.Cancelled):
        future.result(timeout=60)
    assert compute.GATE.running() == {}


def test_a_grid_of_starts_set_off_ahead_is_taken_by_its_feed_not_run_again(monkeypatch):
    """A visitor whose chart asked for the grid of starts has it set off on the other core
    as the page starts (compute.ahead); the feed at the page's end takes that one, and the
    same grid is not set off again."""
    from dataclasses import replace

    from momentum_app.ui import cache

    set_off, real = set_off_at_once(monkeypatch), runs.start_part
    computed = []
    monkeypatch.setattr(runs, "start_part", lambda s: computed.append(s) or real(s))
    s = replace(defaults(RaceSettings), steps=61)
    cache.part_ahead(s, {"pad", "start"})
    assert set_off == [(runs.start_key(s),)] and len(computed) == 1
    data = cache.race_parts(s, {"start"})["start"]
    assert len(computed) == 1  # the one set off, taken
    assert data == real(runs.start_key(s))
    cache.part_ahead(replace(s, start=(0.5, 0.5)), {"start"})  # the same grid: not its start
    assert len(set_off) == 1 and len(computed) == 1


def test_a_visitor_who_asked_for_the_pad_only_has_the_pad_set_off(monkeypatch):
    from dataclasses import replace

    from momentum_app.ui import cache

    set_off, real = set_off_at_once(monkeypatch), runs.pad_part
    computed = []
    monkeypatch.setattr(runs, "pad_part", lambda s: computed.append(s) or real(s))
    s = replace(defaults(RaceSettings), steps=59)
    cache.part_ahead(s, {"alpha"})  # the α line goes with every race: nothing ahead
    assert set_off == []
    cache.part_ahead(s, {"pad"})
    assert set_off == [(runs.pad_key(s),)]
    assert cache.race_parts(s, {"pad"})["pad"] == real(runs.pad_key(s))
    assert len(computed) == 1
