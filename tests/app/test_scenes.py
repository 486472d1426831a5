"""Scenes: read from data, every caption number equal to a number of the runs it describes.

The test reruns each scene through the core directly (make_optimizer + run_batch, not the
app's race code) and requires every number in the caption to be one of those runs'
results, one of the scene's own settings, or a number written in the caption's template.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pytest

from momentum_app.race.runs import TOLERANCE, run_one
from momentum_app.talk import scenes
from momentum_app.ui.links import from_query
from momentum_core import make_optimizer, momentum_ramp, run_batch

SCENES = scenes.scenes()
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")


def core_results(scene):
    """Each run of the scene, straight from the core."""
    out = {}
    for run in scene.runs:
        schedule = momentum_ramp(*run.ramp) if run.ramp else None
        opt = make_optimizer(run.optimizer, scene.lr, run.momentum, momentum_schedule=schedule)
        out[run.key] = run_batch(
            scene.objective, opt, scene.start, scene.steps, loss_tol=TOLERANCE, grad_tol=1e-6
        )
    return out


def shown(values) -> set[str]:
    """Every way the scenes file may print each value."""
    out = set()
    for v in values:
        v = float(v)
        out |= {f"{v:g}", f"{v:.3g}", f"{v:.4g}"}
        if v == int(v):
            out |= {f"{int(v):,}", str(int(v))}
    return out


def allowed_numbers(scene, results) -> set[str]:
    obj = scene.objective
    values = [scene.lr, scene.steps, *scene.start, TOLERANCE, *dict(scene.params).values()]
    values.append(float(obj.value(np.array(scene.start))) - obj.f_star)
    for run in scene.runs:
        r = results[run.key]
        values += [run.momentum, *run.ramp, r.tol_step[0], r.diverged_step[0], r.converged_step[0]]
        values += [float(r.final_loss[0]) - obj.f_star, *obj.minima[int(r.nearest_minimum[0])]]
    return shown(values) | FORMULA_NUMBERS


#: Numbers a caption may type by hand: the 2s of the stability bound α < (2 + 2β)/λ.
FORMULA_NUMBERS = {"2"}


def test_captions_type_no_number_but_formulas():
    for scene in SCENES:
        text = "".join(lit for lit, *_ in string.Formatter().parse(scene.caption))
        assert set(NUMBER.findall(text)) <= FORMULA_NUMBERS, scene.name


def test_one_scene_at_least_per_claim_and_tip():
    claims = {s.claim for s in SCENES}
    for words in ("trains faster", "escape local minima", "0.9", "1.0", "diverges",
                  "too slow", "raise it gradually"):  # fmt: skip
        assert any(words in c for c in claims), words
    assert {"escape", "no-escape"} <= {s.name for s in SCENES}  # it helps, and it does not


@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
def test_caption_numbers_are_the_runs_numbers(scene):
    results = core_results(scene)
    text = scenes.caption(scene, scenes.facts(scene, results))
    numbers = NUMBER.findall(text)
    assert numbers, text
    stray = set(numbers) - allowed_numbers(scene, results)
    assert not stray, f"{stray} in: {text}"
    # And the headline numbers are there: each run's steps to the tolerance or divergence.
    for run in scene.runs:
        r = results[run.key]
        if "{" + run.key + ".outcome}" in scene.caption:
            if r.diverged_step[0] >= 0:
                assert f"diverges at step {r.diverged_step[0]:,}" in text
            elif r.tol_step[0] >= 0:
                assert f"in {r.tol_step[0]:,} steps" in text


@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
def test_every_scene_bears_its_claim_out(scene):
    results = {run.key: run_one(scene.settings(run)) for run in scene.runs}
    assert scenes.failed_checks(scene, scenes.facts(scene, results)) == []


def test_a_failed_check_says_what_it_compared():
    scene = next(s for s in SCENES if s.name == "faster")
    results = core_results(scene)
    values = scenes.facts(scene, results)
    values["sgd"].steps = 12  # as if SGD had converged
    (message,) = scenes.failed_checks(scene, values)
    assert message.startswith("sgd.steps == -1") and "12" in message


def test_scene_runs_get_distinct_colours():
    scene = next(s for s in SCENES if s.name == "start-low")
    runs = scenes.scene_runs(scene, core_results(scene))
    assert len({r.color for r in runs}) == len(runs) == 4


GOOD = """
[[scene]]
name = "mine"
title = "Mine"
claim = "A claim."
function = "booth"
lr = 0.05
steps = 100
runs = [{ key = "a", optimizer = "sgd" }, { key = "b", optimizer = "momentum", momentum = 0.5 }]
caption = "{a.outcome}; {b.outcome}."
checks = ["b.steps < a.steps"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenes.toml"
    path.write_text(text)
    return path


def test_a_speaker_can_add_a_scene(tmp_path):
    (scene,) = scenes.load_scenes(write(tmp_path, GOOD))
    assert scene.start == tuple(scene.objective.x0)
    assert [r.label for r in scene.runs] == ["SGD", "Momentum β = 0.5"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('function = "booth"', 'function = "bowl"'), "unknown function 'bowl'"),
        (('optimizer = "sgd"', 'optimizer = "sgdm"'), "known optimizer"),
        (("{a.outcome}", "{a.speed}"), "the caption's {a.speed} is not a known field"),
        (("b.steps < a.steps", "b.steps << a.steps"), "cannot read the check"),
        (("b.steps < a.steps", "c.steps < a.steps"), "unknown 'c.steps'"),
        (("steps = 100", "steps = 100000"), "steps <= 3000"),
        (('title = "Mine"\n', ""), "missing field 'title'"),
        (("momentum = 0.5", "momentum = 1.5"), "momentum must be in [0, 1]"),
        (("momentum = 0.5", "ramp = [0.5, 0.9]"), "ramp is [from, to, steps]"),
        (("momentum = 0.5", "ramp = [0.5, 0.9, 500]"), "at most 100 steps"),
        (('optimizer = "sgd"', 'optimizer = "sgd", ramp = [0, 0.9, 10]'), "for momentum"),
    ],
    ids=[
        "function",
        "optimizer",
        "field",
        "check",
        "check-key",
        "steps",
        "title",
        "momentum",
        "ramp-short",
        "ramp-long",
        "ramp-sgd",
    ],
)
def test_a_broken_scene_is_named_with_its_fault(tmp_path, change, message):
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        scenes.load_scenes(write(tmp_path, GOOD.replace(*change)))
    assert "mine" in str(err.value) or "scene #1" in str(err.value)


