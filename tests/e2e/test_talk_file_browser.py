"""The offline talk file on a phone, a laptop and a projector, from file:// with the network
blocked: what fits the screen, what a finger can press, and where the arrow keys go."""

from __future__ import annotations

import pytest

from momentum_app.race import runs
from momentum_app.talk import scenes
from momentum_app.talk.export import talk_html
from tests.e2e.conftest import files_only, shot

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
#: The file travels by mail and USB stick: it must stay small enough for both.
MAX_BYTES = 10_000_000
#: A finger's smallest target, each way (Apple's and WCAG's 44 CSS px).
FINGER = 44

# One scene's measures: the document's width, the window, the scene bar's buttons, the
# chart, and every control a finger can reach (plotly's own SVG is not one: the chart is
# for looking, its controls are above it).
MEASURE = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
            height: r.height}; };
  const next = document.getElementById("talknext"), r = next.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  const controls = [...document.querySelectorAll("button, select, input, [role=slider]")]
    .filter((e) => !e.closest("#chart") && e.getClientRects().length
                   && getComputedStyle(e).visibility !== "hidden")
    .map((e) => Object.assign(box(e), {id: e.id || e.tagName}));
  const cut = [...document.querySelectorAll("#talkhead, #talkclaim, #talkcaption, #talkchecks")]
    .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.id);
  return {scrollWidth: document.documentElement.scrollWidth, width: innerWidth,
          height: innerHeight, next: box(next), nextOnTop: next.contains(hit),
          chart: box(document.getElementById("chart")), controls, cut,
          legend: box(document.querySelector("#chart .legend")),
          plotTop: chart.getBoundingClientRect().top + chart._fullLayout.yaxis._offset,
          index: talkStats.index};
}"""


@pytest.fixture(scope="module")
def talk_file(tmp_path_factory):
    every = scenes.load_scenes()
    path = tmp_path_factory.mktemp("talk") / "talk.html"
    path.write_text(talk_html(every), encoding="utf-8")
    return path, every


def open_offline(browser, path, **context_args):
    """The file in a fresh context where nothing but file:// may load; returns the page,
    the context, the requests that tried to leave and the page's errors."""
    context = browser.new_context(**context_args)
    left, errors = files_only(context), []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    return page, context, left, errors


def settled(page, index: int) -> None:
    """Scene ``index`` shown, its chart drawn and laid out for this window."""
    page.wait_for_function(
        f"() => talkStats.index === {index} && talkStats.shown >= 1 && chart._fullLayout"
        " && !raceStats.drawing && raceStats.framesDrawn > 2"
    )
    page.wait_for_timeout(250)  # a reshape after the first draw (a narrow window) settles


def test_the_file_is_small_and_self_contained(talk_file, browser):
    path, _ = talk_file
    assert path.stat().st_size <= MAX_BYTES
    page, context, left, errors = open_offline(browser, path, viewport=PHONE["viewport"])
    settled(page, 0)
    page.locator("#talknext").click()
    settled(page, 1)
    assert left == [] and errors == [], (left, errors)
    context.close()


