"""The racers' colours stay apart for colour-blind viewers.

Each pair of racer colours is compared after a simulation of the three dichromacies
(Machado, Oliveira & Fernandes 2009, severity 1, on linear RGB) by its CIELAB distance
(ΔE*76); about 10 is a difference seen at a glance, about 2 the least one seen side by side.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from momentum_app.race.figures import COLORS

SIMULATIONS = {
    "normal vision": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
         [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip
#: The least ΔE*76 between two racers under any simulation.
APART = 12.0


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear sRGB colour."""
    xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    ) @ np.clip(rgb, 0.0, 1.0)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distance(a: str, b: str, simulation: np.ndarray) -> float:
    return float(np.linalg.norm(_lab(simulation @ _linear(a)) - _lab(simulation @ _linear(b))))


@pytest.mark.parametrize("vision", list(SIMULATIONS))
def test_every_pair_of_racers_stays_apart(vision):
    matrix = SIMULATIONS[vision]
    pairs = itertools.combinations(COLORS.items(), 2)
    worst = min((distance(a, b, matrix), na, nb) for (na, a), (nb, b) in pairs)
    assert worst[0] >= APART, worst


def test_the_check_tells_a_red_green_pair_apart_from_a_safe_one():
    """The simulation does what it is for: red and green, far apart in normal vision,
    come together for a deuteranope; the palette's orange and blue do not."""
    red, green = "#d62728", "#2ca02c"
    assert distance(red, green, SIMULATIONS["normal vision"]) > 60
    assert distance(red, green, SIMULATIONS["deuteranopia"]) < APART
    assert distance(COLORS["sgd"], COLORS["momentum"], SIMULATIONS["deuteranopia"]) > 40
