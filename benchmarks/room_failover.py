"""A room across two hosts, one of which dies mid-talk: do followers go on, and is every
acknowledged answer kept?

Two network namespaces on this machine stand for two hosts on a LAN (a bridge, a veth pair
each, private addresses): host A runs Redis (the rooms' store) and a worker, host B a worker
(``streamlit run serve.py``, as serve-room.sh runs them), nginx (serve-room.sh with
``--workers 0 --remote ...``) in front of both on loopback. One presenter and N followers
speak Streamlit's websocket protocol (``room_load.Visitor``; a follower whose websocket
closes reconnects every 0.5 s, as the browser does). The talk: Next, then a question that
every follower answers; then every process of the host the presenter is not on is killed
(SIGKILL) and, at once, the presenter presses Next. Measured: the time from the kill until
each follower shows the presenter's new scene (those of the dead host reconnect through
nginx to the other), and the answers in Redis against those the followers' pages
acknowledged.

    sudo .venv/bin/python benchmarks/room_failover.py                # 20 followers
    sudo .venv/bin/python benchmarks/room_failover.py --followers 40 --per-host 2

Needs root (``ip netns``), nginx and redis-server (Debian's packages: installed with apt-get
when missing). Everything stays on this machine; bounded (followers, a deadline) and stops
by itself; the namespaces, the bridge and every process are removed at the end, on an
error or Ctrl-C too. Exits 1 when a follower took more than ``--within`` seconds (5) or an
acknowledged answer is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.load import percentile
from benchmarks.room_load import (
    QUESTION_SCENE,
    Visitor,
    all_shown,
    answered,
    open_question,
    open_visitor,
    scene_names,
    start_room,
    stop_room,
)
from momentum_app.talk.room import RedisStore

ROOT = Path(__file__).resolve().parents[1]
PORT = 8501  # each worker's, inside its host
REDIS_PORT = 6379


def need(binary: str, package: str) -> str:
    """``binary`` (from Debian's ``package``, installed with apt-get when missing)."""
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
    if found is None and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=False, env=env)
        found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
    if found is None:
        raise SystemExit(f"room_failover: needs {binary} (apt-get install {package})")
    return found


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class Hosts:
    """Two namespaces, ``<tag>a`` and ``<tag>b``, on a bridge with 10.<n>.<m>.0/24: the
    bridge is .1 (this machine, where nginx runs), host A .2, host B .3. Removed on exit."""

    def __init__(self) -> None:
        tag = f"mr{os.getpid() % 100000}"
        self.bridge, self.names = f"{tag}br", [f"{tag}a", f"{tag}b"]
        self.net = f"10.{200 + os.getpid() % 50}.{os.getpid() % 250}"
        self.addrs = [f"{self.net}.2", f"{self.net}.3"]

    def __enter__(self) -> Hosts:
        try:
            ip("link", "add", self.bridge, "type", "bridge")
            ip("addr", "add", f"{self.net}.1/24", "dev", self.bridge)
            ip("link", "set", self.bridge, "up")
            for name, addr in zip(self.names, self.addrs, strict=True):
                ip("netns", "add", name)
                ip("link", "add", f"{name}h", "type", "veth", "peer", "name", f"{name}n")
                ip("link", "set", f"{name}h", "master", self.bridge, "up")
                ip("link", "set", f"{name}n", "netns", name)
                ip("-n", name, "addr", "add", f"{addr}/24", "dev", f"{name}n")
                ip("-n", name, "link", "set", f"{name}n", "up")
                ip("-n", name, "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def pids(self, host: int) -> list[int]:
        out = subprocess.run(["ip", "netns", "pids", self.names[host]], capture_output=True)
        return [int(p) for p in out.stdout.split()]

    def kill(self, host: int) -> list[int]:
        """SIGKILL every process on ``host``: the machine is gone."""
        pids = self.pids(host)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids

    def __exit__(self, *exc) -> None:
        for host, name in enumerate(self.names):
            self.kill(host)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
            subprocess.run(["ip", "link", "del", f"{name}h"], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


def on_host(hosts: Hosts, host: int, cmd: list[str], log: Path, env: dict) -> subprocess.Popen:
    out = open(log, "w")  # noqa: SIM115 (written until the process ends)
    return subprocess.Popen(["ip", "netns", "exec", hosts.names[host], *cmd], cwd=ROOT,
                            stdout=out, stderr=subprocess.STDOUT, env=env)  # fmt: skip


def wait_until(ready, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.3)


def healthy(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start_hosts(hosts: Hosts, args: argparse.Namespace, folder: Path) -> tuple[str, list[str]]:
    """Redis on host A, ``--per-host`` workers on each; the store's URL and the workers."""
    redis_server, password = need("redis-server", "redis-server"), secrets.token_hex(16)
    (folder / "redis").mkdir()
    cmd = [redis_server, "--port", str(REDIS_PORT), "--bind", hosts.addrs[0], "--requirepass",
           password, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
           "--dir", str(folder / "redis"), "--protected-mode", "no"]  # fmt: skip
    on_host(hosts, 0, cmd, folder / "redis.log", dict(os.environ))
    url = f"redis://:{password}@{hosts.addrs[0]}:{REDIS_PORT}/0"
    store = RedisStore(url)
    wait_until(lambda: _pings(store), "redis-server on host A", 20)
    env = {**os.environ, "MOMENTUM_ROOM_STORE": url, "MOMENTUM_POOL": "1",
           "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(24)}  # fmt: skip
    workers = []
    for host, addr in enumerate(hosts.addrs):
        for k in range(args.per_host):
            cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address",
                   addr, "--server.port", str(PORT + k), "--server.headless", "true",
                   "--browser.gatherUsageStats", "false"]  # fmt: skip
            on_host(hosts, host, cmd, folder / f"worker-{host}-{k}.log", env)
            workers.append(f"{addr}:{PORT + k}")
    for worker in workers:
        wait_until(lambda w=worker: healthy(w), f"worker {worker}")
    return url, workers


def _pings(store: RedisStore) -> bool:
    with contextlib.suppress(Exception):
        return bool(store.client.ping())
    return False


async def talk(args: argparse.Namespace, url: str, hosts: Hosts, store_url: str) -> dict:
    errors: list[str] = []
    boss = await open_visitor(0, url, "scenes", "scene=faster&present=1", errors)
    code = re.search(r"room=([A-Z0-9]+)", boss.query)[1]
    fans: list[Visitor] = await asyncio.gather(
        *(open_visitor(i + 1, url, "scenes", f"room={code}&follow=1", errors)
          for i in range(args.followers))
    )  # fmt: skip
    stays = [asyncio.create_task(f.stay()) for f in fans]
    order = scene_names()
    pressed = time.perf_counter()
    await boss.press("next_scene", "next")
    await all_shown(fans, order[1], pressed, 30, errors)
    await asyncio.sleep(args.dwell)

    # The question: the presenter opens it by link, every follower answers.
    await open_question(boss, fans, code, errors)
    acked = sum(await asyncio.gather(*(answered(f, errors) for f in fans)))
    await asyncio.sleep(args.dwell)

    # Host B (the one the presenter is not on) dies; the presenter goes on at once.
    victim = 1 if boss.worker.startswith(hosts.addrs[0]) else 0
    moved = [f for f in fans if f.worker.startswith(hosts.addrs[victim])]
    target = order[order.index(QUESTION_SCENE) + 1]
    killed_at = time.perf_counter()
    killed = hosts.kill(victim)
    run = await boss.press("next_scene", "next")
    errors += [f"presenter: {e}" for e in run.errors + run.exceptions]
    went_on = [t - killed_at for t in await all_shown(fans, target, killed_at, 15, errors)]
    stored = sum(RedisStore(store_url).tally(code, QUESTION_SCENE).values())
    if stored < acked:
        errors.append(f"acknowledged {acked} answers, Redis holds {stored}")
    for v in (boss, *fans):
        await v.close()
    for task in stays:
        task.cancel()
    dropped = sum(1 for f in fans if any(t >= killed_at for t in f.dropped))
    return {"followers": len(fans), "moved": len(moved), "killed": killed, "acked": acked,
            "dropped": dropped,
            "stored": stored, "went_on": went_on, "errors": errors,
            "went_on_moved": [t - killed_at for f in moved if (t := f.shown(target, killed_at))],
            "victim": hosts.addrs[victim]}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--per-host", type=int, default=1, help="workers on each host")
    parser.add_argument("--within", type=float, default=5, help="seconds followers may take")
    parser.add_argument("--dwell", type=float, default=3, help="seconds on a scene")
    parser.add_argument("--timeout", type=float, default=300, help="stop after this (s)")
    args = parser.parse_args()
    args.followers = max(2, min(args.followers, 100))
    args.per_host = max(1, min(args.per_host, 4))
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("room_failover: needs root and iproute2's ip (network namespaces)")
        return 2
    need("nginx", "nginx")
    folder = Path(tempfile.mkdtemp(prefix="room-failover-"))
    with Hosts() as hosts:
        store_url, workers = start_hosts(hosts, args, folder)
        remotes = [arg for w in workers for arg in ("--remote", w)]
        proc, url = start_room(0, False, str(folder / "unused.sqlite3"),
                               folder / "serve-room.log", extra=remotes)  # fmt: skip
        try:
            r = asyncio.run(asyncio.wait_for(talk(args, url, hosts, store_url), args.timeout))
        finally:
            stop_room(proc)
    report(r, args, workers)
    slow = max(r["went_on"], default=float("inf")) > args.within
    return 1 if r["errors"] or slow else 0


def report(r: dict, args: argparse.Namespace, workers: list[str]) -> None:
    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f} s"

    print(f"Two hosts ({', '.join(workers)}; Redis on the first), nginx in front: "
          f"{r['followers']} followers")  # fmt: skip
    print(f"  killed host {r['victim']} ({len(r['killed'])} processes, SIGKILL) with "
          f"{r['moved']} followers on it; the presenter pressed Next at once")  # fmt: skip
    went, moved = r["went_on"], r["went_on_moved"]
    print(f"  every follower on the new scene: p50 {s(percentile(went, 50))}  max "
          f"{s(max(went, default=None))} after the kill (asked: {args.within:g} s)")  # fmt: skip
    print(f"  the dead host's followers ({r['dropped']} websockets lost and reopened): p50 "
          f"{s(percentile(moved, 50))}  max {s(max(moved, default=None))}")  # fmt: skip
    print(f"  answers: acknowledged {r['acked']}, in Redis after the kill {r['stored']}")
    print(f"  errors: {len(r['errors'])}")
    for e in r["errors"][:20]:
        print(f"    {e}")


if __name__ == "__main__":
    sys.exit(main())
