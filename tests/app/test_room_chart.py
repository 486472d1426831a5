"""β and pad questions in AppTest: followers pick a β on the slider or a cell of the pad
(the chart's value, as race.js sends it), the presenter's chart gets every guess and the
count, and after the reveal the answer and the room's median. The answer is recomputed
here from the core alone (its runs and its sweep rule), not from the app's scenes code."""

from __future__ import annotations

import json

import numpy as np
import pytest

from momentum_app.race.runs import GRAD_TOLERANCE, TOLERANCE
from momentum_app.talk import scenes
from momentum_core import (
    SweepResult,
    best_cell,
    family_momenta,
    make_optimizer,
    robust_best,
    run_batch,
)
from momentum_core.spaces import pad_momenta, pad_rates
from tests.app.harness import component_args, fresh_room_store, page_at

SCENES = "pages/scenes.py"


def core_answer(name: str) -> tuple[tuple[float, ...], int]:
    """A β or pad question's answer straight from the core: the asked run's optimizer over
    the family's momenta (β) or the pad's rates and momenta, in one batch, and the cell the
    sweep picks (robust best, else best cell). Returns ``(truth, steps)``."""
    scene = scenes.scene_named(name)
    q = scene.question
    run = next(r for r in scene.runs if r.key == q.run)
    obj = scene.objective
    if q.kind == "beta":
        lrs, momenta = np.array([scene.lr]), family_momenta(run.momentum)
    else:
        lrs, momenta = pad_rates(obj, scene.lr), pad_momenta(run.momentum)
    lr, mu = np.meshgrid(lrs, momenta)
    opt = make_optimizer(run.optimizer, lr.ravel(), mu.ravel())
    r = run_batch(obj, opt, scene.start, scene.steps, loss_tol=TOLERANCE,
                  grad_tol=GRAD_TOLERANCE, summary_only=True)  # fmt: skip
    grid = SweepResult(lr, mu, r)
    best = robust_best(grid)
    row, col = (best.row, best.col) if best.row >= 0 else best_cell(grid)
    steps = int(r.tol_step[row * len(lrs) + col])
    truth = (float(momenta[row]),) if q.kind == "beta" else (float(lrs[col]), float(momenta[row]))
    return truth, steps


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    yield from fresh_room_store(tmp_path, monkeypatch)


def races(at) -> list[dict]:
    return component_args(at, "race_component")


def marks(at) -> dict:
    found = [a for a in component_args(at, "race_feed") if "marks" in a]
    assert len(found) == 1, found
    return json.loads(found[0]["marks"])


def pads(at) -> list[dict]:
    """The pad parts that travel with the scene's chart (as JSON)."""
    return [json.loads(p) for a in races(at) for p in a.get("parts", [])]


def guess(at, values: list[float], nonce: int):
    """What race.js sends when a follower picks a β or a cell and presses Send."""
    at.session_state["scene_chart"] = {"guess": values, "nonce": nonce}
    return at.run()


CASES = {
    # scene: three guesses (on the chart's values), and a guess that is none of them
    "pick-beta": ([[0.5], [0.8], [0.95]], [0.505]),
    "pick-alpha-beta": (None, [0.0123, 0.5]),
}


def grid_guesses(name: str) -> list[list[float]]:
    """Three cells of the pad a follower's tap can pick: from the chart's own axes."""
    scene = scenes.scene_named(name)
    run = next(r for r in scene.runs if r.key == scene.question.run)
    lrs, momenta = pad_rates(scene.objective, scene.lr), pad_momenta(run.momentum)
    return [[float(lrs[i]), float(momenta[j])] for i, j in ((3, 2), (20, 10), (30, 18))]


@pytest.mark.parametrize("name", list(CASES))
def test_followers_pick_the_presenter_counts_the_reveal_marks_the_core_answer(store, name):
    kind = scenes.scene_named(name).question.kind
    picks, off_grid = CASES[name]
    picks = picks or grid_guesses(name)
    boss = page_at(SCENES, {"scene": name}, present=True)
    code = boss.session_state["_room"]
    (chart,) = races(boss)
    assert chart["ask"] == "show" and not chart["autoplay"]
    assert marks(boss) == {"kind": kind, "guesses": [], "count": 0}
    # the room is told how to answer this kind (the landscape is a point question's)
    told = " ".join(e.value for e in [*boss.subheader, *boss.markdown])
    assert ("slider" if kind == "beta" else "pad") in told and "landscape" not in told
    data = json.loads(chart["data"])
    if kind == "beta":  # the asked run's racer is its whole family: the slider's values
        assert data["betas"] == [float(b) for b in family_momenta(0.9)]
    else:  # the pad arrives as a part, for the asked run's racer only
        (part,) = pads(boss)
        assert part["kind"] == "pad" and part["axes"]["track"] == 1
        assert part["sets"]["momentum"]["runs"] == len(part["axes"]["alphas"]) * len(
            part["axes"]["betas"]
        )
    fans = []
    for i, values in enumerate(picks):
        fan = page_at(SCENES, {"room": code, "follow": "1"})
        assert races(fan)[0]["ask"] == "tap"
        if i == 0:  # a value the chart does not offer: one line, no answer
            guess(fan, off_grid, nonce=50)
            assert "is none of the chart's values" in fan.warning[0].value
            assert races(fan)[0]["ask"] == "tap"
        guess(fan, values, nonce=100 + i)
        assert not fan.exception
        assert fan.info[0].value.startswith("Your guess") and "Answer received" in fan.info[0].value
        assert races(fan)[0]["ask"] == "show"
        assert marks(fan) == {"kind": kind, "mine": values}
        fans.append(fan)
    assert len(store.points(code, name)) == 3

    boss.run()
    got = marks(boss)
    assert got["count"] == 3 and sorted(got["guesses"]) == sorted(picks)
    boss.button(key="reveal").click().run()
    truth, steps = core_answer(name)
    median = [float(np.median([p[k] for p in picks])) for k in range(len(picks[0]))]
    got = marks(boss)
    assert got["truth"] == list(truth) and got["median"] == pytest.approx(median)
    (chart,) = races(boss)
    assert chart["ask"] == "" and chart["autoplay"]
    text = " ".join(m.value for m in boss.markdown)
    assert f"in {steps:,} steps" in text and "picked as the Sweep page picks" in text

    fan = fans[1]
    fan.run()  # the poll saw the reveal
    assert marks(fan)["mine"] == picks[1] and marks(fan)["truth"] == list(truth)
    said = " ".join(i.value for i in fan.info)
    assert "Your guess" in said and "there the run" in said
    if kind == "beta":
        assert f"{abs(picks[1][0] - truth[0]):.2g} off the fastest β" in said


def test_a_visitor_outside_a_room_sees_the_answer_and_can_scrub():
    at = page_at(SCENES, {"scene": "pick-alpha-beta"})
    truth, _ = core_answer("pick-alpha-beta")
    got = marks(at)
    assert got["kind"] == "pad" and got["truth"] == list(truth) and got["count"] is None
    (chart,) = races(at)
    assert chart["ask"] == "" and len(pads(at)) == 1  # the pad to move over