def test_a_scene_run_can_raise_its_momentum_during_the_run(tmp_path):
    (scene,) = scenes.load_scenes(
        write(tmp_path, GOOD.replace("momentum = 0.5", "ramp = [0.2, 0.9, 40]"))
    )
    run = scene.runs[1]
    assert run.ramp == (0.2, 0.9, 40) and run.momentum == 0.9
    assert run.label == "Momentum β 0.2 → 0.9 over 40 steps"
    got = core_results(scene)["b"]
    opt = make_optimizer("momentum", scene.lr, momentum_schedule=momentum_ramp(0.2, 0.9, 40))
    want = run_batch(scene.objective, opt, scene.start, scene.steps)
    assert np.array_equal(got.positions, want.positions)


def test_scene_links_fall_back_with_a_warning():
    assert from_query(scenes.SceneChoice, {"scene": "escape"}) == (scenes.SceneChoice("escape"), [])
    choice, warnings = from_query(scenes.SceneChoice, {"scene": "nope"})
    assert choice.scene == SCENES[0].name and "scene='nope'" in warnings[0]


def test_a_scene_without_momentum_runs_still_opens_in_the_playground(tmp_path):
    text = GOOD.replace('optimizer = "momentum", momentum = 0.5', 'optimizer = "adam"')
    (scene,) = scenes.load_scenes(write(tmp_path, text))
    race = scene.playground()
    assert race.optimizers == ("sgd", "adam") and race.momentum == 0.0


ASKING = [s for s in SCENES if s.question is not None]


def test_two_or_more_scenes_ask_the_room():
    assert len(ASKING) >= 2


@pytest.mark.parametrize("scene", ASKING, ids=[s.name for s in ASKING])
def test_exactly_one_answer_is_right_on_the_core_runs(scene):
    right = scenes.right_answers(scene, scenes.facts(scene, core_results(scene)))
    assert len(right) == 1


def test_the_right_answer_follows_the_runs_not_the_file():
    scene = next(s for s in ASKING if s.name == "reduce-when-diverging")
    values = scenes.facts(scene, core_results(scene))
    assert scenes.right_answers(scene, values) == (0,)  # it diverges
    values["b9"].diverged = -1  # as if it had not
    assert scenes.right_answers(scene, values) == (1,)


QUESTION = """
[scene.question]
text = "Which is faster?"
[[scene.question.choices]]
label = "SGD"
checks = ["a.steps < b.steps"]
[[scene.question.choices]]
label = "Momentum"
checks = ["b.steps < a.steps"]
"""


def test_a_speaker_can_add_a_question(tmp_path):
    (scene,) = scenes.load_scenes(write(tmp_path, GOOD + QUESTION))
    assert scene.question.text == "Which is faster?"
    assert [c.label for c in scene.question.choices] == ["SGD", "Momentum"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('label = "Momentum"\nchecks = ["b.steps < a.steps"]', 'label = "Momentum"'), "checks"),
        (('text = "Which is faster?"', "text = 3"), "needs a text"),
        (('checks = ["a.steps < b.steps"]', 'checks = ["z.steps < b.steps"]'), "unknown 'z.steps'"),
        (('checks = ["a.steps < b.steps"]', "checks = []"), "a label and a list of checks"),
    ],
    ids=["missing-checks", "text", "check", "empty-checks"],
)
def test_a_broken_question_is_named_with_its_fault(tmp_path, change, message):
    text = GOOD + QUESTION.replace(*change, 1)
    with pytest.raises(ValueError, match=re.escape(message)):
        scenes.load_scenes(write(tmp_path, text))


@pytest.mark.parametrize(
    ("name", "optimizers", "momentum", "others"),
    [
        ("reduce-when-diverging", ("momentum",), 0.9, (0.5,)),
        ("default-0.9", ("sgd", "momentum"), 0.9, (0.99,)),
        ("faster", ("sgd", "momentum"), 0.9, ()),
    ],
    ids=["reduce", "default", "faster"],
)
def test_the_playground_handover_keeps_the_comparison(name, optimizers, momentum, others):
    scene = next(s for s in SCENES if s.name == name)
    race = scene.playground()
    assert (race.optimizers, race.momentum) == (optimizers, momentum)
    assert scene.other_momenta() == others
