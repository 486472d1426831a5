"""Load test for a room: one presenter and N followers on serve-room.sh's workers (loopback).

Every visitor speaks Streamlit's websocket protocol (``load.Browser``) and polls as the
browser does: the server asks for a fragment's rerun every ``run_every`` seconds
(``auto_rerun``), and the client sends it. Three measurements:

1. **Follow**: the presenter presses Next (a button press over its websocket); each
   follower's latency is from that press until its address bar names the new scene.
2. **Answers**: on a scene with a question, every follower presses an answer; each answer's
   latency is from its press until the presenter's live tally counts it.
3. **A killed worker**: after the answers, one worker is killed (SIGKILL); the store must
   still hold every answer a follower saw acknowledged.

    .venv/bin/python benchmarks/room_load.py                # its own serve-room.sh, 2 workers
    .venv/bin/python benchmarks/room_load.py --redis        # ... with the rooms in Redis
    .venv/bin/python benchmarks/room_load.py --followers 30 --nexts 8

Loopback only, bounded (followers, Nexts and a deadline), stops by itself; exits 1 on any
error or a lost answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

from benchmarks.load import Browser, Rerun, cpu_seconds, free_port, percentile, stop_server
from momentum_app.talk import room as rooms

ROOT = Path(__file__).resolve().parents[1]
TALLY = re.compile(r"^(\d+) answers? · room")
#: The scenes the presenter steps through (from "faster"), and the one that asks.
QUESTION_SCENE = "reduce-when-diverging"


class Visitor(Browser):
    """A browser that also polls (auto_rerun), knows its buttons and the presenter's tally."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.buttons: dict[str, str] = {}  # widget key -> id
        self.poll: asyncio.Task | None = None
        self.fragment = ""
        self.interval = 0.0
        self.tally: list[tuple[float, int]] = []  # (time, answers shown)
        self.scenes: list[tuple[float, str]] = []  # (time, scene in the address)
        self.polls = 0

    def _handle(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "auto_rerun":
            self.fragment, self.interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if self.poll is None:
                self.poll = asyncio.get_running_loop().create_task(self._poll())
        super()._handle(msg)
        if kind == "page_info_changed":
            found = re.search(r"(?:^|&)scene=([^&]+)", self.query)
            if found:
                self.scenes.append((time.perf_counter(), found[1]))

    def _element(self, el) -> None:
        super()._element(el)
        kind = el.WhichOneof("type")
        if kind == "button" and "-" in el.button.id:
            self.buttons[el.button.id.rsplit("-", 1)[-1]] = el.button.id
        elif kind == "markdown" and (m := TALLY.match(el.markdown.body)):
            self.tally.append((time.perf_counter(), int(m[1])))

    async def _poll(self) -> None:
        """What the browser does for ``st.fragment(run_every=...)``: ask for a rerun."""
        while True:
            await asyncio.sleep(self.interval or 0.5)
            msg = BackMsg()
            rs = msg.rerun_script
            rs.query_string, rs.page_script_hash = self.query, self.page_hash
            rs.fragment_id, rs.is_auto_rerun = self.fragment, True
            states = [w.state for w in self.widgets.values() if w.state is not None]
            rs.widget_states.CopyFrom(WidgetStates(widgets=states))
            rs.cached_message_hashes.extend(self.cache)
            self._context(msg)
            try:
                await self.ws.send(msg.SerializeToString())
            except Exception:
                return
            self.polls += 1

    async def press(self, key: str, what: str) -> Rerun:
        run = Rerun(self.number, what, "", key)
        if key not in self.buttons:
            run.errors.append(f"no button {key!r} on the page")
            return run
        return await self.rerun(run, WidgetState(id=self.buttons[key], trigger_value=True))

    async def close(self) -> None:
        if self.poll is not None:
            self.poll.cancel()
        await super().close()


def start_room(workers: int, redis: bool, store: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = ["bash", str(ROOT / "scripts/serve-room.sh"), "--workers", str(workers)]
    cmd += ["--port", str(port)] + (["--redis"] if redis else ["--store", store])
    out = open(log, "w")  # noqa: SIM115 (written until the room stops)
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if "Room server:" in log.read_text():
            return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.3)
    stop_room(proc)
    raise RuntimeError(f"serve-room.sh did not start; see {log}")


def stop_room(proc: subprocess.Popen) -> None:
    """serve-room.sh and all it started (workers, nginx, redis), given time to stop."""
    stop_server(proc, timeout=30)


async def open_visitor(number: int, url: str, page: str, query: str, errors: list) -> Visitor:
    v = Visitor(number, url, 30)
    await v.open(page, query)
    run = await v.rerun(Rerun(number, "first visit", "", ""), page_name=page)
    errors += [f"visitor {number}: {e}" for e in run.errors + run.exceptions]
    return v


async def main_async(args: argparse.Namespace, url: str, log: Path) -> dict:
    errors: list[str] = []
    boss = await open_visitor(0, url, "scenes", "scene=faster&present=1", errors)
    code = re.search(r"room=([A-Z0-9]+)", boss.query)[1]
    fans = await asyncio.gather(
        *(open_visitor(i + 1, url, "scenes", f"room={code}&follow=1", errors)
          for i in range(args.followers))
    )  # fmt: skip
    workers = {f.worker for f in fans}
    await asyncio.sleep(1)

    # 0. What polling costs: the workers' CPU while the room only follows, per poll.
    pids = [int(p) for p in re.findall(r"worker \d+: \S+ \(pid (\d+)\)", log.read_text())]
    cpu0, polls0 = cpu_seconds(pids), sum(f.polls for f in fans)
    await asyncio.sleep(args.idle)
    cpu1, polls1 = cpu_seconds(pids), sum(f.polls for f in fans)
    idle = {"seconds": args.idle, "polls": polls1 - polls0, "cpu": (cpu1 or 0) - (cpu0 or 0)}

    # 1. Follow: Next, then wait until every follower shows the new scene.
    follow: list[float] = []
    order = scene_names()[: args.nexts + 1]
    for target in order[1:]:
        pressed = time.perf_counter()
        run = await boss.press("next_scene", "next")
        errors += [f"presenter: {e}" for e in run.errors + run.exceptions]
        deadline = pressed + 10
        while time.perf_counter() < deadline:
            if all(any(s == target and t >= pressed for t, s in f.scenes) for f in fans):
                break
            await asyncio.sleep(0.05)
        for f in fans:
            seen = [t for t, s in f.scenes if s == target and t >= pressed]
            if seen:
                follow.append(seen[0] - pressed)
            else:
                errors.append(f"follower {f.number} never showed {target}")
        await asyncio.sleep(0.3)

    # 2. Answers: the presenter opens the question scene by link; followers answer.
    boss.query = f"scene={QUESTION_SCENE}&present=1&room={code}&follow=0"
    run = await boss.rerun(Rerun(0, "link", "", QUESTION_SCENE))
    errors += [f"presenter: {e}" for e in run.errors + run.exceptions]
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and not all("answer_0" in f.buttons for f in fans):
        await asyncio.sleep(0.05)
    sent: list[float] = []
    acked = 0

    async def answer(f: Visitor) -> None:
        nonlocal acked
        sent.append(time.perf_counter())
        r = await f.press(f"answer_{f.number % 2}", "answer")
        if r.finished is not None and not r.errors:
            acked += 1
        errors.extend(f"follower {f.number}: {e}" for e in r.errors + r.exceptions)

    start = time.perf_counter()
    await asyncio.gather(*(answer(f) for f in fans))
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and (not boss.tally or boss.tally[-1][1] < acked):
        await asyncio.sleep(0.05)
    sent.sort()
    answers = []
    for k, t in enumerate(sent, 1):  # the k-th answer is on screen once the tally shows k
        shown = [s for s, n in boss.tally if n >= k and s >= start]
        if shown:
            answers.append(max(shown[0] - t, 0.0))
        else:
            errors.append(f"answer {k} never appeared on the presenter's screen")

    # 3. Kill a worker; every acknowledged answer must still be in the store.
    killed = kill_one_worker(log)
    await asyncio.sleep(1)
    stored = sum(rooms.open_store(args.store_url).tally(code, QUESTION_SCENE).values())
    if stored != acked:
        errors.append(f"acknowledged {acked} answers, the store holds {stored}")
    polls = sum(f.polls for f in fans)
    for v in (boss, *fans):
        await v.close()
    return {
        "followers": len(fans), "workers": len(workers), "follow": follow, "answers": answers,
        "acked": acked, "stored": stored, "killed": killed, "errors": errors, "polls": polls,
        "idle": idle,
    }  # fmt: skip


def scene_names() -> list[str]:
    from momentum_app.talk.scenes import scenes

    return [s.name for s in scenes()]


def kill_one_worker(log: Path) -> int | None:
    """SIGKILL serve-room.sh's worker 0 (its pid is in the script's output)."""
    found = re.search(r"worker 0: \S+ \(pid (\d+)\)", log.read_text())
    if not found:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(found[1]), signal.SIGKILL)
    return int(found[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nexts", type=int, default=8, help="presses of Next (1 to 9)")
    parser.add_argument("--redis", action="store_true", help="rooms in Redis (serve-room.sh)")
    parser.add_argument("--idle", type=float, default=10, help="seconds of polling measured")
    parser.add_argument("--timeout", type=float, default=180, help="stop after this (s)")
    args = parser.parse_args()
    args.followers = max(1, min(args.followers, 100))
    args.nexts = max(1, min(args.nexts, 9))
    folder = Path(tempfile.mkdtemp(prefix="room-load-"))
    log = folder / "serve-room.log"
    args.store_url = str(folder / "rooms.sqlite3")
    proc, url = start_room(args.workers, args.redis, args.store_url, log)
    try:
        if args.redis:
            args.store_url = store_url_of(log)
        result = asyncio.run(asyncio.wait_for(main_async(args, url, log), args.timeout))
    finally:
        stop_room(proc)
    report(result, args)
    return 1 if result["errors"] else 0


def store_url_of(log: Path) -> str:
    """The Redis URL serve-room.sh gave its workers (in a file only its user reads)."""
    found = re.search(r"its URL in (\S+)\)", log.read_text())
    if not found:
        raise RuntimeError(f"serve-room.sh named no Redis URL; see {log}")
    return Path(found[1]).read_text().strip()


def report(r: dict, args: argparse.Namespace) -> None:
    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f} s"

    store = "Redis" if args.redis else "SQLite"
    print(f"Room load: {r['followers']} followers on {r['workers']} worker(s), rooms in {store}")
    f, a = r["follow"], r["answers"]
    print(f"  follow  ({len(f)} scene changes seen): p50 {s(percentile(f, 50))}  "
          f"p95 {s(percentile(f, 95))}  max {s(max(f, default=None))}")  # fmt: skip
    print(f"  answers ({len(a)} on the presenter's screen): p50 {s(percentile(a, 50))}  "
          f"p95 {s(percentile(a, 95))}  max {s(max(a, default=None))}")  # fmt: skip
    i = r["idle"]
    per = i["cpu"] / i["polls"] * 1000 if i["polls"] else float("nan")
    print(
        f"  polling, idle {i['seconds']:g} s: {i['polls']} polls, workers' CPU "
        f"{i['cpu']:.2f} s ({per:.2f} ms a poll, {i['cpu'] / i['seconds']:.0%} of a core)"
    )
    print(f"  killed worker pid {r['killed']}: acknowledged {r['acked']}, stored {r['stored']}")
    print(f"  errors: {len(r['errors'])}")
    for e in r["errors"][:20]:
        print(f"    {e}")


if __name__ == "__main__":
    sys.exit(main())
