"""Benchmark of the playground: rerun time, figure size and time to first chart.

Run: ``python benchmarks/bench_app.py`` (``--no-browser`` to skip the Chromium part).

Prints, for the default settings (Rosenbrock, SGD vs momentum, 1000 steps):
  * the server-side time of one rerun after the momentum slider moves to a new value
    (simulation + figure, nothing cached), and of a rerun with nothing new (all cached),
    each the median of several, through Streamlit's AppTest;
  * the size of the animation sent to the browser;
  * the time from opening /playground in a fresh headless Chromium to the chart drawn,
    against a freshly started server (targets: rerun < 150 ms, figure < 1.5 MB, < 3 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from momentum_app.cache import race_spec_text  # noqa: E402
from momentum_app.settings import default_settings  # noqa: E402


def rerun_times(repeats: int) -> tuple[float, float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    fresh, cached = [], []
    for i in range(repeats):
        value = round(0.5 + 0.04 * i, 2)  # a new value each time: nothing cached
        at.slider(key="momentum").set_value(value).run()
        fresh.append(at.session_state["_run_seconds"])  # the script's own time
        at.run()
        cached.append(at.session_state["_run_seconds"])
        assert not at.exception, at.exception
    return statistics.median(fresh), statistics.median(cached)


def first_chart_seconds() -> tuple[float, float]:
    """Seconds to the first chart: on a server that has served nobody yet, then for a
    new browser (empty cache) on a server that has (so its Python imports are done)."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = []
    try:
        time.sleep(5)  # the server is listening; the clock starts when the browser asks
        with sync_playwright() as p:
            for _ in range(2):
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/playground")
                frame = page.frame_locator("iframe[title*='race']")
                frame.locator("#play").wait_for(timeout=60_000)
                frame.locator("g.imagelayer image").first.wait_for(state="attached")
                seconds.append(time.perf_counter() - start)
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return seconds[0], seconds[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    fresh, cached = rerun_times(args.repeats)
    print(f"rerun after a momentum change (uncached): {fresh * 1000:.0f} ms (median)")
    print(f"rerun with nothing new (cached):         {cached * 1000:.0f} ms (median)")
    size = len(race_spec_text(default_settings()))
    print(f"animation sent to the browser: {size / 1e6:.2f} MB")
    if not args.no_browser and os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        cold, warm = first_chart_seconds()
        print(f"first chart, first visitor of a new server:  {cold:.2f} s")
        print(f"first chart, new browser on a running server: {warm:.2f} s")


if __name__ == "__main__":
    main()
