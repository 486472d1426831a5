"""Scenes: read from data, every caption number equal to a number of the runs it describes.

The test reruns each scene through the core directly (make_optimizer + run_batch, not the
app's race code) and requires every number in the caption to be one of those runs'
results, one of the scene's own settings, or a number written in the caption's template.
"""

from __future__ import annotations

import json
import math
import re
import string
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from momentum_app.config.links import CHOICES_NAMED, from_query
from momentum_app.race.runs import TOLERANCE
from momentum_app.studies.model_view import network_path
from momentum_app.talk import scenes
from momentum_core import (
    MOMENTUM_OPTIMIZERS,
    heavy_ball,
    make_optimizer,
    momentum_ramp,
    run_batch,
    tune,
)
from momentum_core.model import Model, glorot_params, make_dataset, train_batch
from momentum_core.spaces import PAD_MOMENTA, line_rates

SCENES = scenes.scenes()
#: The scenes on a 2-D landscape, and those that train the article's network.
PLANE = [s for s in SCENES if s.model is None]
MODELS = [s for s in SCENES if s.model is not None]
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")


def run_at(scene, run) -> tuple[float, float]:
    """A run's learning rate and momentum: the scene's, or a tuned scene's run's own best,
    straight from the core (every rate of the α line; with the pad's momenta for momentum)."""
    if not scene.tuned:
        return scene.lr, run.momentum
    obj = scene.objective
    momenta = PAD_MOMENTA if run.optimizer in MOMENTUM_OPTIMIZERS else [0.0]
    best = tune(obj, run.optimizer, line_rates(obj), momenta, scene.steps, x0=scene.start,
                loss_tol=TOLERANCE, grad_tol=1e-6)  # fmt: skip
    return best.lr, best.momentum


def core_results(scene):
    """Each run of the scene, straight from the core."""
    out = {}
    for run in scene.runs:
        schedule = momentum_ramp(*run.ramp) if run.ramp else None
        lr, momentum = run_at(scene, run)
        opt = make_optimizer(run.optimizer, lr, momentum, momentum_schedule=schedule)
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
        values += [*run_at(scene, run), *run.ramp]
        values += [r.tol_step[0], r.diverged_step[0], r.converged_step[0]]
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


@pytest.mark.parametrize("scene", PLANE, ids=[s.name for s in PLANE])
def test_caption_numbers_are_the_runs_numbers(scene):
    results = core_results(scene)
    asked = scenes.asked_runs(scene)  # its answer: held to the core below (test_asked_*)
    text = scenes.caption(scene, scenes.facts(scene, results, asked))
    numbers = NUMBER.findall(text)
    assert numbers, text
    answer = [*asked.truth, asked.alphas[0], asked.steps] if asked else []
    stray = set(numbers) - allowed_numbers(scene, results) - shown(answer)
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
    staged = scenes.stage(scene)  # as the page and the talk run it
    assert scenes.failed_checks(scene, staged.values) == []
    assert set(staged.results) == {run.key for run in scene.runs}


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
        (("momentum = 0.5", 'momentum = "0.5"'), "momentum is a number, got '0.5'"),
        (('key = "a"', "key = 1"), "key and optimizer are words"),
        (('runs = [{ key = "a", optimizer = "sgd" }, ', "runs = [1, "), "each run is a table"),
        (('caption = "', 'explore = "a"\ncaption = "'), "explore names a run with a momentum"),
        (('caption = "', 'explore = ["b"]\ncaption = "'), "explore names a run with a momentum"),
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
        "momentum-text",
        "key-number",
        "run-number",
        "explore-sgd",
        "explore-list",
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
    # a long talk's names are not all listed: the first few, and how many there are
    names = [s.name for s in SCENES]
    assert len(names) > CHOICES_NAMED and names[CHOICES_NAMED] not in warnings[0]
    assert names[CHOICES_NAMED - 1] in warnings[0] and f"({len(names)} in all" in warnings[0]


def test_a_scene_link_may_give_the_scene_s_number_as_the_page_shows_it():
    for n in (1, 3, len(SCENES)):
        assert from_query(scenes.SceneChoice, {"scene": str(n)}) == (
            scenes.SceneChoice(SCENES[n - 1].name),
            [],
        )
    for bad in ("0", str(len(SCENES) + 1), "-1", "1.0", "٣"):
        choice, warnings = from_query(scenes.SceneChoice, {"scene": bad})
        assert choice.scene == SCENES[0].name and f"scene={bad!r}" in warnings[0], bad


