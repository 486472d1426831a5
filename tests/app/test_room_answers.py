"""What a follower's browser is sent before and after a question's reveal (#25): before it,
only what the question needs (the landscape, the start, the β slider's values or the pad's
cells to pick from), none of the runs whose paths, ends or outcomes answer it; after it, the
whole race. Read from the page's component arguments, as the browser gets them."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from momentum_app.race.race_data import GAP_FLOOR
from momentum_app.talk import scenes
from momentum_core import family_momenta
from momentum_core.spaces import pad_momenta, pad_rates
from tests.app.harness import component_args, fresh_room_store, page_at
from tests.app.test_room_point import core_end

SCENES = "pages/scenes.py"
#: The scenes.toml scenes that ask the room, one or two of each kind.
ON_CHART = ["no-escape", "escape-shallow", "pick-beta", "pick-alpha-beta"]
CHOICE = ["default-0.9-bowl", "beta-one", "reduce-when-diverging"]


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    yield from fresh_room_store(tmp_path, monkeypatch)


def sent(at) -> tuple[list[dict], list[dict]]:
    """The race charts on the page (their data parsed) and every set of runs sent with them
    (the parts that travel with a chart, and those of the race's feeds)."""
    charts, parts = [], []
    for args in component_args(at, "race_component"):
        charts.append(json.loads(args["data"]))
        parts += [json.loads(p) for p in args.get("parts", [])]
    parts += [json.loads(a["part"]) for a in component_args(at, "race_feed") if a.get("part")]
    return charts, parts


def runs_shipped(charts: list[dict], parts: list[dict]) -> int:
    """How many runs the browser got, each a path, a loss curve and an outcome."""
    in_charts = sum(s["runs"] for c in charts for t in c["tracks"] for s in t["sets"].values())
    return in_charts + sum(s["runs"] for p in parts for s in p["sets"].values())


def points_shipped(charts: list[dict], parts: list[dict]) -> int:
    """How many points of paths the browser got (offsets are u32, one more than runs)."""
    sets = [s for c in charts for t in c["tracks"] for s in t["sets"].values()]
    sets += [s for p in parts for s in p["sets"].values()]
    return sum(int(np.frombuffer(base64.b64decode(s["path"]["offsets"]), "<u4")[-1]) for s in sets)


def texts(at) -> str:
    return " ".join(e.value for e in [*at.markdown, *at.caption, *at.info, *at.subheader])


def end_of(chart: dict, track: int) -> tuple[float, float]:
    """Where run 0 of a racer's set ``beta`` ends, decoded as race.js decodes it."""
    path = chart["tracks"][track]["sets"]["beta"]["path"]
    offsets = np.frombuffer(base64.b64decode(path["offsets"]), "<u4")
    last = int(offsets[1]) - 1
    out = []
    for axis in ("x", "y"):
        level = np.frombuffer(base64.b64decode(path[axis]), "<u2")[last]
        lo, hi = chart["screen"][axis]
        out.append(lo + level * (hi - lo) / 65535)
    return out[0], out[1]


def room(name: str):
    boss = page_at(SCENES, {"scene": name}, present=True)
    code = boss.session_state["_room"]
    return boss, page_at(SCENES, {"room": code, "follow": "1"})


@pytest.mark.parametrize("name", ON_CHART)
def test_a_follower_gets_the_question_not_its_runs_until_the_reveal(name):
    scene = scenes.scene_named(name)
    question = scene.question
    run = next(r for r in scene.runs if r.key == question.run)
    boss, fan = room(name)
    answer = scenes.answer_words(scene, scenes.stage(scene).values, scenes.asked_runs(scene))
    for guessed in (False, True):  # asked, then with the follower's guess sent
        charts, parts = sent(fan)
        (chart,) = charts
        assert runs_shipped(charts, parts) == 0 and points_shipped(charts, parts) == 0
        # what the question needs: the landscape, the start, the values one picks from
        (landscape,) = chart["figure"]["layout"]["images"]
        assert landscape["source"].startswith("data:image/") and landscape["xref"] == "x"
        assert chart["chosen"]["start"] == list(scene.start)
        assert [t["label"] for t in chart["tracks"]] == [scene.run_label(r) for r in scene.runs]
        if question.kind == "beta":
            assert chart["betas"] == [float(b) for b in family_momenta(run.momentum)]
        if question.kind == "pad":
            (pad,) = parts
            assert pad["kind"] == "pad" and pad["axes"]["track"] == scene.runs.index(run)
            assert pad["axes"]["alphas"] == pad_rates(scene.objective, scene.lr).tolist()
            assert pad["axes"]["betas"] == pad_momenta(run.momentum).tolist()
        else:
            assert parts == []
        # the loss axis spans what every run shares (the floor to the start), not the runs'
        start_gap = float(scene.objective.value(list(scene.start)) - scene.objective.f_star)
        assert chart["gapRange"] == pytest.approx([math.log10(GAP_FLOOR), math.log10(start_gap)])
        assert answer not in texts(fan) and "(the ◆" not in texts(fan)
        if not guessed:
            kind = question.kind
            fan.session_state["scene_chart"] = {
                "guess": (list(scene.start) if kind == "point"
                          else [chart["betas"][0]] if kind == "beta"
                          else [parts[0]["axes"]["alphas"][0], parts[0]["axes"]["betas"][0]]),
                "nonce": 7,
            }  # fmt: skip
            fan.run()
            assert not fan.exception and "Answer received" in texts(fan)

    boss.button(key="reveal").click().run()
    fan.run()  # the follower's poll saw the reveal
    charts, parts = sent(fan)
    (chart,) = charts
    assert answer in texts(fan)
    shipped = runs_shipped(charts, parts)
    if question.kind == "pad":
        (pad,) = parts
        assert pad["sets"]["momentum"]["runs"] == len(pad["axes"]["alphas"]) * len(
            pad["axes"]["betas"]
        )
    elif question.kind == "beta":
        assert shipped == len(chart["betas"]) + len(scene.runs) - 1
    else:  # the asked run's path ends where the core says it stops
        assert shipped == len(scene.runs)
        x, y = end_of(chart, scene.runs.index(run))
        level = max(hi - lo for lo, hi in (chart["screen"]["x"], chart["screen"]["y"])) / 65535
        assert math.dist((x, y), core_end(name)) <= 2 * level


@pytest.mark.parametrize("name", CHOICE)
def test_a_choice_question_sends_no_race_and_no_caption_until_the_reveal(name):
    scene = scenes.scene_named(name)
    staged = scenes.stage(scene)
    caption = scenes.caption(scene, staged.values).replace("*", r"\*")
    boss, fan = room(name)
    assert sent(fan) == ([], [])
    assert caption not in texts(fan) and "✓" not in texts(fan)
    fan.button(key=next(b.key for b in fan.button if b.key.startswith("answer_0"))).click().run()
    assert sent(fan) == ([], []) and "Answer received" in texts(fan)
    boss.button(key="reveal").click().run()
    fan.run()
    charts, parts = sent(fan)
    assert len(charts) == 1 and runs_shipped(charts, parts) >= len(scene.runs)
    assert caption in texts(fan)


def test_a_presenters_own_tap_question_sends_its_followers_no_run_until_the_reveal():
    from tests.app.harness import open_app
    from tests.app.test_my_talk import TALK_PAGE, save_view

    boss = open_app()
    view = {"fn": "rastrigin", "lr": "0.002", "momentum": "0.9", "steps": "1000"}
    scene = save_view(boss, "pages/playground.py", view, add_run="momentum",
                      add_ask="Where does a run stop? (a tap)")  # fmt: skip
    boss.switch_page(TALK_PAGE).run()
    boss.button(key="present_talk").click().run()
    fan = page_at(TALK_PAGE, {"room": boss.session_state["_room"], "follow": "1"})
    charts, parts = sent(fan)
    assert len(charts) == 1 and runs_shipped(charts, parts) == 0
    assert charts[0]["chosen"]["start"] == list(scene.start)
    boss.button(key="reveal").click().run()
    fan.run()
    charts, parts = sent(fan)
    assert len(charts) == 1 and runs_shipped(charts, parts) == len(scene.runs)


@pytest.mark.parametrize("name", ["beta-one", "no-escape"])
def test_a_question_scenes_title_waits_for_the_reveal(name):
    """Its title is the runs' verdict ("β = 1 never settles"): while the question is open
    the presenter's and the followers' screens head it with a line that answers nothing,
    and the scene menu lists it by its question."""
    scene = scenes.scene_named(name)
    boss, fan = room(name)

    def heading(at) -> str:
        return at.header[0].value

    assert heading(boss) == heading(fan) == scenes.ASKING_TITLE
    assert scene.title not in texts(boss) + texts(fan)
    boss.button(key="reveal").click().run()
    fan.run()
    assert heading(boss) == heading(fan) == scene.title
    menu = page_at(SCENES, {"scene": name}).selectbox(key="scene")
    assert menu.format_func(name) == f"Question: {scene.question.text}"
    assert menu.format_func("faster") == scenes.scene_named("faster").title
