"""A room in Chromium: a presenter and two followers, each in a browser context of its own
(separate sessions, as separate phones), on one server. The followers follow Next, answer
the scene's question, the presenter's screen counts and marks the answer, one explores."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from momentum_app.talk.room import MAX_ROOMS_PER_OWNER, RoomsBusy, open_store
from momentum_app.talk.scenes import ASKING_TITLE
from tests.e2e.conftest import ARTIFACTS, shot

ROOT = Path(__file__).resolve().parents[2]

#: Generous: two cores are shared with other test suites, and a page run waits its turn.
TIMEOUT = 40_000


def heading(page, text: str):
    return page.get_by_role("heading", name=text, exact=True)


def test_presenter_and_two_followers(browser, app_url):
    """Known flaky under load: a follower's page has been seen with the presenter's new
    heading over the old scene's body (a stale, half-replaced rerun), for the whole wait.
    A second attempt in fresh contexts; it fails when both do (see the closing note)."""
    try:
        room_scenario(browser, app_url)
    except AssertionError as first:
        print(f"first attempt failed, trying once more: {str(first).splitlines()[0]}")
        room_scenario(browser, app_url)


def room_scenario(browser, app_url):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(3)]
    boss, *fans = [c.new_page() for c in contexts]
    try:
        boss.goto(f"{app_url}/scenes?scene=faster&present=1")
        expect(heading(boss, "Momentum trains faster")).to_be_visible(timeout=60_000)
        boss.wait_for_url(re.compile(r"room=[A-Z0-9]{4}"), timeout=TIMEOUT)
        code = re.search(r"room=([A-Z0-9]+)", boss.url)[1]
        for fan in fans:
            fan.goto(f"{app_url}/scenes?room={code}&follow=1")
            expect(heading(fan, "Momentum trains faster")).to_be_visible(timeout=60_000)
            expect(fan.get_by_text(f"Following room {code}")).to_be_visible()

        pressed = time.monotonic()
        boss.get_by_role("button", name="Next scene").click()
        for fan in fans:
            expect(heading(fan, "Raise momentum when training is too slow")).to_be_visible(
                timeout=TIMEOUT
            )
        print(f"followers followed Next in {time.monotonic() - pressed:.2f} s")

        # The presenter reopens the room on a scene that asks (a reload keeps the room).
        boss.goto(f"{app_url}/scenes?scene=reduce-when-diverging&present=1&room={code}&follow=0")
        question = re.compile("will the run with β = 0.9 diverge")
        expect(boss.get_by_text(question)).to_be_visible(timeout=TIMEOUT)
        for fan, label in zip(fans, ["Yes, it diverges", "No, it converges"], strict=True):
            expect(fan.get_by_text(question)).to_be_visible(timeout=TIMEOUT)
            expect(fan.get_by_text("diverges at step")).to_have_count(0)  # no caption yet
            fan.get_by_role("button", name=label).click(timeout=TIMEOUT)
            # Acknowledged: right after the click, or (a poll's rerun came first) as answered.
            acknowledged = re.compile("Answer received|This device has answered already")
            expect(fan.get_by_text(acknowledged).first).to_be_visible(timeout=TIMEOUT)
        expect(boss.get_by_text(f"2 answers · room {code}")).to_be_visible(timeout=TIMEOUT)

        boss.get_by_role("button", name="Show the answer and play").click()
        expect(boss.get_by_text("✓ Yes, it diverges: 1")).to_be_visible(timeout=TIMEOUT)
        expect(boss.get_by_text("No, it converges: 1", exact=True)).to_be_visible()
        for fan in fans:
            expect(fan.get_by_text(re.compile("diverges at step"))).to_be_visible(timeout=TIMEOUT)

        fans[1].get_by_role("button", name="Explore on my own").click()
        again = fans[1].get_by_role("button", name=re.compile("Follow the presenter again"))
        expect(again).to_be_visible(timeout=TIMEOUT)
        expect(
            fans[1].get_by_role("link", name="Explore this scene in the playground")
        ).to_be_visible()
        again.click()
        expect(fans[1].get_by_text(f"Following room {code}")).to_be_visible(timeout=TIMEOUT)
    finally:
        for c in contexts:
            c.close()


def test_presenter_screen_at_720_lines(browser, app_url):
    """No empty sidebar after switching presenter mode on from the playground; captions
    ≥ 3 % of the screen's height; no blank clicker frame; the clicker's keys on the page,
    Space included after a button was clicked; a scene menu."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/playground")
        page.get_by_text("Presenter mode").click(timeout=60_000)
        expect(page.get_by_role("button", name="Leave presenter mode")).to_be_visible(
            timeout=TIMEOUT
        )
        expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()

        page.goto(f"{app_url}/scenes?scene=faster&present=1")
        expect(heading(page, "Momentum trains faster")).to_be_visible(timeout=60_000)
        caption = page.get_by_text(re.compile("^Same start, same learning rate"))
        size = caption.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
        assert size >= 0.03 * 720, f"caption {size} px"
        assert page.locator(".st-key-scene_clicker").bounding_box() is None  # not drawn
        expect(page.get_by_role("button", name="Scenes")).to_be_visible()

        page.wait_for_function("() => window.momentumSceneKeys", timeout=TIMEOUT)  # the clicker
        page.keyboard.press("ArrowRight")
        expect(heading(page, "Raise momentum when training is too slow")).to_be_visible(
            timeout=TIMEOUT
        )
        page.get_by_role("button", name="Next scene").click()  # the button keeps focus
        expect(page.get_by_role("heading", name=re.compile("lucky start"))).to_be_visible(
            timeout=TIMEOUT
        )
        page.keyboard.press("Space")  # next scene, once, not a second press of the button
        # scene 4 asks the room first: its title waits for the reveal
        expect(heading(page, ASKING_TITLE)).to_be_visible(timeout=TIMEOUT)
        page.wait_for_timeout(1000)
        expect(page.get_by_text(re.compile(r"^Scene 4 of \d+"))).to_be_visible()
        page.keyboard.press("PageUp")
        expect(page.get_by_role("heading", name=re.compile("lucky start"))).to_be_visible(
            timeout=TIMEOUT
        )
    finally:
        context.close()


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_room_load_runs_clean_on_two_workers(store):
    """benchmarks/room_load.py, small: serve-room.sh with 2 workers (nginx; Redis started by
    serve-room.sh --redis), 3 followers, one Next, the answers, a killed worker."""
    for tool in ["nginx"] + (["redis-server"] if store == "redis" else []):
        if not (shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}")) and os.geteuid() != 0:
            pytest.skip(f"no {tool}, and not root to apt-get install it")
    command = [sys.executable, str(ROOT / "benchmarks/room_load.py"), "--followers", "3"]
    command += ["--nexts", "1", "--idle", "1"] + (["--redis"] if store == "redis" else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "errors: 0" in done.stdout and "acknowledged 3, stored 3" in done.stdout


def test_an_intruder_cannot_take_the_room(browser, app_url):
    """#25's hijacks, in browsers: a follower's address edited to present=1 gets a line and
    no power; a client opening room after room closes none in use and is refused past its
    share; the presenter's reload (its key in a cookie) keeps the room, its reveal and its
    answers."""
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(3)]
    boss, fan, intruder = [c.new_page() for c in contexts]
    try:
        boss.goto(f"{app_url}/scenes?scene=reduce-when-diverging&present=1")
        question = re.compile("will the run with β = 0.9 diverge")
        expect(boss.get_by_text(question)).to_be_visible(timeout=60_000)
        boss.wait_for_url(re.compile(r"room=[A-Z0-9]{4}"), timeout=TIMEOUT)
        code = re.search(r"room=([A-Z0-9]+)", boss.url)[1]
        boss.wait_for_function(f"() => document.cookie.includes('momentum_room_{code}=')",
                               timeout=TIMEOUT)  # fmt: skip
        cookies = {c["name"]: c for c in contexts[0].cookies()}
        assert cookies[f"momentum_room_{code}"]["sameSite"] == "Strict"
        assert cookies[f"momentum_room_{code}"]["value"] not in boss.url

        fan.goto(f"{app_url}/scenes?room={code}&follow=1")
        expect(fan.get_by_text(question)).to_be_visible(timeout=60_000)
        fan.get_by_role("button", name="Yes, it diverges").click(timeout=TIMEOUT)
        expect(boss.get_by_text(f"1 answer · room {code}")).to_be_visible(timeout=TIMEOUT)

        # The intruder: the follower's address with follow=1 turned into present=1.
        intruder.goto(fan.url.replace("follow=1", "follow=0") + "&present=1")
        expect(
            intruder.get_by_text(f"Room {code} is presented from another browser")
        ).to_be_visible(timeout=60_000)
        expect(intruder.get_by_text(f"Following room {code}")).to_be_visible(timeout=TIMEOUT)
        expect(intruder.get_by_role("button", name="Next scene")).to_have_count(0)
        expect(intruder.get_by_role("button", name="Show the answer and play")).to_have_count(0)
        shot(intruder, "room-intruder")

        # The flood: one client opening room after room (its address's share: 20 in use),
        # in the server's own store. (Through browsers it would share this machine's
        # address with the presenter: Chromium sends no X-Forwarded-For of a test's on the
        # websocket, the only request Streamlit reads headers from.)
        store = open_store(str(ARTIFACTS / f"rooms-{app_url.rsplit(':', 1)[1]}.sqlite3"))
        refused = 0
        for _ in range(22):
            try:
                store.open("10.9.9.9")
            except RoomsBusy:
                refused += 1
        print(f"the flood: 22 rooms asked, {refused} refused")

        # The presenter reloads mid-question: still the presenter, answers kept; reveals;
        # reloads again: still revealed.
        boss.reload()
        expect(boss.get_by_text(f"1 answer · room {code}")).to_be_visible(timeout=60_000)
        boss.get_by_role("button", name="Show the answer and play").click(timeout=TIMEOUT)
        expect(boss.get_by_text("✓ Yes, it diverges: 1")).to_be_visible(timeout=TIMEOUT)
        boss.reload()
        expect(boss.get_by_text("✓ Yes, it diverges: 1")).to_be_visible(timeout=60_000)
        for follower in (fan, intruder):
            expect(follower.get_by_text(re.compile("diverges at step"))).to_be_visible(
                timeout=TIMEOUT
            )
        fan.reload()  # its device id comes back in its cookie, and with it its answer
        expect(fan.get_by_text("You answered Yes, it diverges: right.")).to_be_visible(
            timeout=60_000
        )
        boss.get_by_role("button", name="Next scene").click(timeout=TIMEOUT)
        for follower in (fan, intruder):
            expect(heading(follower, "Start low, raise it gradually")).to_be_visible(
                timeout=TIMEOUT
            )
        assert refused == 22 - MAX_ROOMS_PER_OWNER  # its share, and no more
    finally:
        for c in contexts:
            c.close()
