"""The race drawn live in the browser: scrubbing the momentum, playing, divergence markers,
and what goes over the websocket (little: the race is sent once, as data)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import PICKED, Frames, race_frame, race_handle, race_iframe

# A short fingerprint of what the overlay canvas shows.
CANVAS_HASH = """() => {
  const text = document.getElementById('overlay').toDataURL();
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}"""


def sidebar_momentum(page):
    return (
        page.locator("[data-testid='stSidebar'] [data-testid='stSlider']")
        .filter(has_text="Momentum β")
        .get_by_role("slider")
    )


def momentum_in_url_of(url: str) -> float | None:
    values = parse_qs(urlparse(url).query).get("momentum")
    return float(values[0]) if values else None


def test_scrubbing_momentum_redraws_at_once_and_sends_one_value_on_release(page, app_url):
    frames = Frames(page)
    page.goto(app_url + "/playground")
    frame = race_frame(page)
    handle = race_handle(page)
    slider = sidebar_momentum(page)
    slider.wait_for()
    # Show the whole paths, so that another momentum's path looks different.
    frame.locator("#step").focus()
    frame.locator("#step").press("End")
    handle.wait_for_function("() => raceStats.step === raceStats.steps")
    before = handle.evaluate(CANVAS_HASH)
    readout = frame.locator("#readout").inner_text()
    beta = handle.evaluate(PICKED)
    assert float(slider.input_value()) == beta

    t0 = time.monotonic()
    scrub = frame.locator("#beta")
    scrub.focus()
    for _ in range(3):
        scrub.press("ArrowLeft")
    during = frames.since(t0, "sent")
    stats = handle.evaluate("() => ({sent: raceStats.sent, scrubMs: raceStats.scrubMs})")
    picked = handle.evaluate(PICKED)
    print(f"scrub: path redrawn {stats['scrubMs']:.2f} ms after the input event")
    assert not during and stats["sent"] == 0, (during, stats)  # nothing sent while scrubbing
    assert picked < beta, (beta, picked)
    assert handle.evaluate(CANVAS_HASH) != before  # another path drawn at once
    assert frame.locator("#readout").inner_text() != readout
    assert f"β = {picked:.2f}" in frame.locator("#betalabel").inner_text()
    assert stats["scrubMs"] < 50, stats

    # Released (no key for the debounce's 250 ms): one value goes back to the app, the
    # sidebar slider and the link follow.
    handle.wait_for_function("() => raceStats.sent >= 1", timeout=5_000)
    page.wait_for_function(
        "v => [...document.querySelectorAll(\"[data-testid='stSidebar'] input[type=range]\")]"
        ".some(e => e.getAttribute('aria-label') === 'Momentum β'"
        " && Math.abs(parseFloat(e.value) - v) < 1e-9)",
        arg=picked,
        timeout=30_000,
    )
    page.wait_for_url(lambda url: momentum_in_url_of(url) == picked, timeout=30_000)
    page.wait_for_timeout(500)  # anything else that might have been sent late
    after = frames.since(t0, "sent")
    assert handle.evaluate("() => raceStats.sent") == 1
    assert len(after) == 1, after  # the one value, sent once
    assert handle.evaluate(PICKED) == picked  # the race kept the picked momentum
    shot(page, "live-race-scrubbed")


def test_play_reaches_the_last_step_with_the_landscape_drawn(page, app_url):
    page.goto(app_url + "/playground")
    frame = race_frame(page)
    handle = race_handle(page)
    assert frame.locator("g.imagelayer image").count() == 1
    drawn = handle.evaluate("() => raceStats.framesDrawn")
    frame.locator("#play").click()
    handle.wait_for_function("() => raceStats.playing")
    handle.wait_for_function(
        "() => !raceStats.playing && raceStats.step === raceStats.steps", timeout=120_000
    )
    stats = handle.evaluate(
        "() => ({fps: raceStats.fps, frames: raceStats.framesDrawn, steps: raceStats.steps})"
    )
    print(f"played {stats['steps']} steps at {stats['fps']:.1f} fps")  # a figure, not a test
    assert stats["frames"] > drawn + 10
    assert frame.locator("g.imagelayer image").count() == 1  # the landscape is still there
    label = frame.locator("#steplabel").inner_text()
    assert f"step {stats['steps']:,} / {stats['steps']:,}" == label, label
    shot(page, "live-race-played")


def test_a_divergence_is_marked_and_ends_the_animation_early(page, app_url):
    page.goto(app_url + "/playground?fn=rosenbrock&lr=0.004&momentum=0.9&steps=300")
    frame = race_frame(page)
    handle = race_handle(page)
    diverged = handle.evaluate(
        "() => raceStats.tracks.map(t => {"
        " const [s, m] = member(t); return [t.label, s.diverged[m]]; })"
    )
    assert diverged and all(k >= 0 for _, k in diverged), diverged  # every run diverges
    # Every step the chart shows while playing, frame by frame (the page's own clock).
    handle.evaluate(
        """() => { window.seenSteps = [];
          const look = () => { if (raceStats.playing) seenSteps.push(raceStats.step);
                               requestAnimationFrame(look); };
          requestAnimationFrame(look); }"""
    )
    frame.locator("#play").click()
    handle.wait_for_function(
        "() => !raceStats.playing && raceStats.step === raceStats.steps", timeout=30_000
    )
    markers = handle.evaluate("() => raceStats.markers")
    for label, k in diverged:
        assert any(m["label"] == label and m["step"] == k for m in markers), (label, k, markers)
    # Playing never went past the last divergence: once every run had stopped, the chart
    # jumped to the end (300 steps would otherwise play on for 1.8 s at 1x).
    seen = handle.evaluate("() => seenSteps")
    last = max(k for _, k in diverged)
    print(f"all runs diverged by step {last}: {len(seen)} frames played")
    assert max(seen, default=0) <= last < 300, (seen, last)
    shot(frame.locator("#chartbox"), "live-race-diverged")


def watch_race_height(page):
    """Record, every animation frame, the smallest height the tallest race iframe had."""
    page.evaluate(
        """() => {
          window.__raceLow = Infinity;
          const look = () => {
            const hs = [...document.querySelectorAll("iframe[title*='race']")]
              .map(f => f.getBoundingClientRect().height);
            window.__raceLow = Math.min(window.__raceLow, Math.max(0, ...hs));
            requestAnimationFrame(look);
          };
          requestAnimationFrame(look);
        }"""
    )


def test_the_race_keeps_its_place_when_a_warning_appears_above_it(page, app_url):
    page.goto(app_url + "/playground")
    frame = race_frame(page)
    watch_race_height(page)

    lr = page.get_by_label("Exact learning rate", exact=True)
    lr.fill("0.004")
    lr.press("Enter")
    page.get_by_text(re.compile(r"diverged at step \d+")).first.wait_for(timeout=30_000)
    race_handle(page).wait_for_function(
        "() => raceStats.tracks.some(t => t.sets.beta.diverged.some(k => k >= 0))", timeout=30_000
    )
    box = race_iframe(page).bounding_box()
    low = page.evaluate("() => window.__raceLow")
    print(f"after the error: race {box['height']:.0f} px high, lowest {low:.0f} px")
    assert box["height"] > 300 and low > 300, (box, low)
    assert frame.locator("#play").is_visible()

    slider = sidebar_momentum(page)
    slider.focus()
    slider.press("End")
    page.get_by_text("never settles").first.wait_for(timeout=30_000)
    page.wait_for_url(lambda url: momentum_in_url_of(url) == 1.0, timeout=30_000)
    race_handle(page).wait_for_function("() => raceStats.betas.includes(1)", timeout=30_000)
    box = race_iframe(page).bounding_box()
    low = page.evaluate("() => window.__raceLow")
    print(f"after the warning: race {box['height']:.0f} px high, lowest {low:.0f} px")
    assert box["height"] > 300 and low > 300, (box, low)
    assert race_frame(page).locator("#play").is_visible()
    shot(page, "live-race-warning")


def test_a_sidebar_momentum_change_does_not_resend_the_race(page, app_url):
    frames = Frames(page)
    page.goto(app_url + "/playground")
    race_frame(page)
    handle = race_handle(page)
    first = max(frames.since(0, "received"))
    received_races = "() => performance.getEntriesByName('race-received').length"
    races = handle.evaluate(received_races)
    beta = handle.evaluate(PICKED)
    slider = sidebar_momentum(page)
    slider.wait_for()

    t0 = time.monotonic()
    slider.focus()
    slider.press("ArrowLeft")
    page.wait_for_url(lambda url: (momentum_in_url_of(url) or beta) < beta, timeout=30_000)
    new = momentum_in_url_of(page.url)
    handle.wait_for_function(f"() => Math.abs(({PICKED})() - {new}) < 1e-9", timeout=30_000)
    page.wait_for_timeout(500)  # let the rerun finish sending
    received = frames.since(t0, "received")
    largest = max(received, default=0)
    print(f"race sent at {first / 1e3:.0f} KB; after β {beta} -> {new}: "
          f"{len(received)} frames received, largest {largest / 1e3:.1f} KB")  # fmt: skip
    assert first > 50_000  # the race itself is big: the check below means something
    # The race was not sent again (the α line and the grid of starts, which depend on β,
    # were: they are parts of their own, see race_chart.race_part).
    assert handle.evaluate(received_races) == races
    assert largest < first, received
    assert handle.evaluate("() => raceStats.tracks.length") > 0  # the same race, still drawn
