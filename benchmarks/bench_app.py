"""Benchmark of the playground: rerun time, race payload and time to first chart.

Run: ``python benchmarks/bench_app.py`` (``--no-browser`` to skip the Chromium part).

Prints, for the default settings (Rosenbrock, SGD vs momentum, 1000 steps), medians:
  * the server-side time of a whole rerun with nothing new, after a momentum release,
    after a learning-rate release (on the line, and off it), and after a new start, step
    count and function, through Streamlit's AppTest, for two visitors: one whose pointer
    has reached into the chart (the race's parts: the α line and the pad) and one who has
    also gone for the start's handle (the grid of starts too); targets (issue #24): a
    new function, start or step count <= idle + 100 ms; and what each part costs alone;
  * the data sent to the browser: the race and its α line at defaults (target <= 400 KB),
    the pad (target <= 1 MB more), the start grid (every set at defaults: target
    <= 1.5 MB), and all 7 optimizers at 3000 steps (target <= 1.5 MB in all);
  * in Chromium, from the input event to the redrawn canvas, for each scrub (α slider,
    pad, start drag, sweep map, theory map, basin map β): target <= 16 ms median, and the websocket
    frames sent while scrubbing (target 0);
  * the time from opening /playground in a fresh headless Chromium to the race drawn,
    against a bare Streamlit page with one small st.plotly_chart on the same server, in
    the same run (target: <= 1.25x).

``--first-chart`` prints only the first chart (``--against PATH``: another checkout's
``serve.py`` too, on a server of its own, the pages visited in turns, for before and after
in one run; ``--timeline``: when each step of the load happened, from in-page clocks: the
chart's delta on the websocket, the component's chunk, the race's frame in the page, its
scripts, plotly.js run, the component's arguments, the chart drawn; Playwright's own
waits come after "drawn" and are in "seen by the benchmark").

``--minima`` prints only the local-minima page, cold (target: with its β set <= 1 s): in
fresh processes (``--minima-against PATH``: alternately this tree's and another
checkout's, for before and after in one run), each one first loads the compiled loops
from their disk caches (timed apart: compiling is not in the figures; a cold cache is
refused) and imports the pages (a tiny local-minima page), then opens the page at its
defaults, every cache emptied first: the first visit (SGD's map and the
chosen β's, the success study) and, in another session, the first visit once the
pointer has asked for the β set (all 12 maps); wall and CPU seconds of the page's run,
and of its heavy parts alone afterwards. Then, in this process, the β set's maps on a
gate of two slots that two other visitors keep busy: as one job, and as a job per map.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from momentum_app.config.settings import OPTIMIZER_NAMES, default_settings  # noqa: E402
from momentum_app.race.runs import line_part, pad_part, race_view, start_part  # noqa: E402
from momentum_core import get_objective  # noqa: E402
from momentum_core.spaces import lr_line  # noqa: E402

BARE_PAGE = """
import plotly.graph_objects as go
import streamlit as st
st.title("Bare page")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 3, 2])), key="bare")
"""


def rerun_times(repeats: int, wants: tuple[str, ...]) -> dict[str, float]:
    """Median server seconds of a whole rerun of the playground after each kind of change,
    for a visitor whose chart has asked for the sets ``wants`` (as race.js asks)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.session_state["race"] = {"want": list(wants), "nonce": 1}
    at.run()
    lrs = lr_line(get_objective("rosenbrock"), 1.5e-3)
    out: dict[str, list[float]] = {}

    def timed(name: str, change) -> None:
        change()
        at.run()
        assert not at.exception, at.exception
        out.setdefault(name, []).append(at.session_state["_run_seconds"])
        # The page's own content (chart, verdict, table, exports) is sent before the parts.
        main = at.session_state["_marks"]["parts"]
        out.setdefault(name + " (before the parts)", []).append(main)

    # Elements are looked up afresh for every change (a stale one's value lands a run late).
    for i in range(repeats):
        timed("nothing new", lambda: None)
        timed("momentum release", lambda i=i: at.slider(key="momentum").set_value(0.5 + 0.05 * i))
        timed("nothing new", lambda: None)
        timed(
            "lr release, on the line",
            lambda i=i: at.number_input(key="lr").set_value(float(lrs[20 + i])),
        )
        timed(
            "lr release, off the line",
            lambda i=i: at.number_input(key="lr").set_value(0.0011 + 3e-5 * i),
        )
        timed("new start", lambda i=i: at.number_input(key="start_x").set_value(-1.4 + 0.1 * i))
        timed("new steps", lambda i=i: at.number_input(key="steps").set_value(800 + 50 * i))
        fn = ("rastrigin", "rosenbrock")[i % 2]
        timed("new function", lambda fn=fn: at.selectbox(key="fn").set_value(fn))
    return {name: statistics.median(v) for name, v in out.items()}


