"""A point question in Chromium: two phones tap where the run stops (touch, real taps on
the landscape), the presenter's chart draws both guesses and the count, and the reveal
marks the run's end (checked against the core) and the room's coordinate-wise median."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.app.test_room_point import core_end
from tests.e2e.conftest import shot
from tests.e2e.race_helpers import RACE_IFRAMES

TIMEOUT = 60_000
SCENE = "no-escape"
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
             device_scale_factor=2)  # fmt: skip


def chart_frame(page, ask: str):
    """The race's Frame once it is drawn in ask mode ``ask`` ("" once revealed)."""
    page.wait_for_selector(RACE_IFRAMES, state="attached", timeout=TIMEOUT)
    check = f"""() => [...document.querySelectorAll("{RACE_IFRAMES}")].findIndex((f) => {{
        const s = f.contentWindow && f.contentWindow.raceStats;
        return s && s.tracks && s.tracks.length && s.ask === {ask!r}
               && f.contentDocument.querySelector("#chart .main-svg"); }}) + 1"""
    index = page.wait_for_function(check, timeout=TIMEOUT).json_value() - 1
    return page.locator(RACE_IFRAMES).nth(index)


#: Whether plotly shows hover labels, and whether the loss plot is there.
HOVER_AND_LOSS = "() => [chart._fullLayout.hovermode, chart._fullLayout.yaxis2.visible]"


#: How far the drawing layer's corner is from the chart's (px), both ways.
OVERLAY_OFF_CHART = """() => { const o = document.getElementById("overlay").getBoundingClientRect(),
    c = chart.getBoundingClientRect();
    return [Math.round(o.left - c.left), Math.round(o.top - c.top)]; }"""


def tap_at(page, x: float, y: float):
    """Tap the landscape at (x, y) and send it; returns the guess the chart sent."""
    frame = chart_frame(page, "tap")
    inner = frame.element_handle().content_frame()
    # Asked, a phone gets no hover label over its guess and no empty loss plot (#26).
    assert inner.evaluate(HOVER_AND_LOSS) == [False, False]
    expect(inner.locator("#asksend")).to_be_disabled()  # in its place before the tap
    frame.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the page settles after the scroll
    px, py = inner.evaluate(f"""() => {{ const A = axes(), b = chart.getBoundingClientRect();
        return [b.left + A.x.px({x}), b.top + A.y.px({y})]; }}""")
    box = frame.bounding_box()
    page.touchscreen.tap(box["x"] + px, box["y"] + py)
    inner.wait_for_function("() => raceStats.guess !== null", timeout=TIMEOUT)
    # The guess is drawn where the finger was: the drawing layer over the chart, not over
    # the question's bar above it (it drew the guess a bar's height too high).
    inner.wait_for_timeout(300)
    assert inner.evaluate(OVERLAY_OFF_CHART) == [0, 0]
    send = inner.locator("#asksend")
    expect(send).to_be_enabled()
    size = send.bounding_box()
    assert size["height"] >= 44 and size["width"] >= 44  # a thumb's target
    return inner, send


def test_phones_tap_where_it_stops_and_the_reveal_marks_truth_and_median(browser, app_url):
    boss_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    fan_ctxs = [browser.new_context(**PHONE) for _ in range(2)]
    boss = boss_ctx.new_page()
    try:
        boss.goto(f"{app_url}/scenes?scene={SCENE}&present=1")
        boss.wait_for_url(re.compile(r"room=[A-Z0-9]{4}"), timeout=TIMEOUT)
        code = re.search(r"room=([A-Z0-9]+)", boss.url)[1]
        chart_frame(boss, "show")
        targets = [(1.0, -2.0), (-3.0, 3.5)]
        sent = []
        for i, (ctx, (x, y)) in enumerate(zip(fan_ctxs, targets, strict=True)):
            fan = ctx.new_page()
            fan.goto(f"{app_url}/scenes?room={code}&follow=1")
            inner, send = tap_at(fan, x, y)
            guess = inner.evaluate("() => raceStats.guess")
            assert guess == pytest.approx([x, y], abs=0.15)  # a pixel or two of a 10-wide plot
            if i == 0:
                shot(fan, "point-follower-tapped")
            send.tap()
            expect(fan.get_by_text(re.compile("Answer received"))).to_be_visible(timeout=TIMEOUT)
            sent.append(guess)
            if i == 0:
                chart_frame(fan, "show")
                shot(fan, "point-follower-sent")
        boss_frame = chart_frame(boss, "show").element_handle().content_frame()
        boss_frame.wait_for_function("() => raceStats.marks.count === 2", timeout=TIMEOUT)
        assert boss_frame.evaluate(HOVER_AND_LOSS) == [False, True]  # a projector keeps it
        drawn = boss_frame.evaluate("() => raceStats.marked")
        assert drawn["guesses"] == 2 and drawn["truth"] is None  # not yet revealed
        expect(boss.get_by_text(f"2 guesses · room {code}")).to_be_visible()
        shot(boss, "point-presenter-guesses")

        boss.get_by_role("button", name="Show the answer and play").click()
        after = chart_frame(boss, "").element_handle().content_frame()
        after.wait_for_function("() => raceStats.marked && raceStats.marked.truth", timeout=TIMEOUT)
        marks = after.evaluate("() => raceStats.marks")
        truth = core_end(SCENE)
        assert marks["truth"] == pytest.approx(truth, abs=1e-9)
        median = np.median(np.array(sent), axis=0)  # two guesses: the midpoint
        assert marks["median"] == pytest.approx(median.tolist(), abs=1e-9)
        assert after.evaluate("() => raceStats.marked.median") is not None
        boss.wait_for_timeout(2500)  # the race has played a while
        shot(boss, "point-presenter-revealed")

        fan = fan_ctxs[0].pages[0]
        expect(fan.get_by_text(re.compile("was .* away from where it stops"))).to_be_visible(
            timeout=TIMEOUT
        )
        fan_frame = chart_frame(fan, "").element_handle().content_frame()
        fan_frame.wait_for_function(
            "() => raceStats.marked && raceStats.marked.mine", timeout=TIMEOUT
        )
        fan.wait_for_timeout(2000)
        shot(fan, "point-follower-revealed")
        assert fan_frame.evaluate(HOVER_AND_LOSS) == ["closest", True]  # the race's own
    finally:
        for c in (boss_ctx, *fan_ctxs):
            c.close()
