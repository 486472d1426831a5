"""Momentum families: one batch, every momentum, each member the single run it stands for."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import (
    FAMILY_GRID,
    MOMENTUM_OPTIMIZERS,
    family_momenta,
    get_objective,
    make_optimizer,
    run_batch,
    run_family,
)
from momentum_core.cli import main

OPTIONS = {"loss_tol": 1e-6, "grad_tol": 1e-6}


@pytest.fixture
def rosen():
    return get_objective("rosenbrock")


def test_momenta_are_the_grid_plus_the_chosen_one():
    assert len(FAMILY_GRID) == 100 and FAMILY_GRID[0] == 0 and FAMILY_GRID[-1] == 0.99
    assert len(family_momenta(0.9)) == 100  # on the grid already
    with_extra = family_momenta(0.905)
    assert len(with_extra) == 101 and 0.905 in with_extra
    assert np.all(np.diff(with_extra) > 0)
    assert family_momenta(1.0)[-1] == 1.0
    with pytest.raises(ValueError, match="momentum must be in"):
        family_momenta(1.5)


@pytest.mark.parametrize("name", MOMENTUM_OPTIMIZERS)
@pytest.mark.parametrize("noise", [0.0, 0.7], ids=["exact", "noisy"])
def test_member_equals_the_single_run(rosen, name, noise):
    family = run_family(rosen, name, 1e-3, 0.905, rosen.x0, 400, noise=noise, seed=3, **OPTIONS)
    for beta in (0.01, 0.37, 0.9, 0.905, 0.99):
        one = run_batch(
            rosen, make_optimizer(name, 1e-3, beta), rosen.x0, 400, noise=noise, seed=3, **OPTIONS
        )
        member = family.member(beta)
        np.testing.assert_allclose(member.positions, one.positions, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(member.losses, one.losses, rtol=1e-12, atol=1e-15)
        assert member.tol_step[0] == one.tol_step[0]
        assert member.diverged_step[0] == one.diverged_step[0]


@pytest.mark.parametrize("name", MOMENTUM_OPTIMIZERS)
def test_momentum_zero_is_sgd(rosen, name):
    family = run_family(rosen, name, 1e-3, 0.9, rosen.x0, 300, noise=0.3, seed=1)
    sgd = run_batch(rosen, make_optimizer("sgd", 1e-3), rosen.x0, 300, noise=0.3, seed=1)
    np.testing.assert_array_equal(family.member(0.0).positions, sgd.positions)


def test_every_member_sees_the_same_noise(rosen):
    # At a tiny learning rate the path is nearly the noise itself: members stay close.
    family = run_family(rosen, "momentum", 1e-9, 0.5, rosen.x0, 50, noise=1.0, seed=0)
    steps = np.diff(family.result.positions, axis=0)
    assert np.all(np.sign(steps[0]) == np.sign(steps[0, 0]))


def test_cli_run_equals_the_family_member(rosen, capsys):
    argv = ["run", "--function", "rosenbrock", "--optimizer", "momentum", "--lr", "0.001",
            "--momentum", "0.37", "--steps", "200", "--noise", "0.5", "--seed", "4"]  # fmt: skip
    assert main(argv) == 0
    rows = np.loadtxt(capsys.readouterr().out.splitlines()[1:], delimiter=",")
    family = run_family(rosen, "momentum", 0.001, 0.9, rosen.x0, 200, noise=0.5, seed=4)
    np.testing.assert_allclose(rows[:, 1:3], family.member(0.37).positions[:, 0], rtol=1e-12)


def test_sgd_member_equals_torch_sgd(rosen, torch):
    family = run_family(rosen, "momentum", 1.5e-3, 0.9, rosen.x0, 300)
    p = torch.tensor(rosen.x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.5e-3)  # no momentum
    path = [p.detach().numpy().copy()]
    for _ in range(300):
        opt.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        opt.step()
        path.append(p.detach().numpy().copy())
    np.testing.assert_allclose(family.member(0.0).positions[:, 0], path, rtol=1e-12, atol=1e-14)


def test_nesterov_alone_still_needs_momentum():
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        make_optimizer("nesterov", 1e-3, 0.0)


def test_a_family_needs_a_momentum_optimizer(rosen):
    with pytest.raises(ValueError, match="has no momentum"):
        run_family(rosen, "adam", 1e-3, 0.9, rosen.x0, 10)