def part_seconds(repeats: int) -> dict[str, float]:
    """Median seconds to compute each part of the default race alone (no cache)."""
    s = default_settings()
    out = {}
    makers = (("race", lambda: race_view(s)), ("α line", lambda: line_part(s)),
              ("pad", lambda: pad_part(s)), ("starts", lambda: start_part(s)))  # fmt: skip
    for name, make in makers:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            make()
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times)
    return out


SCRUBS = {
    # page, what to wait for, and a script that returns the input events to replay. Every
    # scrub waits until its chart has asked for the sets it sends only when asked (one
    # message, when the pointer or the keyboard's focus first comes in): the frames counted
    # are the scrub's own.
    "α slider": ("/playground", "raceStats.axes.alpha && raceStats.asked > 0", "key:#alpha"),
    "pad": ("/playground", "raceStats.axes.pad", "hover:#pad"),
    "start drag": ("/playground", "raceStats.axes.start", "drag"),
    "sweep map": ("/sweep", "raceStats.axes.pad", "hover:#map"),
    "theory map": ("/theory", "raceStats.axes.pad", "hover:#map"),
    "basin map β": (
        "/local-minima?grid=40",
        "raceStats.sel.kind === 'scrub' && raceStats.asked > 0",
        "key:#imagepick",
    ),
}


