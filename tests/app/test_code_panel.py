"""The guide's code panel: one formula, printed for each library, equal to the core's.

The formula text ``Objective.code`` is checked against ``Objective.value``; its PyTorch,
JAX-style and TF.js printings against the formula; and the PyTorch snippet, run as written,
against the app's own trajectory (needs torch, which `.ci/run` installs).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from momentum_app.config.settings import default_settings
from momentum_app.guide.code_panel import (
    FRAMEWORKS,
    python_expression,
    snippet,
    tfjs_expression,
)
from momentum_app.race.runs import run_race
from momentum_core import FACTORIES, MOMENTUM_OPTIMIZERS, OPTIMIZER_NAMES, get_objective
from momentum_core.formula import custom_objective

OBJECTIVES = [get_objective(n) for n in FACTORIES] + [
    get_objective("rastrigin", A=4.0),
    get_objective("quadratic", condition=50.0, angle=-20.0),
]
IDS = [o.name + (str(o.params) if o.params else "") for o in OBJECTIVES]


def points(obj, rng, n=50):
    (x0, x1), (y0, y1) = obj.domain
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.mark.parametrize("obj", OBJECTIVES, ids=IDS)
def test_formula_text_is_the_value_function(obj, rng):
    p = points(obj, rng)
    names = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "sqrt": np.sqrt, "pi": np.pi, "e": np.e}
    got = eval(obj.code, {"__builtins__": {}}, {**names, "x": p[:, 0], "y": p[:, 1]})
    np.testing.assert_allclose(got, obj.value(p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("obj", OBJECTIVES, ids=IDS)
def test_python_printing_keeps_the_formula(obj, rng):
    p = points(obj, rng)
    text = python_expression(obj.code, "np")
    assert "sin(" not in text.replace("np.sin(", "")  # every function qualified
    got = eval(text, {"np": np, "math": math}, {"x": p[:, 0], "y": p[:, 1]})
    np.testing.assert_allclose(got, obj.value(p), rtol=1e-12, atol=1e-12)


def test_typed_formulas_print_for_every_library():
    # Every function of a typed formula's grammar, under each library's own name.
    code = "log(1 + x**2) + arctan(y) - abs(x)*tanh(y) + cosh(x) - sinh(y) + tan(x)"
    assert python_expression(code, "tf").startswith("tf.math.log(1 + x ** 2) + tf.atan(y)")
    assert "torch.arctan(y)" in python_expression(code, "torch")
    js = tfjs_expression(code)
    assert "tf.atan(y)" in js and "tf.log(" in js and "tf.abs(x)" in js
    p = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    got = eval(
        python_expression(code, "np"), {"np": np, "math": math}, {"x": p[:, 0], "y": p[:, 1]}
    )
    want = custom_objective(code.replace("**", "^"), ((-1.5, 1.5), (-2, 2))).value(p)  # no pole
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_formula_rejects_anything_but_arithmetic():
    for bad in ("__import__('os')", "x.real", "[x][0]", "floor(x)", "x if y else 1"):
        with pytest.raises(ValueError, match="at position"):  # the formula parser's words
            python_expression(bad, "torch")
        with pytest.raises(ValueError, match="at position"):
            tfjs_expression(bad)


NODE = shutil.which("node")
# A stand-in for TF.js whose tensors are plain numbers: it checks the printing, not TF.js.
FAKE_TF = """
const tf = {add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b,
  div: (a, b) => a / b, pow: (a, b) => Math.pow(a, b), neg: (a) => -a,
  square: (a) => a * a, sin: Math.sin, cos: Math.cos, exp: Math.exp, sqrt: Math.sqrt};