def test_a_scene_without_momentum_runs_still_opens_in_the_playground(tmp_path):
    text = GOOD.replace('optimizer = "momentum", momentum = 0.5', 'optimizer = "adam"')
    (scene,) = scenes.load_scenes(write(tmp_path, text))
    race = scene.playground()
    assert race.optimizers == ("sgd", "adam") and race.momentum == 0.0


ASKING = [s for s in SCENES if s.question is not None]


def test_two_or_more_scenes_ask_the_room():
    assert len(ASKING) >= 2


CHOOSING = [s for s in ASKING if s.question.kind == "choice"]
POINTING = [s for s in ASKING if s.question.kind == "point"]


@pytest.mark.parametrize("scene", CHOOSING, ids=[s.name for s in CHOOSING])
def test_exactly_one_answer_is_right_on_the_core_runs(scene):
    if scene.model is None:
        values = scenes.facts(scene, core_results(scene))
    else:
        values = model_values(scene, seed_runs(scene))
    assert len(scenes.right_answers(scene, values)) == 1


def test_scenes_ask_the_room_to_tap_where_a_run_stops():
    assert len(POINTING) >= 2


@pytest.mark.parametrize("scene", POINTING, ids=[s.name for s in POINTING])
def test_a_point_questions_answer_is_where_the_core_run_ends(scene):
    results = core_results(scene)
    values = scenes.facts(scene, results)
    x, y = scenes.point_truth(scene, values)
    end = results[scene.question.run].positions[-1, 0]
    assert np.isfinite(end).all()
    assert (x, y) == pytest.approx(tuple(end), abs=1e-12)
    assert scenes.right_answers(scene, values) == ()  # no labels to choose among
    # It moves with the runs: another run's end is another answer.
    other = next(r.key for r in scene.runs if r.key != scene.question.run)
    values[scene.question.run] = values[other]
    assert scenes.point_truth(scene, values) != (x, y)


ON_CHART_SCENES = [s for s in ASKING if s.question.kind in scenes.ON_CHART]
PICKING = [s for s in ASKING if s.question.kind in ("beta", "pad")]


def test_three_scenes_at_least_ask_on_the_chart_each_kind_once_at_least():
    assert len(ON_CHART_SCENES) >= 3
    assert {s.question.kind for s in ON_CHART_SCENES} == set(scenes.ON_CHART)


@pytest.mark.parametrize("scene", PICKING, ids=[s.name for s in PICKING])
def test_a_beta_or_pad_answer_is_the_sweeps_pick_among_the_core_runs(scene):
    from tests.app.test_room_chart import core_answer

    truth, steps = core_answer(scene.name)
    asked = scenes.asked_runs(scene)
    assert asked.truth == truth and asked.steps == steps > 0
    assert scenes.chart_truth(scene, {}, asked) == truth
    # What a guess's run did, from the same runs: the answer's own run is the fastest.
    assert f"in {steps:,} steps" in asked.said(scene.objective, truth)
    with pytest.raises(ValueError, match="is none of the chart's values"):
        asked.index((0.123456,) if asked.kind == "beta" else (truth[0] * 1.001, truth[1]))


def test_the_median_guess_is_coordinate_wise():
    points = [(0.0, 5.0), (1.0, -1.0), (10.0, 2.0)]
    assert scenes.median_point(points) == (1.0, 2.0)  # no one guessed (1, 2)
    assert scenes.median_point([(1.0, 2.0), (3.0, 4.0)]) == (2.0, 3.0)
    assert scenes.median_point([]) is None


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


POINT = """
[scene.question]
kind = "point"
text = "Where does b stop?"
run = "b"
"""


def test_a_speaker_can_add_a_point_question(tmp_path):
    (scene,) = scenes.load_scenes(write(tmp_path, GOOD + POINT))
    assert (scene.question.kind, scene.question.run, scene.question.choices) == ("point", "b", ())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('run = "b"', 'run = "z"'), "run 'z' is none of the scene's runs (a, b)"),
        (('run = "b"\n', ""), "a point question needs run ="),
        (
            ('kind = "point"', 'kind = "spot"'),
            "kind is one of choice, point, beta, pad, got 'spot'",
        ),
        (
            ('run = "b"', 'run = "b"\n[[scene.question.choices]]\nlabel = "x"\nchecks = []'),
            "a point question has no choices",
        ),
    ],
    ids=["unknown-run", "no-run", "kind", "choices"],
)
def test_a_broken_point_question_is_one_line_naming_the_scene(tmp_path, change, message):
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        scenes.load_scenes(write(tmp_path, GOOD + POINT.replace(*change, 1)))
    assert "'mine'" in str(err.value) and "\n" not in str(err.value)