def scrub_latencies(events: int) -> dict[str, tuple[float, int]]:
    """Median ms from the input event to the redrawn canvas, and websocket frames sent
    while scrubbing, for each scrub, on one server in headless Chromium."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port",
         str(port), "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    out = {}
    try:
        time.sleep(6)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, (path, ready, how) in SCRUBS.items():
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                sent = []
                page.on("websocket", lambda ws, s=sent: ws.on("framesent", lambda m: s.append(m)))
                page.goto(f"http://127.0.0.1:{port}{path}")
                frame = None
                while frame is None:
                    for f in page.frames:
                        try:
                            if f.evaluate(f"() => !!(window.raceStats && {ready})"):
                                frame = f
                            elif f.evaluate("() => !!window.raceStats"):
                                # The pointer reaches into the chart, which then asks for
                                # the sets it sends only when asked (the pad, the starts).
                                f.frame_element().hover()
                                handle = f.locator("#handle.on")  # the starts: at the handle
                                if name == "start drag" and handle.count():
                                    handle.hover()
                        except Exception:  # a frame still loading
                            pass
                    time.sleep(0.2)
                before = len(sent)
                times = [ms for ms in _scrub(page, frame, how, events) if ms is not None]
                out[name] = (statistics.median(times), len(sent) - before)
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return out


def _scrub(page, frame, how: str, events: int) -> list[float | None]:
    times = []
    element = frame.frame_element()
    origin = element.bounding_box()
    if how.startswith("key:"):
        slider = frame.locator(how[4:])
        slider.focus()
        for k in range(events):
            slider.press("ArrowLeft" if k % 20 < 10 else "ArrowRight")
            times.append(frame.evaluate("() => raceStats.scrubMs"))
        return times  # keys 0 ms apart: the release's 250 ms debounce never fires
    if how == "drag":
        x, y = frame.evaluate(
            "() => { const A = axes(), s = raceStats.chosen.start,"
            " b = chart.getBoundingClientRect();"
            " return [b.left + A.x.px(s[0]), b.top + A.y.px(s[1])]; }"
        )
        page.mouse.move(origin["x"] + x, origin["y"] + y)
        page.mouse.down()
        for k in range(events):
            page.mouse.move(origin["x"] + x + 4 * (k % 40), origin["y"] + y + 3 * (k % 30))
            times.append(frame.evaluate("() => raceStats.scrubMs"))
        return times  # the pointer is still down: nothing released
    box = frame.locator(how[6:]).bounding_box()
    for k in range(events):
        fx, fy = 0.15 + 0.7 * ((k * 7) % 20) / 20, 0.2 + 0.6 * ((k * 3) % 10) / 10
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        times.append(frame.evaluate("() => raceStats.scrubMs"))
    return times


#: Injected into every frame of a timed page (``--timeline``): when each step of the first
#: chart happened, in ms since the epoch (``timeOrigin + now``), so that the race's frame
#: and its page share one clock. An iframe's first document (about:blank) keeps its
#: window when the frame navigates, so the marks are set on the window and the observer
#: starts at DOMContentLoaded, on the frame's real document.
TIMELINE_JS = r"""
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const T = window.__timeline = {ev: {}, ws: []};
  const mark = (k) => { if (!(k in T.ev)) T.ev[k] = now(); };
  let plotly;  // plotly.js's bundle ends with window.Plotly = ...: set once it has run
  Object.defineProperty(window, "Plotly", {configurable: true, get() { return plotly; },
                                           set(v) { mark("plotly run"); plotly = v; }});
  window.addEventListener("message", (e) => {
    if (e.data && e.data.type === "streamlit:render") mark("args received");
  }, true);
  if (window.parent === window) {  // the page's websocket: when each message came, its size
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(...a) {
        super(...a);
        this.addEventListener("message", (m) => T.ws.push([now(), m.data.byteLength]));
      }
    };
  }
  function check() {
    if (document.querySelector("iframe[title$='race_component']")) mark("race frame in page");
    if (document.querySelector("g.imagelayer image")) mark("drawn");
    if (document.querySelector(".js-plotly-plot .scatterlayer")) mark("drawn");
  }
  window.addEventListener("DOMContentLoaded", () => {
    check();
    new MutationObserver(check).observe(document, {subtree: true, childList: true});
  });
})();
"""
TIMELINE_READ = """() => ({origin: performance.timeOrigin, ev: window.__timeline.ev,
  ws: window.__timeline.ws,
  res: performance.getEntriesByType("resource").map((r) => ({name: r.name,
    req: performance.timeOrigin + r.requestStart, first: performance.timeOrigin + r.responseStart,
    end: performance.timeOrigin + r.responseEnd}))})"""


def _phases(top: dict, frame: dict | None) -> dict[str, float]:
    """The steps of one page load, in ms from its navigation's start (see TIMELINE_JS)."""
    t0 = top["origin"]
    out: dict[str, float] = {}
    sizes = [(t, n) for t, n in top["ws"] if n]
    if sizes:  # the race's data (~130 KB), or the bare page's one small chart
        big = [t for t, n in sizes if n >= 50_000]
        out["chart's delta in"] = (big[0] if big else max(sizes, key=lambda w: w[1])[0]) - t0
    chunk = "ComponentInstance" if frame else "PlotlyChart"
    ends = [r["end"] for r in top["res"] if f"/{chunk}." in r["name"]]
    if ends:
        out[f"{chunk} chunk in"] = ends[0] - t0
    chunks = [r for r in top["res"] if "/static/js/" in r["name"]]
    out["static chunks fetched (a count)"] = len(chunks)
    for key, at in top["ev"].items():
        out[key] = at - t0
    if frame:
        files = [r for r in frame["res"] if "/component/" in r["name"]]
        if files:
            out["frame's scripts in"] = max(r["end"] for r in files) - t0
        for r in files:
            if r["name"].endswith("plotly-basic.min.js"):
                out["plotly-basic asked"] = r["req"] - t0
                out["plotly-basic first byte"] = r["first"] - t0
        for key, at in frame["ev"].items():
            out[key] = at - t0
    return out


