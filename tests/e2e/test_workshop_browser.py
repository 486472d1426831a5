"""Workshop use in headless Chromium: the offline export, presenter mode, scenes, links."""

from __future__ import annotations

import re
import tomllib
from urllib.parse import parse_qs, urlparse

from momentum_app.config.settings import default_settings
from momentum_app.race.race_chart import standalone_html
from momentum_app.race.runs import race_view
from momentum_app.talk.scenes import ASKING_TITLE
from tests.e2e.conftest import ROOT, files_only, shot
from tests.e2e.race_helpers import PATH_LENGTHS, race_frame, race_handle

VIEWPORT = {"width": 1500, "height": 1000}
ROOT_FONT = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"


def scene_titles() -> dict[str, str]:
    with open(ROOT / "momentum_app" / "talk" / "scenes.toml", "rb") as f:
        return {s["name"]: s["title"] for s in tomllib.load(f)["scene"]}


def test_exported_animation_plays_offline_from_a_file(browser, tmp_path):
    s = default_settings()
    obj = s.objective
    data = race_view(s).data
    path = tmp_path / "race.html"
    html = standalone_html(data, title=f"Race on {obj.title}", momentum=s.momentum)
    path.write_text(html, encoding="utf-8")

    context = browser.new_context(viewport=VIEWPORT, offline=True)
    attempted = []
    context.on("request", lambda request: attempted.append(request.url))
    aborted = files_only(context)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.locator("#chart .main-svg").first.wait_for(timeout=30_000)
        page.locator("#play").wait_for(state="visible", timeout=30_000)
        assert page.title() == "Race on Rosenbrock"

        # The landscape is a layout image carried inside the file as a data: URI.
        image = page.locator("g.imagelayer image").first
        image.wait_for(state="attached", timeout=10_000)
        href = image.evaluate(
            "e => e.getAttribute('href') || "
            "e.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || ''"
        )
        assert href.startswith("data:image/png;base64,") and len(href) > 1000, href[:80]

        start = page.evaluate(PATH_LENGTHS)
        assert len(start) == 2, start  # SGD and momentum
        page.locator("#speed").select_option("4")
        page.locator("#play").click()
        page.wait_for_function("() => raceStats.playing", timeout=5_000)
        page.locator("#play").get_by_text("Play").wait_for(timeout=60_000)
        end = page.evaluate(PATH_LENGTHS)
        assert all(a > b for a, b in zip(end, start, strict=True)), (start, end)
        slider = page.locator("#step")
        assert slider.input_value() == slider.get_attribute("max") != "0"
        assert page.evaluate("() => raceStats.step === raceStats.steps")
        assert page.evaluate("() => raceStats.framesDrawn") > 2
        assert "step 1,000 / 1,000" in page.locator("#steplabel").inner_text()
        shot(page, "workshop-offline-export-end")
    finally:
        context.close()
    assert attempted  # the listener saw the page itself
    web = [u for u in attempted if not u.startswith(("file:", "data:", "blob:"))]
    assert not web and not aborted, (web, aborted)


def test_presenter_mode_by_url_hides_the_controls(page, app_url):
    page.goto(app_url + "/playground")
    race_frame(page)
    page.get_by_text("Momentum β").first.wait_for()
    normal_font = page.evaluate(ROOT_FONT)

    page.goto(app_url + "/playground?present=1")
    frame = race_frame(page)
    leave = page.get_by_role("button", name="Leave presenter mode")
    leave.wait_for(timeout=30_000)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    body = page.locator("body").inner_text()
    assert "Learning rate" not in body, body[:500]
    widgets = "[data-testid='stSlider'], [data-testid='stSelectbox'], [data-testid='stNumberInput']"
    assert page.locator(widgets).count() == 0
    presenter_font = page.evaluate(ROOT_FONT)
    assert presenter_font > normal_font, (normal_font, presenter_font)
    assert frame.locator("g.imagelayer image").count() == 1  # the race chart is drawn
    # ...with its own type enlarged too (20 px against the usual 14).
    chart_font = "() => document.getElementById('chart')._fullLayout.font.size"
    race_handle(page).wait_for_function(f"() => ({chart_font})() === 20", timeout=20_000)
    assert "present=1" in page.url
    shot(page, "workshop-presenter-playground")

    leave.click()
    page.get_by_text("Momentum β", exact=True).wait_for(timeout=30_000)
    assert page.locator("[data-testid='stSidebar']").is_visible()
    page.wait_for_url(lambda url: "present=" not in url, timeout=10_000)
    assert "fn=rosenbrock" in page.url
    assert page.evaluate(ROOT_FONT) == normal_font
    race_frame(page)
    shot(page, "workshop-presenter-left")


