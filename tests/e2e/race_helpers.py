"""Finding the race component on a page and reading what it has drawn.

The playground places the race and zero-height feeds beside it (the sidebar's settings, the
sets of runs that join the race); a feed has no ``raceStats``.
"""

from __future__ import annotations

import time

RACE_IFRAMES = "iframe[title*='race']"

# Index of the race's iframe among the race iframes, once its chart and controls are drawn.
_RACE_INDEX = """() => {
  const frames = [...document.querySelectorAll("iframe[title*='race']")];
  for (let i = 0; i < frames.length; i++) {
    let w;
    try { w = frames[i].contentWindow; } catch (err) { continue; }
    const doc = w && w.document, stats = w && w.raceStats;
    if (!stats || !stats.tracks || !stats.tracks.length) continue;
    const controls = doc.getElementById("controls");
    if (controls && !controls.hidden && doc.querySelector("#chart .main-svg")) return i + 1;
  }
  return 0;
}"""

#: Points of each shown run's path drawn so far (kept points up to the current step).
PATH_LENGTHS = """() => raceStats.tracks.map((t) => {
  const [set, m] = member(t);
  return RaceDecode.locate(set.path, m, raceStats.step)[0] - set.path.offsets[m];
})"""
#: The same for each run's loss curve.
LOSS_LENGTHS = PATH_LENGTHS.replace("set.path", "set.loss")
#: The momentum the race shows now (the β slider's, or the sidebar's).
PICKED = "() => shownSettings().beta"


def race_index(page, timeout: float = 60_000) -> int:
    page.wait_for_selector(RACE_IFRAMES, state="attached", timeout=timeout)
    return page.wait_for_function(_RACE_INDEX, timeout=timeout).json_value() - 1


def race_frame(page):
    """The race's FrameLocator, once its chart and controls are drawn."""
    frame = page.frame_locator(f"{RACE_IFRAMES} >> nth={race_index(page)}")
    frame.locator("#play").wait_for(timeout=60_000)
    return frame


def race_iframe(page):
    """The race's <iframe> element locator (for its box on the page)."""
    return page.locator(RACE_IFRAMES).nth(race_index(page))


def race_handle(page):
    """The race iframe's Frame, for evaluate()."""
    return race_iframe(page).element_handle().content_frame()


class Frames:
    """Websocket frames on a page: (seconds since start, direction, size in bytes)."""

    def __init__(self, page):
        self.frames: list[tuple[float, str, int]] = []
        page.on("websocket", self._attach)

    def _attach(self, ws):
        ws.on("framesent", lambda payload: self._add("sent", payload))
        ws.on("framereceived", lambda payload: self._add("received", payload))

    def _add(self, direction, payload):
        self.frames.append((time.monotonic(), direction, len(payload)))

    def since(self, t0: float, direction: str) -> list[int]:
        return [n for t, d, n in self.frames if t >= t0 and d == direction]
