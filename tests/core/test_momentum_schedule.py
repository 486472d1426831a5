"""A momentum raised during a run: the core's schedule against a plain loop and torch."""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import get_objective, make_optimizer, momentum_ramp, run_batch

STEPS = 120


def plain_loop(obj, lr, betas, x0, steps, nesterov=False):
    """PyTorch's rule written out, beta looked up afresh before every step."""
    x, b = np.array(x0, dtype=float), None
    out = [x.copy()]
    for t in range(steps):
        g = obj.gradient(x)
        beta = betas[min(t, len(betas) - 1)]
        b = g.copy() if b is None else beta * b + g
        d = g + beta * b if nesterov else b
        x = x - lr * d
        out.append(x.copy())
    return np.array(out)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_the_schedule_is_the_plain_loop_with_beta_set_before_each_step(name):
    rosen = get_objective("rosenbrock")
    betas = momentum_ramp(0.3, 0.95, 50)
    run = run_batch(rosen, make_optimizer(name, 1e-3, momentum_schedule=betas), rosen.x0, STEPS)
    expected = plain_loop(rosen, 1e-3, betas, rosen.x0, STEPS, nesterov=name == "nesterov")
    assert np.allclose(run.positions[:, 0], expected, rtol=0, atol=1e-14)


def test_a_constant_schedule_is_the_fixed_momentum_bit_for_bit():
    rosen = get_objective("rosenbrock")
    fixed = run_batch(rosen, make_optimizer("momentum", 1e-3, 0.9), rosen.x0, STEPS)
    ramped = run_batch(rosen, make_optimizer("momentum", 1e-3, momentum_schedule=[0.9]),
                       rosen.x0, STEPS)  # fmt: skip
    assert np.array_equal(fixed.positions, ramped.positions)


def test_the_ramp_and_bad_schedules():
    assert np.allclose(momentum_ramp(0.5, 0.99, 3), [0.5, 0.745, 0.99])
    with pytest.raises(ValueError, match="ramp"):
        momentum_ramp(0.5, 1.5, 10)
    with pytest.raises(ValueError, match="momentum_schedule"):
        make_optimizer("momentum", 1e-3, momentum_schedule=[0.5, -0.1])
    with pytest.raises(ValueError, match="schedule"):
        make_optimizer("adam", 1e-3, momentum_schedule=[0.5])


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_the_schedule_matches_torch_with_beta_changed_between_steps(torch, nesterov):
    rosen = get_objective("rosenbrock")
    betas = momentum_ramp(0.5, 0.99, 80)
    lr = 1e-3
    ours = run_batch(rosen, make_optimizer("nesterov" if nesterov else "momentum", lr,
                                           momentum_schedule=betas), rosen.x0, STEPS)  # fmt: skip
    p = torch.tensor(np.array(rosen.x0, dtype=float), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=float(betas[0]), nesterov=nesterov)
    path = [p.detach().numpy().copy()]
    for t in range(STEPS):
        opt.param_groups[0]["momentum"] = float(betas[min(t, len(betas) - 1)])
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        loss.backward()
        opt.step()
        path.append(p.detach().numpy().copy())
    assert np.allclose(ours.positions[:, 0], np.array(path), rtol=0, atol=1e-12)
