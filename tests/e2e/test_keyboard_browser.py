"""Every control in the race chart works from the keyboard alone (#26 item 8).

Each is reached by Tab with a visible focus ring, names itself and says its value, and the
keys hand back what a pointer would: the core's grid values (an α of the line, a cell of
the pad, a start of the grid, a cell of the sweep's map), read back from the address and
the page. No mouse is used here: focus moves by Tab or by a control's own focus().
"""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_frame, race_handle
from tests.e2e.test_accessibility_browser import serious
from tests.e2e.test_room_point_browser import chart_frame

#: The focused element in the race's frame: its id, focus ring, name, role and values.
FOCUSED = """() => {
  const e = document.activeElement, cs = getComputedStyle(e), box = e.getBoundingClientRect();
  return {id: e.id, outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
          colour: cs.outlineColor, shown: box.width > 0 && box.height > 0,
          name: e.getAttribute("aria-label") || e.textContent.trim(),
          role: e.getAttribute("role") || e.getAttribute("type") || e.tagName.toLowerCase(),
          now: e.getAttribute("aria-valuenow"), text: e.getAttribute("aria-valuetext")};
}"""

#: The playground's controls in the chart, in their Tab order.
PLAYGROUND_CONTROLS = ["play", "step", "speed", "inspect", "png", "alpha", "beta", "pad", "handle"]


#: The centre of an element of the race's frame, in the frame's pixels.
CENTRE = """(e) => { const b = e.getBoundingClientRect();
  return [b.left + b.width / 2, b.top + b.height / 2]; }"""


def nearest(values: list[float], v: float) -> int:
    return min(range(len(values)), key=lambda k: abs(values[k] - v))


def fmt_beta(b: float) -> str:
    """β as the chart prints it: two decimals, three where two would round it."""
    return f"{b:.2f}" if round(b, 2) == b else f"{b:.3f}".rstrip("0")


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def wait_query(page, name: str, value: str) -> None:
    """The address holds ``name=value`` (after the chart's value went back to the app)."""
    page.wait_for_function(
        "([k, v]) => new URLSearchParams(location.search).get(k) === v",
        arg=[name, value],
        timeout=60_000,
    )


def ring_pixels(page, control) -> tuple[int, dict]:
    """Pixels in and 6 px around the focused ``control`` that change when it loses the
    focus (its focus ring as drawn, not as styled), and its box; the focus is given back."""
    control.scroll_into_view_if_needed()
    box = control.bounding_box()
    clip = {"x": box["x"] - 6, "y": box["y"] - 6, "width": box["width"] + 12,
            "height": box["height"] + 12}  # fmt: skip
    focused = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")
    control.evaluate("(e) => e.blur()")
    plain = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")
    control.focus()
    r, g, b = ImageChops.difference(focused, plain).split()
    return sum(ImageChops.lighter(ImageChops.lighter(r, g), b).histogram()[41:]), box


def tab_through(page, frame, handle, ids: list[str]) -> list[dict]:
    """Tab once per id: what each press focuses in the race's frame, with its ring."""
    seen = []
    for name in ids:
        page.keyboard.press("Tab")
        seen.append(handle.evaluate(FOCUSED))
        seen[-1]["ring"], seen[-1]["box"] = ring_pixels(page, frame.locator(f"#{name}"))
    return seen


def assert_ring(seen: dict) -> None:
    """A focus ring as drawn: about its box's perimeter of pixels changed, or more."""
    box = seen["box"]
    assert seen["shown"] and seen["ring"] >= 2 * (box["width"] + box["height"]), seen


def open_playground(page, app_url: str, query_string: str = "fn=himmelblau"):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{app_url}/playground?{query_string}")
    frame = race_frame(page)
    return frame, race_handle(page)


