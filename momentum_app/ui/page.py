"""What every page does first and last, in Streamlit's pages-folder mode.

Each page is its own script in ``pages/``, found by its file name, so a first visit to
``/theory`` on a freshly started server runs ``pages/theory.py`` itself, with nothing to
route and nothing shared to race over. Every page calls :func:`start` at its top and
:func:`end` at its bottom; the page menu is :func:`nav_ui`'s links (Streamlit's own menu is
off in ``.streamlit/config.toml``). Only public Streamlit API.
"""

from __future__ import annotations

import re
import time

import streamlit as st

from momentum_app.ui import room_ui, state
from momentum_app.ui.widgets import link_ui, presenter_ui

#: The pages in menu order: script, title, icon.
PAGES = (
    ("pages/playground.py", "Playground", ":material/sports_score:"),
    ("pages/scenes.py", "Scenes", ":material/slideshow:"),
    ("pages/talk.py", "My talk", ":material/co_present:"),
    ("pages/sweep.py", "Sweep", ":material/grid_on:"),
    ("pages/local-minima.py", "Local minima", ":material/landscape:"),
    ("pages/theory.py", "Theory", ":material/functions:"),
    ("pages/model.py", "The article's model", ":material/hub:"),
    ("pages/guide.py", "Guide", ":material/menu_book:"),
)
_STARTED = "_run_started"


def nav_ui() -> None:
    """The page menu, at the top of the sidebar."""
    for script, title, icon in PAGES:
        st.sidebar.page_link(script, label=title, icon=icon)
    st.sidebar.divider()


#: Every page's look on a narrow screen, local CSS only. Streamlit folds the sidebar away
#: below 768 px behind an unlabelled "»": it is labelled, and a line under the page's top
#: says where the settings are. Wide formulas and tables scroll sideways instead of being
#: cut at the screen's edge; the results table's toolbar (shown above its top edge on a
#: tap or a hover) gets room, so it no longer covers the verdict above it. A page's title
#: takes two lines of a phone, not three (the playground's Play then shares the first screen
#: with its landscape). A touch screen reads the copy's touch words (:func:`by_touch`), and
#: a phone's stacked columns their own "top" and "under" (:func:`by_width`).
PAGE_CSS = """<style>
[data-testid="stExpandSidebarButton"]::after,
[data-testid="stSidebarCollapsedControl"] button::after {
  content: "Settings & pages"; margin-left: 0.35em; font-size: 0.95rem; font-weight: 600; }
.phone-only { display: none; }
@media (max-width: 767.98px) {
  .phone-only { display: block; color: #333; font-size: 0.95rem; margin: 0; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2rem; } }
.on-touch, .on-narrow { display: none; }
@media (max-width: 640px) {  /* where Streamlit stacks a page's columns */
  .on-narrow { display: inline; }
  .on-wide { display: none; } }
@media (hover: none) and (pointer: coarse) {
  .on-touch { display: inline; }
  .on-pointer { display: none; } }
.katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 0.2rem; }
[data-testid="stMarkdownContainer"] table { display: block; overflow-x: auto; max-width: 100%; }
[data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) { margin-top: 1.6rem; }
</style>"""

#: A formula, table or code wider than its column scrolls sideways: such a region takes the
#: keyboard's focus, so that it scrolls with the arrow keys too (axe's
#: scrollable-region-focusable). Set once a page, whatever Streamlit redraws after.
FOCUSABLE_SCROLL_JS = """<script>
if (!window.momentumScrollFocus) {
  window.momentumScrollFocus = true;
  const wide = ".katex-display, [data-testid='stMarkdownContainer'] table, pre";
  const mark = () => document.querySelectorAll(wide).forEach((e) => {
    if (e.scrollWidth > e.clientWidth) e.tabIndex = 0; else e.removeAttribute("tabindex");
  });
  new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
  window.addEventListener("resize", mark);
  mark();
}
</script>"""


def by_touch(pointer: str, touch: str) -> str:
    """Copy for both kinds of screen (HTML; shown with ``unsafe_allow_html``): ``pointer``
    where a mouse can hover and click, ``touch`` where fingers tap (PAGE_CSS picks one).

    >>> by_touch("click", "tap")
    '<span class="on-pointer">click</span><span class="on-touch">tap</span>'
    """
    return f'<span class="on-pointer">{pointer}</span><span class="on-touch">{touch}</span>'


def caption(text: str) -> None:
    """A page's caption whose ``[[pointer|touch]]`` pairs read as :func:`by_touch`: "click"
    on a laptop, "tap" on a phone."""
    html = re.sub(r"\[\[([^|\]]*)\|([^\]]*)\]\]", lambda m: by_touch(m[1], m[2]), text)
    st.caption(html, unsafe_allow_html=True)


def by_width(wide: str, narrow: str) -> str:
    """Copy for columns side by side (``wide``) and stacked on a phone (``narrow``): "left"
    there is "top" here (HTML, as :func:`by_touch`)."""
    return f'<span class="on-wide">{wide}</span><span class="on-narrow">{narrow}</span>'


def phone_note(text: str) -> None:
    """A line shown only on a narrow screen (markdown not interpreted: plain text or HTML),
    and never in presenter mode: a projected page is no phone."""
    if state.presenting():
        return
    st.html(f'<p class="phone-only">{text}</p>')


def start(controls: bool = True) -> None:
    """Page config, the shared state, presenter mode, the room and the menu (not when
    presenting or following); ``controls``: the page's settings are in the sidebar (a
    phone is told where)."""
    st.set_page_config(page_title="Momentum playground", page_icon="⛰️", layout="wide")
    st.session_state[_STARTED] = time.perf_counter()
    state.init_state()
    state.read_presenter_flag()
    room_warnings = state.read_room_flags()
    room_ui.claim_presenter()  # present=1 in another browser's room: follow it instead
    st.html(PAGE_CSS)  # presenting too: the copy's "click"/"tap" pairs read as one word
    if not state.presenting() and not state.following():
        nav_ui()
        with st.container(key="scroll_focus"):
            st.html("<style>.st-key-scroll_focus { display: none; }</style>" + FOCUSABLE_SCROLL_JS,
                    unsafe_allow_javascript=True)  # fmt: skip
        if controls:  # the page's settings are in the sidebar (the scenes' are on the page)
            phone_note("The settings are in the sidebar: tap <b>» Settings &amp; pages</b> at "
                       "the top left.")  # fmt: skip
    if not state.following():  # a follower's page is the presenter's: no switch to present
        presenter_ui()
    for message in room_warnings:
        st.warning(state.plain(message), icon=":material/link:")


def mark(name: str) -> None:
    """Note how long this run of the page has taken so far (read by the benchmarks)."""
    st.session_state.setdefault("_marks", {})[name] = (
        time.perf_counter() - st.session_state[_STARTED]
    )


def end() -> None:
    """The link to this view, under every page but a follower's (the room's link is on the
    presenter's screen; a follower's page redraws on every Next, so it draws only what the
    scene needs)."""
    if not state.following():
        link_ui()
    # Read by benchmarks/bench_app.py: the server-side time of this run of a page.
    st.session_state["_run_seconds"] = time.perf_counter() - st.session_state[_STARTED]
