"""In presenter mode the leave button and the room's QR code sit in the page's top right
corner, clear of every plot, however far the presenter scrolls (fixed to the screen, they
covered the sweep's loss plot once the map scrolled up under them)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot

#: The boxes (in the page) of the corner's two parts and of every plot: plotly's charts in
#: the page and every frame a chart is drawn in (the race, its map and pad).
BOXES = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const shown = (el) => { const r = el.getBoundingClientRect();
                          return r.width > 20 && r.height > 40; };
  const corner = [...document.querySelectorAll(".st-key-leave_presenter, .st-key-room_qr")];
  const plots = [...document.querySelectorAll(".js-plotly-plot, iframe")].filter(shown);
  return {corner: corner.map(box), plots: plots.map((el) => ({...box(el),
          name: el.title || el.id || el.tagName}))};
}"""

SCROLL_DOWN = """() => { const main = document.querySelector("[data-testid=stMain]");
                        main.scrollTop = main.scrollHeight; }"""


def overlaps(boxes: dict) -> list[str]:
    found = []
    for c in boxes["corner"]:
        for p in boxes["plots"]:
            dx = min(c["r"], p["r"]) - max(c["l"], p["l"])
            dy = min(c["b"], p["b"]) - max(c["t"], p["t"])
            if dx > 0 and dy > 0:
                found.append(f"{p['name']}: {dx:.0f} x {dy:.0f} px under the corner")
    return found


@pytest.mark.parametrize(
    ("path", "width", "height"),
    [
        ("/sweep?present=1", 1280, 720),
        ("/sweep?present=1", 1440, 900),
        ("/playground?present=1", 1280, 720),
        ("/theory?present=1", 1280, 720),
    ],
    ids=["sweep-720", "sweep-900", "playground-720", "theory-720"],
)
def test_the_corner_is_clear_of_every_plot(browser, app_url, path, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(app_url + path)
        page.wait_for_selector(".st-key-room_qr img", timeout=90_000)
        page.wait_for_selector("iframe, .js-plotly-plot", state="attached", timeout=90_000)
        page.wait_for_timeout(3000)  # the race's frame takes its height
        name = "corner-" + path.strip("/").split("?")[0] + f"-{height}"
        for where in ("top", "scrolled"):
            if where == "scrolled":
                page.evaluate(SCROLL_DOWN)
                page.wait_for_timeout(500)
            boxes = page.evaluate(BOXES)
            shot(page, f"{name}-{where}")
            assert len(boxes["corner"]) == 2 and boxes["plots"], boxes
            assert not overlaps(boxes), (where, overlaps(boxes))
    finally:
        context.close()
