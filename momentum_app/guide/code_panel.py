"""The guide's code panel: the current race, and the article's model trained with the model
page's settings, as working PyTorch, Keras, TF.js and optax code.

Each function's formula is written once, as the Python expression ``Objective.code``; this
module reads it with the core's formula parser and prints it for each library
(``torch.sin`` for PyTorch, ``tf.sin`` for Keras on TensorFlow, ``jnp.sin`` for JAX,
``tf.mul(...)`` calls for TF.js).
The PyTorch snippets are run as written by tests and must retrace the app's trajectory and
the core's trained weights.
"""

from __future__ import annotations

import operator
import re
from typing import Any

from momentum_app.config.settings import ModelSettings, RaceSettings
from momentum_core import SPEC
from momentum_core.expression import CONSTANTS, FUNCTIONS, parse, to_code

FRAMEWORKS = ("PyTorch", "Keras", "TF.js", "optax")
#: How each framework's snippet is highlighted.
LANGUAGES = {"PyTorch": "python", "Keras": "python", "TF.js": "javascript", "optax": "python"}

#: Where a library spells a function of the grammar otherwise.
_RENAMED = {"tf": {"log": "math.log", "arctan": "atan"}, "tfjs": {"arctan": "atan"}}
#: TF.js's name of each operator of a sum or product, and its value for folding constants.
_TFJS_OPS = {
    "+": ("add", operator.add),
    "-": ("sub", operator.sub),
    "*": ("mul", operator.mul),
    "/": ("div", operator.truediv),
}


def python_expression(code: str, module: str) -> str:
    """``code`` with its functions taken from ``module`` and pi, e from ``math``, read by the
    core's one formula parser (:func:`momentum_core.expression.parse`).

    >>> python_expression("x**2 + sin(pi*y)", "torch")
    'x ** 2 + torch.sin(math.pi * y)'
    """

    def qualified(name: str) -> str:
        if name in CONSTANTS:
            return f"math.{name}"
        return f"{module}.{_RENAMED.get(module, {}).get(name, name)}"

    return to_code(parse(code), qualified)


def _js_number(value: float) -> str:
    return repr(value) if value != int(value) else str(int(value))


def _js(node: Any) -> tuple[str, float | None]:
    """A parse tree as TF.js calls, and its value where it has no x or y (constant parts
    are folded, left to right as they are evaluated, so the code stays short)."""
    kind, children = node.kind, node.children
    if kind == "var":
        return node.value, None
    if kind in ("num", "const"):
        value = node.value if kind == "num" else CONSTANTS[node.value]
        return _js_number(value), value
    if kind in ("call", "neg"):
        text, value = _js(children[0])
        if value is not None:
            value = FUNCTIONS[node.value](value) if kind == "call" else -value
            return _js_number(value), value
        name = _RENAMED["tfjs"].get(node.value, node.value) if kind == "call" else "neg"
        return f"tf.{name}({text})", None
    if kind == "pow":
        (base, b), (exponent, p) = _js(children[0]), _js(children[1])
        if b is not None and p is not None:
            return _js_number(b**p), b**p
        return (f"tf.square({base})" if p == 2 else f"tf.pow({base}, {exponent})"), None
    text, value = _js(children[0])  # a sum or product, folded from the left
    for op, child in zip(node.value[1:], children[1:], strict=True):
        (right, r), (name, apply) = _js(child), _TFJS_OPS[op]
        if value is not None and r is not None:
            value = apply(value, r)
            text = _js_number(value)
        else:
            text, value = f"tf.{name}({text}, {right})", None
    return text, value


def tfjs_expression(code: str) -> str:
    """``code`` as TF.js calls on tensors ``x`` and ``y`` (numbers are folded).

    >>> tfjs_expression("(1.0 - x)**2 + 2*pi*y")
    'tf.add(tf.square(tf.sub(1, x)), tf.mul(6.283185307179586, y))'
    """
    return _js(parse(code))[0]


def optimizer_call(framework: str, name: str, s: RaceSettings) -> str:
    """The expression that builds optimizer ``name`` with ``s``'s settings in ``framework``."""
    return SPEC[name].calls[framework].format(lr=repr(s.lr), mu=repr(s.momentum))


