"""decode.js, the race's decoding module, on a static page: it must read the data exactly
as the Python side says it encodes it (two formulations of one decoding); and an exported
race plays and scrubs from a file with the network blocked."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from momentum_app.config.settings import default_settings
from momentum_app.race.figures import COLORS
from momentum_app.race.race_chart import standalone_html
from momentum_app.race.race_data import Screen
from momentum_app.race.runs import (
    TOLERANCE,
    line_part,
    pad_part,
    race_families,
    race_view,
    start_part,
)
from momentum_app.talk import scenes
from momentum_app.talk.export import talk_html
from momentum_app.talk.scenes import ASKING_TITLE
from momentum_core.outcome import outcome
from tests.e2e.conftest import files_only, shot

DECODE_JS = Path(__file__).parents[2] / "momentum_app" / "race" / "race_component" / "decode.js"


@pytest.fixture
def blank(page):
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(content=DECODE_JS.read_text())
    return page


def _decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype)


def test_decode_reads_every_run_as_python_writes_it(blank):
    s = replace(default_settings("rastrigin"), steps=300)
    data = json.loads(race_view(s).data)
    screen = Screen(**{k: tuple(v) for k, v in data["screen"].items()})
    runs = data["tracks"][1]["sets"]["beta"]
    got = blank.evaluate(
        "([d, screen]) => { const r = RaceDecode.unpackRuns(d, screen, false);"
        " return {x: Array.from(r.path.x), y: Array.from(r.path.y), gap: Array.from(r.loss.gap),"
        " offsets: Array.from(r.path.offsets), diverged: Array.from(r.diverged),"
        " tol: Array.from(r.tolStep), final: Array.from(r.finalGap)}; }",
        [runs, data["screen"]],
    )
    path = runs["path"]
    for axis in ("x", "y"):
        want = screen.decoded(_decode(path[axis], "<u2"), axis)
        assert np.allclose(got[axis], want, rtol=0, atol=1e-12)
    want_gap = screen.decoded(_decode(runs["loss"]["gap"], "<u2"), "gap")
    assert np.allclose(got["gap"], want_gap, rtol=0, atol=1e-12)
    assert got["offsets"] == _decode(path["offsets"], "<u4").tolist()
    assert got["diverged"] == _decode(runs["diverged"], "<i4").tolist()
    assert got["tol"] == _decode(runs["tolStep"], "<i4").tolist()
    assert got["final"] == _decode(runs["finalGap"], "<f8").tolist()


def _plain(text: str) -> str:
    """Python's and the browser's spellings of a number made one (1e-06 and 1e−6)."""
    return text.replace("−", "-").replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def test_the_readout_says_what_a_run_has_now_and_its_end_once_there(blank):
    s = replace(default_settings("rastrigin"), steps=300)
    data = json.loads(race_view(s).data)
    families = race_families(s)
    seen = set()
    for track in data["tracks"]:
        result = families[track["name"]].result
        said = blank.evaluate(
            "([o, d, screen, steps, tol]) => { const r = RaceDecode.unpackRuns(d, screen, false);"
            " return Array.from({length: r.runs}, (_, m) => [0, 150, steps].map("
            "   (s) => RaceDecode.readout(o, r, m, s, steps, tol))); }",
            [data["outcomes"], track["sets"]["beta"], data["screen"], s.steps, TOLERANCE],
        )
        for m, (start, middle, last) in enumerate(said):
            happened = outcome(s.objective, result, m)
            seen.add(happened.kind)
            # at the end, the outcome's own words (the same as every table's and map's)
            assert last["end"] and _plain(last["text"]) == _plain(happened.phrase(TOLERANCE))
            end = happened.step if happened.step >= 0 else s.steps
            for shown, step in ((start, 0), (middle, 150)):
                assert shown["end"] == (step >= end), (m, step, shown)
                if not shown["end"]:  # the gap at a kept step, from this very run
                    value, kept = re.fullmatch(
                        r"f − f\* = (\S+) at step (\d+)", shown["text"]
                    ).groups()
                    assert int(kept) <= step
                    gap = result.losses[int(kept), m] - s.objective.f_star
                    assert float(_plain(value)) == pytest.approx(gap, rel=0.006)  # 3 digits
    assert len(seen) >= 2, seen


def test_locate_finds_the_kept_point_at_or_before_a_step(blank):
    part = {"offsets": [0, 3, 6], "steps": [0, 10, 20, 0, 5, 30]}
    got = blank.evaluate(
        "(p) => [[0, 0], [0, 9], [0, 10], [0, 25], [1, 4], [1, 17], [1, 30]]"
        ".map(([m, s]) => RaceDecode.locate(p, m, s))",
        part,
    )
    assert got == [[0, 0], [0, 0.9], [1, 0], [2, 0], [3, 0.8], [4, 0.48], [5, 0]]


def test_numbers_read_as_the_sidebar_shows_them(blank):
    got = blank.evaluate(
        "() => [RaceDecode.fmtBeta(0.9), RaceDecode.fmtBeta(0.9564406779661017),"
        " RaceDecode.fmtBeta(0.905), RaceDecode.fmtAlpha(0.00123456), RaceDecode.fmtAlpha(2e-6),"
        " RaceDecode.fmt(3.4567e-7), RaceDecode.fmt(0)]"
    )
    assert got == ["0.90", "0.956", "0.905", "0.001235", "2e-6", "3.46e-7", "0"]


def test_an_exported_race_scrubs_offline(browser, tmp_path):
    s = default_settings()
    parts = {"alpha": line_part(s), "pad": pad_part(s), "start": start_part(s)}
    html = standalone_html(race_view(s).data, title="Race", momentum=s.momentum, parts=parts)
    path = tmp_path / "race.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    files_only(context)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("() => raceStats.axes.pad && raceStats.axes.alpha && chart._fullLayout")
    page.locator("#alpha").focus()
    page.locator("#alpha").press("Home")
    assert page.evaluate("() => shownSettings().alpha") == pytest.approx(s.objective.lr_range[0])
    page.locator("#play").click()
    page.wait_for_function("() => raceStats.framesDrawn > 30")
    shot(page, "exported-race")
    context.close()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])
def test_the_talk_file_steps_through_every_scene_offline(browser, tmp_path, size):
    every = scenes.load_scenes()
    path = tmp_path / "talk.html"
    path.write_text(talk_html(every), encoding="utf-8")
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    files_only(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(path.as_uri())
    for i, scene in enumerate(every):
        page.wait_for_function(f"() => talkStats.index === {i} && talkStats.shown >= {i + 1}")
        title = page.locator("#talktitle")
        # a question first, under a heading that does not answer it; then the title
        assert title.inner_text() == (scene.title if scene.question is None else ASKING_TITLE)
        font = page.evaluate("() => parseFloat(getComputedStyle(talkcaption).fontSize)")
        assert font >= 0.03 * size[1], font  # captions at least 3 % of the screen's height
        if scene.question is not None:  # asked first: the race plays once answered
            page.locator("#talkreveal").click()
            assert title.inner_text() == scene.title
        page.wait_for_function("() => raceStats.playing && raceStats.framesDrawn > 3")
        if i == 2:
            shot(page, f"talk-scene-3-{size[1]}")
        # The clicker's keys work whatever has focus: here the chart's own Play button,
        # where Space used to mean play.
        page.locator("#play").focus()
        page.keyboard.press(["ArrowRight", "PageDown", " "][i % 3])
    page.wait_for_timeout(300)
    assert page.evaluate("() => talkStats.index") == len(every) - 1
    page.keyboard.press("PageUp")
    page.wait_for_function(f"() => talkStats.index === {len(every) - 2}")
    assert not errors, errors
    context.close()


def _contrast_on_white(hex_colour: str) -> float:
    def channel(v: int) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_racer_colours_as_text_read_at_aa_contrast(blank):
    """The readout names each racer in its colour, darkened where it is too light to read
    (WCAG AA: 4.5:1 on white), and left alone where it already reads."""
    colours = sorted(set(COLORS.values()))
    inks = blank.evaluate("(cs) => cs.map((c) => RaceDecode.ink(c))", colours)
    assert any(_contrast_on_white(c) < 4.5 for c in colours)  # the palette has a light one
    for colour, ink in zip(colours, inks, strict=True):
        assert _contrast_on_white(ink) >= 4.5, (colour, ink)
        if _contrast_on_white(colour) >= 4.5:
            assert ink.lower() == colour.lower()