ON_CHART = """
[scene.question]
kind = "{kind}"
text = "Which is fastest?"
run = "b"
"""


@pytest.mark.parametrize("kind", ["beta", "pad"])
def test_a_speaker_can_ask_for_a_beta_or_a_cell(tmp_path, kind):
    (scene,) = scenes.load_scenes(write(tmp_path, GOOD + ON_CHART.format(kind=kind)))
    assert (scene.question.kind, scene.question.run, scene.question.choices) == (kind, "b", ())


@pytest.mark.parametrize("kind", ["beta", "pad"])
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('run = "b"', 'run = "a"'), "question asks about a momentum run; 'a' is sgd"),
        (('run = "b"', 'run = "z"'), "run 'z' is none of the scene's runs (a, b)"),
        (('run = "b"\n', ""), 'question needs run = "<key>"'),
        (('run = "b"', "run = 7"), 'question needs run = "<key>"'),
        (
            ("momentum = 0.5 }]", "ramp = [0.5, 0.9, 50] }]"),
            "run 'b' raises β during the run (ramp)",
        ),
        (("lr = 0.05\n", "tuned = true\n"), "needs the scene's own α (not tuned = true)"),
        (
            ('run = "b"', 'run = "b"\n[[scene.question.choices]]\nlabel = "x"\nchecks = []'),
            "question has no choices",
        ),
        (('caption = "', 'caption = "{question.gap} '), "the caption's {question.gap}"),
    ],
    ids=[
        "sgd-run",
        "unknown-run",
        "no-run",
        "run-not-text",
        "ramp",
        "tuned",
        "choices",
        "unknown-field",
    ],
)
def test_a_broken_beta_or_pad_question_is_one_line_naming_scene_and_field(
    tmp_path, kind, change, message
):
    text = (GOOD + ON_CHART.format(kind=kind)).replace(*change, 1)
    if change[0].startswith("momentum"):  # a tuned scene's runs take no momentum: drop it
        text = text.replace(", momentum = 0.5", "")
    if change[1].startswith("tuned"):
        text = text.replace(", momentum = 0.5", "")
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        scenes.load_scenes(write(tmp_path, text))
    said = str(err.value)
    assert said.startswith("scene 'mine': ") and "\n" not in said
    assert "question" in said or "caption" in said


def test_a_question_field_needs_a_beta_or_pad_question(tmp_path):
    text = GOOD.replace('caption = "', 'caption = "{question.beta} ')
    with pytest.raises(ValueError, match=re.escape("the caption's {question.beta}")):
        scenes.load_scenes(write(tmp_path, text))
    checked = GOOD + ON_CHART.format(kind="pad")
    checked = checked.replace('checks = ["b.steps', 'checks = ["question.steps > 0", "b.steps')
    (scene,) = scenes.load_scenes(write(tmp_path, checked))
    assert "question.steps > 0" in scene.checks


@pytest.mark.parametrize("kind", ["point", "beta", "pad"])
def test_a_network_scene_cannot_ask_on_the_chart(tmp_path, kind):
    text = GOOD_MODEL + ON_CHART.format(kind=kind).replace('"b"', '"heavy"')
    with pytest.raises(ValueError, match=f"a {kind} question needs a landscape"):
        scenes.load_scenes(write(tmp_path, text))


def test_a_network_scene_cannot_ask_for_a_point(tmp_path):
    text = GOOD_MODEL + POINT
    with pytest.raises(ValueError, match="a point question needs a landscape"):
        scenes.load_scenes(write(tmp_path, text))


@pytest.mark.parametrize(
    ("name", "optimizers", "momentum", "others"),
    [
        ("reduce-when-diverging", ("momentum",), 0.9, (0.5,)),
        ("default-0.9", ("sgd", "momentum"), 0.9, (0.99,)),
        ("faster", ("sgd", "momentum"), 0.9, ()),
        # it opened on β = 0.9, which stays stuck: only β = 0.99 clears the dip (#26)
        ("escape", ("sgd", "momentum"), 0.99, (0.9,)),
    ],
    ids=["reduce", "default", "faster", "escape"],
)
def test_the_playground_handover_keeps_the_comparison(name, optimizers, momentum, others):
    scene = next(s for s in SCENES if s.name == name)
    race = scene.playground()
    assert (race.optimizers, race.momentum) == (optimizers, momentum)
    assert scene.other_momenta() == others


