"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def torch():
    """torch, or a skip (a failure where `.ci/run` promised to install it)."""
    if os.environ.get("MOMENTUM_REQUIRE_TORCH"):
        import torch

        return torch
    return pytest.importorskip(
        "torch", reason="torch is not installed here (`.ci/run` installs torch==2.13.0)"
    )
