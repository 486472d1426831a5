"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Rooms in a store of this run's own: the machine's shared one (momentum_app.talk.room)
# keeps the rooms earlier runs opened for 20 minutes, and their owner's limit of 20 rooms
# then refused this run's.
os.environ.setdefault(
    "MOMENTUM_ROOM_STORE",
    str(Path(tempfile.mkdtemp(prefix="momentum-test-rooms-")) / "rooms.sqlite3"),
)


@pytest.fixture
def torch():
    """torch, or a skip (a failure where `.ci/run` promised to install it)."""
    if os.environ.get("MOMENTUM_REQUIRE_TORCH"):
        import torch

        return torch
    return pytest.importorskip(
        "torch", reason="torch is not installed here (`.ci/run` installs torch==2.13.0)"
    )