def test_on_a_phone_every_scene_fits_the_screen_and_the_finger(talk_file, browser):
    path, every = talk_file
    page, context, left, errors = open_offline(browser, path, **PHONE)
    for i in range(len(every)):
        settled(page, i)
        page.evaluate("() => window.scrollTo(0, 0)")
        m = page.evaluate(MEASURE)
        # The viewport tag: the page is laid out at the phone's width, not a desktop's.
        assert m["width"] == 390 and m["height"] == 844, m
        assert m["scrollWidth"] <= m["width"], (i, m["scrollWidth"])
        assert m["cut"] == [], (i, m["cut"])
        # Next on screen without scrolling, and nothing over it.
        n = m["next"]
        assert n["left"] >= 0 and n["right"] <= m["width"], (i, n)
        assert n["top"] >= 0 and n["bottom"] <= m["height"], (i, n)
        assert m["nextOnTop"], i
        # The chart: a real share of the screen, and all of it visible at one scroll
        # position above the scene bar.
        c = m["chart"]
        assert c["height"] >= 0.4 * m["height"], (i, c)
        assert c["height"] <= n["top"], (i, c, n)
        assert c["right"] <= m["width"], (i, c)
        # Its legend whole, above the landscape, with no empty band over it.
        legend = m["legend"]
        assert c["top"] <= legend["top"] <= c["top"] + 24, (i, legend, c)
        assert legend["bottom"] <= m["plotTop"], (i, legend, m["plotTop"])
        small = [e for e in m["controls"] if e["width"] < FINGER or e["height"] < FINGER]
        assert small == [], (i, small)
        if i == 0:
            shot(page, "talk-phone-390x844")
        if i == len(every) - 1:
            # Scrolled to the chart: the scene bar is still there, over none of it.
            page.evaluate("() => chart.scrollIntoView()")
            page.wait_for_timeout(100)
            scrolled = page.evaluate(MEASURE)
            assert scrolled["nextOnTop"] and scrolled["next"]["bottom"] <= 844
            assert scrolled["chart"]["top"] >= 0
            assert scrolled["chart"]["bottom"] <= scrolled["next"]["top"], scrolled
            shot(page, "talk-phone-390x844-chart")
            break
        page.locator("#talknext").tap()  # a finger on the bar's button
    assert page.evaluate("() => talkStats.index") == len(every) - 1
    assert left == [] and errors == [], (left, errors)
    context.close()


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)], ids=["desktop", "projector"])
def test_a_laptop_and_a_projector_keep_the_bar_above_a_chart_that_fills_the_screen(
    talk_file, browser, size
):
    path, every = talk_file
    page, context, left, errors = open_offline(
        browser, path, viewport={"width": size[0], "height": size[1]}
    )
    model = next(i for i, scene in enumerate(every) if scene.model is not None)
    for i in (0, model):  # a function's race and a model's
        if i:
            page.locator("#talkmenu").select_option(str(i))
        settled(page, i)
        m = page.evaluate(MEASURE)
        assert m["scrollWidth"] <= size[0], m["scrollWidth"]
        n, c = m["next"], m["chart"]
        assert n["left"] >= 0 and n["right"] <= size[0] and n["top"] >= 0, n
        assert n["bottom"] < c["top"], (n, c)  # the bar above the chart, as on the slides
        assert c["height"] >= 0.4 * size[1] and c["bottom"] <= size[1], (c, size)
        assert m["cut"] == [], m["cut"]
    shot(page, f"talk-{size[0]}x{size[1]}")
    assert left == [] and errors == [], (left, errors)
    context.close()


def test_the_arrows_move_a_focused_slider_not_the_scene(talk_file, browser):
    path, _ = talk_file
    page, context, _, errors = open_offline(browser, path, viewport={"width": 1280, "height": 720})
    settled(page, 0)
    page.locator("#play").click()  # pause: the slider then moves only by the keys
    page.wait_for_function("() => !raceStats.playing")
    slider = page.locator("#step")
    slider.focus()
    before = int(slider.input_value())
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert int(slider.input_value()) == before + 2
    assert page.evaluate("() => raceStats.step") == before + 2  # the race followed it
    page.keyboard.press("ArrowLeft")
    assert int(slider.input_value()) == before + 1
    page.wait_for_timeout(200)
    assert page.evaluate("() => talkStats.index") == 0
    # A clicker's PageDown still goes to the next scene from the slider.
    page.keyboard.press("PageDown")
    settled(page, 1)
    # Elsewhere the arrows change the scene as before: on the page, and on a button.
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    settled(page, 2)
    page.locator("#play").focus()
    page.keyboard.press("ArrowLeft")
    settled(page, 1)
    assert errors == [], errors
    context.close()


def test_a_scene_explores_offline_with_alpha_and_beta_scrubs(talk_file, browser):
    """The button "Scrub α and β" swaps the scene's runs for the playground's race of the scene: the
    β slider holds the family the app computed and the α slider its α line (the rates
    the app's line has), from file:// with nothing loaded from elsewhere."""
    path, every = talk_file
    page, context, left, errors = open_offline(
        browser, path, viewport={"width": 1440, "height": 900}
    )
    settled(page, 0)
    explore = page.locator("#talkexplore")
    assert explore.is_visible() and explore.get_attribute("aria-pressed") == "false"
    assert page.locator("#alpharow").is_hidden()  # the scene's own runs: nothing to scrub
    explore.click()
    page.wait_for_function(
        "() => talkStats.exploring && talkStats.shown >= 2 && raceStats.axes.alpha"
        " && !document.getElementById('alpharow').hidden"
    )
    playground = every[0].playground()
    want = runs.race_line(playground).tolist()
    assert page.evaluate("() => raceStats.axes.alpha.alphas") == want
    betas = page.evaluate("() => raceStats.betas")
    assert playground.momentum in betas and 0.0 in betas and len(betas) > 10
    alpha = page.locator("#alpha")
    alpha.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    shown = page.evaluate("() => [raceStats.sel.kind, shownSettings().alpha]")
    assert shown[0] == "alpha" and shown[1] in want and shown[1] != playground.lr
    assert page.evaluate("() => talkStats.index") == 0  # the slider kept its arrows
    shot(page, "talk-explore-1440x900")
    explore.click()  # back to the scene's runs
    page.wait_for_function("() => !talkStats.exploring && talkStats.shown >= 3")
    assert page.locator("#alpharow").is_hidden()
    # A network's scene has no playground race to explore.
    model = next(i for i, s in enumerate(every) if s.model is not None)
    page.locator("#talkmenu").select_option(str(model))
    settled(page, model)
    assert explore.is_hidden()
    assert left == [] and errors == [], (left, errors)
    context.close()


