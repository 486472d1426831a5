"""The command line: its output against the core, and its errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from momentum_core import FACTORIES, get_objective, heavy_ball, run_batch
from momentum_core.cli import main
from momentum_core.formula import custom_objective
from momentum_core.runner import MAX_STEPS


def run_cli(capsys, *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_functions_lists_every_function_with_its_minima(capsys):
    out = run_cli(capsys, "functions")
    for name in FACTORIES:
        assert f"\n{name}  (" in "\n" + out
    assert "(1, 1)" in out  # Rosenbrock's minimum
    assert "local minima in the domain: 120" in out  # Rastrigin: 121 minima, 1 global


def test_run_csv_matches_the_core(capsys):
    out = run_cli(
        capsys,
        "run", "--function", "rosenbrock", "--optimizer", "momentum", "--lr", "0.001",
        "--momentum", "0.9", "--steps", "500", "--start", "-1.5,2",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["step", "x", "y", "loss"]
    assert len(rows) == 502
    table = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(table[:, 0], np.arange(501))
    np.testing.assert_array_equal(table[0, 1:3], [-1.5, 2.0])
    rosen = get_objective("rosenbrock")
    want = run_batch(rosen, heavy_ball(0.001, 0.9), (-1.5, 2.0), 500)
    np.testing.assert_array_equal(table[:, 1:3], want.positions[:, 0])  # exact round trip
    np.testing.assert_array_equal(table[:, 3], want.losses[:, 0])


def test_nesterov_flag_and_dampening_change_the_run(capsys):
    base = ["run", "--function", "booth", "--steps", "30", "--lr", "0.01"]
    plain = run_cli(capsys, *base)
    nesterov = run_cli(capsys, *base, "--nesterov")
    damped = run_cli(capsys, *base, "--dampening", "0.5")
    assert len({plain, nesterov, damped}) == 3


def test_run_json_summary(capsys):
    out = run_cli(
        capsys, "run", "--function", "booth", "--lr", "0.02", "--momentum", "0.5",
        "--steps", "2000", "--format", "json",
    )  # fmt: skip
    summary = json.loads(out)
    assert summary["status"] == "converged"
    assert 0 < summary["step"] <= 2000
    assert summary["nearest_minimum"]["global"] is True
    assert summary["nearest_minimum"]["point"] == [1.0, 3.0]
    assert summary["final_loss"] < 1e-6


def test_run_json_reports_divergence(capsys):
    out = run_cli(
        capsys, "run", "--function", "rosenbrock", "--lr", "0.01", "--momentum", "0.9",
        "--format", "json",
    )  # fmt: skip
    summary = json.loads(out)
    assert summary["status"] == "diverged"
    assert summary["step"] > 0
    assert all(np.isfinite(summary["final_point"]))


def test_sweep_csv_grid(capsys):
    out = run_cli(
        capsys, "sweep", "--function", "rosenbrock", "--lr", "1e-5:3e-3:6:log",
        "--momentum", "0:0.99:4", "--steps", "200",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 24
    lrs = sorted({float(r["lr"]) for r in rows})
    assert lrs == pytest.approx(np.geomspace(1e-5, 3e-3, 6).tolist(), rel=1e-9)
    assert {r["status"] for r in rows} <= {"converged", "stuck", "diverged", "moving"}
    assert any(r["status"] == "diverged" for r in rows)  # 3e-3 at momentum 0.99
    for r in rows:
        assert (r["step"] == "") == (r["status"] == "moving")


def test_module_entry_point_runs():
    done = subprocess.run(
        [sys.executable, "-m", "momentum_core", "run", "--function", "matyas", "--steps", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "step,x,y,loss"
    assert len(done.stdout.splitlines()) == 5


BAD = [
    (["run", "--function", "nope"], "unknown function 'nope'"),
    (["run", "--function", "rosenbrock", "--optimizer", "lion"], "invalid choice: 'lion'"),
    (["run", "--function", "rosenbrock", "--lr", "0"], "learning rate must be in (0, inf), got 0"),
    (["run", "--function", "rosenbrock", "--lr", "-1"], "got -1"),
    (["run", "--function", "rosenbrock", "--lr", "nan"], "got nan"),
    (["run", "--function", "rosenbrock", "--lr", "abc"], "invalid float value: 'abc'"),
    (
        ["run", "--function", "rosenbrock", "--momentum", "1.5"],
        "momentum must be in [0, 1], got 1.5",
    ),
    (["run", "--function", "rosenbrock", "--steps", "0"], "steps must be in [1, 100000], got 0"),
    (["run", "--function", "rosenbrock", "--steps", str(MAX_STEPS + 1)], f"got {MAX_STEPS + 1}"),
    (
        ["run", "--function", "rosenbrock", "--start", "1;2"],
        "expected x,y (two numbers), got '1;2'",
    ),
    (["run", "--function", "rosenbrock", "--start", "inf,2"], "start must be finite"),
    (["run", "--function", "rosenbrock", "--param", "c=3"], "c"),
    (["run", "--function", "rosenbrock", "--optimizer", "adam", "--nesterov"], "--nesterov"),
    (["sweep", "--function", "rosenbrock", "--lr", "1:2"], "--lr must be LOW:HIGH:COUNT[:log]"),
    (["sweep", "--function", "rosenbrock", "--lr", "0:1:5:log"], "positive bounds"),
    (["sweep", "--function", "rosenbrock", "--lr", "1e-4:1e-3:100000"], "count must be in"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[2:]) or a[0] for a, _ in BAD])
def test_bad_input_exits_2_with_a_message(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.startswith("usage:")


def test_theory_json_matches_the_closed_forms(capsys):
    out = json.loads(run_cli(capsys, "theory", "--condition", "100"))
    gd, hb = out["gradient_descent"], out["momentum"]
    assert gd["alpha"] == pytest.approx(2 / 1.01) and gd["rate_predicted"] == pytest.approx(
        99 / 101
    )
    assert hb["beta"] == pytest.approx(81 / 121) and hb["rate_predicted"] == pytest.approx(9 / 11)
    assert gd["rate_measured"] == pytest.approx(gd["rate_predicted"], rel=0.01)
    assert 0 < hb["steps_to_1e-6_measured"] < gd["steps_to_1e-6_measured"]


def test_theory_rejects_a_bad_condition(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["theory", "--condition", "0.5"])
    assert exit_info.value.code == 2
    assert "condition must be >= 1, got 0.5" in capsys.readouterr().err


def test_run_json_reports_a_run_stuck_in_a_local_minimum(capsys):
    summary = json.loads(run_cli(capsys, "run", "--function", "rastrigin", "--format", "json"))
    assert summary["status"] == "stuck" and summary["step"] > 0
    assert summary["steps_to_tolerance"] is None  # not to f*
    assert summary["nearest_minimum"]["global"] is False
    assert summary["nearest_minimum"]["distance"] < 1e-6
    off = json.loads(
        run_cli(capsys, "run", "--function", "rastrigin", "--format", "json", "--grad-tol", "0")
    )
    # no gradient test: still stuck (it ends at the local minimum), with no step it stopped at
    assert off["status"] == "stuck" and off["step"] is None


def test_basins_csv_counts_add_up_and_match_the_core(capsys):
    from momentum_core.basins import basin_map

    out = run_cli(
        capsys, "basins", "--function", "rastrigin", "--lr", "0.002", "--momentum", "0.9",
        "--grid", "12", "--steps", "300",
    )  # fmt: skip
    lines = out.strip().splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[:-1]))))
    assert len(rows) == 144
    want = basin_map(get_objective("rastrigin"), "momentum", 0.002, 0.9, 12, 300)
    share = np.mean([r["global"] == "True" for r in rows])
    assert share == pytest.approx(want.share_global)
    assert lines[-1] == f"# share of starts reaching a global minimum: {want.share_global:.6g}"


# --- custom formulas -------------------------------------------------------------------


def test_functions_tells_how_to_use_custom(capsys):
    out = run_cli(capsys, "functions")
    assert "\ncustom  (" in out and "--formula" in out and "-5,5,-5,5" in out


def test_run_custom_matches_the_core(capsys):
    out = run_cli(
        capsys, "run", "--function", "custom", "--formula", "-x^2/10 + x^4/100 + y^2",
        "--domain", "-3,3,-3,3", "--steps", "50", "--lr", "0.05",
    )  # fmt: skip
    table = np.array(list(csv.reader(io.StringIO(out)))[1:], dtype=float)
    obj = custom_objective("-x^2/10 + x^4/100 + y^2", ((-3, 3), (-3, 3)))
    want = run_batch(obj, heavy_ball(0.05, 0.9), obj.x0, 50)
    np.testing.assert_array_equal(table[:, 1:3], want.positions[:, 0])
    out = run_cli(
        capsys, "run", "--function", "custom", "--formula", "x^2 + 10*sin(y)",
        "--domain", "-3,3,-3,3", "--format", "json",
    )  # fmt: skip
    summary = json.loads(out)
    assert summary["function"] == "custom" and summary["status"] == "converged"
    assert summary["nearest_minimum"]["point"] == pytest.approx([0, -np.pi / 2], abs=1e-9)


def test_sweep_and_basins_with_custom(capsys):
    himmelblau = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    out = run_cli(
        capsys, "sweep", "--function", "custom", "--formula", himmelblau,
        "--lr", "1e-4:1e-2:3:log", "--momentum", "0:0.9:2", "--steps", "300",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6 and any(r["status"] == "converged" for r in rows)
    out = run_cli(
        capsys, "basins", "--function", "custom", "--formula", himmelblau,
        "--grid", "6", "--steps", "500",
    )  # fmt: skip
    lines = out.strip().splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[:-1]))))
    assert len(rows) == 36
    ends = {(round(float(r["minimum_x"]), 3), round(float(r["minimum_y"]), 3)) for r in rows}
    assert (3.0, 2.0) in ends and len(ends) == 4  # all four of Himmelblau's minima
    assert lines[-1].startswith("# share of starts reaching a global minimum: ")


BAD_CUSTOM = [
    (["run", "--function", "custom"], "--function custom needs --formula"),
    (["run", "--function", "custom", "--formula", "x + foo"], "unknown name 'foo' at position 5"),
    (["run", "--function", "custom", "--formula", "__import__('os')"], "unknown name"),
    (["sweep", "--function", "custom", "--formula", "9^9^9", "--lr", "1e-3:1e-2:2"], "exponent"),
    (["basins", "--function", "custom", "--formula", "log(-1-x^2)"], "not finite on the domain"),
    (["run", "--function", "custom", "--formula", "1/0"], "division by zero"),
    (["run", "--function", "custom", "--formula", "x" * 20000], "formula is too long"),
    (["run", "--function", "custom", "--formula", "-x^2 +"], "formula ends too early"),
    (["run", "--function", "custom", "--formula", "x", "--domain", "3,1,0,1"], "x0 < x1"),
    (["run", "--function", "custom", "--formula", "x", "--domain", "1,2,3"], "four numbers"),
    (["run", "--function", "custom", "--formula", "x", "--param", "a=1"], "no --param"),
    (["run", "--function", "rosenbrock", "--formula", "x"], "--formula goes with"),
    (["run", "--function", "booth", "--domain", "-1,1,-1,1"], "--domain goes with"),
    (["run", "--function", "nope"], "custom"),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD_CUSTOM, ids=[" ".join(a[2:])[:40] for a, _ in BAD_CUSTOM]
)
def test_bad_custom_input_exits_2_with_one_error_line(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage:") and "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0]
    assert err.splitlines()[-1] == errors[0]


def test_custom_formula_and_domain_may_start_with_a_minus(capsys):
    out = run_cli(
        capsys, "run", "--function", "custom", "--formula", "-x + x^2 + y^2",
        "--domain", "-3,3,-3,3", "--start", "-1,2", "--steps", "1",
    )  # fmt: skip
    assert out.splitlines()[1].startswith("0,-1,2,")
