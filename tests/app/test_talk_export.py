"""The talk as one offline file: every scene, its caption and checks from the runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from momentum_app.race import runs
from momentum_app.race.inspect_data import with_inspection
from momentum_app.studies import model_view
from momentum_app.talk import scenes
from momentum_app.talk.export import scene_slide, talk_html

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def talk() -> str:
    return talk_html(scenes.load_scenes())


def test_the_talk_holds_every_scene_once_with_plotly_inlined_once(talk):
    every = scenes.load_scenes()
    for i in range(len(every)):
        assert f'id="race-{i}"' in talk
    assert f'id="race-{len(every)}"' not in talk
    assert talk.count("plotly.js (basic - minified) v4.1.1") == 1
    assert "<script src=" not in talk and "<link" not in talk  # nothing loads from elsewhere
    # every 2-D run's step inspector numbers travel too (exact floats, ~5.7 MB of them)
    assert len(talk.encode()) <= 10_000_000


def test_each_slide_carries_the_caption_and_checks_the_scenes_page_computes(talk):
    (block,) = re.findall(r'<script type="application/json" id="slides">(.*?)</script>', talk)
    slides = json.loads(block.replace("<\\/", "</"))
    every = scenes.load_scenes()
    assert any(s.model for s in every) and any(not s.model for s in every)
    for slide, scene in zip(slides, every, strict=True):
        if scene.model is None:
            results = {run.key: runs.run_one(scene.settings(run)) for run in scene.runs}
            values = scenes.facts(scene, results, scenes.asked_runs(scene))
        else:  # the page's model race over seeds, not the talk's own run of it
            values = scenes.model_facts(scene, model_view.race_for(scene.model))
        assert slide["caption"] == scenes.caption(scene, values)
        assert slide["where"] == scene.where
        assert slide["failed"] == scenes.failed_checks(scene, values) == []
        assert slide["checks"] == len(scene.checks) and slide["title"] == scene.title


def test_each_question_is_in_the_file_with_its_answer_from_the_core(talk):
    from tests.app.test_room_chart import core_answer
    from tests.app.test_room_point import core_end

    (block,) = re.findall(r'<script type="application/json" id="slides">(.*?)</script>', talk)
    slides = {s["name"]: s for s in json.loads(block.replace("<\\/", "</"))}
    asking = [s for s in scenes.load_scenes() if s.question is not None]
    assert {s.question.kind for s in asking} == {"choice", "point", "beta", "pad"}
    for scene in asking:
        q = slides[scene.name]["question"]
        assert (q["kind"], q["text"]) == (scene.question.kind, scene.question.text)
        if q["kind"] == "choice":
            assert sum(c["right"] for c in q["choices"]) == 1 and q["truth"] is None
            right = next(c["label"] for c in q["choices"] if c["right"])
            assert q["answer"] == f"The runs answer it: {right}."
        elif q["kind"] == "point":
            assert q["truth"] == pytest.approx(core_end(scene.name), abs=1e-9)
        else:
            truth, steps = core_answer(scene.name)
            assert q["truth"] == list(truth) and f"in {steps:,} steps" in q["answer"]
            pad = q["kind"] == "pad"
            assert len(slides[scene.name]["parts"]) == pad  # the pad travels with its scene
    assert all(s["question"] is None for s in slides.values() if s["name"] not in
               {a.name for a in asking})  # fmt: skip


def test_a_scene_race_in_the_file_is_the_pages_race():
    scene = scenes.load_scenes()[0]
    results = {run.key: runs.run_one(scene.settings(run)) for run in scene.runs}
    page = runs.view(scene.objective, scene.start, scenes.tracks(scene, results), 18)
    # the page's race carries its runs' step inspector numbers as the file's does
    page = with_inspection(page, scenes.scene_inspections(scene))
    assert scene_slide(scene)["race"] == page


def test_the_command_writes_the_talk_and_refuses_a_bad_file(tmp_path):
    out = tmp_path / "talk.html"
    done = subprocess.run([sys.executable, "-m", "momentum_app.talk", "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and out.stat().st_size > 1_000_000, done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scene]]\nname = "x"\n')
    command = [sys.executable, "-m", "momentum_app.talk", str(bad), "-o", str(tmp_path / "no.html")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "no.html").exists()
