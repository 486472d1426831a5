"""The guide page's prose, kept out of the page script so the page reads as its layout.

Plain strings and one function (no Streamlit). Every number the guide says about a run is
in :func:`race_caption`, built from the settings it shows.
"""

from __future__ import annotations

from momentum_app.config.markdown import plain
from momentum_app.config.settings import ModelSettings, RaceSettings

#: The tutorial the app grew from, as it is titled.
SOURCE_TITLE = "046: Momentum optimization with TensorFlow.js"

SOURCE = f"""
**Where this comes from.** This app grew from a short tutorial, *“{SOURCE_TITLE}”*,
machine-translated from Korean. It makes momentum's usual claims in a few lines each and
shows one TF.js snippet. The Scenes page plays its claims and tips one by one on live runs,
the Theory page checks its tips on a quadratic bowl, and the last box of this page
corrects its TF.js line.
"""

HEAVY_BALL = """
**The heavy ball.** Plain gradient descent steps downhill by α times the gradient and
forgets everything else. Momentum keeps a running sum of past gradients, a velocity, and
steps along it: like a heavy ball rolling on the landscape it gathers speed where the
slope keeps pointing the same way and carries it into the next step.

**Why narrow valleys go faster.** In a long, shallow valley the gradient along the floor
is tiny, so gradient descent crawls; the pushes along the floor add up in the velocity
(by up to 1/(1 − β) times, 10× at β = 0.9), and the ball speeds up. Across the valley the
gradient flips sign each step, so those pushes cancel in the velocity and the zig-zag is
damped. On a quadratic bowl with condition number κ the best rate improves from
(κ − 1)/(κ + 1) per step to (√κ − 1)/(√κ + 1) (Polyak 1964; see the Theory page).

**What it cannot promise.** Momentum can carry a run over a shallow dip, but it can as
well carry it past the global minimum into another basin, or settle in a local minimum
like plain descent does. Whether it helps depends on the landscape, the start, α and β:
the Local minima page counts it over many starts, and the Scenes page shows both cases.
β = 1 keeps all the energy and never settles; with a too large α it diverges.
"""

CONVENTIONS = r"""
| where | update | note |
|---|---|---|
| PyTorch `SGD(momentum=β)`, TF.js `tf.train.momentum(α, β)`, optax `sgd` | $b \leftarrow \beta b + g,\ x \leftarrow x - \alpha b$ | PyTorch's first step sets $b = g$ |
| Keras `SGD(momentum=β)` | $v \leftarrow \beta v - \alpha g,\ x \leftarrow x + v$ | the same trajectory while α is constant |
| "EMA" form (course notes) | $v \leftarrow \beta v + (1-\beta) g,\ x \leftarrow x - \alpha_{\mathrm{EMA}}\, v$ | the same trajectory as heavy ball with $\alpha = \alpha_{\mathrm{EMA}}(1-\beta)$ |
| Nesterov (PyTorch) | $b \leftarrow \beta b + g,\ x \leftarrow x - \alpha (g + \beta b)$ | looks one step ahead |

So a learning rate tuned for the EMA form must be multiplied by $1 - \beta$ (10× smaller at
β = 0.9) before it goes into PyTorch, TF.js or Keras, and vice versa.
"""  # noqa: E501

NOTATION = (
    "Read from the docstrings of `momentum_core.optimizers`, so they cannot drift from the "
    "code. α is the learning rate, β the momentum, $g_t$ the gradient at step t and $b_t$ "
    "the momentum buffer. τ is PyTorch's `dampening`: from the second step on, each new "
    "gradient joins the buffer scaled by 1 − τ. The pages always run τ = 0 (PyTorch's "
    "default), where $b_t = \\beta b_{t-1} + g_t$; the command line's `--dampening` sets "
    "it, and Nesterov requires τ = 0, so its rule has no τ."
)

TFJS_NOTE = (
    "The tutorial's TF.js line `model.compile({optimizer: 'sgd', momentum: 0.9})` does not "
    "set momentum: TF.js ignores the extra key. Pass an optimizer object instead, as in "
    "the TF.js tab: `tf.train.momentum(learningRate, momentum)`."
)


def race_caption(s: RaceSettings) -> str:
    """What the code below reproduces: the race's function, start, α, β and steps."""
    return (
        f"{plain(s.objective.title)} from {s.start}, α = {s.lr:g}, β = {s.momentum:g}, "
        f"{s.steps:,} steps: the playground's settings (this page's link carries them too)."
    )


def model_caption(s: ModelSettings) -> str:
    """What the article's-model code trains (``s``: the model page's ModelSettings)."""
    return (
        f"The network of the article's model page with its settings: α = {s.lr:g}, "
        f"β = {s.momentum:g} (0 is plain SGD), batches of {s.batch}, {s.epochs} epochs, "
        f"{s.activation} hidden units, seed 0's initial weights, data seed {s.data_seed}. "
        "The Python tabs build the app's own data and batches, so their losses are the "
        "page's (the PyTorch tab is run by a test against the core's weights); the TF.js "
        "tab is the article's snippet with working momentum, on a stand-in data set."
    )
