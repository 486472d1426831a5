"""``python -m momentum_core train``: its output against the core, and its errors."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from momentum_core import Model, glorot_params, heavy_ball, make_optimizer, train_batch
from momentum_core.cli import main


def run_cli(capsys, *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_train_csv_matches_the_core(capsys):
    out = run_cli(
        capsys, "train", "--optimizer", "momentum", "--lr", "0.02", "--momentum", "0.8",
        "--batch-size", "16", "--epochs", "6", "--seed", "3", "--activation", "tanh",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["epoch", "train_loss", "val_loss"]
    table = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(table[:, 0], np.arange(7))
    want = train_batch(Model("tanh"), heavy_ball(0.02, 0.8), glorot_params(3), 6, 16, 3)
    np.testing.assert_array_equal(table[:, 1], want.train_loss[:, 0])  # exact round trip
    np.testing.assert_array_equal(table[:, 2], want.val_loss[:, 0])


def test_train_json_summary(capsys):
    out = json.loads(run_cli(capsys, "train", "--optimizer", "adam", "--epochs", "4",
                             "--format", "json", "--shuffle-seed", "9"))  # fmt: skip
    want = train_batch(Model(), make_optimizer("adam", 0.01), glorot_params(0), 4, 32, 9)
    assert out["status"] == "trained" and out["diverged_step"] is None
    assert out["steps"] == 4 * 8 and out["n_train"] == 256
    assert out["final_val_loss"] == want.val_loss[-1, 0]
    assert out["best_val_loss"] == want.val_loss[:, 0].min()


def test_a_diverging_training_says_so(capsys):
    out = json.loads(run_cli(capsys, "train", "--lr", "50", "--format", "json"))
    assert out["status"] == "diverged" and out["diverged_step"] >= 1
    assert np.isfinite(out["final_train_loss"])


BAD = [
    (["--epochs", "0"], "epochs must be in [1, 10000], got 0"),
    (["--epochs", "x"], "epochs must be a whole number"),
    (["--batch-size", "0"], "batch size must be >= 1, got 0"),
    (["--seed", "-1"], "seed must be >= 0"),
    (["--lr", "0"], "learning rate must be in (0, inf), got 0"),
    (["--momentum", "2"], "momentum must be in [0, 1], got 2"),
    (["--activation", "sigmoid"], "invalid choice: 'sigmoid'"),
    (["--optimizer", "adam", "--nesterov"], "--nesterov"),
    (["--noise", "0.1"], "unrecognized arguments: --noise"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_train_input_exits_2_with_a_message(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.startswith("usage:")
