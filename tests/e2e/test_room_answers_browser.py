"""A follower's chart before a question's reveal, in Chromium: it holds no run (its data has
none: tests/app/test_room_answers.py), and it still draws the question (the landscape and
start, the β slider, the blank pad) on a phone and a laptop with nothing of a run on the page
(no path, no readout or screen reader line, no pad key, no NaN); the reveal brings the race.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_room_point_browser import PHONE, TIMEOUT, chart_frame

LAPTOP = dict(viewport={"width": 1440, "height": 900})
#: Every set of runs the chart holds, by racer: how many runs each.
RUNS_HELD = "() => raceStats.tracks.map((t) => Object.values(t.sets).map((s) => s.runs))"
#: What the chart says in words: its readout, its screen reader line, its error.
TEXTS = """(ids) => ids.map((id) => document.getElementById(id).textContent)"""
SAID = ["readout", "live", "message"]
#: The pad key's range of steps and of gaps (its page's words until a pad is painted).
KEY = ["keyreached", "keymissed"]


@pytest.mark.parametrize(
    ("scene", "kind"), [("no-escape", "point"), ("pick-beta", "beta"), ("pick-alpha-beta", "pad")]
)
def test_a_followers_chart_asks_with_no_run_and_plays_after_the_reveal(
    browser, app_url, scene, kind
):
    boss_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    fan_ctxs = {"phone": browser.new_context(**PHONE), "laptop": browser.new_context(**LAPTOP)}
    try:
        boss = boss_ctx.new_page()
        boss.goto(f"{app_url}/scenes?scene={scene}&present=1")
        boss.wait_for_url(re.compile(r"room=[A-Z0-9]{4}"), timeout=TIMEOUT)
        code = re.search(r"room=([A-Z0-9]+)", boss.url)[1]
        chart_frame(boss, "show")
        fans = {}
        for name, ctx in fan_ctxs.items():
            fan = ctx.new_page()
            fan.goto(f"{app_url}/scenes?room={code}&follow=1")
            inner = chart_frame(fan, "tap").element_handle().content_frame()
            if kind == "pad":  # its grid, to pick from, with no run's outcome
                inner.wait_for_function("() => raceStats.axes.pad", timeout=TIMEOUT)
            fan.wait_for_timeout(500)
            held = inner.evaluate(RUNS_HELD)
            assert held and all(n == 0 for sets in held for n in sets), held
            assert inner.evaluate("() => raceStats.framesDrawn") > 0
            assert inner.evaluate("() => raceStats.shown.length") == 0  # no run drawn
            said = inner.evaluate(TEXTS, SAID)
            assert all(not text.strip() for text in said), said
            key = inner.evaluate(TEXTS, KEY)
            assert not any(re.search(r"\d", text) for text in key), key  # no run's numbers
            assert "NaN" not in inner.evaluate("() => document.body.innerText")
            if kind == "beta":
                assert inner.evaluate("() => raceStats.betas.length") > 10
            if kind == "pad":
                assert inner.evaluate("() => raceStats.marked !== null")  # the grid was drawn
            shot(fan, f"answers-{kind}-{name}-asked")
            fans[name] = (fan, inner)

        boss.get_by_role("button", name="Show the answer and play").click()
        chart_frame(boss, "")
        shot(boss, f"answers-{kind}-presenter-revealed")
        for name, (fan, _) in fans.items():
            after = chart_frame(fan, "").element_handle().content_frame()
            after.wait_for_function("() => raceStats.marks.truth", timeout=TIMEOUT)
            held = after.evaluate(RUNS_HELD)
            assert sum(n for sets in held for n in sets) >= len(held)  # the race, whole
            expect(fan.get_by_text(re.compile(r"The (run stops|fastest)"))).to_be_visible(
                timeout=TIMEOUT
            )
            fan.wait_for_timeout(1500)
            shot(fan, f"answers-{kind}-{name}-revealed")
    finally:
        for ctx in (boss_ctx, *fan_ctxs.values()):
            ctx.close()
