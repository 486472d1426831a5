"""A room across two hosts (network namespaces on this machine), one killed mid-talk: every
follower shows the presenter's next scene within 5 s and Redis keeps every acknowledged
answer (benchmarks/room_failover.py, small). Root and Debian's nginx and redis-server only;
a minute or two."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0
        or not shutil.which("ip")
        or not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
        or not shutil.which("redis-server"),
        reason="needs root (ip netns) and Debian's nginx and redis-server",
    ),
]


def test_followers_go_on_when_a_host_dies_and_no_answer_is_lost():
    done = subprocess.run(
        [sys.executable, "benchmarks/room_failover.py", "--followers", "8", "--timeout", "240"],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    said = re.search(r"acknowledged (\d+), in Redis after the kill (\d+)", out)
    acked, stored = int(said[1]), int(said[2])
    assert acked > 0 and stored >= acked, out
    moved = int(re.search(r"with (\d+) followers on it", out)[1])
    assert moved > 0, out  # the dead host had followers, who went on
    assert "errors: 0" in out
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not re.findall(r"\bmr\d+[ab]\b", left), "namespaces left behind"