"""


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed: cannot run the JS printing")
def test_tfjs_printing_keeps_the_formula(rng):
    cases = [(obj, points(obj, rng, 5)) for obj in OBJECTIVES]
    lines = [FAKE_TF, "const out = [];"]
    for obj, p in cases:
        f = f"((x, y) => {tfjs_expression(obj.code)})"
        lines += [f"out.push({json.dumps(p.tolist())}.map(([x, y]) => {f}(x, y)));"]
    lines.append("console.log(JSON.stringify(out));")
    run = subprocess.run([NODE, "-e", "\n".join(lines)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for (obj, p), got in zip(cases, json.loads(run.stdout), strict=True):
        np.testing.assert_allclose(got, obj.value(p), rtol=1e-12, atol=1e-12, err_msg=obj.name)


def test_tfjs_snippet_sets_momentum_the_working_way():
    s = replace(default_settings(), lr=0.01, momentum=0.9)
    text = snippet("TF.js", s, "momentum")
    assert "const optimizer = tf.train.momentum(0.01, 0.9);" in text
    assert "model.compile({optimizer: tf.train.momentum(0.01, 0.9)" in text


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_snippet_carries_the_settings(framework):
    s = replace(default_settings("himmelblau"), lr=0.0123, momentum=0.77, steps=345)
    text = snippet(framework, s, "nesterov")
    for value in ("0.0123", "0.77", "345", repr(s.start[0]), repr(s.start[1])):
        assert value in text, (framework, value)
    assert "nesterov=True" in text or "tf.train.momentum(0.0123, 0.77, true)" in text


def test_unknown_framework_is_named():
    with pytest.raises(ValueError, match="unknown framework 'jax'"):
        snippet("jax", default_settings(), "sgd")


RUNS = [
    ("rosenbrock", "sgd", {}),
    ("rosenbrock", "momentum", {}),
    ("rosenbrock", "nesterov", {"lr": 0.001}),
    ("rosenbrock", "keras-momentum", {}),
    ("himmelblau", "adam", {"lr": 0.05, "steps": 400}),
    ("beale", "rmsprop", {"lr": 0.003, "steps": 400}),
    ("booth", "adagrad", {"lr": 0.5, "steps": 400}),
    ("rastrigin", "momentum", {"steps": 300}),
    ("ackley", "momentum", {"steps": 300}),
    ("quadratic", "momentum", {"momentum": 0.5}),
]


@pytest.mark.parametrize(("fn", "name", "changes"), RUNS, ids=[f"{f}-{n}" for f, n, _ in RUNS])
def test_pytorch_snippet_retraces_the_app(fn, name, changes, torch):
    s = replace(default_settings(fn), optimizers=(name,), **changes)
    expected = run_race(s)[name]
    assert expected.diverged_step[0] < 0  # a finite run, compared step by step
    namespace: dict = {}
    exec(snippet("PyTorch", s, name), namespace)
    path = np.array(namespace["path"])
    assert path.shape == (s.steps + 1, 2)
    np.testing.assert_allclose(path, expected.positions[:, 0], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_framework_builds_every_optimizer(framework):
    s = replace(default_settings(), lr=0.0321, momentum=0.65)
    for name in OPTIMIZER_NAMES:
        text = snippet(framework, s, name)
        assert "0.0321" in text, (framework, name)
        assert ("0.65" in text) == (name in MOMENTUM_OPTIMIZERS), (framework, name)


MODEL_CASES = [("linear", 32, 0.9), ("tanh", 50, 0.8), ("relu", 256, 0.0)]


@pytest.mark.parametrize(("act", "batch", "mu"), MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_pytorch_model_snippet_trains_the_cores_weights(act, batch, mu, torch, capsys):
    """Run as written: same data, same initial weights, same batches, same final weights."""
    from momentum_app.config.links import defaults
    from momentum_app.config.settings import ModelSettings
    from momentum_app.guide.code_panel import model_snippet
    from momentum_core import heavy_ball
    from momentum_core.model import Model, glorot_params, make_dataset, train_batch

    s = replace(defaults(ModelSettings), activation=act, batch=batch, momentum=mu, epochs=4,
                lr=0.02, data_seed=3)  # fmt: skip
    namespace: dict = {}
    exec(model_snippet("PyTorch", s), namespace)
    want = train_batch(Model(act, make_dataset(3)), heavy_ball(0.02, mu), glorot_params(0), 4,
                       batch, 3)  # fmt: skip
    np.testing.assert_allclose(namespace["history"], want.train_loss[1:, 0], rtol=1e-10)
    first, second = [m for m in namespace["model"] if isinstance(m, torch.nn.Linear)]
    got = np.r_[first.weight.detach().numpy().T.ravel(), first.bias.detach().numpy(),
                second.weight.detach().numpy().ravel(), second.bias.detach().numpy()]  # fmt: skip
    np.testing.assert_allclose(got, want.final_params[0], rtol=1e-10, atol=1e-12)
    assert capsys.readouterr().out.count("\n") == 4  # one line per epoch


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_model_snippet_carries_the_settings(framework):
    from momentum_app.config.links import defaults
    from momentum_app.config.settings import ModelSettings
    from momentum_app.guide.code_panel import model_snippet

    s = replace(defaults(ModelSettings), lr=0.0123, momentum=0.77, batch=48, epochs=37,
                activation="tanh")  # fmt: skip
    text = model_snippet(framework, s)
    for value in ("0.0123", "0.77", "48", "37"):
        assert value in text, (framework, value)
    assert "tanh" in text.lower()
    if framework == "TF.js":
        assert "tf.train.momentum(0.0123, 0.77)" in text and "inputShape: [5]" in text
    else:
        compile(text, framework, "exec")  # valid Python, ready to copy


def _unused_imports(text: str) -> list[str]:
    """Names a Python snippet imports and never uses."""
    import ast

    tree = ast.parse(text)
    imported = [
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return [name for name in imported if name not in used]


@pytest.mark.parametrize("framework", ["PyTorch", "Keras", "optax"])
@pytest.mark.parametrize("obj", OBJECTIVES, ids=IDS)
def test_python_snippets_import_only_what_they_use(framework, obj):
    # The snippets imported math whether or not the formula needed it.
    s = default_settings(obj.name)
    assert _unused_imports(snippet(framework, s, "momentum")) == []


@pytest.mark.parametrize("framework", ["PyTorch", "Keras", "optax"])
@pytest.mark.parametrize("formula", ["log(1 + x^2 + y^2) + pi*x", "log(1 + x^2 + y^2)"])
def test_a_typed_formula_imports_math_only_for_its_constants(framework, formula):
    s = replace(default_settings("custom"), formula=formula)
    text = snippet(framework, s, "momentum")
    assert _unused_imports(text) == []
    assert text.startswith("import math\n") == ("pi" in formula)
