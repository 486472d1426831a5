"""Maps that teach at first sight (#26 item 4): the sweep's map big enough to read, the
pad's key legible, and the runs that miss the tolerance shaded by how far they got."""

from __future__ import annotations

import itertools

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_frame, race_handle, race_iframe

#: The sweep map's plot area and its cells (px), as plotly laid it out.
MAP_CELLS = """() => { const L = map._fullLayout, m = raceStats.data.map;
  return {w: L.xaxis._length, h: L.yaxis._length, nA: m.alphas.length, nB: m.betas.length}; }"""

#: Per not-reached, not-diverged run of the pad: its final gap and the grey drawn at its
#: cell's centre, read back from the cells' canvas (the one the pad copies on screen under
#: its two rings, which would cover a few cells here).
PAD_GREYS = """() => {
  const owner = raceStats.tracks.find((t) => t.sets.pad), set = owner.sets.pad;
  const a = raceStats.axes.pad, nA = a.alphas.length, nB = a.betas.length;
  const cells = padCells.canvas, c = cells.getContext("2d");
  const cw = cells.width / nA, ch = cells.height / nB;
  const out = [];
  for (let m = 0; m < set.runs; m++) {
    if (set.diverged[m] >= 0 || set.tolStep[m] >= 0) continue;
    const i = m % nA, j = Math.floor(m / nA);
    const x = Math.floor((i + 0.5) * cw), y = Math.floor(cells.height - (j + 0.5) * ch);
    const [r, g, b] = c.getImageData(x, y, 1, 1).data;
    out.push([set.finalGap[m], r, g, b, i, j]);
  }
  return {cells: out, nA, nB, w: pad.clientWidth, h: pad.clientHeight};
}"""

#: The computed font size of every piece of text in the pad's box.
PAD_TEXT = """() => [...document.querySelectorAll('#padbox *')]
  .filter((e) => e.id !== 'pad'
    && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
  .map((e) => [e.textContent.trim(), parseFloat(getComputedStyle(e).fontSize)])"""


def _open(page, url: str, tap: bool = False):
    page.goto(url)
    race_frame(page)
    handle = race_handle(page)
    handle.wait_for_function("() => raceStats.tracks.length", timeout=90_000)
    box = race_iframe(page).bounding_box()
    if tap:
        page.touchscreen.tap(box["x"] + 10, box["y"] + 10)
    else:
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
    handle.wait_for_function("() => raceStats.axes.pad", timeout=90_000)
    return handle


def _cells(handle) -> tuple[float, float]:
    m = handle.evaluate(MAP_CELLS)
    return m["w"] / m["nA"], m["h"] / m["nB"]


def test_the_sweep_map_has_cells_of_six_px_at_1440_and_when_presenting(browser, app_url):
    """At 1440 x 900 the map's plot was 162 x 385 px: 2.7 px a cell of 60."""
    for size, query in (((1440, 900), ""), ((1280, 720), "?present=1")):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = context.new_page()
        handle = _open(page, app_url + "/sweep" + query)
        handle.evaluate("() => document.getElementById('mapbox').scrollIntoView()")
        width, height = _cells(handle)
        print(f"sweep at {size}: cells {width:.1f} x {height:.1f} px")
        assert handle.evaluate("() => raceStats.data.map.alphas.length") == 60
        assert width >= 6 and height >= 6, (width, height)
        # The race beside it keeps room for its two plots, inside its frame.
        chart = handle.evaluate("() => [chart.clientWidth, document.body.clientWidth]")
        assert 500 <= chart[0] <= chart[1] - 400, chart
        shot(page, f"maps-sweep-{size[0]}")
        context.close()


def test_the_pad_key_is_legible_and_missed_runs_are_shaded_by_their_gap(page, app_url):
    page.set_viewport_size({"width": 1440, "height": 900})
    handle = _open(page, app_url + "/playground")
    frame = race_frame(page)
    frame.locator("#padbox").scroll_into_view_if_needed()
    texts = handle.evaluate(PAD_TEXT)
    assert any("steps to f" in t for t, _ in texts) and any("not reached" in t for t, _ in texts)
    assert all(px >= 12 for _, px in texts), texts  # the key was 9 px
    got = handle.evaluate(PAD_GREYS)
    cells = got["cells"]
    assert len(cells) > 100  # the defaults' pad: most runs miss 1e-6 in 1,000 steps
    greys = [(gap, r) for gap, r, g, b, *_ in cells if abs(r - g) <= 2 and abs(g - b) <= 2]
    assert len(greys) == len(cells)  # every missed run is a grey
    assert len({r for _, r in greys}) > 10  # not one flat grey
    greys.sort()
    # Farther from f* is never lighter (a cell's rounding aside), and the ends differ.
    assert all(b[1] <= a[1] + 2 for a, b in itertools.pairwise(greys))
    assert greys[0][1] - greys[-1][1] > 60, (greys[0], greys[-1])
    shot(page, "maps-pad-1440")


def test_on_a_phone_the_pad_and_the_coarse_sweep_have_cells_a_finger_can_pick(browser, app_url):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        device_scale_factor=2,
    )  # fmt: skip
    page = context.new_page()
    handle = _open(page, app_url + "/playground", tap=True)
    race_frame(page).locator("#padbox").scroll_into_view_if_needed()
    got = handle.evaluate(PAD_GREYS)
    width, height = got["w"] / got["nA"], got["h"] / got["nB"]
    print(f"pad on a phone: cells {width:.1f} x {height:.1f} px")
    assert width >= 8 and height >= 8, (width, height)
    assert got["w"] <= handle.evaluate("() => document.body.clientWidth")  # inside its frame
    shot(page, "maps-pad-390")
    # The sweep's phone note offers a 20 x 20 grid: cells a fingertip can tap.
    handle = _open(page, app_url + "/sweep?grid=20", tap=True)
    handle.evaluate("() => document.getElementById('mapbox').scrollIntoView()")
    width, height = _cells(handle)
    print(f"sweep 20 x 20 on a phone: cells {width:.1f} x {height:.1f} px")
    assert width >= 12 and height >= 12, (width, height)
    shot(page, "maps-sweep-390")
    context.close()
