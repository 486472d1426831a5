"""axe-core on every page and the talk file: no serious or critical violation.

axe-core comes with the ``axe-playwright-python`` package (requirements-dev.txt); it is run
in every frame of the page itself (the race chart and the page's helpers are iframes of
their own, which axe would otherwise skip), at a desktop's and a phone's size.
"""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest

from momentum_app.talk import scenes
from momentum_app.talk.export import talk_html
from tests.e2e.conftest import files_only
from tests.e2e.race_helpers import race_handle

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
PAGES = ["/", "/scenes", "/sweep", "/local-minima", "/theory", "/model", "/guide"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}


def serious(page) -> list[str]:
    """Every serious or critical axe finding in any frame of ``page``, one line each."""
    found = []
    for frame in page.frames:
        if frame.is_detached():
            continue
        frame.evaluate(AXE_JS)
        result = frame.evaluate("axe.run(document, {resultTypes: ['violations'], iframes: false})")
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                nodes = "; ".join(n["html"][:120] for n in v["nodes"][:3])
                found.append(f"{frame.url[-50:]}: {v['id']} ({len(v['nodes'])}): {nodes}")
    return found


def settled(page) -> None:
    """The page drawn: its script finished, its iframes loaded, a moment for the charts."""
    page.wait_for_selector("h1, [data-testid='stHeading']", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1500)


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation(browser, app_url, path, size):
    if size == "phone" and path not in ("/", "/scenes", "/guide"):
        pytest.skip("phones: the playground, the scenes and the guide (the longest text)")
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    page.goto(app_url + path)
    settled(page)
    found = serious(page)
    context.close()
    assert not found, "\n".join(found)


def test_the_talk_file_has_no_serious_accessibility_violation(browser, tmp_path):
    path = tmp_path / "talk.html"
    path.write_text(talk_html(scenes.load_scenes()), encoding="utf-8")
    for options in (DESKTOP, PHONE):
        context = browser.new_context(**options)
        files_only(context)
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.talkStats && talkStats.shown >= 1")
        found = serious(page)
        context.close()
        assert not found, "\n".join(found)


def test_the_race_has_a_text_alternative_in_a_polite_live_region(page, app_url):
    """A screen reader hears the step, who leads and what each racer has; at the end, how
    each run ended, in the readout's words."""
    page.goto(app_url + "/")
    frame = race_handle(page)
    live = frame.locator("#live")
    assert live.get_attribute("aria-live") == "polite"
    frame.wait_for_function("() => document.getElementById('live').textContent.length > 0")
    start = live.text_content()
    assert start.startswith("Step 0 of 1,000.") and "SGD: f − f* = " in start, start
    frame.evaluate("() => { raceStats.step = raceStats.steps; draw(); }")
    frame.wait_for_function(
        "() => document.getElementById('live').textContent.startsWith('Step 1,000')"
    )
    end = live.text_content()
    # momentum reaches the tolerance at defaults, SGD does not: momentum leads at the end
    assert "Momentum leads." in end and "reaches f − f* < 1e−6" in end, end


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_reduced_motion_stops_autoplay(browser, app_url, motion):
    """A presented scene plays on its own, unless the system asks for reduced motion: then
    it waits for Play."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, reduced_motion=motion)
    page = context.new_page()
    page.goto(app_url + "/scenes?scene=faster&present=1")
    handle = race_handle(page)
    page.wait_for_timeout(2500)
    playing = handle.evaluate("() => raceStats.playing || raceStats.step > 0")
    context.close()
    assert playing == (motion == "no-preference")
