"""The pages on a phone (390 x 844): what a finger meets first."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot
from tests.e2e.race_helpers import race_frame, race_handle


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_the_table_toolbar_leaves_the_verdict_readable_and_the_settings_are_named(phone, app_url):
    phone.goto(app_url + "/playground")
    race_frame(phone)
    # The sidebar's "»" says what it opens, and a line says where the settings are.
    button = phone.locator("[data-testid='stExpandSidebarButton']")
    label = button.evaluate("b => getComputedStyle(b, '::after').content")
    assert "Settings & pages" in label
    assert phone.get_by_text("The settings are in the sidebar").is_visible()
    table = phone.locator("[data-testid='stDataFrame']")
    table.scroll_into_view_if_needed()
    table.hover()  # a tap shows the table's toolbar above its top edge
    toolbar = phone.locator("[data-testid='stElementToolbar'] button").first
    toolbar.wait_for(state="visible", timeout=10_000)
    phone.wait_for_timeout(800)
    shot(phone, "phone-table-toolbar")
    # Both boxes at one moment: the toolbar's buttons and the verdict's last line.
    bar, said = phone.evaluate(
        """() => {
          const b = [...document.querySelectorAll("[data-testid='stElementToolbar'] button")]
            .map(e => e.getBoundingClientRect()).filter(r => r.height > 0);
          const v = [...document.querySelectorAll("[data-testid='stMarkdownContainer'] strong")]
            .find(e => e.textContent.includes("reached f − f*")).getBoundingClientRect();
          return [Math.min(...b.map(r => r.top)), v.bottom];
        }"""
    )
    assert bar >= said, (bar, said)


def test_a_first_tap_on_the_starts_handle_brings_the_pad_and_the_grid_of_starts(browser, app_url):
    """A finger's first touch in the chart a tap on the start's handle: the chart asks for
    the pad and the grid of starts and sends the start in one moment, and Streamlit keeps a
    component's last value only; every value carries the asks (they were lost: neither set
    came, and the chart never asked again)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)  # fmt: skip
    page = context.new_page()
    page.goto(app_url + "/playground")
    frame = race_frame(page)
    handle = frame.locator("#handle")
    handle.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = handle.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    race_handle(page).wait_for_function(
        "() => ['pad', 'start'].every((k) => k in raceStats.axes)", timeout=60_000
    )
    context.close()
