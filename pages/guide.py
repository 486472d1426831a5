"""Guide: what momentum does, its conventions, and the current race as code."""

import streamlit as st

from momentum_app import code_panel, state
from momentum_app.settings import LABELS, to_query
from momentum_app.update_rules import update_rule
from momentum_core import MOMENTUM_OPTIMIZERS

state.ensure_router()
st.title("Guide: momentum in a few minutes")

st.markdown(
    """
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
)

st.subheader("Conventions: the same method, four ways to write it")
st.markdown(
    r"""
| where | update | note |
|---|---|---|
| PyTorch `SGD(momentum=β)`, TF.js `tf.train.momentum(α, β)`, optax `sgd` | $b \leftarrow \beta b + g,\ x \leftarrow x - \alpha b$ | PyTorch's first step sets $b = g$ |
| Keras `SGD(momentum=β)` | $v \leftarrow \beta v - \alpha g,\ x \leftarrow x + v$ | the same trajectory while α is constant |
| "EMA" form (course notes) | $v \leftarrow \beta v + (1-\beta) g,\ x \leftarrow x - a v$ | the same trajectory as heavy ball with $\alpha = a(1-\beta)$ |
| Nesterov (PyTorch) | $b \leftarrow \beta b + g,\ x \leftarrow x - \alpha (g + \beta b)$ | looks one step ahead |

So a learning rate tuned for the EMA form must be multiplied by $1 - \beta$ (10× smaller at
β = 0.9) before it goes into PyTorch, TF.js or Keras, and vice versa.
"""  # noqa: E501
)

st.subheader("The update rules this app runs")
st.caption(
    "Read from the docstrings of `momentum_core.optimizers`, so they cannot drift from the code."
)
for name in LABELS:
    rule = update_rule(name)
    st.markdown(f"**{LABELS[name]}** (`{name}`): {rule.summary}")
    st.latex(rule.latex)

st.subheader("Your race as code")
settings = state.get_settings()
state.sync_to_url(to_query(settings))
st.caption(
    f"{settings.objective.title} from {settings.start}, α = {settings.lr:g}, "
    f"β = {settings.momentum:g}, {settings.steps:,} steps: the playground's settings."
)
momentum_first = sorted(settings.optimizers, key=lambda n: n not in MOMENTUM_OPTIMIZERS)
name = st.selectbox("Optimizer", momentum_first, format_func=LABELS.get, key="guide_opt")
for tab, framework in zip(st.tabs(list(code_panel.FRAMEWORKS)), code_panel.FRAMEWORKS, strict=True):
    with tab:
        if note := code_panel.caveat(framework, name):
            st.caption(note)
        st.code(
            code_panel.snippet(framework, settings, name), language=code_panel.LANGUAGES[framework]
        )
st.info(
    "The article's TF.js line `model.compile({optimizer: 'sgd', momentum: 0.9})` does not "
    "set momentum: TF.js ignores the extra key. Pass an optimizer object instead, as in "
    "the TF.js tab: `tf.train.momentum(learningRate, momentum)`.",
    icon=":material/info:",
)
