"""Every knob scrubs: the learning rate, the (α, β) pad, the start, the sweep's map and the
theory map switch paths in the browser, with no message to the server while scrubbing; a
release hands the value back once, and a new race keeps its step."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

from momentum_app.config.settings import default_settings
from momentum_app.race.runs import run_one, solo
from tests.e2e.conftest import shot
from tests.e2e.race_helpers import Frames, race_frame, race_handle, race_iframe

#: The sets that join the race after it is drawn (the α line, the pad, the starts).
PARTS_IN = "() => ['alpha', 'pad', 'start'].every(k => raceStats.axes[k])"
READOUT = "() => document.getElementById('readout').innerText"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def reach(page, starts: bool = True) -> None:
    """Move the pointer into the race's frame: the chart then asks for the sets that only a
    visitor who reaches into it gets; then (``starts``) over the start's handle, if shown,
    which asks for the grid of starts."""
    box = race_iframe(page).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
    at = race_frame(page).locator("#handle").bounding_box() if starts else None
    if at:  # a race with a start to drag (the playground's)
        page.mouse.move(at["x"] + at["width"] / 2, at["y"] + at["height"] / 2, steps=4)


def ready(page, url: str, parts: str = PARTS_IN):
    """Open ``url``, reach into its chart and wait for ``parts``."""
    page.goto(url)
    frame = race_frame(page)
    handle = race_handle(page)
    handle.wait_for_function("() => raceStats.tracks.length || raceStats.data", timeout=60_000)
    reach(page)
    handle.wait_for_function(parts, timeout=60_000)
    return frame, handle


def test_the_pad_comes_when_the_pointer_reaches_the_chart_and_the_starts_at_their_handle(
    page, app_url
):
    page.goto(app_url + "/playground")
    frame = race_frame(page)
    handle = race_handle(page)
    handle.wait_for_function("() => raceStats.axes.alpha", timeout=60_000)
    page.wait_for_timeout(1000)
    # Not asked yet: the α line is there, the pad keeps its place, saying it will come.
    assert handle.evaluate("() => raceStats.asked") == 0
    assert handle.evaluate("() => !raceStats.axes.pad && !raceStats.axes.start")
    assert frame.locator("#padbox").is_visible()
    reach(page, starts=False)
    handle.wait_for_function("() => raceStats.axes.pad", timeout=60_000)
    page.wait_for_timeout(1500)
    # The grid of starts (two thirds of a new setting's work) waits for the start's handle.
    assert handle.evaluate("() => raceStats.asked") == 1
    assert handle.evaluate("() => !raceStats.axes.start && raceStats.lazy.includes('start')")
    reach(page)
    handle.wait_for_function(PARTS_IN, timeout=60_000)
    assert handle.evaluate("() => raceStats.asked") == 2
    # A new race of this visitor (new steps) brings every set at once, unasked.
    steps = page.get_by_label("Steps", exact=True)
    steps.fill("300")
    steps.press("Enter")
    handle.wait_for_function(
        "() => raceStats.steps === 300 && ['pad', 'start'].every(k => raceStats.axes[k])",
        timeout=60_000,
    )
    assert handle.evaluate("() => raceStats.asked") == 2
    shot(page, "scrub-parts-after-reach")


def scrub_ms(handle) -> float:
    return handle.evaluate("() => raceStats.scrubMs")


#: The settings shown and each racer's run as the browser picks it (set and index), by its
#: final gap, read at one moment.
SHOWN_RUNS = """() => ({shown: shownSettings(), runs: raceStats.tracks.map((t) => {
  const m = member(t);
  return m && [t.name, m[0].finalGap[m[1]]];
}).filter(Boolean)})"""


def shows_the_runs_of_its_settings(handle, racers: int = 2) -> None:
    """Every racer's run on screen is the single run at the settings the readout names: the
    browser indexed the scrubbed set right (a neighbour on a 121-rate line or a 41 x 41
    grid ends elsewhere)."""
    got = handle.evaluate(SHOWN_RUNS)
    shown, runs = got["shown"], got["runs"]
    assert len(runs) == racers
    s = default_settings()
    at = replace(s, lr=shown["alpha"], momentum=shown["beta"], start=tuple(shown["start"]))
    for name, gap in runs:
        one = run_one(solo(at, name))
        expected = float(one.final_loss[0] - s.objective.f_star)
        assert abs(gap - expected) <= 1e-12 * abs(expected), (name, shown, gap, expected)


def test_the_learning_rate_scrubs_every_run_and_one_release_syncs_it(page, app_url):
    frames = Frames(page)
    frame, handle = ready(page, app_url + "/playground")
    before = handle.evaluate(READOUT)
    slider = frame.locator("#alpha")
    slider.focus()
    t0 = time.monotonic()
    times = []
    for _ in range(4):
        slider.press("ArrowLeft")
        times.append(scrub_ms(handle))
    sel = handle.evaluate("() => raceStats.sel")
    shown = handle.evaluate("() => shownSettings()")
    print(f"α scrub: median {statistics.median(times):.2f} ms, {times}")  # a figure
    assert sel["kind"] == "alpha" and not frames.since(t0, "sent")
    assert handle.evaluate(READOUT) != before
    # Every racer, SGD included, now shows the scrubbed α.
    alpha = handle.evaluate("() => RaceDecode.fmtAlpha(shownSettings().alpha)")
    assert handle.evaluate(READOUT).count(f"α = {alpha}") == 2
    shows_the_runs_of_its_settings(handle)
    # Released: the value goes back once; the link and the exact box follow.
    page.wait_for_url(
        lambda url: float(query_of(url).get("lr", 0)) == shown["alpha"], timeout=30_000
    )
    # The box shows 6 significant digits (%.6g): within half a unit of the last one.
    exact = page.locator("[data-testid='stSidebar'] input[aria-label='Exact learning rate']")
    page.wait_for_function(
        "v => Math.abs(parseFloat(document.querySelector("
        "\"[data-testid='stSidebar'] input[aria-label='Exact learning rate']\").value) - v)"
        " <= 5e-6 * v",
        arg=shown["alpha"], timeout=30_000,
    )  # fmt: skip
    assert exact.count() == 1
    assert handle.evaluate("() => raceStats.sent") == 1


def test_the_pad_previews_on_hover_and_a_click_sets_both_values(page, app_url):
    frames = Frames(page)
    frame, handle = ready(page, app_url + "/playground")
    pad = frame.locator("#pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    t0 = time.monotonic()
    times = []
    for fx, fy in ((0.2, 0.5), (0.5, 0.5), (0.8, 0.9), (0.9, 0.95)):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        times.append(scrub_ms(handle))
    print(f"pad: median {statistics.median(times):.2f} ms, {times}")
    assert handle.evaluate("() => raceStats.sel.kind") == "pad"
    assert not frames.since(t0, "sent")
    shows_the_runs_of_its_settings(handle)  # SGD's from the α line
    shot(page, "scrub-pad")
    page.mouse.move(box["x"] - 40, box["y"] - 40)  # leaving the pad shows the chosen run again
    assert handle.evaluate("() => raceStats.sel.kind") == "beta"
    page.mouse.click(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.9)
    shown = handle.evaluate("() => shownSettings()")
    page.wait_for_url(
        lambda url: (
            float(query_of(url).get("lr", 0)) == shown["alpha"]
            and float(query_of(url).get("momentum", -1)) == shown["beta"]
        ),
        timeout=30_000,
    )


def test_dragging_the_start_moves_the_paths_and_the_release_runs_the_exact_start(page, app_url):
    frames = Frames(page)
    frame, handle = ready(page, app_url + "/playground")
    frame.locator("#chartbox").scroll_into_view_if_needed()
    at = handle.evaluate(
        "() => { const A = axes(), s = raceStats.chosen.start, box = chart.getBoundingClientRect();"
        " return [box.left + A.x.px(s[0]), box.top + A.y.px(s[1]), A.x.len, A.y.len]; }"
    )
    frame_box = page.locator("iframe[title*='race_component']").first.bounding_box()
    x, y = frame_box["x"] + at[0], frame_box["y"] + at[1]
    t0 = time.monotonic()
    page.mouse.move(x, y)
    page.mouse.down()
    times = []
    for k in range(1, 6):
        page.mouse.move(x + k * at[2] * 0.06, y + k * at[3] * 0.04)
        times.append(scrub_ms(handle))
    print(f"start drag: median {statistics.median(times):.2f} ms, {times}")
    assert handle.evaluate("() => raceStats.sel.kind") == "start"
    assert not frames.since(t0, "sent")
    shown = handle.evaluate("() => shownSettings().start")
    assert shown != handle.evaluate("() => raceStats.chosen.start")
    shows_the_runs_of_its_settings(handle)
    shot(page, "scrub-start-drag")
    before = query_of(page.url)["start"]
    page.mouse.up()
    page.wait_for_url(lambda url: query_of(url)["start"] != before, timeout=30_000)
    sx, sy = (float(v) for v in query_of(page.url)["start"].split(","))
    # The exact start (rounded to 4 places by the app) is near the nearest grid start shown.
    assert abs(sx - shown[0]) < 0.3 and abs(sy - shown[1]) < 0.5, (sx, sy, shown)


def test_a_new_race_keeps_the_step_and_shows_whole_paths_faintly(page, app_url):
    frame, handle = ready(page, app_url + "/playground")
    frame.locator("#step").focus()
    for _ in range(3):
        frame.locator("#step").press("PageUp")
    step = handle.evaluate("() => raceStats.step")
    assert 0 < step < 1000
    races = handle.evaluate("() => performance.getEntriesByName('race-received').length")
    steps = page.locator("[data-testid='stSidebar'] input[aria-label='Steps']")
    steps.fill("900")
    steps.press("Enter")
    handle.wait_for_function(
        f"() => performance.getEntriesByName('race-received').length > {races}", timeout=30_000
    )
    handle.wait_for_function("() => raceStats.steps === 900", timeout=30_000)
    assert handle.evaluate("() => raceStats.step") == step  # not back to 0
    assert not handle.evaluate("() => raceStats.playing")


def test_the_sweep_map_draws_the_cell_under_the_pointer_at_once(page, app_url):
    frames = Frames(page)
    frame, handle = ready(page, app_url + "/sweep?grid=30", "() => raceStats.axes.pad")
    frame.locator("#map").scroll_into_view_if_needed()
    plot = handle.evaluate(
        "() => { const L = map._fullLayout, b = map.getBoundingClientRect();"
        " return [b.left + L.xaxis._offset, b.top + L.yaxis._offset, L.xaxis._length,"
        " L.yaxis._length]; }"
    )
    frame_box = page.locator("iframe[title*='race_component']").first.bounding_box()
    x0, y0 = frame_box["x"] + plot[0], frame_box["y"] + plot[1]
    t0 = time.monotonic()
    times, lines = [], set()
    for fx, fy in ((0.2, 0.8), (0.5, 0.5), (0.8, 0.2), (0.9, 0.1)):
        page.mouse.move(x0 + plot[2] * fx, y0 + plot[3] * fy)
        times.append(scrub_ms(handle))
        lines.add(handle.evaluate(READOUT))
    print(f"sweep hover: median {statistics.median(times):.2f} ms, {times}")
    assert handle.evaluate("() => raceStats.sel.kind") == "pad" and len(lines) == 4
    assert not frames.since(t0, "sent")
    shot(page, "scrub-sweep")
    page.mouse.click(x0 + plot[2] * 0.5, y0 + plot[3] * 0.5)
    page.get_by_text("Selected cell:").wait_for(timeout=30_000)


def test_the_theory_map_shows_the_path_and_both_rates(page, app_url):
    frame, handle = ready(page, app_url + "/theory?kappa=10", "() => raceStats.axes.pad")
    frame.locator("#map").scroll_into_view_if_needed()
    box = frame.locator("#map .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    text = handle.evaluate(READOUT)
    assert "predicted rate" in text and "measured" in text, text
    shot(page, "scrub-theory")


def test_the_playground_on_a_phone_and_when_presenting(browser, app_url):
    for size, query in (
        ({"width": 390, "height": 844}, ""),
        ({"width": 1280, "height": 720}, "?present=1"),
    ):
        context = browser.new_context(viewport=size, has_touch=size["width"] < 500)
        page = context.new_page()
        frame, handle = ready(page, app_url + "/playground" + query)
        assert frame.locator("#alpha").is_visible() and frame.locator("#pad").is_visible()
        width = handle.evaluate("() => [chart.clientWidth, document.body.clientWidth]")
        assert width[0] <= width[1] + 1, width  # the chart fits its frame
        shot(page, f"scrub-{size['width']}")
        context.close()


def test_the_chart_follows_its_frame_after_presenter_mode_and_a_typed_formula(page, app_url):
    """The race was drawn 300 px wide in a 980 px frame, or wider than its frame, after a
    layout shift; it now follows its frame (a ResizeObserver)."""

    def fits() -> None:
        handle = race_handle(page)
        handle.wait_for_function(
            "() => chart._fullLayout && Math.abs(chart._fullLayout.width - chart.clientWidth) < 2"
            " && chart.clientWidth <= document.body.clientWidth"
            " && chart.clientWidth > 0.9 * document.body.clientWidth",
            timeout=30_000,
        )

    page.goto(app_url + "/playground?present=1")
    race_frame(page)
    fits()
    page.get_by_role("button", name="Leave presenter mode").click()
    page.get_by_text("Presenter mode").first.wait_for(timeout=30_000)  # the sidebar is back
    page.wait_for_timeout(500)
    fits()
    page.goto(app_url + "/playground?fn=custom&f=x%5E2%2B3*y%5E2")
    race_frame(page)
    fits()
    shot(page, "scrub-after-layout-shift")