def first_chart_seconds(
    repeats: int, against: str | None = None, timeline: bool = False
) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    """Seconds from a new browser asking for the page to the chart drawn (each visit): the
    playground's race (served by ``serve.py``, and by another checkout's ``against``), and
    a bare page's st.plotly_chart, each on a server of its own, visited in turns (the
    order rotating each round). With ``timeline``, also the median time of each step of
    the load (:func:`_phases`), in ms from the navigation's start."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

    bare = Path(tempfile.mkdtemp()) / "bare.py"
    bare.write_text(BARE_PAGE)
    trees = {"race": ROOT} | ({"race (against)": Path(against).resolve()} if against else {})
    scripts = {name: (tree / "serve.py", tree) for name, tree in trees.items()}
    scripts["bare"] = (bare, ROOT)
    servers, ports = [], {}
    for name, (script, cwd) in scripts.items():  # the app as the README serves it
        ports[name] = _free_port()
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(script),
                    "--server.port",
                    str(ports[name]),
                    "--server.headless",
                    "true",
                    "--server.address",
                    "127.0.0.1",
                ],
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    times: dict[str, list[float]] = {name: [] for name in scripts}
    steps: dict[str, list[dict]] = {name: [] for name in scripts}
    names = list(scripts)
    try:
        time.sleep(6)
        with sync_playwright() as p:
            for i in range(repeats + 1):  # the first round warms the servers up
                for name in names[i % len(names) :] + names[: i % len(names)]:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    context = browser.new_context()
                    if timeline:
                        context.add_init_script(TIMELINE_JS)
                    page = context.new_page()
                    start = time.perf_counter()
                    frame = None
                    if name != "bare":
                        page.goto(f"http://127.0.0.1:{ports[name]}/playground")
                        found = page.frame_locator("iframe[title$='race_component']").first
                        found.locator("#play").wait_for(timeout=60_000)
                        found.locator("g.imagelayer image").first.wait_for(state="attached")
                    else:
                        page.goto(f"http://127.0.0.1:{ports[name]}/")
                        page.locator(".js-plotly-plot .scatterlayer").first.wait_for(
                            state="attached", timeout=60_000
                        )
                    seconds = time.perf_counter() - start
                    if i:
                        times[name].append(seconds)
                        if timeline:
                            if name != "bare":
                                element = page.locator("iframe[title$='race_component']").first
                                frame = element.element_handle().content_frame()
                                frame = frame.evaluate(TIMELINE_READ)
                            found = _phases(page.evaluate(TIMELINE_READ), frame)
                            steps[name].append(found | {"seen by the benchmark": seconds * 1e3})
                    browser.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    phases = {}
    for name, runs in steps.items():
        if runs:
            keys = sorted({k for r in runs for k in r}, key=lambda k: (
                "count" in k, statistics.median(r[k] for r in runs if k in r)))  # fmt: skip
            phases[name] = {k: statistics.median(r[k] for r in runs if k in r) for k in keys}
    return times, phases


def print_first_chart(repeats: int, against: str | None, timeline: bool) -> None:
    load = os.getloadavg()[0]
    times, phases = first_chart_seconds(repeats, against, timeline)
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"first chart, medians of {repeats} fresh Chromiums each (load average "
          f"{load:.2f} before, {os.getloadavg()[0]:.2f} after):")  # fmt: skip
    for name, seconds in medians.items():
        ratio = "" if name == "bare" else f" -> {seconds / medians['bare']:.2f}x the bare page"
        quartiles = statistics.quantiles(times[name], n=4) if len(times[name]) > 1 else [0] * 3
        print(f"  {name}: {seconds:.2f} s{ratio} (quartiles {quartiles[0]:.2f}-{quartiles[2]:.2f})")
    if "race (against)" in times:  # each round visits both trees: their paired difference
        paired = [a - b for a, b in zip(times["race"], times["race (against)"], strict=True)]
        print(f"  race - race (against), paired by round: median "
              f"{statistics.median(paired):+.2f} s, {sum(d < 0 for d in paired)} of "
              f"{len(paired)} rounds faster")  # fmt: skip
    for name, steps in phases.items():
        print(f"  {name}, ms from the navigation's start (medians):")
        for key, value in steps.items():
            print(f"    {key}: {value:.0f}")


#: One cold local-minima visit, run by ``python -c`` in a fresh process of a tree (argv[1]).
MINIMA_COLD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
os.chdir(sys.argv[1])
t0 = time.perf_counter()
from momentum_core import engine, specialised
from momentum_core.engine import in_cache
from pathlib import Path
if not in_cache(Path(engine.__file__).with_name("kernels.py"), ("advance", "packed", "train")):
    raise SystemExit("the compiled loop is not in its disk cache: run the app once first")
engine.warm(wait=True)
from momentum_app.config import links
from momentum_app.config.settings import MinimaSettings
s = links.defaults(MinimaSettings)
specialised.kernel_for(s.objective.tape, wait=True)
loaded = time.perf_counter() - t0
import streamlit as st
from streamlit.testing.v1 import AppTest
from momentum_app.ui import cache as app_cache

def visit(query, betas):
    at = AppTest.from_file("app.py", default_timeout=300)
    at.run()  # the playground, where a visitor lands first (not timed)
    at.switch_page("pages/local-minima.py")
    at.query_params.clear()
    at.query_params.update(query)
    if betas:
        at.session_state["basins"] = {"want": ["betas"], "nonce": 1}
    st.cache_data.clear()  # cold: nothing of an earlier visit (its study, its maps) kept
    st.cache_resource.clear()
    app_cache._MAPS.clear()  # the app's own stores of maps and studies
    app_cache._STUDIES.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    at.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert not at.exception, at.exception
    return wall, cpu

visit({"grid": "10", "steps": "20", "starts": "10"}, True)  # imports, not timed
out = {"loaded": loaded, "first": visit({}, False), "betas": visit({}, True)}
from momentum_app.studies import basin_figures as bf
from momentum_core.basins import basin_map, basin_maps
def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu
set_ = bf.scrub_momenta(s.momentum)
out["pair alone"] = timed(lambda: basin_maps(s.objective, s.lr, [0.0, s.momentum], s.grid, s.steps))
out["set alone"] = timed(lambda: basin_maps(s.objective, s.lr, set_, s.grid, s.steps))
out["set, a batch a map"] = timed(lambda: [basin_map(s.objective, "momentum", s.lr, b, s.grid,
                                                     s.steps) for b in set_])
out["study alone"] = timed(lambda: bf.success_study(s))
print("RESULT " + json.dumps(out))
"""


