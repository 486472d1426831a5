"""My talk in Chromium: a two-scene talk built from the playground, stepped through in
presenter mode, its scenes file downloaded and opened again; screenshots on a laptop and a
phone."""

from __future__ import annotations

import re

from momentum_app.talk import scenes as talk_scenes
from momentum_app.talk.my_talk import read_talk
from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_frame

CLAIMS = ("Momentum crosses the valley", "A bowl for comparison")


def add_this_view(page, claim: str, count: int) -> None:
    """The playground's "Add this view to my talk", with ``claim`` typed."""
    page.get_by_role("button", name=re.compile("Add this view to my talk")).click()
    page.get_by_label("Claim: what this scene shows, in your words").fill(claim)
    page.get_by_role("button", name=re.compile("Add to my talk")).click()
    page.get_by_text(f"scene {count}.").wait_for(timeout=60_000)
    page.keyboard.press("Escape")  # the popover closes


def test_a_talk_built_from_the_playground_presents_and_round_trips(page, app_url, tmp_path):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(app_url + "/playground?fn=rosenbrock&steps=600")
    race_frame(page)
    add_this_view(page, CLAIMS[0], 1)
    function = page.get_by_label("Test function")
    function.click()
    page.get_by_role("option", name="Himmelblau", exact=True).click()
    page.wait_for_url(re.compile(r"fn=himmelblau"), timeout=30_000)
    race_frame(page)
    add_this_view(page, CLAIMS[1], 2)

    page.get_by_role("link", name="My talk: 2 scenes").click()
    page.wait_for_url(re.compile(r"/talk"), timeout=30_000)
    page.get_by_role("button", name=re.compile("Present my talk")).wait_for(timeout=60_000)
    assert page.get_by_text("Himmelblau, α").count() >= 1
    shot(page, "my-talk-1440")

    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile("Download as a scenes file")).click()
    saved = tmp_path / "my-talk.toml"
    got.value.save_as(saved)
    talk = read_talk(saved.read_bytes())
    assert [s.claim for s in talk] == list(CLAIMS)
    assert [s.function for s in talk] == ["rosenbrock", "himmelblau"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(500)
    page.get_by_role("heading", name="My talk").scroll_into_view_if_needed()
    shot(page, "my-talk-390-top")
    page.get_by_role("button", name=re.compile("Present my talk")).scroll_into_view_if_needed()
    shot(page, "my-talk-390")
    page.set_viewport_size({"width": 1440, "height": 900})

    # Presenter mode: scene 1, then the clicker's key to scene 2; captions from the runs.
    page.get_by_role("button", name=re.compile("Present my talk")).click()
    page.get_by_text("Scene 1 of 2").wait_for(timeout=60_000)
    first = talk_scenes.caption(talk[0], talk_scenes.stage(talk[0]).values)
    # the caption itself (the editor's "Now reads: ..." line, going, holds it too)
    page.get_by_text(re.compile("^" + re.escape(first[:60]))).wait_for(timeout=30_000)
    race_frame(page)
    shot(page, "my-talk-present-1")
    page.get_by_text("Scene 1 of 2").click()  # focus on the page, not in the chart
    page.keyboard.press("PageDown")
    page.get_by_text("Scene 2 of 2").wait_for(timeout=60_000)
    second = talk_scenes.caption(talk[1], talk_scenes.stage(talk[1]).values)
    page.get_by_text(re.compile("^" + re.escape(second[:60]))).wait_for(timeout=30_000)
    assert page.get_by_text(CLAIMS[1]).count() == 1
    shot(page, "my-talk-present-2")

    # The file opened again in a new session gives the same talk.
    other = page.context.browser.new_context(viewport={"width": 1440, "height": 900})
    fresh = other.new_page()
    fresh.goto(app_url + "/talk")
    fresh.locator("input[type=file]").set_input_files(str(saved))
    fresh.get_by_text("Opened my-talk.toml: 2 scenes").wait_for(timeout=60_000)
    for scene in talk:
        assert fresh.get_by_text(f". {scene.title}").count() >= 1
    other.close()