_TFJS_SIGNATURES = {
    "sgd": "sgd(learningRate)",
    "momentum": "momentum(learningRate, momentum, useNesterov = false)",
    "nesterov": "momentum(learningRate, momentum, useNesterov = false)",
    "keras-momentum": "momentum(learningRate, momentum, useNesterov = false)",
    "adam": "adam(learningRate, beta1, beta2, epsilon)",
    "rmsprop": "rmsprop(learningRate, decay, momentum, epsilon)",
    "adagrad": "adagrad(learningRate, initialAccumulatorValue = 0.1)",
}


#: What differs from the app's (PyTorch's) rule, per framework and optimizer.
_CAVEATS = {
    ("Keras", "adam"): "Keras adds epsilon to sqrt(v) before bias correction.",
    ("Keras", "rmsprop"): "Keras puts epsilon inside the square root.",
    ("Keras", "adagrad"): "Keras puts epsilon inside the square root.",
    ("TF.js", "rmsprop"): "TF.js puts epsilon inside the square root.",
    ("TF.js", "adagrad"): "TF.js starts the accumulator at 0.1, PyTorch at 0.",
    ("optax", "rmsprop"): "optax puts epsilon inside the square root by default.",
    ("optax", "adagrad"): "optax puts epsilon inside the square root.",
}


def caveat(framework: str, name: str) -> str:
    """A sentence on how ``framework``'s optimizer differs from the app's, or ``""``."""
    return _CAVEATS.get((framework, name), "")


def _unused_math_dropped(code: str) -> str:
    """``code`` without its ``import math`` line when nothing in it uses the module (only
    formulas with a constant need it, e.g. ``math.pi``; ``tf.math.log`` is not it)."""
    head = "import math\n\n"
    if code.startswith(head) and not re.search(r"(?<![\w.])math\.", code[len(head) :]):
        return code[len(head) :]
    return code


def snippet(framework: str, s: RaceSettings, name: str) -> str:
    """Working code for optimizer ``name``'s run of race ``s`` in ``framework`` (see
    :func:`_snippet`), importing only what it uses."""
    return _unused_math_dropped(_snippet(framework, s, name))


def _snippet(framework: str, s: RaceSettings, name: str) -> str:
    """Working code for optimizer ``name``'s run of race ``s`` in ``framework``.

    Args:
        framework: One of :data:`FRAMEWORKS`.
        s: The race (function, start, learning rate, momentum, steps).
        name: The optimizer's CLI name.

    Returns:
        The code. Python snippets leave the visited points in a list ``path``.

    Raises:
        ValueError: On an unknown framework.
    """
    obj = s.objective
    x0, y0 = (repr(float(v)) for v in s.start)
    steps = s.steps
    noise = "# Without the app's gradient noise.\n" if s.noise > 0 else ""
    if framework == "PyTorch":
        return f"""import math

import torch


def f(x, y):  # {obj.title}
    return {python_expression(obj.code, "torch")}


{noise}p = torch.tensor([{x0}, {y0}], dtype=torch.float64, requires_grad=True)
optimizer = {optimizer_call("PyTorch", name, s)}
path = [p.tolist()]
for step in range({steps}):
    optimizer.zero_grad()
    f(p[0], p[1]).backward()
    optimizer.step()
    path.append(p.tolist())
print(path[-1], f(p[0], p[1]).item())
"""
    if framework == "Keras":
        return f"""import math

import keras  # Keras 3 on the TensorFlow backend
import tensorflow as tf


def f(x, y):  # {obj.title}
    return {python_expression(obj.code, "tf")}


{noise}p = tf.Variable([{x0}, {y0}], dtype=tf.float64)
optimizer = {optimizer_call("Keras", name, s)}
path = [p.numpy().tolist()]
for step in range({steps}):
    with tf.GradientTape() as tape:
        loss = f(p[0], p[1])
    optimizer.apply_gradients([(tape.gradient(loss, p), p)])
    path.append(p.numpy().tolist())
print(path[-1], float(f(p[0], p[1])))
"""
    if framework == "TF.js":
        return f"""import * as tf from '@tensorflow/tfjs';

// {obj.title}
const f = (x, y) => {tfjs_expression(obj.code)};

{noise.replace("#", "//")}const p = tf.variable(tf.tensor1d([{x0}, {y0}]));  // float32
// tf.train.{_TFJS_SIGNATURES.get(name, "")}
const optimizer = {optimizer_call("TF.js", name, s)};
for (let step = 0; step < {steps}; step++) {{
  optimizer.minimize(() => f(p.gather(0), p.gather(1)));
}}
p.print();

// In a model, pass the optimizer object. The seed article's
//   model.compile({{optimizer: 'sgd', momentum: 0.9}})
// does not set momentum: TF.js ignores the extra key and trains plain SGD.
// model.compile({{optimizer: {optimizer_call("TF.js", name, s)}, loss: 'meanSquaredError'}});
"""
    if framework == "optax":
        return f"""import math

import jax
import jax.numpy as jnp
import optax

jax.config.update("jax_enable_x64", True)


def f(x, y):  # {obj.title}
    return {python_expression(obj.code, "jnp")}


{noise}p = jnp.array([{x0}, {y0}])
optimizer = {optimizer_call("optax", name, s)}
state = optimizer.init(p)
grad = jax.jit(jax.grad(lambda p: f(p[0], p[1])))
path = [p.tolist()]
for step in range({steps}):
    updates, state = optimizer.update(grad(p), state)
    p = optax.apply_updates(p, updates)
    path.append(p.tolist())
print(path[-1], float(f(p[0], p[1])))
"""
    raise ValueError(f"unknown framework {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")