def test_every_control_is_reached_by_tab_with_a_focus_ring_a_name_and_a_value(page, app_url):
    frame, handle = open_playground(page, app_url)
    frame.locator("#play").focus()
    # the focus reaching in asks for the pad; the start's handle, focused, for the starts
    handle.wait_for_function("() => raceStats.axes.pad && !raceStats.axes.start", timeout=60_000)
    seen = [handle.evaluate(FOCUSED), *tab_through(page, frame, handle, PLAYGROUND_CONTROLS[1:])]
    handle.wait_for_function(
        "() => raceStats.axes.start && +document.getElementById('handle').ariaValueNow > 0",
        timeout=60_000,
    )
    seen[-1].update({k: v for k, v in handle.evaluate(FOCUSED).items() if k in ("now", "text")})
    assert [s["id"] for s in seen] == PLAYGROUND_CONTROLS, seen
    for s in seen[1:]:
        assert_ring(s)
    for s in seen:
        assert len(s["name"]) >= 3, s
    sliders = {s["id"]: s for s in seen if s["role"] in ("range", "slider")}
    assert set(sliders) == {"step", "alpha", "beta", "pad", "handle"}
    alpha = handle.evaluate("() => shownSettings().alpha")
    assert sliders["alpha"]["text"] == f"α = {alpha:.4g}", sliders["alpha"]
    assert sliders["beta"]["text"] == "β = 0.90", sliders["beta"]
    assert sliders["step"]["text"] == "step 0 of 1,000", sliders["step"]
    assert sliders["pad"]["text"] == f"α = {alpha:.4g}, β = 0.90"
    assert sliders["handle"]["text"] == "start (−0.5, −0.5)"
    for s in (sliders["pad"], sliders["handle"]):  # a cell of the grid, counted row by row
        assert s["now"] is not None and int(s["now"]) > 0, s
    shot(page, "keyboard-handle-focus")


def test_play_step_speed_inspect_and_png_from_the_keyboard(page, app_url):
    frame, handle = open_playground(page, app_url)
    frame.locator("#play").focus()
    page.keyboard.press("Enter")
    handle.wait_for_function("() => raceStats.playing")
    page.keyboard.press("Space")
    handle.wait_for_function("() => !raceStats.playing")
    page.keyboard.press("Tab")  # the step slider
    page.keyboard.press("End")
    assert handle.evaluate("() => raceStats.step") == 1000
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert handle.evaluate("() => raceStats.step") == 1
    assert frame.locator("#step").get_attribute("aria-valuetext") == "step 1 of 1,000"
    page.keyboard.press("Tab")  # the speed menu
    page.keyboard.press("ArrowDown")
    assert handle.evaluate("() => raceStats.speed") == 2
    page.keyboard.press("Tab")  # Inspect (already on: the step was moved)
    assert frame.locator("#inspect").get_attribute("aria-pressed") == "true"
    page.keyboard.press("Enter")
    assert frame.locator("#inspect").get_attribute("aria-pressed") == "false"
    page.keyboard.press("Tab")  # PNG
    with page.expect_download() as got:
        page.keyboard.press("Enter")
    assert got.value.suggested_filename == "race-step-1.png"


def test_the_alpha_and_beta_sliders_hand_back_their_stops(page, app_url):
    frame, handle = open_playground(page, app_url)
    handle.wait_for_function("() => raceStats.axes.alpha")
    frame.locator("#alpha").focus()
    alphas = handle.evaluate("() => raceStats.axes.alpha.alphas")
    i = alphas.index(0.005)
    page.keyboard.press("ArrowLeft")
    assert handle.evaluate("() => shownSettings().alpha") == alphas[i - 1]
    assert frame.locator("#alpha").get_attribute("aria-valuetext") == f"α = {alphas[i - 1]:.4g}"
    wait_query(page, "lr", f"{alphas[i - 1]:.4g}")
    frame = race_frame(page)
    frame.locator("#beta").focus()
    page.keyboard.press("ArrowLeft")
    assert frame.locator("#beta").get_attribute("aria-valuetext") == "β = 0.89"
    wait_query(page, "momentum", "0.89")
    assert query(page)["lr"] == f"{alphas[i - 1]:.4g}"  # the α it had is kept


