"""β and pad questions in Chromium: phones (390 x 844, touch) pick the run's fastest β with
the slider's step buttons and its fastest (α, β) with a tap on the pad, the presenter's
chart (1280 x 720) draws every guess with the count, and the reveal marks the answer
(checked against the core alone) and the room's median."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.app.test_room_chart import core_answer
from tests.e2e.conftest import shot
from tests.e2e.test_room_point_browser import PHONE, TIMEOUT, chart_frame


def pick_beta(page, steps: int):
    """Tap the β slider's − or + button ``steps`` times (a thumb's way to one of 101 βs)."""
    inner = chart_frame(page, "tap").element_handle().content_frame()
    expect(inner.locator("#asksend")).to_be_disabled()
    button = inner.locator("#betaup" if steps > 0 else "#betadown")
    size = button.bounding_box()
    assert size["height"] >= 44 and size["width"] >= 44  # a thumb's target
    for _ in range(abs(steps)):
        button.tap()
    return inner


def pick_cell(page, i: int, j: int):
    """Tap the pad's cell (i, j) (column: α, row from the bottom: β) with a finger."""
    inner = chart_frame(page, "tap").element_handle().content_frame()
    inner.wait_for_function("() => raceStats.axes.pad && raceStats.marks.kind === 'pad'",
                            timeout=TIMEOUT)  # fmt: skip
    pad = inner.locator("#pad")
    pad.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the page settles after the scroll
    box = pad.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # the pad is the target, screen wide
    shape = inner.evaluate(
        "() => [raceStats.axes.pad.alphas.length, raceStats.axes.pad.betas.length]"
    )
    x = box["x"] + (i + 0.5) / shape[0] * box["width"]
    y = box["y"] + box["height"] - (j + 0.5) / shape[1] * box["height"]
    page.touchscreen.tap(x, y)  # a box in a frame is given in the page's viewport
    return inner


CASES = [("pick-beta", "beta", [-20, -5]), ("pick-alpha-beta", "pad", [(8, 4), (30, 12)])]


@pytest.mark.parametrize(("scene", "kind", "picks"), CASES, ids=[c[1] for c in CASES])
def test_phones_pick_on_the_chart_and_the_reveal_marks_the_core_answer(
    browser, app_url, scene, kind, picks
):
    boss_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    fan_ctxs = [browser.new_context(**PHONE) for _ in picks]
    boss = boss_ctx.new_page()
    try:
        boss.goto(f"{app_url}/scenes?scene={scene}&present=1")
        boss.wait_for_url(re.compile(r"room=[A-Z0-9]{4}"), timeout=TIMEOUT)
        code = re.search(r"room=([A-Z0-9]+)", boss.url)[1]
        chart_frame(boss, "show")
        sent = []
        for n, (ctx, pick) in enumerate(zip(fan_ctxs, picks, strict=True)):
            fan = ctx.new_page()
            fan.goto(f"{app_url}/scenes?room={code}&follow=1")
            if kind == "beta":
                inner = pick_beta(fan, pick)
                start = inner.evaluate("() => raceStats.betas.indexOf(0.9)")
                expected = inner.evaluate(f"() => [raceStats.betas[{start + pick}]]")
            else:
                inner = pick_cell(fan, *pick)
                axes = inner.evaluate("() => raceStats.axes.pad")
                expected = [axes["alphas"][pick[0]], axes["betas"][pick[1]]]
            inner.wait_for_function("() => raceStats.guess !== null", timeout=TIMEOUT)
            guess = inner.evaluate("() => raceStats.guess")
            assert guess == expected  # a value of the chart's own grid
            if kind == "beta":  # the slider's guess is drawn under it, where the thumb is
                ring = inner.evaluate("() => raceStats.marked.guess[0]")
                thumb = inner.evaluate(
                    """() => { const s = document.getElementById("beta").getBoundingClientRect(),
                       c = document.getElementById("betamarks").getBoundingClientRect(),
                       f = Number(s.value || document.getElementById("beta").value) /
                           (raceStats.betas.length - 1);
                       return s.left - c.left + 14 + f * (s.width - 28); }"""
                )
                assert ring == pytest.approx(thumb, abs=1.5)
            if n == 0:
                shot(fan, f"{kind}-follower-picked")
            send = inner.locator("#asksend")
            box = send.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44
            send.tap()
            expect(fan.get_by_text(re.compile("Answer received"))).to_be_visible(timeout=TIMEOUT)
            sent.append(guess)
        boss_frame = chart_frame(boss, "show").element_handle().content_frame()
        boss_frame.wait_for_function(
            f"() => raceStats.marks.count === {len(picks)}", timeout=TIMEOUT
        )
        assert sorted(boss_frame.evaluate("() => raceStats.marks.guesses")) == sorted(sent)
        drawn = boss_frame.evaluate("() => raceStats.marked")
        assert drawn["guesses"] == len(picks) and drawn["truth"] is None  # not yet revealed
        # every guess is on the presenter's screen
        where = "#betamarks" if kind == "beta" else "#pad"
        box = boss_frame.locator(where).bounding_box()
        assert box["width"] > 200 and box["y"] + box["height"] <= 720
        expect(boss.get_by_text(f"{len(picks)} guesses · room {code}")).to_be_visible()
        shot(boss, f"{kind}-presenter-guesses")

        boss.get_by_role("button", name="Show the answer and play").click()
        after = chart_frame(boss, "").element_handle().content_frame()
        after.wait_for_function("() => raceStats.marked && raceStats.marked.truth", timeout=TIMEOUT)
        marks = after.evaluate("() => raceStats.marks")
        truth, steps = core_answer(scene)
        assert marks["truth"] == list(truth)
        assert marks["median"] == pytest.approx(np.median(np.array(sent), axis=0).tolist())
        expect(boss.get_by_text(re.compile(f"in {steps:,} steps"))).to_be_visible()
        boss.wait_for_timeout(2000)
        shot(boss, f"{kind}-presenter-revealed")

        fan = fan_ctxs[0].pages[0]
        expect(fan.get_by_text(re.compile("Your guess .* there the run"))).to_be_visible(
            timeout=TIMEOUT
        )
        fan_frame = chart_frame(fan, "").element_handle().content_frame()
        fan_frame.wait_for_function(
            "() => raceStats.marked && raceStats.marked.mine", timeout=TIMEOUT
        )
        assert fan_frame.evaluate("() => raceStats.marks.mine") == sent[0]
        shot(fan, f"{kind}-follower-revealed")
    finally:
        for c in (boss_ctx, *fan_ctxs):
            c.close()
