"""Benchmark of the playground: rerun time, race payload and time to first chart.

Run: ``python benchmarks/bench_app.py`` (``--no-browser`` to skip the Chromium part).

Prints, for the default settings (Rosenbrock, SGD vs momentum, 1000 steps), medians:
  * the server-side time of a rerun with nothing new, of one after a sidebar momentum
    change (served from the cached family) and of one after a learning-rate change (the
    family recomputed), through Streamlit's AppTest; targets: momentum <= 40 ms and
    learning rate <= 120 ms more than the rerun with nothing new;
  * the race data sent to the browser at defaults (target <= 300 KB) and with all 7
    optimizers at 3000 steps (target <= 1 MB);
  * the time from opening /playground in a fresh headless Chromium to the race drawn,
    against a bare Streamlit page with one small st.plotly_chart on the same server, in
    the same run (target: <= 1.25x).
"""

from __future__ import annotations

import argparse
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

from momentum_app.race.runs import race_view  # noqa: E402
from momentum_app.ui.settings import OPTIMIZER_NAMES, default_settings  # noqa: E402

BARE_PAGE = """
import plotly.graph_objects as go
import streamlit as st
st.title("Bare page")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 3, 2])), key="bare")
"""


def rerun_times(repeats: int) -> tuple[float, float, float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    nothing, momentum, lr = [], [], []
    for i in range(repeats):
        at.slider(key="momentum").set_value(round(0.5 + 0.04 * i, 2)).run()
        momentum.append(at.session_state["_run_seconds"])
        at.run()
        nothing.append(at.session_state["_run_seconds"])
        at.number_input(key="lr").set_value(0.0011 + 0.00003 * i).run()  # a new family
        lr.append(at.session_state["_run_seconds"])
        assert not at.exception, at.exception
    return statistics.median(nothing), statistics.median(momentum), statistics.median(lr)


def first_chart_seconds(repeats: int) -> tuple[float, float]:
    """Median seconds from a new browser asking for the page to the chart drawn: the
    playground's race, and a bare page's st.plotly_chart, on one running server."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

    bare = Path(tempfile.mkdtemp()) / "bare.py"
    bare.write_text(BARE_PAGE)
    servers, ports = [], []
    for script in (ROOT / "app.py", bare):
        ports.append(_free_port())
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(script),
                    "--server.port",
                    str(ports[-1]),
                    "--server.headless",
                    "true",
                    "--server.address",
                    "127.0.0.1",
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    race, plain = [], []
    try:
        time.sleep(6)
        with sync_playwright() as p:
            for i in range(repeats + 1):  # the first round warms both servers up
                for port, out in ((ports[0], race), (ports[1], plain)):
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    page = browser.new_page()
                    start = time.perf_counter()
                    if out is race:
                        page.goto(f"http://127.0.0.1:{port}/playground")
                        frame = page.frame_locator("iframe[title*='race']").first
                        frame.locator("#play").wait_for(timeout=60_000)
                        frame.locator("g.imagelayer image").first.wait_for(state="attached")
                    else:
                        page.goto(f"http://127.0.0.1:{port}/")
                        page.locator(".js-plotly-plot .scatterlayer").first.wait_for(
                            state="attached", timeout=60_000
                        )
                    if i:
                        out.append(time.perf_counter() - start)
                    browser.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return statistics.median(race), statistics.median(plain)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    nothing, momentum, lr = rerun_times(args.repeats)
    print(f"rerun with nothing new:            {nothing * 1000:.0f} ms (median)")
    more = (momentum - nothing) * 1000
    print(f"rerun after a momentum change:     {momentum * 1000:.0f} ms (+{more:.0f} ms)")
    print(
        f"rerun after a learning-rate change: {lr * 1000:.0f} ms (+{(lr - nothing) * 1000:.0f} ms)"
    )
    size = len(race_view(default_settings()).data)
    every = replace(default_settings(), optimizers=OPTIMIZER_NAMES, steps=3000)
    print(f"race data at defaults: {size / 1e3:.0f} KB; 7 optimizers x 3000 steps: "
          f"{len(race_view(every).data) / 1e3:.0f} KB")  # fmt: skip
    if not args.no_browser and os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        race, plain = first_chart_seconds(args.repeats)
        print(f"first chart: race {race:.2f} s, bare st.plotly_chart page {plain:.2f} s "
              f"-> {race / plain:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
