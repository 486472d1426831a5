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
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

from benchmarks.load import Browser, Rerun, cpu_seconds, free_port, percentile, stop_server
from momentum_app.talk import room as rooms

ROOT = Path(__file__).resolve().parents[1]
TALLY = re.compile(r"^(\d+) answers? · room")
#: The scenes the presenter steps through (from "faster"), and the one that asks.
QUESTION_SCENE = "reduce-when-diverging"
#: What a follower's page says of an answer the store took (or took from this device before:
#: the page's poll reran it first).
ACK = re.compile("Answer received|has answered already")
#: The follow component's name (momentum_app.ui.room_ui).
FOLLOW = "momentum_room_follow"


class Visitor(Browser):
    """A browser that also follows the room as the browser does: on the long poll
    (``room_follow.js``: GET /_room/next, then a trigger of the follow component) where the
    server answers it, else with the fragment's timer (``auto_rerun``); it knows its
    buttons and the presenter's tally."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.buttons: dict[str, str] = {}  # widget key -> id
        # widget key -> the label last drawn: a key's id is the same on every scene
        # (Streamlit's id of a keyed button is its key), so only the label says which
        # scene's button the page shows
        self.labels: dict[str, str] = {}
        self.poll: asyncio.Task | None = None  # the long poll
        self.timer: asyncio.Task | None = None  # a fragment's auto rerun
        self.fragment = ""
        self.interval = 0.0
        self.follow: tuple[str, dict] | None = None  # the follow component: (id, data)
        self.tally: list[tuple[float, int]] = []  # (time, answers shown)
        self.scenes: list[tuple[float, str]] = []  # (time, scene in the address)
        self.polls = 0  # fragment reruns asked for, or long-poll requests made
        self.alerts: list[str] = []  # every st.info, st.warning... text drawn
        self.leaving = False
        self.dropped: list[float] = []  # when the websocket closed under it
        # (time, what) of the messages that make up runs, for a run that went wrong
        self.trace: list[tuple[float, str]] = []

    def _handle(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if kind in ("new_session", "script_finished", "page_info_changed", "auto_rerun",
                    "stop_auto_rerun"):  # fmt: skip
            what = {
                "new_session": lambda: f"fragments {list(msg.metadata.run.fragment_ids)}",
                "script_finished": lambda: str(msg.script_finished),
                "page_info_changed": lambda: msg.page_info_changed.query_string,
                "auto_rerun": lambda: msg.auto_rerun.fragment_id[:8],
                "stop_auto_rerun": lambda: str(list(msg.stop_auto_rerun.fragment_ids)),
            }
            self.trace.append((time.perf_counter(), f"{kind} {what[kind]()}"))
        if kind == "auto_rerun":
            self.fragment, self.interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if self.timer is None or self.timer.done():
                self.timer = asyncio.get_running_loop().create_task(self._poll())
        elif (kind == "new_session" and not msg.metadata.run.fragment_ids) or (
            kind == "stop_auto_rerun" and self.fragment in msg.stop_auto_rerun.fragment_ids
        ):
            # as the browser does: a full run (or the server) ends the fragment's timer; the
            # run sends auto_rerun again if the page still has the fragment
            self._stop_timer()
        super()._handle(msg)
        if kind == "page_info_changed":
            found = re.search(r"(?:^|&)scene=([^&]+)", self.query)
            if found:
                self.scenes.append((time.perf_counter(), found[1]))

    def _start(self, loop) -> None:
        if self.poll is None:
            self.poll = asyncio.get_running_loop().create_task(loop())

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _element(self, el) -> None:
        super()._element(el)
        kind = el.WhichOneof("type")
        if kind == "button" and "-" in el.button.id:
            key = el.button.id.rsplit("-", 1)[-1]
            self.buttons[key], self.labels[key] = el.button.id, el.button.label
        elif kind == "markdown" and (m := TALLY.match(el.markdown.body)):
            self.tally.append((time.perf_counter(), int(m[1])))
        elif kind == "alert":
            self.alerts.append(el.alert.body)
        elif kind == "bidi_component" and el.bidi_component.component_name == FOLLOW:
            self.follow = (el.bidi_component.id, json.loads(el.bidi_component.json))
            self._start(self._long_poll)

    async def _send(self, fragment: str = "", trigger: WidgetState | None = None) -> bool:
        """Ask for a rerun as the browser does, without waiting for it (False: closed)."""
        self.trace.append((time.perf_counter(), f"sent rerun {fragment[:8] or 'full'}"))
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string, rs.page_script_hash = self.query, self.page_hash
        rs.fragment_id, rs.is_auto_rerun = fragment, bool(fragment)
        states = [w.state for w in self.widgets.values() if w.state is not None]
        rs.widget_states.CopyFrom(WidgetStates(widgets=states + ([trigger] if trigger else [])))
        rs.cached_message_hashes.extend(self.cache)
        self._context(msg)
        try:
            await self.ws.send(msg.SerializeToString())
        except Exception:
            return False
        return True

    async def _poll(self) -> None:
        """What the browser does for ``st.fragment(run_every=...)``: ask for a rerun."""
        while True:
            await asyncio.sleep(self.interval or 0.5)
            if not await self._send(self.fragment):
                return
            self.polls += 1

    async def _long_poll(self) -> None:
        """What ``room_follow.js`` does: wait for a version other than the one the page
        drew, then trigger the follow component (a rerun of the page); after a failed
        request, wait a little and ask again."""
        seen, drawn, pause = None, None, 0.25
        while True:
            cid, data = self.follow
            if data["after"] != drawn:  # the page redrew the component: start from its version
                seen = drawn = data["after"]
            try:
                self.polls += 1
                status, _, body = await self.get(
                    f"/{data['path']}?room={data['room']}&after={seen}"
                )
                if status != 200:
                    raise ConnectionError(f"status {status}")
                version = json.loads(body)["version"]
            except (OSError, ValueError, KeyError):
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)
                continue
            pause = 0.25
            if version != seen or version != self.follow[1]["after"]:
                payload = json.dumps([{"event": "moved", "value": version}])
                trigger = WidgetState(
                    id=_make_trigger_id(cid, "events"), json_trigger_value=payload
                )
                if not await self._send(trigger=trigger):
                    return
            seen = version

    def shown(self, scene: str, since: float) -> float | None:
        """When this page first showed ``scene`` after ``since`` (or None)."""
        return next((t for t, s in self.scenes if s == scene and t >= since), None)

    async def press(self, key: str, what: str) -> Rerun:
        run = Rerun(self.number, what, "", key)
        if key not in self.buttons:
            run.errors.append(f"no button {key!r} on the page")
            return run
        self.trace.append((time.perf_counter(), f"pressed {key} ({len(self.widgets)} widgets)"))
        return await self.rerun(run, WidgetState(id=self.buttons[key], trigger_value=True))

    async def stay(self, patience: float = 30) -> None:
        """What the browser does when its websocket closes (its worker is gone): open a new
        one (nginx sends it to a worker that lives) and rerun the page it shows; again
        every 0.5 s, for ``patience`` seconds. Until :meth:`close`."""
        while not self.leaving:
            with contextlib.suppress(BaseException):
                await asyncio.shield(self.reader)
            if self.leaving:
                return
            self.dropped.append(time.perf_counter())
            self._stop_timer()
            if self.poll is not None:
                self.poll.cancel()
                self.poll = None
            give_up = time.perf_counter() + patience
            while not self.leaving and time.perf_counter() < give_up:
                with contextlib.suppress(Exception):
                    await Browser.close(self)
                    await self.open(self.path, self.query)
                    run = await self.rerun(
                        Rerun(self.number, "reconnect", "", ""), page_name=self.path
                    )
                    if run.finished is not None:
                        break
                await asyncio.sleep(0.5)
            else:
                return

    async def close(self) -> None:
        self.leaving = True
        self._stop_timer()
        if self.poll is not None:
            self.poll.cancel()
        await super().close()


def start_room(
    workers: int, redis: bool, store: str, log: Path, script: str = "serve.py", extra=()
) -> tuple[subprocess.Popen, str]:
    """serve-room.sh with ``workers`` local workers (and its options ``extra``), on a free
    loopback port; returns it and its address once it serves."""
    port = free_port()
    cmd = ["bash", str(ROOT / "scripts/serve-room.sh"), "--workers", str(workers)]
    cmd += ["--script", script, *extra]
    cmd += ["--port", str(port), "--logs", str(log.parent / "logs")]
    cmd += ["--redis"] if redis else ["--store", store]
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

    # 0. What following costs while nothing moves: the workers' CPU (with their pools) in
    # windows of --idle seconds, per follower and second.
    pids = [int(p) for p in re.findall(r"worker \d+: \S+ \(pid (\d+)\)", log.read_text())]
    idle = []
    for _ in range(args.idle_runs):
        cpu0, polls0 = cpu_seconds(pids) or 0.0, sum(f.polls for f in fans)
        start = time.perf_counter()
        await asyncio.sleep(args.idle)
        cpu = (cpu_seconds(pids) or 0.0) - cpu0
        seconds = time.perf_counter() - start
        polls = sum(f.polls for f in fans) - polls0
        idle.append({"seconds": seconds, "polls": polls, "cpu": cpu,
                     "per_follower": cpu / seconds / len(fans)})  # fmt: skip

    # 1. Follow: Next, then wait until every follower shows the new scene.
    follow: list[float] = []
    order = scene_names()[: args.nexts + 1]
    cpu0, runs0 = cpu_seconds(pids) or 0.0, sum(f.runs for f in fans)
    for target in order[1:]:
        pressed, said = time.perf_counter(), len(boss.alerts)
        run = await boss.press("next_scene", "next")
        errors += [f"presenter: {e}" for e in run.errors + run.exceptions]
        # the page goes on when the store says no (a warning): the room did not move
        errors += [f"presenter, pressing Next to {target}: {a}" for a in boss.alerts[said:]]
        if boss.shown(target, pressed) is None:
            errors.append(f"presenter's address did not move to {target}: {boss.query}")
            await asyncio.sleep(2)
            errors += [f"  {t - pressed:+.3f} s {what}" for t, what in boss.trace
                       if t >= pressed - 2]  # fmt: skip
        follow += [t - pressed for t in await all_shown(fans, target, pressed, 20, errors)]
        if not all(f.shown(target, pressed) for f in fans):
            errors.append(missed(fans, target, pressed, args.store_url, code))
        await asyncio.sleep(args.dwell)  # the presenter talks
    # the workers' CPU for one follower's move to the next scene (the presenter's included)
    moves = (len(order) - 1) * len(fans)
    per_move = ((cpu_seconds(pids) or 0.0) - cpu0) / moves
    runs_per_move = (sum(f.runs for f in fans) - runs0) / moves

    # 2. Answers: the presenter opens the question scene by link; followers answer.
    await open_question(boss, fans, code, errors)
    sent: list[float] = []

    async def answer(f: Visitor) -> bool:
        sent.append(time.perf_counter())
        return await answered(f, errors)

    start = time.perf_counter()
    said = [len(f.alerts) for f in fans]
    await asyncio.gather(*(answer(f) for f in fans))
    # Every answer sent must reach the presenter's tally (not only those acknowledged by
    # the press's own rerun: an acknowledgment may come with the follower's next run).
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and (not boss.tally or boss.tally[-1][1] < len(sent)):
        await asyncio.sleep(0.05)
    acked = sum(any(ACK.search(b) for b in f.alerts[n:]) for f, n in zip(fans, said, strict=True))
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
    if stored < acked:
        errors.append(f"acknowledged {acked} answers, the store holds {stored}")
    polls = sum(f.polls for f in fans)
    for v in (boss, *fans):
        await v.close()
    return {
        "followers": len(fans), "workers": len(workers), "follow": follow, "answers": answers,
        "acked": acked, "stored": stored, "killed": killed, "errors": errors, "polls": polls,
        "idle": idle, "per_move": per_move, "runs_per_move": runs_per_move,
    }  # fmt: skip


async def all_shown(
    fans: list[Visitor], scene: str, since: float, patience: float, errors: list
) -> list[float]:
    """When each follower first showed ``scene`` after ``since``, once all have or after
    ``patience`` seconds (a follower that never did is an error)."""
    deadline = since + patience
    while time.perf_counter() < deadline and not all(f.shown(scene, since) for f in fans):
        await asyncio.sleep(0.05)
    late = [f.number for f in fans if not f.shown(scene, since)]
    if late:
        some = ", ".join(map(str, late[:10])) + ("..." if len(late) > 10 else "")
        errors.append(f"{len(late)} of {len(fans)} followers never showed {scene} ({some})")
    return [t for f in fans if (t := f.shown(scene, since)) is not None]


def missed(fans: list[Visitor], scene: str, since: float, store: str, code: str) -> str:
    """One line on the followers that never showed ``scene``: the room's version in the
    store, and each such follower's last scene and the version its page last drew (its
    long poll waits for a version other than that)."""
    try:
        now = rooms.open_store(store).now(code)
        room = f"the store has {now.scene} v{now.version}" if now else "the store has no scene"
    except Exception as err:  # the store itself is what is asked about
        room = f"the store cannot be read ({type(err).__name__}: {err})"
    late: dict[tuple, int] = {}
    for f in fans:
        if not f.shown(scene, since):
            last = f.scenes[-1][1] if f.scenes else "-"
            drawn = f.follow[1].get("after") if f.follow else None
            case = (last, drawn, f.poll is not None or f.timer is not None)
            late[case] = late.get(case, 0) + 1
    said = "; ".join(f"{n} on {last} (drew v{drawn}, {'polling' if polling else 'no poll'})"
                     for (last, drawn, polling), n in sorted(late.items()))  # fmt: skip
    return f"missed {scene}: {room}; {said}"


async def open_question(boss: Visitor, fans: list[Visitor], code: str, errors: list) -> None:
    """The presenter opens the question scene by link; wait until every follower's page
    shows this question's answer buttons (their labels: an earlier question's buttons have
    the same keys and ids, and a press sent before the follower's own run drew the new
    ones names a button its session does not have, whose callback never runs)."""
    labels = {answer_key(i): c.label for i, c in enumerate(question_choices())}

    def ready(f: Visitor) -> bool:
        return all(f.labels.get(key) == label for key, label in labels.items())

    boss.query = f"scene={QUESTION_SCENE}&present=1&room={code}&follow=0"
    run = await boss.rerun(Rerun(0, "link", "", QUESTION_SCENE))
    errors += [f"presenter: {e}" for e in run.errors + run.exceptions]
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and not all(ready(f) for f in fans):
        await asyncio.sleep(0.05)
    missing = sum(not ready(f) for f in fans)
    if missing:
        errors.append(f"{missing} of {len(fans)} followers had no answer buttons after 30 s")


async def answered(f: Visitor, errors: list) -> bool:
    """A follower answers; whether its page said the answer was taken (acknowledged)."""
    said = len(f.alerts)
    r = await f.press(answer_key(f.number % 2), "answer")
    errors += [f"follower {f.number}: {e}" for e in r.errors + r.exceptions]
    return any(ACK.search(body) for body in f.alerts[said:])


def scene_names() -> list[str]:
    from momentum_app.talk.scenes import scenes

    return [s.name for s in scenes()]


def answer_key(choice: int) -> str:
    """The key of the question scene's answer button ``choice`` (the app's own rule)."""
    from momentum_app.talk.scenes import scenes
    from momentum_app.ui.room_ui import answer_key as key

    return key(next(s for s in scenes() if s.name == QUESTION_SCENE), choice)


def question_choices() -> list:
    """The choices of the question scene's question."""
    from momentum_app.talk.scenes import scenes

    return list(next(s for s in scenes() if s.name == QUESTION_SCENE).question.choices)


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
    parser.add_argument("--dwell", type=float, default=5, help="seconds on a scene before Next")
    parser.add_argument("--idle", type=float, default=20, help="seconds of one idle window")
    parser.add_argument("--idle-runs", type=int, default=3, help="idle windows measured")
    parser.add_argument("--script", default="serve.py", help="what the workers run")
    parser.add_argument(
        "--baseline", action="store_true", help="first with app.py (the fragment's poll)"
    )
    parser.add_argument("--timeout", type=float, default=400, help="stop after this (s)")
    args = parser.parse_args()
    args.followers = max(1, min(args.followers, 100))
    args.nexts = max(1, min(args.nexts, 9))
    args.dwell = max(0.0, min(args.dwell, 60.0))
    args.idle = max(1.0, min(args.idle, 60.0))
    args.idle_runs = max(1, min(args.idle_runs, 10))
    results = []
    for script in (["app.py"] if args.baseline else []) + [args.script]:
        results.append((script, run_once(args, script)))
        report(results[-1][1], args, script)
    if len(results) == 2:
        (_, before), (_, after) = results
        ratio = median_idle(after) / median_idle(before)
        print(f"Idle follower: {median_idle(after):.2f} ms of CPU a second with {args.script}, "
              f"{median_idle(before):.2f} with app.py: {ratio:.2f} of it")  # fmt: skip
    return 1 if any(r["errors"] for _, r in results) else 0