def test_scene_link_shows_its_caption_autoplays_and_steps_on(page, app_url):
    titles = scene_titles()
    page.goto(app_url + "/scenes?scene=escape&present=1")
    race_frame(page)
    page.get_by_role("heading", name=titles["escape"]).wait_for(timeout=30_000)
    text = page.locator(".st-key-scene_caption").inner_text()  # the claim's caption
    assert "From (1.5, 1.5)" in text, text
    assert "1,783" in text, text  # steps β = 0.99 takes to the global minimum

    # Presenter mode plays the scene by itself: the step slider moves with no click.
    handle = race_handle(page)
    handle.wait_for_function("() => raceStats.playing && raceStats.step > 5", timeout=20_000)
    assert int(handle.locator("#step").input_value()) > 5
    shot(page, "workshop-scene-escape-autoplay")

    page.get_by_role("button", name="Next scene").click()
    # no-escape asks the room first: its title (the answer) waits for the reveal
    page.get_by_role("heading", name=ASKING_TITLE).wait_for(timeout=30_000)
    page.wait_for_url(re.compile(r"scene=no-escape"), timeout=10_000)
    query = parse_qs(urlparse(page.url).query)
    assert query["scene"] == ["no-escape"] and query.get("present") == ["1"]
    assert page.get_by_role("heading", name=titles["escape"]).count() == 0
    # no-escape asks the room where the run stops first: its chart waits for guesses
    page.get_by_text(re.compile(r"guesses? · room")).first.wait_for(timeout=30_000)
    page.get_by_role("heading", name=ASKING_TITLE).scroll_into_view_if_needed()
    shot(page, "workshop-scene-no-escape")


def test_link_to_the_sweep_reopens_the_same_settings(page, app_url):
    page.goto(app_url + "/sweep?grid=20")
    race_frame(page)  # the map, drawn by the race component
    function = page.get_by_label("Test function")
    assert function.input_value() == "Rosenbrock"
    # Change a setting by hand, so the link has something to carry.
    function.click()
    page.get_by_role("option", name="Himmelblau", exact=True).click()
    page.wait_for_url(re.compile(r"fn=himmelblau"), timeout=30_000)
    box = page.get_by_role("textbox", name="Link to this view")
    page.wait_for_function(
        "() => [...document.querySelectorAll('input')]"
        ".some(e => e.value.includes('fn=himmelblau'))",
        timeout=30_000,
    )
    link = box.input_value().strip()
    assert link.startswith(app_url + "/sweep?"), link
    assert "fn=himmelblau" in link and "grid=20" in link and "start=" in link, link
    box.scroll_into_view_if_needed()
    shot(page, "workshop-sweep-link")

    other = page.context.new_page()
    other.goto(link)
    race_frame(other)
    assert other.get_by_label("Test function").input_value() == "Himmelblau"
    for label in ("Optimizer", "Steps per run"):
        assert other.get_by_label(label, exact=True).input_value() == (
            page.get_by_label(label, exact=True).input_value()
        )
    assert "Unknown" not in other.locator("body").inner_text()
    shot(other, "workshop-sweep-link-reopened")
    other.close()


def test_presenter_scenes_load_nothing_from_the_internet(browser, app_url):
    context = browser.new_context(viewport=VIEWPORT)
    urls = []
    context.on("request", lambda request: urls.append(request.url))
    try:
        page = context.new_page()
        page.on("websocket", lambda ws: urls.append(ws.url))
        page.goto(app_url + "/scenes?present=1")
        race_frame(page)
        race_handle(page).wait_for_function("() => raceStats.step > 3", timeout=20_000)
        page.wait_for_timeout(1000)  # anything fetched late
    finally:
        context.close()
    assert urls
    outside = [
        u
        for u in urls
        if not u.startswith(("data:", "blob:"))
        and urlparse(u).hostname not in ("127.0.0.1", "localhost")
    ]
    assert not outside, outside
    print(f"{len(urls)} requests, all local")
