"""A phone's first screen (390 x 844, touch): a follower sees the scene's chart, which plays
only once it is on screen; the playground's Play and its landscape are on screen together,
and the copy says tap, not hover or click (issue #25 item 4, issue #26 item 6)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_handle, race_iframe

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TIMEOUT = 40_000

#: The chart's and the landscape's plot area's tops, Play's bottom, in the race frame.
PARTS = """() => {
  const chart = document.getElementById("chart"), box = chart.getBoundingClientRect();
  return {chart: box.top, chartHeight: box.height,
          landscape: box.top + chart._fullLayout.yaxis._offset,
          play: document.getElementById("play").getBoundingClientRect().bottom,
          step: raceStats.step, waiting: raceStats.waiting};
}"""


def parts(page) -> dict:
    """PARTS on the page: the frame's boxes moved by the frame's own top."""
    frame = race_handle(page)
    frame.wait_for_function("() => document.getElementById('chart')._fullLayout")
    top = race_iframe(page).bounding_box()["y"]
    got = frame.evaluate(PARTS)
    for key in ("chart", "landscape", "play"):
        got[key] += top
    return got


def open_room(browser, app_url, scene: str):
    """A presenter's laptop opens a room on ``scene``; returns its context, page and code."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    boss = context.new_page()
    boss.goto(f"{app_url}/scenes?scene={scene}&present=1")
    boss.wait_for_url(re.compile(r"room=[A-Z0-9]{4}"), timeout=60_000)
    return context, boss, re.search(r"room=([A-Z0-9]+)", boss.url)[1]


def test_a_followers_phone_shows_the_chart_and_plays_it_once_seen(browser, app_url):
    boss_context, boss, code = open_room(browser, app_url, "faster")
    contexts = [boss_context]
    try:
        phone = browser.new_context(**PHONE)
        contexts.append(phone)
        fan = phone.new_page()
        fan.goto(f"{app_url}/scenes?room={code}&follow=1")
        title = fan.get_by_role("heading", name="Momentum trains faster", exact=True)
        expect(title).to_be_visible(timeout=60_000)
        seen = parts(fan)
        shot(fan, "phone-follower-first-screen")
        assert title.bounding_box()["y"] >= 0 and seen["chart"] < 844 - 200, seen
        # On screen, it plays (the presenter's too).
        race_handle(fan).wait_for_function("() => raceStats.step > 0", timeout=TIMEOUT)
        race_handle(boss).wait_for_function("() => raceStats.step > 0", timeout=TIMEOUT)

        # A short screen: the chart mostly below the fold waits at step 0 until scrolled to.
        short = browser.new_context(**{**PHONE, "viewport": {"width": 390, "height": 420}})
        contexts.append(short)
        low = short.new_page()
        low.goto(f"{app_url}/scenes?room={code}&follow=1")
        expect(low.get_by_text(f"Following room {code}")).to_be_visible(timeout=60_000)
        before = parts(low)
        shown = max(0.0, 420 - before["chart"])
        assert shown < 0.5 * min(before["chartHeight"], 420), before  # the premise
        low.wait_for_timeout(3000)
        still = parts(low)
        assert still["step"] == 0 and still["waiting"], still
        race_iframe(low).evaluate("f => f.scrollIntoView({block: 'start'})")
        race_handle(low).wait_for_function("() => raceStats.step > 0", timeout=TIMEOUT)
        assert parts(low)["chart"] < 420
    finally:
        for c in contexts:
            c.close()


def test_a_followers_answer_and_the_chart_share_the_first_screen(browser, app_url):
    boss_context, boss, code = open_room(browser, app_url, "reduce-when-diverging")
    phone = browser.new_context(**PHONE)
    try:
        fan = phone.new_page()
        fan.goto(f"{app_url}/scenes?room={code}&follow=1")
        fan.get_by_role("button", name="Yes, it diverges").click(timeout=60_000)
        expect(boss.get_by_text(f"1 answer · room {code}")).to_be_visible(timeout=TIMEOUT)
        boss.get_by_role("button", name="Show the answer and play").click()
        answer = fan.get_by_text("You answered Yes, it diverges: right.")
        expect(answer).to_be_visible(timeout=TIMEOUT)
        seen = parts(fan)
        shot(fan, "phone-follower-answer")
        box = answer.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= seen["chart"] < 844 - 200, seen
        # The tally and the caption are still on the page, under the chart.
        tally = fan.get_by_text("✓ Yes, it diverges: 1").bounding_box()
        assert tally["y"] > seen["chart"], (tally, seen)
    finally:
        phone.close()
        boss_context.close()


#: Visible text that speaks to a mouse.
POINTER_WORDS = re.compile(r"\b(hover\w*|point (at|here)|move over|click\w*)\b", re.I)


def visible_text(page) -> str:
    return (
        page.evaluate("() => document.body.innerText")
        + "\n"
        + race_handle(page).evaluate("() => document.body.innerText")
    )


def test_the_playground_on_a_phone_puts_play_and_the_landscape_on_one_screen(browser, app_url):
    phone = browser.new_context(**PHONE)
    laptop = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = phone.new_page()
        page.goto(f"{app_url}/playground")
        seen = parts(page)
        shot(page, "phone-playground-first-screen")
        assert 0 <= seen["play"] <= 844, seen
        assert 0 <= seen["landscape"] <= 844 - 100, seen  # a real piece of it, not an edge
        text = visible_text(page)
        assert not POINTER_WORDS.search(text), POINTER_WORDS.search(text)
        assert "tap the landscape" in text and "drag across the (α, β) pad" in text
        label = race_handle(page).evaluate("() => document.getElementById('pad').ariaLabel")
        assert "tap" in label and not POINTER_WORDS.search(label), label

        # A laptop keeps the mouse's words, and its side-by-side chart.
        page = laptop.new_page()
        page.goto(f"{app_url}/playground")
        seen = parts(page)
        text = visible_text(page)
        assert "click the landscape" in text and "move over the (α, β) pad" in text
        assert "tap the landscape" not in text
        assert 0 <= seen["play"] < seen["landscape"] <= 900, seen
    finally:
        phone.close()
        laptop.close()