def run_once(args: argparse.Namespace, script: str) -> dict:
    """One room (its own serve-room.sh, workers running ``script``) measured."""
    folder = Path(tempfile.mkdtemp(prefix="room-load-"))
    log = folder / "serve-room.log"
    args.store_url = str(folder / "rooms.sqlite3")
    proc, url = start_room(args.workers, args.redis, args.store_url, log, script)
    try:
        if args.redis:
            args.store_url = store_url_of(log)
        result = asyncio.run(asyncio.wait_for(main_async(args, url, log), args.timeout))
    finally:
        stop_room(proc)
    result["logs"] = folder
    result["tracebacks"] = tracebacks(folder / "logs")
    if result["tracebacks"]:
        result["errors"].append(f"tracebacks in the workers' logs ({folder / 'logs'})")
    return result


def tracebacks(logs: Path) -> dict[str, list[str]]:
    """Each log's tracebacks, by the line that ends each (the exception)."""
    found = {}
    for path in sorted(logs.glob("*.log")):
        lines, ends, inside = path.read_text(errors="replace").splitlines(), [], False
        for line in lines:
            if line.startswith("Traceback"):
                inside = True
            elif inside and line and not line.startswith((" ", "\t")):
                ends.append(line[:200])
                inside = False
        if ends:
            found[path.name] = ends
    return found