def test_the_pad_arrows_preview_a_cell_escape_goes_back_and_enter_takes_it(page, app_url):
    frame, handle = open_playground(page, app_url)
    frame.locator("#pad").focus()
    handle.wait_for_function("() => raceStats.axes.pad", timeout=60_000)
    a = handle.evaluate("() => raceStats.axes.pad")
    i, j = a["alphas"].index(0.005), a["betas"].index(0.9)
    step = handle.evaluate("() => raceStats.step")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowDown")
    shown = handle.evaluate("() => shownSettings()")
    assert (shown["alpha"], shown["beta"]) == (a["alphas"][i - 1], a["betas"][j - 1])
    text = frame.locator("#pad").get_attribute("aria-valuetext")
    assert text == f"α = {a['alphas'][i - 1]:.4g}, β = {fmt_beta(a['betas'][j - 1])}", text
    # the pad's arrows are its own: the race did not step, nothing went back to the app
    assert handle.evaluate("() => [raceStats.step, raceStats.sent]") == [step, 0]
    page.keyboard.press("Escape")
    assert handle.evaluate("() => shownSettings().alpha") == 0.005
    # Home and End: the row's first and last cells (its β kept); with Ctrl the pad's corners
    cells = {}
    for key in ("End", "Home", "Control+End", "Control+Home"):
        page.keyboard.press(key)
        shown = handle.evaluate("() => shownSettings()")
        cells[key] = (shown["alpha"], shown["beta"])
    assert cells == {
        "End": (a["alphas"][-1], a["betas"][j]),
        "Home": (a["alphas"][0], a["betas"][j]),
        "Control+End": (a["alphas"][-1], a["betas"][-1]),
        "Control+Home": (a["alphas"][0], a["betas"][0]),
    }
    page.keyboard.press("Escape")
    assert handle.evaluate("() => shownSettings().alpha") == 0.005
    page.keyboard.press("Shift+ArrowLeft")  # five cells
    page.keyboard.press("ArrowUp")
    page.wait_for_timeout(800)  # a pause is not a choice
    assert handle.evaluate("() => raceStats.sent") == 0
    page.keyboard.press("Enter")
    alpha, beta = a["alphas"][i - 5], a["betas"][j + 1]
    wait_query(page, "lr", f"{alpha:.4g}")
    assert float(query(page)["momentum"]) == beta
    expect(page.get_by_label("Exact learning rate", exact=True)).to_have_value(f"{alpha:.4g}")


def test_the_start_moves_a_cell_of_the_grid_of_starts_and_enter_runs_it(page, app_url):
    frame, handle = open_playground(page, app_url)
    frame.locator("#handle").focus()
    handle.wait_for_function("() => startReady()", timeout=60_000)
    xs, ys = handle.evaluate("() => [raceStats.axes.start.xs, raceStats.axes.start.ys]")
    i, j = nearest(xs, -0.5), nearest(ys, -0.5)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    x, y = xs[i + 1], ys[j + 5]
    assert handle.evaluate("() => shownSettings().start") == [x, y]
    text = frame.locator("#handle").get_attribute("aria-valuetext")
    assert text == f"start ({x:.4g}, {y:.4g})".replace("-", "−"), text
    # the handle (and its ring) went along
    centre = frame.locator("#handle").evaluate(CENTRE)
    at = handle.evaluate(
        f"() => {{ const A = axes(), b = chart.getBoundingClientRect();"
        f" return [b.left + A.x.px({x}), b.top + A.y.px({y})]; }}"
    )
    assert abs(centre[0] - at[0]) < 1.5 and abs(centre[1] - at[1]) < 1.5, (centre, at)
    page.keyboard.press("Enter")
    wait_query(page, "start", f"{x:.4g},{y:.4g}")
    expect(page.get_by_label("Start x", exact=True)).to_have_value(f"{x:.4g}")
    expect(page.get_by_label("Start y", exact=True)).to_have_value(f"{y:.4g}")
    shot(page, "keyboard-start-moved")


