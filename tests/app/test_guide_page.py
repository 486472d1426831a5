"""The guide from a link: it reads its settings, names its source, shows each rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from momentum_app.guide.guide_text import SOURCE_TITLE
from momentum_app.guide.update_rules import update_rule
from momentum_app.ui import state
from tests.app.harness import page_at

PAGE = "pages/guide.py"
LINK = {"fn": "rastrigin", "lr": "0.002", "momentum": "0.95", "steps": "300"}


def guide_at(query: dict[str, str]) -> AppTest:
    return page_at(PAGE, query)


def test_a_guide_link_opened_fresh_reproduces_its_view():
    """The guide used to show Rosenbrock's defaults and rewrite the address."""
    at = guide_at(LINK)
    assert not at.warning
    for key, value in LINK.items():
        assert at.query_params[key] in (value, [value])
    captions = " ".join(c.value for c in at.caption)
    assert "Rastrigin" in captions and "α = 0.002, β = 0.95, 300 steps" in captions
    torch_snippet = next(c.value for c in at.code if "import torch" in c.value)
    assert "lr=0.002, momentum=0.95" in torch_snippet
    # The playground then opens on the same settings: the guide shares them.
    at.switch_page("pages/playground.py").run()
    assert at.selectbox(key="fn").value == "rastrigin"
    assert at.slider(key="momentum").value == 0.95


def test_a_bad_guide_link_warns_and_falls_back():
    at = guide_at({"fn": "rastrigin", "lr": "1_0", "momentum": "7"})
    messages = " ".join(w.value for w in at.warning)
    assert state.plain("Ignored lr='1_0': not a number") in messages  # shown as typed
    assert "momentum=7 is outside" in messages
    assert at.query_params["fn"] in ("rastrigin", ["rastrigin"])
    assert at.query_params["momentum"] in ("1.0", ["1.0"])


def test_the_guide_names_the_article_it_grew_from():
    assert SOURCE_TITLE == "046: Momentum optimization with TensorFlow.js"
    text = " ".join(m.value for m in guide_at({}).markdown)
    assert f"*“{SOURCE_TITLE}”*" in text and "machine-translated from Korean" in text


def test_momentum_and_nesterov_rules_differ_on_the_page_and_tau_is_explained():
    at = guide_at({})
    latex = [block.value.strip("$\n") for block in at.latex]
    assert update_rule("momentum").latex in latex and update_rule("nesterov").latex in latex
    assert len(set(latex)) == len(latex)  # no two optimizers share a formula
    notation = " ".join(c.value for c in at.caption)
    assert "τ is PyTorch's `dampening`" in notation and "Nesterov requires τ = 0" in notation


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "page", ["guide", "sweep", "theory", "local-minima", "playground", "scenes", "model", "talk"]
)
def test_page_scripts_read_like_the_hello_demos(page):
    """At most 60 lines of code (blank lines and comments aside): prose and slicing live
    in momentum_app. The guide had 70, the sweep 64 and the theory page 83."""
    lines = (ROOT / "pages" / f"{page}.py").read_text().splitlines()
    code = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    assert len(code) <= 60, f"pages/{page}.py has {len(code)} lines of code"


def test_the_code_panel_prints_a_typed_formula():
    query = {"fn": "custom", "f": "log(1 + x^2) + arctan(y)^2", "domain": "-3,3,-3,3"}
    at = page_at("pages/guide.py", query)
    assert not at.warning
    code = "\n".join(c.value for c in at.code)
    assert "torch.log(1 + x ** 2) + torch.arctan(y) ** 2" in code
    assert "tf.atan(y)" in code  # TF.js and Keras spell arctan atan


def test_the_guide_prints_the_article_model_with_the_model_pages_settings():
    at = page_at("pages/model.py", {"lr": "0.0321", "momentum": "0.65", "epochs": "10"})
    at.switch_page("pages/guide.py")
    at.query_params.clear()
    at.run()
    assert not at.exception
    code = "\n".join(c.value for c in at.code)
    assert "torch.optim.SGD(model.parameters(), lr=0.0321, momentum=0.65)" in code
    assert "tf.train.momentum(0.0321, 0.65)" in code and "inputShape: [5]" in code


def test_the_ema_row_names_its_rate_apart_from_alpha():
    # The row used a bare "a" for the EMA form's rate, right next to α (#19 item 9).
    import re

    from momentum_app.guide.guide_text import CONVENTIONS

    (row,) = [line for line in CONVENTIONS.splitlines() if '"EMA" form' in line]
    maths = " ".join(re.findall(r"\$([^$]+)\$", row))
    assert not re.search(r"(?<![\\\w{])a(?![\w}])", maths), maths
    assert r"\alpha_{\mathrm{EMA}}" in maths