def median_idle(r: dict) -> float:
    """The median of the idle windows' worker CPU, in ms a second a follower."""
    return statistics.median(w["per_follower"] for w in r["idle"]) * 1000


def store_url_of(log: Path) -> str:
    """The Redis URL serve-room.sh gave its workers (in a file only its user reads)."""
    found = re.search(r"its URL in (\S+)\)", log.read_text())
    if not found:
        raise RuntimeError(f"serve-room.sh named no Redis URL; see {log}")
    return Path(found[1]).read_text().strip()


def report(r: dict, args: argparse.Namespace, script: str) -> None:
    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f} s"

    store = "Redis" if args.redis else "SQLite"
    print(f"Room load: {r['followers']} followers on {r['workers']} worker(s) running {script}, "
          f"rooms in {store}")  # fmt: skip
    f, a = r["follow"], r["answers"]
    print(f"  follow  ({len(f)} scene changes seen): p50 {s(percentile(f, 50))}  "
          f"p95 {s(percentile(f, 95))}  max {s(max(f, default=None))}")  # fmt: skip
    print(f"  a follower's move: {r['per_move'] * 1000:.1f} ms of the workers' CPU, "
          f"{r['runs_per_move']:.2f} script runs (polls included)")  # fmt: skip
    print(f"  answers ({len(a)} on the presenter's screen): p50 {s(percentile(a, 50))}  "
          f"p95 {s(percentile(a, 95))}  max {s(max(a, default=None))}")  # fmt: skip
    windows = ", ".join(f"{w['per_follower'] * 1000:.2f}" for w in r["idle"])
    polls = sum(w["polls"] for w in r["idle"]) / sum(w["seconds"] for w in r["idle"])
    print(f"  idle: workers' CPU a follower {median_idle(r):.2f} ms/s (median of {windows}; "
          f"{polls / r['followers']:.2f} polls a second a follower)")  # fmt: skip
    print(f"  killed worker pid {r['killed']}: acknowledged {r['acked']}, stored {r['stored']}")
    print(f"  errors: {len(r['errors'])}")
    for e in r["errors"][:60]:
        print(f"    {e}")
    print(f"  logs: {r['logs']}")
    for name, lines in r["tracebacks"].items():
        print(f"    {name}: {len(lines)} tracebacks; the first ends: {lines[0]}")


if __name__ == "__main__":
    sys.exit(main())