def test_the_explore_link_carries_the_run_that_makes_the_point():
    # "Explore this scene in the playground" on scene 3 raced β = 0.9, which stays stuck in
    # the dip, and dropped β = 0.99, which clears it (#26).
    from urllib.parse import parse_qs

    from tests.app.harness import page_at

    at = page_at("pages/scenes.py", {"scene": "escape"})
    (link,) = [p.proto for p in at.get("page_link") if "playground" in p.proto.label]
    query = parse_qs(link.query_string)
    assert query["momentum"] == ["0.99"] and query["optimizers"] == ["sgd,momentum"]
    assert "β = 0.9 too" in link.help


# The article's network: each run of a model scene trained on its own, one seed at a time
# (the page trains every β and seed in one batch), and the caption's statistics worked
# out in plain Python below.


def seed_runs(scene) -> dict[str, tuple[list[list[float]], list[list[float]]]]:
    """Per run key: (training losses, validation losses), each a list per seed of the
    loss after every epoch, inf from the epoch the run diverged in."""
    m = scene.model
    model = Model(m.activation, make_dataset(m.data_seed))
    out = {}
    for run in scene.runs:
        train, val = [], []
        for seed in range(m.seeds):
            r = train_batch(model, heavy_ball(scene.lr, run.momentum), glorot_params(seed),
                            m.epochs, m.batch, m.data_seed)  # fmt: skip
            gone = int(r.diverged_epoch[0])
            train.append(_cut(r.train_loss[:, 0], gone))
            val.append(_cut(r.val_loss[:, 0], gone))
        out[run.key] = (train, val)
    return out


def _cut(losses, gone: int) -> list[float]:
    """The losses per epoch, inf from the epoch ``gone`` a run diverged in (-1: never)."""
    return [v if gone < 0 or e < gone else math.inf for e, v in enumerate(losses)]


def middle(values) -> float:
    """The lower middle value of an even count (the seeds' own value, no averaging)."""
    ordered = sorted(values)
    return ordered[math.ceil(len(ordered) / 2) - 1]


def model_values(scene, trained) -> dict:
    seeds = scene.model.seeds
    target = 1.1 * min(middle(t[-1] for t in train) for train, _ in trained.values())
    reach = {key: [next((e for e, v in enumerate(t) if v <= target), math.inf) for t in train]
             for key, (train, _) in trained.items()}  # fmt: skip
    out = {"target": target, "seeds": seeds}
    for key, (train, val) in trained.items():
        others = [reach[k] for k in reach if k != key]
        first = sum(all(reach[key][s] < o[s] for o in others) for s in range(seeds))
        median = middle(reach[key])
        out[key] = SimpleNamespace(
            epochs=-1 if median == math.inf else median, first=first,
            diverged=sum(t[-1] == math.inf for t in train),
            loss=middle(t[-1] for t in train), val=middle(v[-1] for v in val),
        )  # fmt: skip
    return out


@pytest.mark.parametrize("scene", MODELS, ids=[s.name for s in MODELS])
def test_a_model_scenes_numbers_are_its_runs_numbers(scene):
    staged = scenes.stage(scene)
    want = model_values(scene, seed_runs(scene))
    assert staged.values["target"] == pytest.approx(want["target"], rel=1e-12)
    for run in scene.runs:
        got, ref = staged.values[run.key], want[run.key]
        for field in ("epochs", "first", "diverged"):
            assert getattr(got, field) == getattr(ref, field), (run.key, field)
        assert got.loss == pytest.approx(ref.loss, rel=1e-12)
    text = scenes.caption(scene, staged.values)
    for run in scene.runs:  # the headline of each run is in the words
        ref = want[run.key]
        if ref.diverged * 2 > want["seeds"]:
            assert f"diverges on {ref.diverged} of {want['seeds']} seeds" in text
        else:
            assert f"in a median of {ref.epochs} epoch" in text
    numbers = [*scene.model.__dict__.values(), scene.lr, want["target"]]
    numbers += [v for key in scene.runs for v in (key.momentum, *vars(want[key.key]).values())]
    numbers = [v for v in numbers if isinstance(v, (int, float)) and math.isfinite(v)]
    stray = set(NUMBER.findall(text)) - shown(numbers)
    assert not stray, f"{stray} in: {text}"
    assert scenes.failed_checks(scene, want) == []  # the claim holds on the separate runs too