#: The app's data set and initial weights in numpy, exactly as momentum_core.model draws
#: them (make_dataset, glorot_params), for the Python snippets of the article's model.
_MODEL_DATA = """import numpy as np


def glorot(seed):  # Keras' dense initialisation, drawn as the app draws it
    rng = np.random.default_rng(seed)
    l1, l2 = np.sqrt(6 / (5 + 10)), np.sqrt(6 / (10 + 1))
    w1, w2 = rng.uniform(-l1, l1, (5, 10)), rng.uniform(-l2, l2, (10, 1))
    return [w1, np.zeros(10), w2, np.zeros(1)]


# The app's data: a fixed tanh teacher network plus noise (momentum_core/model.py).
t1, t_b1, t2, _ = glorot(1234)
t_b1 = np.random.default_rng(1235).uniform(-0.1, 0.1, 10)
rng = np.random.default_rng({data_seed})
x = rng.standard_normal((384, 5))
y = (np.tanh(x @ t1 + t_b1) @ t2)[:, 0] + 0.1 + 0.1 * rng.standard_normal(384)
x_train, y_train, x_val, y_val = x[:256], y[:256], x[256:], y[256:]
weights = glorot(0)  # the page's seed 0
shuffle = np.random.default_rng({data_seed})  # one order per epoch, shared by every optimizer
"""

_TORCH_ACTIVATION = {"linear": "", "tanh": "torch.nn.Tanh(), ", "relu": "torch.nn.ReLU(), "}
_JAX_ACTIVATION = {"linear": "h", "tanh": "jnp.tanh(h)", "relu": "jax.nn.relu(h)"}


