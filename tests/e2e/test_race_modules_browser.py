"""The race page's modules on a blank page, each alone with only the modules it says it
needs: the selection, the pad's scale and the grids' keys, the layout, the messages and
the shapes, checked where they could go wrong without plotly, Streamlit or the app."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace

import pytest

from momentum_app.config.settings import default_settings
from momentum_app.race import race_chart
from momentum_app.race.runs import race_view
from momentum_app.studies import sweep_figures
from tests.e2e.conftest import ARTIFACTS

FOLDER = race_chart._PAGE.parent
#: What each module needs loaded before it (its first lines say so, and it checks).
NEEDS = {
    "decode.js": (),
    "transport.js": (),
    "selection.js": ("decode.js",),
    "pad.js": (),
    "drawing.js": ("decode.js",),
    "layout.js": (),
}


def _load(page, name: str):
    page.set_content("<!doctype html><html><body></body></html>")
    for script in (*NEEDS[name], name):
        page.add_script_tag(content=(FOLDER / script).read_text(encoding="utf-8"))
    return page


def test_the_page_loads_every_module_after_what_it_needs_and_race_js_last():
    scripts = race_chart.SCRIPTS
    assert scripts[0] == "vendor/plotly-basic.min.js" and scripts[-1] == "race.js"
    assert set(NEEDS) <= set(scripts)  # every module is on the page (and in the files)
    for name, needs in NEEDS.items():
        assert all(scripts.index(n) < scripts.index(name) for n in needs), name
    page = race_chart.standalone_page(title="t")
    assert not re.search(r'<script src="', page)  # the offline file inlines every one


def test_a_module_without_what_it_needs_says_so(page):
    page.set_content("<!doctype html><html><body></body></html>")
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.add_script_tag(content=(FOLDER / "selection.js").read_text(encoding="utf-8"))
    page.wait_for_timeout(50)
    assert any("selection.js needs decode.js first" in e for e in errors)
    # and defines nothing (its name stays unusable: no half-made module to call)
    probe = "() => { try { return typeof RaceSelection; } catch (err) { return err.name; } }"
    assert page.evaluate(probe) == "ReferenceError"


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_each_module_loads_alone_on_a_blank_page(page, name):
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    _load(page, name)
    glob = {"decode.js": "RaceDecode", "transport.js": "RaceTransport",
            "selection.js": "RaceSelection", "pad.js": "RacePad", "drawing.js": "RaceDraw",
            "layout.js": "RaceLayout"}[name]  # fmt: skip
    assert page.evaluate(f"() => typeof {glob}") == "object"
    assert not errors


# --- selection -------------------------------------------------------------------------
# A small race's state: an SGD racer with an α line, a momentum racer with the pad.
STATE = """() => {
  const run = (n) => ({runs: n, diverged: Int32Array.from({length: n}, () => -1)});
  const pad = run(12);
  pad.diverged[7] = 40;  // the cell (α index 3, β index 1) diverges at step 40
  return {
    steps: 100, betas: [0, 0.5, 0.9],
    sel: {kind: "beta", index: 2, beta: 2},
    chosen: {alpha: 0.01, beta: 0.9, start: [1, 2]},
    axes: {alpha: {alphas: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3], beta: 0.9},
           pad: {alphas: [0.001, 0.01, 0.1, 0.3], betas: [0, 0.5, 0.9]}},
    tracks: [{name: "sgd", momentum: false, sets: {beta: run(1), alpha: run(6)}},
             {name: "momentum", momentum: true, sets: {beta: run(3), pad}}],
  };
}"""


def test_selection_a_cell_shows_its_run_and_sgd_the_nearest_alpha_of_its_line(page):
    _load(page, "selection.js")
    got = page.evaluate(
        f"""() => {{
      const S = RaceSelection, state = ({STATE})();
      const cell = S.padCellOf(state.axes, 0.12, 0.6);  // nearest: α 0.1, β 0.5
      state.sel = {{kind: "pad", index: S.padIndex(state.axes, ...cell), beta: 2}};
      const [sgd, mom] = state.tracks.map((t) => S.member(state, t));
      const [line, pad] = [state.tracks[0].sets.alpha, state.tracks[1].sets.pad];
      return {{cell, shown: S.shownSettings(state), sgd: [sgd[0] === line, sgd[1]],
               mom: [mom[0] === pad, mom[1]], end: S.endStep(state),
               moves: state.tracks.map((t) => S.moves(state, t))}};
    }}"""
    )
    assert got["cell"] == [2, 1]
    assert got["shown"] == {"alpha": 0.1, "beta": 0.5, "start": [1, 2]}
    assert got["sgd"] == [True, 4]  # the line's α = 0.1
    assert got["mom"] == [True, 6]  # row 1 of 4 columns, column 2
    assert got["end"] == 100  # the shown runs all go on to the last step
    assert got["moves"] == [False, True]  # the pad is the momentum racer's


def test_selection_the_chosen_beta_and_where_the_shown_runs_stop(page):
    _load(page, "selection.js")
    got = page.evaluate(
        f"""() => {{
      const S = RaceSelection, state = ({STATE})();
      state.chosen.beta = 0.45;
      const chosen = S.chosenSel(state);
      state.sel = {{kind: "pad", index: 7, beta: 2}};  // the cell that diverges at 40
      const end = S.endStep(state);
      state.tracks.pop();  // SGD alone, on the α line
      return {{chosen, end, alone: S.endStep(state), same: S.sameChosen(state, {{beta: 0.45}}),
               other: S.sameChosen(state, {{beta: 0.5}})}};
    }}"""
    )
    assert got["chosen"] == {"kind": "beta", "index": 1, "beta": 1}  # β 0.5 is nearest 0.45
    assert got["end"] == 100 and got["alone"] == 100  # SGD's line run goes on
    assert got["same"] is True and got["other"] is False


# --- pad -------------------------------------------------------------------------------
def test_pad_scale_is_the_sweeps_and_colours_runs_by_how_they_ended(page):
    _load(page, "pad.js")
    got = page.evaluate(
        """() => {
      const P = RacePad;
      const set = {runs: 5, diverged: [-1, -1, -1, -1, 9], tolStep: [10, 1000, -1, -1, -1],
                   finalGap: [0, 0, 1e-6, 10, NaN]};
      const r = P.ranges(set, 1e-6);
      return {ramp: P.RAMP, greys: P.GREYS, diverged: P.DIVERGED, r,
              colours: [0, 1, 2, 3, 4].map((m) => P.cellColor(set, m, r)),
              key: P.keyText(r, "1e−6"), mid: P.ramp(0.5), clamped: P.ramp(7)};
    }"""
    )
    assert tuple(got["ramp"]) == sweep_figures.REACHED_RAMP
    assert tuple(got["greys"]) == (sweep_figures.NOT_REACHED_NEAR, sweep_figures.NOT_REACHED_FAR)
    assert got["diverged"] == sweep_figures.DIVERGED_COLOR
    assert got["mid"] == "rgb(33,145,140)"  # #21918c, the ramp's middle stop
    assert got["clamped"] == "rgb(68,1,84)"  # #440154: past the end, the slowest
    fast, slow, near, far, diverged = got["colours"]
    assert fast == "rgb(253,231,37)" and slow == "rgb(68,1,84)"  # yellow fast, purple slow
    assert near == "rgb(224,224,224)"  # just short of the tolerance: the light grey
    assert far == "rgb(138,138,138)"  # 1e1 is the farthest: the dark grey
    assert diverged == "#3b0a0a"
    assert got["r"]["reached"] == 2 and got["r"]["missed"] == 2
    assert got["key"]["reached"] == "10 to 1,000 steps to f\u00a0−\u00a0f* < 1e−6"
    assert got["key"]["missed"] == "not reached: f\u00a0−\u00a0f* 1e−6 to 10 at the end"
    assert got["key"]["showMissed"] is True


KEYS = [
    ("ArrowRight", {}, [6, 3]),
    ("ArrowLeft", {"shift": True}, [0, 3]),  # five cells, clamped at the edge
    ("ArrowUp", {"shift": True}, [5, 8]),
    ("ArrowDown", {}, [5, 2]),
    ("Home", {}, [0, 3]),  # the row's first cell
    ("End", {}, [9, 3]),  # the row's last
    ("Home", {"ctrl": True}, [0, 0]),  # the grid's first
    ("End", {"ctrl": True}, [9, 8]),  # the grid's last
    ("ArrowRight", {"ctrl": True}, None),  # not the grid's
    ("a", {}, None),
]


@pytest.mark.parametrize("key,mods,want", KEYS, ids=[f"{k}-{'+'.join(m)}" for k, m, _ in KEYS])
def test_grid_keys_move_a_cell_a_leap_or_to_the_ends(page, key, mods, want):
    _load(page, "pad.js")
    got = page.evaluate("([k, m]) => RacePad.gridStep([5, 3, 10, 9], k, m)", [key, mods])
    assert got == want


def test_pad_cell_under_a_point_counts_rows_from_the_bottom(page):
    _load(page, "pad.js")
    box = {"left": 10, "top": 0, "width": 100, "bottom": 50, "height": 50}
    points = [[15, 45], [105, 5], [-40, 400]]
    got = page.evaluate(
        "([box, points]) => points.map(([x, y]) => RacePad.cellAt(box, x, y, 10, 5))",
        [box, points],
    )
    assert got == [[0, 0], [9, 4], [0, 0]]


# --- layout ----------------------------------------------------------------------------
def _figure(font: int = 18) -> dict:
    data = json.loads(race_view(replace(default_settings("rosenbrock"), steps=300), font).data)
    return data["figure"]


def test_layout_presenting_at_1280x720_keeps_the_plots_250_px_with_a_tall_legend(page):
    _load(page, "layout.js")
    got = page.evaluate(
        """(figure) => {
      const L = RaceLayout, base = L.base(figure), bar = figure.data[0].marker.colorbar;
      const shape = (legend) => ({base, bar, legend});
      const env = (fit) => ({narrow: L.NARROW, steps: 300, ask: "", fit, screen: null});
      // A frame 1212 px wide with 120 px of the screen left under a long caption, and a
      // legend of three rows (90 px): the plots keep their least height.
      const squeezed = L.shapeFor(1212, shape(90), env({left: 120})).layout;
      const roomy = L.shapeFor(1212, shape(90), env({left: 5000})).layout;
      const own = L.shapeFor(1212, shape(null), env(null)).layout;
      const above = Math.max(squeezed["margin.t"], 90 + 0.7 * base.font + 14);
      return {plot: squeezed.height - above - squeezed["margin.b"], roomy: roomy.height,
              own: own.height, base: base.height, least: L.MIN_PLOT};
    }""",
        _figure(),
    )
    assert got["least"] == 250
    assert got["plot"] >= 250
    assert got["roomy"] == round(1.5 * got["base"])  # at most 1.5 times its own height
    assert got["own"] == got["base"]  # not presenting: its own height


def test_layout_a_phone_stacks_the_plots_and_a_talk_file_scales_its_type(page):
    _load(page, "layout.js")
    got = page.evaluate(
        """(figure) => {
      const L = RaceLayout, base = L.base(figure), bar = figure.data[0].marker.colorbar;
      const env = {narrow: L.NARROW, steps: 300, ask: "", fit: null, screen: null};
      const phone = L.shapeFor(358, {base, bar, legend: null}, env);
      const asked = L.shapeFor(358, {base, bar, legend: null}, {...env, ask: "tap"});
      const copy = JSON.parse(JSON.stringify(figure));
      L.scaleFonts(copy, L.fontScale(1920, 1080));
      L.scaleFonts(copy, L.fontScale(1920, 1080));  // once only
      return {land: phone.layout["yaxis.domain"], loss: phone.layout["yaxis2.domain"],
              bar: phone.bar.orientation, key: phone.key, asked: asked.layout["yaxis2.visible"],
              phoneScale: L.fontScale(390, 844), font: copy.layout.font.size,
              given: figure.layout.font.size};
    }""",
        _figure(15),
    )
    assert got["key"].startswith("narrow") and got["bar"] == "h"
    assert got["loss"][1] < got["land"][0]  # the loss plot under the landscape
    assert got["asked"] is False  # asked where a run stops: no empty loss plot
    assert got["phoneScale"] == pytest.approx(5 / 6)
    assert got["font"] == round(got["given"] * 1080 / 800)


# --- transport -------------------------------------------------------------------------
def test_transport_takes_a_part_once_and_a_changed_one_again(page):
    _load(page, "transport.js")
    got = page.evaluate(
        """() => {
      const T = RaceTransport, store = T.partStore();
      const part = (beta) => ({kind: "alpha", axes: {alphas: [0.1, 0.2], beta}, sets: {}});
      const news = [store.take("v1", part(0.9)), store.take("v1", part(0.9)),
                    store.take("v1", part(0.5)), store.take("v2", part(0.5))];
      return {news, kinds: store.of("v1").map((p) => p.axes.beta), has: store.has("v2", "alpha"),
              none: store.has("v3", "alpha")};
    }"""
    )
    assert got["news"] == [True, False, True, True]
    assert got["kinds"] == [0.5] and got["has"] is True and got["none"] is False


def test_transport_speaks_streamlits_protocol_and_the_feeds_messages(page):
    _load(page, "transport.js")
    got = page.evaluate(
        """() => {
      const T = RaceTransport, sent = [];
      const target = {postMessage: (m, origin) => sent.push([m, origin])};
      T.sendValue({lr: 0.1}, target);
      T.frameHeight(321, target);
      T.ready(target);
      const feeds = [
        T.feedMessage({channel: "race", momentum: 0.9, lr: 0.01}),
        T.feedMessage({channel: "race", race: "abc", part: "{}"}),
        T.feedMessage({channel: "race", marks: '{"kind": "beta"}'}),
      ];
      return {sent, feeds, alone: T.siblings().length};
    }"""
    )
    assert [origin for _, origin in got["sent"]] == ["*"] * 3
    value, height, ready = (message for message, _ in got["sent"])
    assert value == {"isStreamlitMessage": True, "type": "streamlit:setComponentValue",
                     "value": {"lr": 0.1}, "dataType": "json"}  # fmt: skip
    assert height["type"] == "streamlit:setFrameHeight" and height["height"] == 321
    assert ready["type"] == "streamlit:componentReady" and ready["apiVersion"] == 1
    select, part, marks = got["feeds"]
    assert select["type"] == "momentum-race:select" and select["lr"] == 0.01
    assert part == {"type": "momentum-race:part", "channel": "race", "race": "abc", "part": "{}"}
    assert marks["type"] == "momentum-race:marks" and marks["marks"] == {"kind": "beta"}
    assert got["alone"] == 0  # a page with no frames: no siblings


def test_the_feed_page_loads_the_race_components_transport():
    feed = (FOLDER.parent / "race_feed" / "index.html").read_text(encoding="utf-8")
    (src,) = race_chart.page_scripts(feed)
    # Streamlit serves a component under /component/<module>.<folder>/
    assert src == f"../{race_chart.__name__}.race_component/transport.js"
    assert "postMessage(Object.assign" not in feed  # the protocol is transport.js's only


# --- drawing ---------------------------------------------------------------------------
def test_drawing_a_run_ends_between_its_kept_points_and_marks_stack(page):
    _load(page, "drawing.js")
    got = page.evaluate(
        """() => {
      const c = document.createElement("canvas").getContext("2d");
      // One run kept at steps 0, 10, 20: at step 15 its head is halfway to the third point.
      const part = {offsets: [0, 3], steps: [0, 10, 20]};
      const X = (v) => v * 2, Y = (v) => 100 - v;
      const head = RaceDraw.polyline(c, part, 0, 15, [0, 10, 10], [0, 0, 20], X, Y);
      const marks = {guesses: [[1, 1], [1, 1], [2, 2]], mine: [2, 2], median: null, truth: [3, 3]};
      const stacked = [];
      const out = RaceDraw.drawAll(c, marks, null, (p) => [p[0] * 10, p[1] * 10], 5,
                                   ([x, y], k) => { stacked.push(k); return [x, y - k * 4]; });
      const counts = Object.fromEntries(RaceDraw.counts(marks.guesses));
      return {head, out, stacked, counts};
    }"""
    )
    assert got["head"] == [20, 90]  # x 10 (px 20), y 10 (px 90)
    assert got["stacked"] == [0, 1, 0]  # the second guess at (1, 1) one place up
    assert got["out"]["guesses"] == 3 and got["out"]["mine"] == [20, 20]
    assert got["out"]["truth"] == [30, 30] and got["out"]["median"] is None
    assert got["counts"] == {"1,1": 2, "2,2": 1}


def test_drawing_groups_marks_that_would_cover_each_other(page):
    _load(page, "drawing.js")
    got = page.evaluate("() => RaceDraw.groups([50, 0, 3, 6, 100, 104, 109, 9.5], 8)")
    # every group drawn 8 px or more from the next, and every mark counted once
    assert [g["n"] for g in got] == [4, 1, 3]
    assert got[0]["first"] == 0 and got[0]["last"] == 9.5 and got[0]["x"] == 18.5 / 4
    centres = [g["x"] for g in got]
    assert all(b - a >= 8 for a, b in itertools.pairwise(centres))


def test_a_phones_beta_question_merges_near_guesses_into_a_counted_dot(browser):
    # A room's β question on a 390 px phone: 101 βs on a short slider, a β is a few pixels,
    # and guesses at 0.88-0.99 were one blot (the count "10 guesses" over the β = 0 dot).
    s = replace(default_settings("rosenbrock"), steps=300)
    html = race_chart.standalone_html(race_view(s, 15).data, title="β question")
    guesses = [[0.9], [0.9], [0.91], [0.92], [0.88], [0.5], [0.52], [0.99], [0.97], [0.0]]
    marks = {"kind": "beta", "guesses": guesses, "count": len(guesses), "mine": [0.91]}
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.set_content(html)
    page.wait_for_function("() => window.raceStats && raceStats.framesDrawn > 0")
    page.evaluate("(marks) => { raceAsk('show'); raceMarks(marks); }", marks)
    page.wait_for_function("() => raceStats.marked && raceStats.marked.groups")
    drawn = page.evaluate("() => raceStats.marked")
    r = page.evaluate("() => Math.max(4, Math.min(6, raceStats.font * 0.28))")
    groups = drawn["groups"]
    assert drawn["guesses"] == sum(g["n"] for g in groups) == len(guesses)
    assert len(groups) < len(guesses)  # near guesses merged (a β here is a few pixels)
    assert max(g["n"] for g in groups) >= 5  # 0.88-0.99 together, with their count
    centres = [g["x"] for g in groups]
    assert all(b - a >= 2 * r + 2 for a, b in itertools.pairwise(centres))
    top = page.locator("#momentum").bounding_box()
    below = page.locator("#betamarks").bounding_box()
    clip = {"x": 0, "y": top["y"], "width": 390, "height": below["y"] + below["height"] - top["y"]}
    page.screenshot(path=str(ARTIFACTS / "beta-marks-phone.png"), clip=clip)
    context.close()
