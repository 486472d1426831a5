"""A point question in AppTest: followers tap where the run stops (the chart's value, as
race.js sends it), the presenter's chart gets every guess and the count, and after the
reveal the true end (a core computation) and the room's coordinate-wise median."""

from __future__ import annotations

import math

import numpy as np
import pytest

from momentum_app.race.runs import TOLERANCE
from momentum_app.talk import scenes
from momentum_core import make_optimizer, run_batch
from tests.app.harness import component_args, fresh_room_store, page_at

SCENES = "pages/scenes.py"
SCENE = "no-escape"


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    yield from fresh_room_store(tmp_path, monkeypatch)


def core_end(name: str) -> tuple[float, float]:
    """Where the question's run ends, straight from the core (not the app's race code)."""
    scene = scenes.scene_named(name)
    run = next(r for r in scene.runs if r.key == scene.question.run)
    opt = make_optimizer(run.optimizer, scene.lr, run.momentum)
    r = run_batch(scene.objective, opt, scene.start, scene.steps, loss_tol=TOLERANCE,
                  grad_tol=1e-6)  # fmt: skip
    return tuple(float(v) for v in r.positions[-1, 0])


def races(at) -> list[dict]:
    return [a for a in component_args(at, "race_component")]


def marks(at) -> dict:
    import json

    found = [a for a in component_args(at, "race_feed") if "marks" in a]
    assert len(found) == 1, found
    return json.loads(found[0]["marks"])


def said(at) -> str:
    """The page's headings and lines of text, as one string."""
    return " ".join(e.value for e in [*at.subheader, *at.markdown])


def tap(at, x: float, y: float, nonce: int):
    """What race.js sends when a follower taps the landscape and presses Send."""
    at.session_state["scene_chart"] = {"guess": [x, y], "nonce": nonce}
    return at.run()


def test_followers_tap_the_presenter_counts_the_reveal_marks_truth_and_median(store):
    boss = page_at(SCENES, {"scene": SCENE}, present=True)
    code = boss.session_state["_room"]
    (chart,) = races(boss)
    assert chart["ask"] == "show" and not chart["autoplay"]  # the runs would answer it
    assert "on your phone" in said(boss)  # the room is told where to tap
    assert marks(boss) == {"kind": "point", "guesses": [], "count": 0}
    guesses = [(1.0, -2.0), (3.0, -3.0), (-2.5, 4.0)]
    fans = []
    for i, (x, y) in enumerate(guesses):
        fan = page_at(SCENES, {"room": code, "follow": "1"})
        (chart,) = races(fan)
        assert chart["ask"] == "tap"
        assert "Tap" not in said(fan)  # the chart's own bar says it, on the chart
        assert not fan.markdown or "stuck" not in " ".join(m.value for m in fan.markdown)
        tap(fan, x, y, nonce=100 + i)
        assert not fan.exception
        assert fan.info[0].value.startswith(f"Your guess ({x:.3g}, {y:.3g}) — Answer received")
        (chart,) = races(fan)
        assert chart["ask"] == "show"  # one guess a device
        assert marks(fan)["mine"] == [x, y]
        fans.append(fan)
    tap(fans[0], 9.0, 9.0, nonce=999)  # a second tap: the first guess is kept
    assert store.my_point(code, SCENE, fans[0].session_state["_device_id"]) == guesses[0]

    boss.run()
    got = marks(boss)
    assert got["count"] == 3 and sorted(map(tuple, got["guesses"])) == sorted(guesses)
    assert "3 guesses · room" in " ".join(c.value for c in boss.caption)

    boss.button(key="reveal").click().run()
    assert store.now(code).revealed
    truth = core_end(SCENE)
    median = (float(np.median([g[0] for g in guesses])), float(np.median([g[1] for g in guesses])))
    assert median == (1.0, -2.0)  # here it is one guess: the middle x and y are the same one's
    got = marks(boss)
    assert got["truth"] == pytest.approx(truth, abs=1e-9)
    assert got["median"] == pytest.approx(median)
    (chart,) = races(boss)
    assert chart["ask"] == "" and chart["autoplay"]  # the race plays, marked
    text = " ".join(m.value for m in boss.markdown)
    assert f"stops at ({truth[0]:.3g}, {truth[1]:.3g})" in text
    assert f"({median[0]:.3g}, {median[1]:.3g}), {math.dist(median, truth):.3g} away" in text

    fan = fans[1]
    fan.run()  # the poll saw the reveal
    assert marks(fan)["mine"] == list(guesses[1])
    off = math.dist(guesses[1], truth)
    assert any(f"was {off:.3g} away" in i.value for i in fan.info)


def test_a_malformed_tap_is_one_line_and_no_answer(store):
    boss = page_at(SCENES, {"scene": SCENE}, present=True)
    code = boss.session_state["_room"]
    fan = page_at(SCENES, {"room": code, "follow": "1"})
    for nonce, bad in enumerate([["a", 1], [float("nan"), 0.0], [1.0], "x"]):
        fan.session_state["scene_chart"] = {"guess": bad, "nonce": nonce}
        fan.run()
        assert not fan.exception
        assert "That tap was not taken: a guess is two finite numbers" in fan.warning[0].value
        assert "\n" not in fan.warning[0].value
    assert store.points(code, SCENE) == []
    (chart,) = races(fan)
    assert chart["ask"] == "tap"  # still asked


def test_a_visitor_outside_a_room_sees_the_truth_marked():
    at = page_at(SCENES, {"scene": "escape-shallow"})
    truth = core_end("escape-shallow")
    got = marks(at)
    assert got["truth"] == pytest.approx(truth, abs=1e-9) and got["median"] is None
    assert got["count"] is None  # no room, no count
    (chart,) = races(at)
    assert chart["ask"] == ""
    # It read "Tap the landscape." above the answer, with nothing to tap outside a room (#26).
    assert "Tap" not in said(at) and "stop" in said(at)
