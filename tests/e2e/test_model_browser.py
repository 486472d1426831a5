"""The article's-model page in Chromium: the loss figure, the verdict, the path's race."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import PICKED, race_frame, race_handle, race_iframe

PLOTLY_DRAWN = (
    "() => !!document.querySelector(\"[data-testid='stPlotlyChart'] .main-svg\")"
    " && document.querySelectorAll(\"[data-testid='stPlotlyChart'] .scatterlayer path.js-line\")"
    ".length >= 4"
)


def test_model_page_draws_its_losses_and_the_networks_path(page, app_url):
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(app_url + "/model")
    page.wait_for_function(PLOTLY_DRAWN, timeout=90_000)
    page.get_by_text("Momentum reached it first").wait_for(timeout=30_000)
    frame = race_frame(page)
    handle = race_handle(page)
    assert handle.evaluate("() => raceStats.tracks.length") == 2
    assert handle.evaluate(PICKED) == 0.9  # the β scrub is told the page's momentum
    frame.locator("#play").click()
    handle.wait_for_function("() => raceStats.framesDrawn > 10", timeout=30_000)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "It is a projection" in body
    assert "act=linear" in page.url and not errors
    page.get_by_text("The path of a network").scroll_into_view_if_needed()
    shot(page, "model-desktop")
    race_iframe(page).scroll_into_view_if_needed()
    shot(race_iframe(page), "model-path-race")


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_model_page_fits_the_screen(browser, app_url, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(app_url + "/model?lr=0.05&momentum=0.99&seeds=10")
    page.wait_for_function(PLOTLY_DRAWN, timeout=90_000)
    race_frame(page)
    shot(page, f"model-top-{size[0]}")
    page.get_by_text("The path of a network").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot(page, f"model-path-{size[0]}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= size[0] + 1  # nothing sticks out sideways
    context.close()


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)], ids=["presenter", "phone"])
def test_a_model_scene_plays_the_networks_path_and_marks_its_divergence(browser, app_url, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    present = "&present=1" if size[0] > 1000 else ""
    page.goto(app_url + "/scenes?scene=model-tuned-sgd" + present)
    if present:  # the room answers first
        page.get_by_role("button", name="Show the answer and play").click()
    frame = race_frame(page)
    handle = race_handle(page)
    labels = handle.evaluate("() => raceStats.tracks.map(t => t.label)")
    assert labels == ["SGD", "Momentum β = 0.9", "Momentum β = 0.99"]
    if not present:
        frame.locator("#play").click()
    handle.wait_for_function("() => raceStats.markers.length > 0", timeout=60_000)
    (marker,) = handle.evaluate("() => raceStats.markers")
    assert marker["label"] == "Momentum β = 0.99"
    # Its words lie inside the plot (they were cut at its left edge).
    assert marker["plot"][0] <= marker["text"][0] < marker["text"][1] <= marker["plot"][1]
    body = page.locator("body").inner_text()
    assert "diverges on 20 of 20 seeds" in body and "Traceback" not in body and not errors
    shot(race_iframe(page), f"model-scene-{'presenter' if present else 'phone'}")
    context.close()
