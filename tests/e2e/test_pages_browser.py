"""The other pages in headless Chromium: figures drawn, links between pages work."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlparse

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_frame, race_handle

#: The component's map drawn, with its cells as a picture (the plotly.js bundle has no heatmap).
MAP_DRAWN = "() => !!(map._fullLayout && map.querySelector('g.imagelayer image'))"


def test_sweep_draws_its_map_and_sends_a_cell_to_the_playground(page, app_url):
    page.goto(app_url + "/sweep?fn=rosenbrock&grid=30")
    frame = race_frame(page)
    race_handle(page).wait_for_function(MAP_DRAWN, timeout=30_000)
    shot(page, "sweep")
    assert page.locator("p", has_text="Best cell:").count() == 1
    # Click a cell: it becomes the selected one.
    box = frame.locator("#map .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.7 * box["height"])
    selected = page.locator("p", has_text="Selected cell:")
    selected.wait_for(timeout=30_000)
    best = selected.inner_text()
    link = page.get_by_role("link", name="Open this cell in the playground")
    href = link.get_attribute("href")
    query = parse_qs(urlparse(href).query)
    lr = float(query["lr"][0])
    assert f"α = {lr:.4g}" in best
    link.click()
    page.wait_for_url(re.compile(r"/playground"), timeout=60_000)  # the sweep has a race too
    sidebar = "[data-testid='stSidebar'] input[aria-label='Exact learning rate']"
    box = f'document.querySelector("{sidebar}")'
    page.wait_for_function(  # the playground's rerun settles on the cell's learning rate
        f"v => {box} && parseFloat({box}.value) === v", arg=float(f"{lr:.6g}"), timeout=30_000
    )
    shot(page, "sweep-to-playground")


def test_theory_draws_both_rate_maps_and_the_tips(page, app_url):
    page.goto(app_url + "/theory?kappa=100")
    race_frame(page)
    race_handle(page).wait_for_function(MAP_DRAWN, timeout=30_000)  # the predicted map
    page.wait_for_function(  # the measured map
        "() => document.querySelectorAll(\"[data-testid='stPlotlyChart'] g.hm image\").length >= 1",
        timeout=30_000,
    )
    page.get_by_text("The article's tips, checked").wait_for()
    body = page.locator("body").inner_text()
    assert "β = 1 never settles" in body and "Traceback" not in body
    assert "kappa=100" in page.url
    shot(page, "theory")


def test_local_minima_draws_two_basin_maps_and_the_study(page, app_url):
    page.goto(app_url + "/local-minima?fn=rastrigin&grid=40&starts=60")
    page.wait_for_function(  # the SGD map and the study
        "() => document.querySelectorAll(\"[data-testid='stPlotlyChart'] g.hm image\").length >= 1"
        " && document.querySelectorAll(\"[data-testid='stPlotlyChart']\").length >= 2",
        timeout=90_000,
    )
    page.wait_for_function(  # the momentum map's frame, loaded (the charts came first)
        "() => [...document.querySelectorAll('iframe')].some(f => {"
        " try { const s = f.contentWindow.raceStats; return !!(s && s.sel.kind === 'scrub'); }"
        " catch (err) { return false; } })",
        timeout=60_000,
    )
    frame = next(f for f in page.frames if f.evaluate("() => !!window.raceStats"))
    frame.wait_for_function(MAP_DRAWN, timeout=30_000)  # the momentum map, in the component
    # Its slider holds 0 and the chosen β until the pointer reaches the map; then every β.
    assert frame.evaluate("() => document.getElementById('imagepick').max") == "1"
    box = frame.frame_element().bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    frame.wait_for_function(
        "() => document.getElementById('imagepick').max === '11'", timeout=60_000
    )
    page.get_by_text("What the 60 random starts show").wait_for()  # the study's heading
    body = page.locator("body").inner_text()
    assert "grid starts, reaching the global minimum" in body and "Traceback" not in body
    assert "Page not found" not in body  # a first visit on a new server, by its own URL
    shot(page, "local-minima")


#: Values a link may carry that Streamlit's Markdown would turn into a link, colour, an
#: icon, an emoji, emphasis, code, maths or HTML, were they not escaped.
HOSTILE = {
    "kappa": "[Click here](https://evil.example/login) :red[**alarm**]",
    "lr": ":material/warning: :smile: $x^2$ www.evil.example a@evil.example",
    "momentum": "<b>bold</b> &lt; `c` ~d~ _e_ :blue-background[x]",
}


def test_a_link_s_values_read_as_typed_in_its_warnings(page, app_url):
    """Issue #26, item 9: the warning box quotes the link; nothing in it is markup."""
    page.goto(app_url + "/theory?" + urlencode(HOSTILE))
    alerts = page.locator("[data-testid='stAlert'] [data-testid='stMarkdownContainer']")
    alerts.nth(len(HOSTILE) - 1).wait_for(timeout=30_000)
    shot(page, "theory-hostile-link")
    texts = [t.replace("\u2060", "") for t in alerts.all_inner_texts()]
    for name, value in HOSTILE.items():
        assert any(f"Ignored {name}={value!r}: not a number" in t for t in texts), (name, texts)
    for i in range(alerts.count()):
        inside = alerts.nth(i).locator(
            "a, strong, em, code, del, b, .katex, [role='img'], img, "
            ".stMarkdownColoredText, .stMarkdownColoredBackground"
        )
        assert inside.count() == 0, alerts.nth(i).inner_html()
