"""The step inspector: paused, each racer's next update as arrows and numbers, every one of
them the core's (momentum_core.inspector), on a blank page, in the playground, and in the
offline talk file; with screenshots on a laptop, a projector and a phone."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from momentum_app.config.settings import default_settings
from momentum_app.race.inspect_data import inspection_data
from momentum_app.talk import scenes
from momentum_app.talk.export import talk_html
from momentum_core import get_objective
from momentum_core.inspector import inspect_run
from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_frame, race_handle

DECODE_JS = Path(__file__).parents[2] / "momentum_app" / "race" / "race_component" / "decode.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}  # fmt: skip
NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?(?:e[−+-]?\d+)?")


@pytest.fixture
def blank(page):
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(content=DECODE_JS.read_text())
    return page


def numbers(text: str) -> list[float]:
    """Every number in a line of the panel (true minus signs read as minus)."""
    return [float(n.replace("−", "-")) for n in NUMBER.findall(text)]


def shown(value: float) -> float:
    """A number as the panel writes it: four significant digits."""
    return float(f"{value:.4g}")


def close(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(
        g == shown(w) or abs(g - w) <= 5e-4 * abs(w) for g, w in zip(got, want, strict=True)
    )


def test_arrows_end_at_the_point_plus_the_cores_terms(blank):
    rosen = get_objective("rosenbrock")
    ins = inspect_run(rosen, "momentum", 1.5e-3, 0.9, rosen.x0, 200)
    data = inspection_data(ins, "k")
    s = 57
    got = blank.evaluate(
        """([d, s]) => { const ins = RaceDecode.unpackInspect(d), at = RaceDecode.inspectAt(ins, s);
          return {at, one: RaceDecode.arrowEnds(ins, at, 1), ten: RaceDecode.arrowEnds(ins, at, 10),
                  lines: RaceDecode.inspectLines(ins, at), end: RaceDecode.inspectAt(ins, 200),
                  scale: [RaceDecode.arrowScale(3, 60, 400), RaceDecode.arrowScale(900, 60, 400),
                          RaceDecode.arrowScale(100, 60, 400)]}; }""",
        [data, s],
    )
    x = ins.positions[s]
    ends = {a["kind"]: a for a in got["one"]}
    assert ends["step"]["from"] == x.tolist()
    # the step arrow ends where the run went next, bit for bit
    assert ends["step"]["to"] == ins.positions[s + 1].tolist()
    assert ends["grad"]["to"] == (x + ins.terms["grad_step"][s]).tolist()
    assert ends["carry"]["to"] == (x + ins.terms["carry"][s]).tolist()
    tens = {a["kind"]: a for a in got["ten"]}
    assert tens["carry"]["to"] == (x + 10 * ins.terms["carry"][s]).tolist()
    assert got["at"]["u"] == s + 1 and got["at"]["beta"] == 0.9
    assert got["end"]["status"] == "end"
    assert got["scale"] == [20, 0.2, 1]  # round factors that bring the longest inside
    # the panel writes torch's rule with the core's numbers
    b_line = next(line for line in got["lines"] if line.startswith("b ← β·b + g"))
    b = ins.states["b"]
    assert close(numbers(b_line.split("=", 1)[1]),
                 [0.9, *b[s], *ins.gradients[s], *b[s + 1]])  # fmt: skip
    x_line = next(line for line in got["lines"] if line.startswith("x ← x − α·b"))
    assert close(numbers(x_line.split("=", 1)[1]),
                 [*x, 1.5e-3, *b[s + 1], *ins.positions[s + 1]])  # fmt: skip


def test_a_diverged_run_says_so(blank):
    rosen = get_objective("rosenbrock")
    ins = inspect_run(rosen, "momentum", 0.01, 0.9, rosen.x0, 200)
    at = blank.evaluate(
        "([d, s]) => RaceDecode.inspectAt(RaceDecode.unpackInspect(d), s)",
        [inspection_data(ins), ins.diverged_step - 1],
    )
    assert at["status"] == "diverged" and at["diverged"] == ins.diverged_step


PANEL = """() => ({step: raceStats.step, inspector: raceStats.inspector,
                   text: document.getElementById('inspector').innerText,
                   beta: shownSettings().beta, alpha: shownSettings().alpha})"""


def wait_inspected(handle, racers: int):
    handle.wait_for_function(
        f"() => raceStats.inspector.length === {racers}"
        " && raceStats.inspector.every((r) => r.status === 'ok')",
        timeout=60_000,
    )
    return handle.evaluate(PANEL)


def check_panel(got, s, racers):
    """Each racer's arrows and panel numbers against the core's run at the shown settings."""
    obj = s.objective
    step = int(got["step"])
    for entry, name in zip(got["inspector"], racers, strict=True):
        ins = inspect_run(obj, name, got["alpha"], got["beta"] if name != "sgd" else 0.0,
                          s.start, s.steps, noise=s.noise, seed=s.seed)  # fmt: skip
        assert entry["u"] == step + 1
        ends = {a["kind"]: a for a in entry["arrows"]}
        k = entry["k"]
        x = ins.positions[step]
        np.testing.assert_allclose(ends["step"]["to"], x + k * ins.steps[step], rtol=1e-14)
        np.testing.assert_allclose(ends["grad"]["to"], x + k * ins.terms["grad_step"][step],
                                   rtol=1e-14)  # fmt: skip
        if name == "momentum":
            np.testing.assert_allclose(ends["carry"]["to"], x + k * ins.terms["carry"][step],
                                       rtol=1e-14)  # fmt: skip
            line = next(ln for ln in got["text"].splitlines() if ln.startswith("x ← x − α·b"))
            want = [*x, got["alpha"], *ins.states["b"][step + 1], *ins.positions[step + 1]]
        else:
            line = next(ln for ln in got["text"].splitlines() if ln.startswith("x ← x − α·g"))
            want = [*x, got["alpha"], *ins.gradients[step], *ins.positions[step + 1]]
        assert close(numbers(line.split("=", 1)[1]), want), (line, want)


def test_the_playground_inspector_shows_the_cores_numbers_and_follows_a_scrub(page, app_url):
    s = replace(default_settings(), steps=400)
    page.goto(app_url + "/playground?steps=400")
    frame = race_frame(page)
    handle = race_handle(page)
    frame.locator("#play").click()
    handle.wait_for_function("() => raceStats.step > 40")
    frame.locator("#play").click()  # pause: the inspector comes on
    frame.locator("#play").press("ArrowRight")  # and steps on
    got = wait_inspected(handle, len(s.optimizers))
    assert got["text"].startswith("Step inspector (paused; ← → (or , .) step by one)")
    check_panel(got, s, s.optimizers)
    before = got["step"]
    frame.locator("#play").press("ArrowLeft")
    frame.locator("#play").press("ArrowLeft")
    got = wait_inspected(handle, len(s.optimizers))
    assert got["step"] == before - 2
    check_panel(got, s, s.optimizers)
    # A scrub of β: the momentum run shown changes, its numbers are asked for and come.
    frame.locator("#beta").focus()
    frame.locator("#beta").press("ArrowLeft")
    handle.wait_for_function("() => shownSettings().beta < 0.9")
    got = wait_inspected(handle, len(s.optimizers))
    assert got["beta"] < 0.9
    check_panel(got, s, s.optimizers)
    assert "NaN" not in got["text"] and "Traceback" not in page.content()
    shot(page, "inspector-playground-1440")


@pytest.mark.parametrize(
    "where",
    [
        ("desktop", {"viewport": {"width": 1440, "height": 900}}, ""),
        ("presenter", {"viewport": {"width": 1280, "height": 720}}, "&present=1"),
        ("phone", PHONE, ""),
    ],
    ids=lambda w: w[0],
)
def test_screenshots(browser, app_url, where):
    name, context_args, flag = where
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.goto(app_url + "/playground?steps=400" + flag)
    frame = race_frame(page)
    handle = race_handle(page)
    frame.locator("#inspect").click()
    handle.evaluate("() => { raceStats.step = 120; draw(); }")
    got = wait_inspected(handle, 2)
    assert "NaN" not in got["text"]
    frame.locator("#inspector").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    shot(page, f"inspector-{name}")
    page.locator("iframe[title*='race']").first.scroll_into_view_if_needed()
    context.close()


def test_the_talk_file_inspects_its_scenes_offline(browser, tmp_path):
    scene = scenes.load_scenes()[0]
    path = tmp_path / "talk.html"
    path.write_text(talk_html([scene]), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url[:5] == "file:" else r.abort())
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("() => raceStats.playing && raceStats.step > 30")
    page.locator("#play").click()  # pause
    page.keyboard.press(".")  # a step on ("," and "." step; the arrows are the talk's)
    got = wait_inspected(page, len(scene.runs))
    step = int(got["step"])
    for entry, run in zip(got["inspector"], scene.runs, strict=True):
        rs = scene.settings(run)
        ins = inspect_run(rs.objective, run.optimizer, rs.lr, rs.momentum, rs.start, rs.steps)
        ends = {a["kind"]: a for a in entry["arrows"]}
        np.testing.assert_allclose(ends["step"]["to"],
                                   ins.positions[step] + entry["k"] * ins.steps[step],
                                   rtol=1e-14)  # fmt: skip
    assert f"update {step + 1:,}" in got["text"]
    shot(page, "inspector-talk")
    context.close()


def test_on_the_scenes_page_the_inspector_steps_with_comma_and_period(page, app_url):
    """There ← → are the clicker's (the next scene), and the panel says which keys step."""
    scene = scenes.load_scenes()[0]
    page.goto(app_url + f"/scenes?scene={scene.name}")
    frame = race_frame(page)
    handle = race_handle(page)
    frame.locator("#play").click()
    handle.wait_for_function("() => raceStats.step > 30")
    frame.locator("#play").click()  # pause
    frame.locator("#play").press(".")
    got = wait_inspected(handle, len(scene.runs))
    assert got["text"].startswith("Step inspector (paused; the keys , and . step by one)")
    before = got["step"]
    frame.locator("#play").press(",")
    handle.wait_for_function(f"() => raceStats.step === {before - 1}")


def test_a_scene_carries_one_inspection_per_run():
    scene = scenes.load_scenes()[0]
    data = json.loads(scenes.stage_view(scene, scenes.stage(scene), 14))
    assert len(data["inspect"]) == len(data["tracks"]) == len(scene.runs)
    for d, run in zip(data["inspect"], scene.runs, strict=True):
        assert d["rule"] == run.optimizer and d["updates"] >= 1