@pytest.mark.parametrize("present", [False, True], ids=["desktop", "presenter"])
def test_the_sweep_map_is_a_slider_over_its_cells_and_enter_opens_one(browser, app_url, present):
    size = {"width": 1280, "height": 720} if present else {"width": 1440, "height": 900}
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.goto(app_url + "/sweep" + ("?present=1" if present else ""))
    frame = race_frame(page)
    handle = race_handle(page)
    frame.locator("#step").focus()
    focused = tab_through(page, frame, handle, ["speed", "png", "mapbox"])
    assert [s["id"] for s in focused] == ["speed", "png", "mapbox"]  # the map, reached by Tab
    assert focused[2]["role"] == "slider"
    assert_ring(focused[2])
    handle.wait_for_function("() => raceStats.axes.pad", timeout=90_000)
    start = handle.evaluate("() => raceStats.mapAt")
    alphas, betas = handle.evaluate("() => [raceStats.data.map.alphas, raceStats.data.map.betas]")
    page.keyboard.press("Home")  # the row's first cell
    assert handle.evaluate("() => raceStats.mapAt") == [0, start[1]]
    page.keyboard.press("End")  # and its last
    assert handle.evaluate("() => raceStats.mapAt") == [len(alphas) - 1, start[1]]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowDown")
    col, row = handle.evaluate("() => raceStats.mapAt")
    assert (col, row) == (len(alphas) - 2, start[1] - 5)
    alpha, beta = alphas[col], betas[row]
    text = frame.locator("#mapbox").get_attribute("aria-valuetext")
    assert text == f"α = {alpha:.4g}, β = {fmt_beta(beta)}", text
    # the keyed cell's ring, shown on its cell
    assert frame.locator("#mapcursor").is_visible()
    centre = frame.locator("#mapcursor").evaluate(CENTRE)
    at = handle.evaluate(
        f"() => {{ const L = map._fullLayout, b = map.getBoundingClientRect();"
        f" return [b.left + L.xaxis._offset + L.xaxis.l2p(Math.log10({alpha})),"
        f" b.top + L.yaxis._offset + L.yaxis.l2p({beta})]; }}"
    )
    assert abs(centre[0] - at[0]) < 1.5 and abs(centre[1] - at[1]) < 1.5, (centre, at)
    # the race beside the map shows the nearest run of the pad's grid, as under a pointer
    assert handle.evaluate("() => raceStats.sel.kind") == "pad"
    page.keyboard.press("Enter")
    sentence = f"Selected cell: α = {alpha:.4g}, β = {beta:.2f}"
    page.get_by_text(sentence).wait_for(timeout=60_000)
    shot(page, f"keyboard-sweep-map-{'presenter' if present else 'desktop'}")
    context.close()


def test_a_follower_guesses_from_the_keyboard_where_the_run_stops(browser, app_url):
    """Asked where a run stops, the landscape takes the keys; the guess is drawn where it
    is (the overlay on the chart, under the question bar) and Enter sends it."""
    boss = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    fan = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    try:
        boss.goto(f"{app_url}/scenes?scene=no-escape&present=1")
        boss.wait_for_url(re.compile(r"room=[A-Z0-9]{4}"), timeout=60_000)
        code = re.search(r"room=([A-Z0-9]+)", boss.url)[1]
        fan.goto(f"{app_url}/scenes?room={code}&follow=1")
        frame = chart_frame(fan, "tap")
        inner = frame.element_handle().content_frame()
        chart = inner.locator("#chart")
        assert chart.get_attribute("role") == "slider"
        assert chart.get_attribute("aria-valuetext") == "no guess yet"
        # the chart is the frame's first stop: Tab from the page's element before it
        frame.evaluate(
            "(f) => { const all = [...document.querySelectorAll('a, button, input, iframe')];"
            " all[all.indexOf(f) - 1].focus(); }"
        )
        for _ in range(6):  # past the zero-height feeds beside the chart, if any
            fan.keyboard.press("Tab")
            if inner.evaluate("() => document.activeElement.id") == "chart":
                break
        assert inner.evaluate("() => document.activeElement.id") == "chart"
        ring, box = ring_pixels(fan, chart)
        assert ring >= 2 * (box["width"] + box["height"]), (ring, box)
        x0, x1 = inner.evaluate("() => chart._fullLayout.xaxis.range")
        y0, y1 = inner.evaluate("() => chart._fullLayout.yaxis.range")
        fan.keyboard.press("ArrowRight")  # from the middle: a cell right
        fan.keyboard.press("Shift+ArrowUp")  # and five up
        cell = lambda k, lo, hi: float(f"{lo + (k + 0.5) / 40 * (hi - lo):.4g}")  # noqa: E731
        want = [cell(21, x0, x1), cell(25, y0, y1)]
        assert inner.evaluate("() => raceStats.guess") == want
        # drawn on the chart: the overlay's box is the chart's, the bar above both
        tops = inner.evaluate(
            "() => [overlay.getBoundingClientRect().top, chart.getBoundingClientRect().top,"
            " document.getElementById('askbar').getBoundingClientRect().bottom]"
        )
        assert abs(tops[0] - tops[1]) < 1 and tops[2] <= tops[1] + 1, tops
        assert not serious(fan), serious(fan)  # the send button, enabled, is legible too
        fan.keyboard.press("Enter")
        expect(fan.get_by_text(re.compile("Answer received"))).to_be_visible(timeout=60_000)
        shown = chart_frame(boss, "show").element_handle().content_frame()
        shown.wait_for_function("() => raceStats.marks.count === 1", timeout=60_000)
        assert shown.evaluate("() => raceStats.marks.guesses") == [want]
    finally:
        boss.context.close()
        fan.context.close()
