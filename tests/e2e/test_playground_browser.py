"""The playground in headless Chromium: the race plays with its landscape drawn."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
from PIL import Image

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import LOSS_LENGTHS, race_frame, race_handle

__all__ = ["race_frame"]  # imported by the other browser tests

SGD_RGB = (0xD5, 0x5E, 0x00)
MOMENTUM_RGB = (0x00, 0x72, 0xB2)


def colour_share(image: Image.Image, rgb: tuple[int, int, int], tol: int = 40) -> float:
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    close = np.all(np.abs(pixels - np.array(rgb)) <= tol, axis=-1)
    return float(close.mean())


def test_play_keeps_landscape_and_grows_both_paths_and_losses(page, app_url):
    page.goto(app_url + "/playground")
    frame = race_frame(page)
    chart = frame.locator("#chartbox")  # plotly's still chart and the canvas over it
    handle = race_handle(page)

    def loss_lengths():
        return handle.evaluate(LOSS_LENGTHS)

    start = loss_lengths()
    frame.locator("#play").click()
    handle.wait_for_function("() => raceStats.playing && raceStats.step > 100", timeout=20_000)
    mid = loss_lengths()
    path = shot(chart, "playground-mid-animation")
    stats = handle.evaluate(
        "() => ({step: raceStats.step, fps: raceStats.fps,"
        " playing: raceStats.playing, steps: raceStats.steps})"
    )
    print(f"mid-animation: step {stats['step']:.0f} of {stats['steps']}, {stats['fps']:.1f} fps")
    assert stats["playing"] and 0 < stats["step"] < stats["steps"]

    # The loss curves have advanced, for both optimizers.
    assert len(start) == 2 and all(m > s for m, s in zip(mid, start, strict=True)), (start, mid)

    # The landscape is still drawn mid-animation: the left plot is mostly landscape blue,
    # not white, and both paths' colours are on screen.
    image = Image.open(path)
    width, height = image.size
    landscape = image.crop(
        (int(0.08 * width), int(0.15 * height), int(0.5 * width), int(0.85 * height))
    )
    pixels = np.asarray(landscape.convert("RGB"), dtype=int)
    non_white = float(np.mean(np.any(pixels < 235, axis=-1)))
    assert non_white > 0.5, f"only {non_white:.0%} of the landscape area is drawn"
    assert colour_share(image, SGD_RGB) > 0.0005
    assert colour_share(image, MOMENTUM_RGB) > 0.0005

    # At the fastest speed the frame rate is what the browser can draw.
    frame.locator("#speed").select_option("4")
    frame.locator("#play").click()  # pause
    frame.locator("#play").click()  # play again, at 4x
    handle.wait_for_function("() => raceStats.speed === 4 && raceStats.playing")
    page.wait_for_timeout(500)  # long enough for a frame rate to mean something
    fast = handle.evaluate("() => raceStats.fps")
    print(f"playback at 4x: {fast:.1f} fps")  # a figure, not a test
    # Let it finish, however slow the machine: the button returns to Play.
    frame.locator("#play").get_by_text("Play").wait_for(timeout=120_000)
    assert "Play" in frame.locator("#play").inner_text()
    assert handle.evaluate("() => raceStats.step === raceStats.steps")
    shot(page, "playground-end")


def test_deep_link_shows_its_settings(page, app_url):
    page.goto(app_url + "/playground?fn=rastrigin&lr=0.002&momentum=0.9&steps=300")
    race_frame(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert page.get_by_label("Test function").input_value() == "Rastrigin"
    assert page.get_by_label("Exact learning rate", exact=True).input_value() == "0.002"
    assert page.get_by_label("Steps", exact=True).input_value() == "300"
    assert "0.90" in sidebar.inner_text()  # the momentum slider's value
    assert re.search(r"fn=rastrigin", page.url) and re.search(r"lr=0.002", page.url)
    assert "Page not found" not in page.locator("body").inner_text()
    shot(page, "playground-deep-link")


def test_root_forwards_to_playground_with_its_query(page, app_url):
    page.goto(app_url + "/?fn=booth&momentum=0.5")
    race_frame(page)
    assert "/playground" in page.url and "fn=booth" in page.url
    assert page.get_by_label("Test function").input_value() == "Booth"


def test_bad_link_shows_a_warning_not_a_traceback(page, app_url):
    page.goto(app_url + "/playground?fn=banana&lr=abc")
    race_frame(page)
    body = page.locator("body").inner_text()
    assert "Unknown function fn='banana'" in body
    assert "Traceback" not in body
    shot(page, "playground-bad-link")


def test_clicking_the_landscape_moves_the_start(page, app_url):
    page.goto(app_url + "/playground?fn=himmelblau")
    frame = race_frame(page)
    handle = race_handle(page)
    # Pixel position of the point (1.5, -2.5) inside the chart element.
    x, y = handle.evaluate(
        """() => { const l = document.getElementById('chart')._fullLayout;
                   return [l.xaxis._offset + l.xaxis.d2p(1.5),
                           l.yaxis._offset + l.yaxis.d2p(-2.5)]; }"""
    )
    frame.locator("#chart").click(position={"x": x, "y": y})
    start_x = page.get_by_label("Start x", exact=True)
    page.wait_for_function(
        "() => { const e = document.querySelector('input[aria-label=\"Start x\"]');"
        " return e && Math.abs(parseFloat(e.value) - 1.5) < 0.1; }",
        timeout=30_000,
    )
    assert abs(float(start_x.input_value()) - 1.5) < 0.1
    assert abs(float(page.get_by_label("Start y", exact=True).input_value()) + 2.5) < 0.1
    # The address holds the start the sidebar shows (which displays 4 significant digits).
    query = parse_qs(urlsplit(page.url).query)
    link_x, link_y = (float(v) for v in query["start"][0].split(","))
    assert abs(link_x - float(start_x.input_value())) < 1e-3 and abs(link_x - 1.5) < 0.1
    assert abs(link_y + 2.5) < 0.1
    shot(page, "playground-after-click")


def _lr_slider(page):
    sidebar = page.locator("[data-testid='stSidebar']")
    return sidebar.get_by_role("slider").first


def test_quick_arrow_presses_on_the_lr_slider_each_move_one_stop(page, app_url):
    # From an exact rate that is not one of the slider's stops (0.0017 lies between 0.0015
    # and 0.002), six presses 60 ms apart must end six stops up, each rerun overtaken by the
    # next press. The slider's stops used to shrink by that exact rate after the first press,
    # so a press sent against the old stops landed one stop short after jumping back.
    page.goto(app_url + "/playground?fn=himmelblau&lr=0.0017")
    race_frame(page)
    slider = _lr_slider(page)
    assert slider.get_attribute("aria-valuetext") == "0.0017"
    slider.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
    box = page.get_by_label("Exact learning rate", exact=True)
    # 0.0017 → 0.002, 0.003, 0.005, 0.007, 0.01, 0.015 (lr_options' 1, 1.5, 2, 3, 5, 7 × 10^k)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stSidebar] input')]"
        ".some(e => e.getAttribute('aria-label') === 'Exact learning rate' && e.value === '0.015')",
        timeout=20000,
    )
    page.wait_for_timeout(1500)  # any late rerun would move it back
    assert box.input_value() == "0.015"
    assert slider.get_attribute("aria-valuetext") == "0.015"