def test_the_model_scenes_make_the_claim_and_its_counter_case():
    assert len(MODELS) >= 2
    assert all("trains a model faster" in s.claim for s in MODELS)
    values = [scenes.stage(s).values for s in MODELS]
    # Momentum first on most seeds in one, SGD first on most seeds in another.
    assert any(v["heavy"].first * 2 > v["seeds"] for v in values)
    assert any(v["sgd"].first * 2 > v["seeds"] for v in values)


def test_a_model_scene_draws_one_seeds_path_at_each_runs_momentum():
    scene = MODELS[0]
    staged = scenes.stage(scene)
    path = network_path(scene.lr, scene.model.momentum, scene.model.batch, scene.model.epochs,
                        scene.model.activation, scene.model.data_seed)  # fmt: skip
    assert np.array_equal(staged.results["sgd"].positions, path.sgd.positions)
    heavy = list(path.momenta).index(0.9)
    assert np.array_equal(staged.results["heavy"].positions[:, 0], path.family.positions[:, heavy])
    assert staged.objective.title == path.objective.title and staged.start == path.start
    # Its race data says it is the network's plane, and holds both racers.
    data = json.loads(scenes.stage_view(scene, staged, 14))
    assert [t["label"] for t in data["tracks"]] == ["SGD", "Momentum β = 0.9"]
    # Its axes are the plane's directions and its clock is marked in epochs (not x, y, step).
    layout = data["figure"]["layout"]
    assert "direction" in layout["xaxis"]["title"]["text"]
    assert layout["xaxis2"]["title"]["text"].startswith("epoch")


GOOD_MODEL = """
[[scene]]
name = "net"
title = "Net"
claim = "A claim."
lr = 0.01
model = { activation = "tanh", batch = 64, epochs = 5, seeds = 10 }
runs = [{ key = "a", optimizer = "sgd" }, { key = "b", optimizer = "momentum", momentum = 0.5 }]
caption = "{a.label} {a.outcome}; {b.outcome}; target {target:.3g} over {seeds} seeds."
checks = ["b.first >= 0"]
"""


def test_a_speaker_can_add_a_model_scene(tmp_path):
    (scene,) = scenes.load_scenes(write(tmp_path, GOOD_MODEL))
    m = scene.model
    assert (m.activation, m.batch, m.epochs, m.seeds, m.data_seed) == ("tanh", 64, 5, 10, 0)
    assert (m.lr, m.momentum) == (0.01, 0.5)  # the scene's first momentum is the page's β
    assert scene.where == "the article's network (tanh), α = 0.01, batches of 64, 10 seeds"
    text = scenes.caption(scene, scenes.stage(scene).values)
    assert text.startswith("SGD ") and "over 10 seeds" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("batch = 64", "batch = 4"), "batch"),
        (("batch = 64", "width = 64"), "model takes activation, batch"),
        (('"tanh"', '"sigmoid"'), "act"),
        (("lr = 0.01", "lr = 5"), "lr"),
        (('optimizer = "momentum"', 'optimizer = "adam"'), "sgd or momentum"),
        (
            (
                "momentum = 0.5",
                "momentum = 0.5 }, { key = 'c', optimizer = 'momentum', momentum = 0.33",
            ),
            "momentum 0.33 is not trained",
        ),
        (("{a.outcome}", "{a.steps}"), "the caption's {a.steps} is not a known field"),
        (("b.first >= 0", "b.gap >= 0"), "unknown 'b.gap'"),
        (("momentum = 0.5", "momentum = true"), "momentum is a number"),
        (("batch = 64", "batch = [64]"), "batch"),
    ],
    ids=[
        "batch",
        "key",
        "activation",
        "lr",
        "optimizer",
        "momentum",
        "field",
        "check",
        "momentum-bool",
        "batch-list",
    ],
)
def test_a_broken_model_scene_is_named_with_its_fault(tmp_path, change, message):
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        scenes.load_scenes(write(tmp_path, GOOD_MODEL.replace(*change)))
    assert "'net'" in str(err.value)
