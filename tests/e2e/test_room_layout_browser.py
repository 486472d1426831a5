"""A room on one laptop, in Chromium: phones (390 x 844) get a stacked race with nothing
overlapping and no sideways scrolling; laptops get the colour bar clear of the loss axis;
a presenter's clicker steps through the scenes, each on one screen."""

from __future__ import annotations

import re

import pytest

from momentum_app.ui.widgets import lan_host
from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_handle

#: Boxes (in the race frame) of what plotly drew: each part's visible pieces, united (an
#: empty <g> reports a zero box at the origin, so a plain getBoundingClientRect of a
#: group is not the part's box).
BOXES = """() => {
  const box = (sel) => {
    const root = document.querySelector(sel);
    if (!root) return null;
    let b = null;
    for (const el of root.querySelectorAll("path, text, rect, image, line")) {
      const r = el.getBoundingClientRect();
      if (r.width <= 0.5 && r.height <= 0.5) continue;
      if (el.closest("[visibility=hidden], [display=none]")) continue;
      b = b ? {l: Math.min(b.l, r.left), t: Math.min(b.t, r.top),
               r: Math.max(b.r, r.right), b: Math.max(b.b, r.bottom)}
            : {l: r.left, t: r.top, r: r.right, b: r.bottom};
    }
    return b;
  };
  return {
    xy: box(".cartesianlayer .xy"), x2y2: box(".cartesianlayer .x2y2"),
    colorbar: box(".colorbar"), xtitle: box(".g-xtitle"), x2title: box(".g-x2title"),
    y2title: box(".g-y2title"), legend: box(".legend .scrollbox"),
    width: document.getElementById("chart").clientWidth,
  };
}"""

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


def overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return (
        min(a["r"], b["r"]) - max(a["l"], b["l"]) > slack
        and min(a["b"], b["b"]) - max(a["t"], b["t"]) > slack
    )


def open_page(browser, path: str, width: int, height: int, app_url: str):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(app_url + path)
    page.wait_for_selector("[data-testid=stMainBlockContainer]", timeout=60_000)
    return context, page


def race_boxes(page) -> dict:
    frame = race_handle(page)
    frame.wait_for_function("() => !!document.querySelector('#chart .colorbar')")
    # Let a pending relayout (the frame's width settling) finish.
    page.wait_for_timeout(800)
    return frame.evaluate(BOXES)


@pytest.mark.parametrize(
    ("path", "width", "height"),
    [
        ("/playground", 390, 844),
        ("/scenes", 390, 844),
        ("/playground", 1280, 720),
        ("/scenes?present=1", 1280, 720),
    ],
    ids=["playground-phone", "scenes-phone", "playground-laptop", "scenes-presenter-laptop"],
)
def test_race_parts_do_not_overlap(browser, app_url, path, width, height):
    context, page = open_page(browser, path, width, height, app_url)
    try:
        boxes = race_boxes(page)
        shot(page, f"room-{path.strip('/').split('?')[0]}-{width}x{height}")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the page scrolls sideways"
        parts = ["xy", "x2y2", "colorbar", "xtitle", "x2title", "y2title"]
        assert all(boxes[p] for p in parts), boxes
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                if {a, b} in ({"xy", "xtitle"}, {"x2y2", "x2title"}, {"x2y2", "y2title"}):
                    continue  # an axis and its own title: placed by plotly, apart
                assert not overlap(boxes[a], boxes[b]), f"{a} overlaps {b}: {boxes}"
        assert not overlap(boxes["legend"], boxes["xy"]), boxes
        assert boxes["x2y2"]["r"] <= boxes["width"] + 1  # nothing drawn off the chart
        if width < 700:  # stacked: landscape on top, colour bar, then the loss plot
            assert boxes["xy"]["b"] <= boxes["colorbar"]["t"] <= boxes["x2y2"]["t"]
        else:  # side by side: the loss plot starts right of the colour bar's title
            assert boxes["colorbar"]["r"] < boxes["y2title"]["l"]
    finally:
        context.close()


SCENE_TITLE = "[data-testid=stMainBlockContainer] h2"
NEXT = ".st-key-next_scene button"


def scene_of(url: str) -> str | None:
    found = re.search(r"[?&]scene=([^&]+)", url)
    return found.group(1) if found else None


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)], ids=str)
def test_clicker_steps_through_scenes_that_fit_on_screen(browser, app_url, width, height):
    context, page = open_page(browser, "/scenes?present=1&scene=faster", width, height, app_url)
    try:
        race_boxes(page)
        page.wait_for_timeout(500)
        shot(page, f"room-presenter-{width}x{height}")
        button = page.locator(NEXT).bounding_box()
        assert button is not None
        assert button["y"] >= 0 and button["y"] + button["height"] <= height, button
        assert button["x"] >= 0 and button["x"] + button["width"] <= width, button
        # The QR code in the corner holds the room's link with the laptop's LAN address.
        alt = page.locator(".st-key-room_qr img").get_attribute("alt")
        assert f"http://{lan_host()}:" in alt and re.search(r"/scenes\?room=\w+&follow=1", alt)

        # Scrolled down, the clicker's "next" (PageDown) opens the next scene at its top.
        page.evaluate(
            "() => { for (const el of document.querySelectorAll('[data-testid=stMain]'))"
            " el.scrollTo(0, 1e6); window.scrollTo(0, 1e6); }"
        )
        page.locator("body").press("PageDown")
        page.wait_for_function(
            "() => !/[?&]scene=faster(&|$)/.test(location.search)", timeout=30_000
        )
        page.wait_for_timeout(1500)
        first_next = scene_of(page.url)
        assert first_next and first_next != "faster"
        title = page.locator(SCENE_TITLE).first.bounding_box()
        assert title is not None and 0 <= title["y"] < height / 4, title
        assert page.locator(NEXT).bounding_box()["y"] + 10 <= height

        # ArrowLeft goes back; typing in a field would not move (see CLICKER_JS).
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => /[?&]scene=faster(&|$)/.test(location.search)")
    finally:
        context.close()


#: The landscape's plot height as plotly laid it out, once the legend's rows are counted.
LANDSCAPE_HEIGHT = "() => chart._fullLayout && chart._fullLayout.yaxis._length"


def test_a_long_scene_keeps_its_landscape_readable_on_a_projector(browser, app_url):
    # Scene 10's four-line caption and three-row legend left its landscape 119 px of 720
    # (#26): the chart now grows to keep its plots 250 px, and the caption folds after two
    # lines ("More" opens it), so that the scene buttons stay on screen.
    context, page = open_page(browser, "/scenes?present=1&scene=start-low", 1280, 720, app_url)
    try:
        race_boxes(page)
        frame = race_handle(page)
        page.wait_for_timeout(1500)  # the legend measured, the chart reshaped
        height = frame.evaluate(LANDSCAPE_HEIGHT)
        shot(page, "room-presenter-start-low-1280x720")
        assert height >= 250, height
        # ... and with its caption folded to two lines, the scene buttons on screen too.
        caption = page.locator(".st-key-scene_caption p").first
        folded = caption.bounding_box()["height"]
        button = page.locator(NEXT).bounding_box()
        assert button is not None and button["y"] + button["height"] <= 720, button
        page.locator(".caption-more").click()  # "More" opens the whole caption
        page.wait_for_timeout(300)
        assert caption.bounding_box()["height"] > 1.5 * folded
        assert "3,000 steps" in caption.inner_text()
        shot(page, "room-presenter-start-low-1280x720-more")
    finally:
        context.close()