def test_a_long_caption_folds_and_leaves_the_chart_half_the_screen(talk_file, browser):
    # The tuned scene's six-line caption left its chart 335 px of 900 (#26).
    path, every = talk_file
    page, context, left, errors = open_offline(
        browser, path, viewport={"width": 1440, "height": 900}
    )
    tuned = next(i for i, scene in enumerate(every) if scene.tuned)
    page.locator("#talkmenu").select_option(str(tuned))
    settled(page, tuned)
    m = page.evaluate(MEASURE)
    assert m["chart"]["height"] >= 0.5 * 900, m["chart"]
    assert m["chart"]["bottom"] <= 900, m["chart"]
    caption = page.locator("#talkcaption")
    fold = "(e) => e.scrollHeight > e.clientHeight + 1"
    assert caption.evaluate(fold)  # folded: the rest is a button away
    more = page.locator("#talkmore")
    assert more.is_visible() and more.get_attribute("aria-expanded") == "false"
    shot(page, "talk-1440x900-folded")
    more.click()
    assert not caption.evaluate(fold) and more.get_attribute("aria-expanded") == "true"
    more.click()
    assert caption.evaluate(fold)
    page.locator("#talkmenu").select_option("0")  # a caption of three lines: no button
    settled(page, 0)
    assert not caption.evaluate(fold) and not more.is_visible()
    assert left == [] and errors == [], (left, errors)
    context.close()


@pytest.mark.parametrize("name", ["pick-beta", "pick-alpha-beta", "no-escape"])
def test_a_question_on_the_chart_is_asked_offline_and_the_reader_reveals_it(
    talk_file, browser, name
):
    path, every = talk_file
    page, context, left, errors = open_offline(browser, path, **PHONE)
    page.goto(f"{path.as_uri()}#{name}")
    page.reload()
    page.wait_for_function("() => talkStats.shown > 0 && raceStats.tracks.length")
    kind = page.evaluate("() => raceStats.marks.kind")
    assert kind == next(s for s in every if s.name == name).question.kind
    assert (
        page.locator("#talkquestion").is_visible() and not page.locator("#talkcaption").is_visible()
    )
    assert page.evaluate("() => raceStats.ask") == "tap" and not page.evaluate(
        "() => raceStats.playing"
    )
    if kind == "beta":  # the reader's finger on the slider's step button
        page.locator("#betadown").tap()
    elif kind == "pad":
        box = page.locator("#pad").bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    else:
        box = page.locator("#chart").bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.25)
    page.wait_for_function("() => raceStats.guess !== null")
    guess = page.evaluate("() => raceStats.guess")
    page.locator("#asksend").tap()  # locked in: no room to send it to
    page.locator("#talkreveal").tap()
    page.wait_for_function(
        "() => raceStats.marked && raceStats.marked.truth && raceStats.marked.mine"
    )
    slide = page.evaluate("() => JSON.parse(document.getElementById('slides').textContent)"
                          "[talkStats.index].question")  # fmt: skip
    marks = page.evaluate("() => raceStats.marks")
    assert marks["truth"] == slide["truth"] and marks["mine"] == guess
    assert page.locator("#talkcaption").is_visible()
    assert page.locator("#talkanswer").inner_text() == slide["answer"]
    assert page.evaluate("() => raceStats.ask") == "" and page.evaluate("() => raceStats.playing")
    shot(page, f"talk-question-{kind}")
    assert left == [] and errors == [], (left, errors)
    context.close()