def minima_cold(repeats: int, against: str | None = None) -> dict[str, dict[str, tuple]]:
    """Median (wall, CPU) seconds of each figure of :data:`MINIMA_COLD`, per tree, from
    ``repeats`` fresh processes each (alternating between the trees)."""
    trees = {"this tree": str(ROOT)} | ({"against": against} if against else {})
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(repeats):
        for name, tree in trees.items():
            done = subprocess.run([sys.executable, "-c", MINIMA_COLD, tree], capture_output=True,
                                  text=True, check=False, timeout=900)  # fmt: skip
            line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
            if not line:
                raise SystemExit(f"{name}: {done.stderr.strip().splitlines()[-1:]}")
            runs[name].append(json.loads(line[0][7:]))
    out = {}
    for name, found in runs.items():
        out[name] = {}
        for key in found[0]:
            values = [f[key] for f in found]
            if isinstance(values[0], list):
                out[name][key] = tuple(statistics.median(v[i] for v in values) for i in (0, 1))
            else:
                out[name][key] = (statistics.median(values),)
    return out


def minima_busy(repeats: int) -> dict[str, float]:
    """Median wall seconds for the default local-minima page's β set of maps on a gate of
    two slots (as the app's, on 2 cores) that two other visitors keep busy with long jobs
    of their own: the set as one job (now), and as a job per map (before), in turns."""
    import threading

    from momentum_app.config import links
    from momentum_app.config.settings import MinimaSettings
    from momentum_app.studies import basin_figures as bf
    from momentum_core import engine, jobs, specialised
    from momentum_core.basins import basin_map

    engine.warm(wait=True)
    s = links.defaults(MinimaSettings)
    specialised.kernel_for(s.objective.tape, wait=True)
    betas = tuple(float(b) for b in bf.scrub_momenta(s.momentum))
    gate, stop = jobs.Gate(2), threading.Event()
    other = replace(s, grid=150, lr=s.lr * 1.01)  # the room's own, never the visitor's maps

    def room(owner: str) -> None:
        while not stop.is_set():
            with gate.slot(owner):
                bf.basin_maps_at(other, (0.5,))

    def one_job() -> None:
        with gate.slot("visitor"):
            bf.basin_maps_at(s, betas)

    def job_per_map() -> None:
        for b in betas:
            with gate.slot("visitor"):
                basin_map(s.objective, "momentum", s.lr, b, s.grid, s.steps, s.noise, s.seed)

    threads = [threading.Thread(target=room, args=(f"room {i}",), daemon=True) for i in (1, 2)]
    for thread in threads:
        thread.start()
    times: dict[str, list[float]] = {"one job": [], "a job per map": []}
    try:
        for _ in range(repeats):
            for name, fn in (("one job", one_job), ("a job per map", job_per_map)):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return {name: statistics.median(t) for name, t in times.items()}