def model_snippet(framework: str, s: ModelSettings) -> str:
    """The article's network trained with the model page's settings ``s`` in ``framework``:
    momentum ``s.momentum`` (0 is plain SGD) at ``s.lr``, batches of ``s.batch``,
    ``s.epochs`` epochs, seed 0's initial weights on the app's data (TF.js: a stand-in).

    Python snippets leave the per-epoch training losses in a list ``history``; the
    PyTorch one also leaves its network in ``model``.

    Raises:
        ValueError: On an unknown framework.
    """
    lr, mu, batch, epochs, act = repr(s.lr), repr(s.momentum), s.batch, s.epochs, s.activation
    data = _MODEL_DATA.format(data_seed=s.data_seed)
    if framework == "PyTorch":
        return f"""{data}
import torch

model = torch.nn.Sequential(
    torch.nn.Linear(5, 10), {_TORCH_ACTIVATION[act]}torch.nn.Linear(10, 1)
).double()
dense = [layer for layer in model if isinstance(layer, torch.nn.Linear)]
with torch.no_grad():  # torch stores a kernel transposed, (out, in)
    for layer, kernel, bias in zip(dense, weights[0::2], weights[1::2]):
        layer.weight.copy_(torch.tensor(kernel.T))
        layer.bias.copy_(torch.tensor(bias))
optimizer = torch.optim.SGD(model.parameters(), lr={lr}, momentum={mu})
loss_fn = torch.nn.MSELoss()
xt, yt = torch.tensor(x_train), torch.tensor(y_train)
history = []
for epoch in range({epochs}):
    order = torch.tensor(shuffle.permutation(256))
    for start in range(0, 256, {batch}):
        idx = order[start : start + {batch}]
        optimizer.zero_grad()
        loss_fn(model(xt[idx])[:, 0], yt[idx]).backward()
        optimizer.step()
    with torch.no_grad():
        history.append(loss_fn(model(xt)[:, 0], yt).item())
    print(epoch + 1, history[-1])
"""
    if framework == "Keras":
        act_arg = "" if act == "linear" else f', activation="{act}"'
        return f"""{data}
import keras  # Keras 3

keras.config.set_floatx("float64")
model = keras.Sequential(
    [keras.Input((5,)), keras.layers.Dense(10{act_arg}), keras.layers.Dense(1)]
)
model.set_weights(weights)
# Keras' SGD momentum is v <- mu v - lr g, w <- w + v: PyTorch's rule at a constant lr.
model.compile(optimizer=keras.optimizers.SGD(learning_rate={lr}, momentum={mu}), loss="mse")
history = []
for epoch in range({epochs}):
    order = shuffle.permutation(256)  # the app's order, so no shuffle inside fit
    model.fit(x_train[order], y_train[order], batch_size={batch}, epochs=1, shuffle=False,
              verbose=0)
    history.append(model.evaluate(x_train, y_train, verbose=0))
    print(epoch + 1, history[-1])
"""
    if framework == "optax":
        return f"""{data}
import jax
import jax.numpy as jnp
import optax

jax.config.update("jax_enable_x64", True)


def loss(params, x, y):
    w1, b1, w2, b2 = params
    h = x @ w1 + b1
    return jnp.mean((({_JAX_ACTIVATION[act]} @ w2 + b2)[:, 0] - y) ** 2)


params = [jnp.array(w) for w in weights]
optimizer = optax.sgd(learning_rate={lr}, momentum={mu})
state = optimizer.init(params)
grad = jax.jit(jax.grad(loss))
history = []
for epoch in range({epochs}):
    order = shuffle.permutation(256)
    for start in range(0, 256, {batch}):
        idx = order[start : start + {batch}]
        updates, state = optimizer.update(grad(params, x_train[idx], y_train[idx]), state)
        params = optax.apply_updates(params, updates)
    history.append(float(loss(params, x_train, y_train)))
    print(epoch + 1, history[-1])
"""
    if framework == "TF.js":
        return f"""import * as tf from '@tensorflow/tfjs';

// The article's network, with momentum that works: the article's
//   model.compile({{optimizer: 'sgd', momentum: 0.9}})
// trains plain SGD (TF.js ignores the extra key). Pass the optimizer object instead.
const model = tf.sequential();
model.add(tf.layers.dense({{units: 10, inputShape: [5], activation: '{act}'}}));
model.add(tf.layers.dense({{units: 1}}));
model.compile({{optimizer: tf.train.momentum({lr}, {mu}), loss: 'meanSquaredError'}});

// A stand-in for the app's data (drawn with numpy; see the Python tabs): a random
// tanh teacher plus noise, 256 examples. TF.js computes in float32.
const x = tf.randomNormal([256, 5]);
const teacher = tf.randomUniform([5, 10], -0.63, 0.63);
const y = tf.tanh(x.matMul(teacher)).sum(1, true).mul(0.3)
  .add(tf.randomNormal([256, 1], 0, 0.1));
const history = await model.fit(x, y, {{batchSize: {batch}, epochs: {epochs}, shuffle: true}});
console.log(history.history.loss);
"""
    raise ValueError(f"unknown framework {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")
