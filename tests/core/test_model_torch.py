"""The truth test: the core trains the article's network exactly as torch does.

Same initial weights, same mini-batches in the same order, float64: after 100 steps the
core's weights, by numpy's loop and by the compiled one, equal those of ``torch.nn.Linear``
layers trained with ``torch.optim``.
Needs torch (skipped without it, a failure where MOMENTUM_REQUIRE_TORCH=1 promised it).
"""

from __future__ import annotations

import numpy as np
import pytest

from momentum_core import adam, gradient_descent, heavy_ball
from momentum_core.model import Model, glorot_params, make_dataset, train_batch

DATA = make_dataset(seed=0, n_train=80, n_val=20)
BATCH, EPOCHS = 16, 20  # 5 steps per epoch: 100 steps
SEEDS = (0, 1)

#: (id, core optimizer, torch optimizer class name, torch keyword arguments)
CASES = [
    ("sgd", gradient_descent(0.05), "SGD", {"lr": 0.05}),
    ("momentum", heavy_ball(0.02, 0.9), "SGD", {"lr": 0.02, "momentum": 0.9}),
    ("nesterov", heavy_ball(0.02, 0.9, nesterov=True), "SGD",
     {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("adam", adam(0.01), "Adam", {"lr": 0.01}),
]  # fmt: skip


def torch_weights(torch, activation: str, params: np.ndarray, order: np.ndarray, opt) -> list:
    """Train one torch copy of the network from ``params`` over the batches of ``order``
    and return its weights in the core's layout."""
    torch.manual_seed(0)
    hidden, output = torch.nn.Linear(5, 10).double(), torch.nn.Linear(10, 1).double()
    act = {"linear": torch.nn.Identity(), "tanh": torch.nn.Tanh(), "relu": torch.nn.ReLU()}
    net = torch.nn.Sequential(hidden, act[activation], output)
    with torch.no_grad():  # Keras' (in, out) kernels are torch's weight transposed
        hidden.weight.copy_(torch.tensor(params[:50].reshape(5, 10).T))
        hidden.bias.copy_(torch.tensor(params[50:60]))
        output.weight.copy_(torch.tensor(params[60:70].reshape(1, 10)))
        output.bias.copy_(torch.tensor(params[70:71]))
    name, kwargs = opt
    optimizer = getattr(torch.optim, name)(net.parameters(), **kwargs)
    loss_fn = torch.nn.MSELoss()
    x, y = torch.tensor(DATA.x_train), torch.tensor(DATA.y_train)
    for epoch in order:
        for start in range(0, len(epoch), BATCH):
            idx = torch.tensor(epoch[start : start + BATCH])
            optimizer.zero_grad()
            loss = loss_fn(net(x[idx]).squeeze(1), y[idx])
            loss.backward()
            optimizer.step()
    return np.concatenate(
        [
            hidden.weight.detach().numpy().T.ravel(),
            hidden.bias.detach().numpy(),
            output.weight.detach().numpy().ravel(),
            output.bias.detach().numpy(),
        ]
    )


@pytest.mark.parametrize("loop", ["numpy", "compiled"])
@pytest.mark.parametrize("activation", ["linear", "tanh", "relu"])
@pytest.mark.parametrize(("name", "core", "torch_name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_100_steps_equal_torch(torch, activation, name, core, torch_name, kwargs, loop):
    params = glorot_params(SEEDS)
    result = train_batch(Model(activation, DATA), core, params, EPOCHS, BATCH, shuffle_seed=4,
                         loop=loop)  # fmt: skip
    assert result.num_steps == 100
    for r in range(len(SEEDS)):
        want = torch_weights(torch, activation, params[r], result.order, (torch_name, kwargs))
        np.testing.assert_allclose(result.final_params[r], want, rtol=0, atol=1e-10)
        # and the run really moved: the comparison is not between two starts
        assert np.abs(want - params[r]).max() > 1e-2