def print_minima(repeats: int, against: str | None) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for name, figures in minima_cold(repeats, against).items():
        print(f"local minima, cold, {name} (medians of {repeats} fresh processes):")
        for key, value in figures.items():
            what = {"loaded": "kernels loaded from disk", "first": "first visit's run",
                    "betas": "first visit with its β set"}.get(key, key)  # fmt: skip
            shown = " / ".join(f"{v:.2f}" for v in value)
            print(f"  {what}: {shown} s" + (" (wall / CPU)" if len(value) == 2 else ""))
    busy = minima_busy(repeats)
    print(f"β set of maps on a gate two other visitors keep busy (medians of {repeats}): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in busy.items()))  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--minima", action="store_true", help="only the local-minima page")
    parser.add_argument("--minima-against", metavar="PATH", help="another checkout, alternately")
    parser.add_argument("--first-chart", action="store_true", help="only the first chart")
    parser.add_argument(
        "--against",
        metavar="PATH",
        help="with --first-chart: another checkout's serve.py too, in turns",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="with --first-chart: when each step of the load happened",
    )
    args = parser.parse_args()
    if args.first_chart or args.against or args.timeline:
        print_first_chart(args.repeats, args.against, args.timeline)
        return
    if args.minima or args.minima_against:
        print_minima(args.repeats, args.minima_against)
        return

    for who, wants in (("reached into the chart", ("pad",)),
                       ("went for the start too", ("pad", "start"))):  # fmt: skip
        reruns = rerun_times(args.repeats, wants)
        idle = reruns.pop("nothing new")
        reruns.pop("nothing new (before the parts)")
        print(f"A visitor who {who} ({', '.join(wants)}), medians of {args.repeats}:")
        print(f"  rerun with nothing new: {idle * 1000:.0f} ms")
        for name, seconds in reruns.items():
            print(f"  rerun after {name}: {seconds * 1000:.0f} ms"
                  f" (idle + {(seconds - idle) * 1000:.0f} ms)")  # fmt: skip
    for name, seconds in part_seconds(args.repeats).items():
        print(f"computing the {name} alone: {seconds * 1000:.0f} ms")
    s = default_settings()
    sizes = {"race": len(race_view(s).data), "α line": len(line_part(s)),
             "pad": len(pad_part(s)), "starts": len(start_part(s))}  # fmt: skip
    print("data at defaults: " + ", ".join(f"{k} {v / 1e3:.0f} KB" for k, v in sizes.items())
          + f"; {sum(sizes.values()) / 1e6:.2f} MB in all")  # fmt: skip
    every = replace(s, optimizers=OPTIMIZER_NAMES, steps=3000)
    big = {"race": len(race_view(every).data), "α line": len(line_part(every)),
           "pad": len(pad_part(every)), "starts": len(start_part(every))}  # fmt: skip
    print(
        "7 optimizers x 3000 steps: "
        + ", ".join(f"{k} {v / 1e3:.0f} KB" for k, v in big.items())
        + f"; {sum(big.values()) / 1e6:.2f} MB in all"
    )
    if not args.no_browser and os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        for name, (ms, sent) in scrub_latencies(40).items():
            print(f"scrub {name}: {ms:.1f} ms median to the redrawn canvas, {sent} frames sent")
        print_first_chart(args.repeats, None, False)


if __name__ == "__main__":
    main()
