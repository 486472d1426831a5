"""The theory page from a link: long enough runs, honest tips, maps that line up."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from momentum_app.config.links import from_query
from momentum_app.config.settings import TheorySettings
from momentum_app.studies import theory_view
from momentum_core import MAX_STEPS, get_objective, theory
from tests.app.harness import component_args, page_at

PAGE = "pages/theory.py"


def theory_at(query: dict[str, str]) -> AppTest:
    return page_at(PAGE, query)


def rows(at: AppTest) -> dict[str, dict]:
    return {row["setting"]: row for row in at.dataframe[0].value.to_dict("records")}


@pytest.mark.parametrize("kappa", [500, 1000])
def test_a_badly_conditioned_bowl_is_measured_to_the_end(kappa):
    """At kappa 500 and 1000 gradient descent needs more than 3,000 steps: the page used to
    say it "needs -1 steps" and that momentum needs "-0.0x fewer", with a blank cell."""
    gd_alpha, gd_rate = theory.optimal_gd(1 / kappa, 1.0)
    hb_alpha, hb_beta, _ = theory.optimal_momentum(1 / kappa, 1.0)
    predicted = int(theory.steps_to_tolerance(gd_rate, theory_view.RATIO))
    assert predicted > 3000  # the old run length
    gd = theory_view.predict(kappa, gd_alpha, 0.0)
    hb = theory_view.predict(kappa, hb_alpha, hb_beta)
    assert gd.measured_steps == predicted  # gradient descent's rate has no double root

    at = theory_at({"kappa": str(kappa)})
    table = rows(at)
    assert table["optimal gradient descent"]["measured steps"] == f"{predicted:,}"
    assert table["optimal momentum"]["measured steps"] == f"{hb.measured_steps:,}"
    text = " ".join(m.value for m in at.markdown)
    ratio = predicted / hb.measured_steps
    assert f"needs {predicted:,} steps" in text
    assert f"needs {hb.measured_steps:,} steps: {ratio:.1f}× fewer" in text
    assert "-1" not in text and "-0.0" not in text and "nan" not in text.lower()


def test_kappa_1000_numbers_match_an_independent_run():
    """6,908 steps for gradient descent against 305 for momentum: 22.6x."""
    at = theory_at({"kappa": "1000"})
    text = " ".join(m.value for m in at.markdown)
    assert "needs 6,908 steps" in text and "needs 305 steps: 22.6× fewer" in text


def test_runs_that_stop_short_or_diverge_say_so():
    slow = theory_view.predict(1000, 1e-4, 0.0)  # predicted ~1.4e8 steps
    assert slow.num_steps == MAX_STEPS and slow.measured_steps == -1
    assert theory_view.measured_steps_text(slow) == f"> {MAX_STEPS:,}"
    wild = theory_view.predict(100, 3.9, 0.2)  # alpha lambda > 2 + 2 beta
    assert wild.diverged_step > 0
    assert theory_view.measured_steps_text(wild) == f"diverges at step {wild.diverged_step:,}"
    assert theory_view.predicted_steps_text(wild) == "never (rate ≥ 1)"
    gd_alpha, _ = theory.optimal_gd(1 / 1000, 1.0)
    gd = theory_view.predict(1000, gd_alpha, 0.0)
    sentence = theory_view.comparison(1000, gd, slow)  # momentum never got there
    assert "-1" not in sentence and "fewer" not in sentence
    assert f"more than {MAX_STEPS:,} steps" in sentence


def test_the_reduce_momentum_tip_reports_the_2_cycle_of_beta_0():
    """beta = 0 at alpha = 0.028 on Himmelblau neither diverges nor converges: it settles
    into a 2-cycle. The tip used to say only that it "does not" diverge."""
    runs = theory_view.himmelblau_runs()
    gaps = runs.losses[:, 2] - get_objective("himmelblau").f_star
    low, high = sorted(gaps[-2:])
    assert abs(gaps[-1] - gaps[-3]) < 1e-9 and high - low > 1  # a true 2-cycle
    at = theory_at({"kappa": "100"})
    (tip,) = [m.value for m in at.markdown if "Reduce momentum" in m.value]
    assert f"β = 0.9 diverges at step {runs.diverged_step[0]}" in tip
    assert f"β = 0.5 reaches f − f\\* < 1e-06 in {runs.tol_step[1]} steps" in tip
    assert f"between f − f\\* = {low:.2f} and {high:.2f} on alternate steps, a 2-cycle" in tip
    assert "β = 0 does not." not in tip


def test_two_cycle_finds_only_true_cycles():
    assert theory_view.two_cycle(np.array([5.0, 3, 1, 2, 1, 2, 1, 2])) == (2, 1.0, 2.0)
    assert theory_view.two_cycle(0.5 ** np.arange(20.0)) is None  # converging
    assert theory_view.two_cycle(np.full(10, 3.0)) is None  # stuck, not cycling


def test_both_maps_share_their_axes_and_yours_does_not_hide_the_star():
    at = theory_at({"kappa": "100"})  # the default "yours" is the optimal momentum here
    (measured,) = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    (race,) = component_args(at, "race_component")  # the predicted map is the race's pad
    predicted = json.loads(race["data"])["map"]["figure"]
    specs = [predicted, measured]
    for axis in ("xaxis", "yaxis"):
        assert predicted["layout"][axis]["range"] == measured["layout"][axis]["range"]
    for spec in specs:
        names = [trace.get("name") for trace in spec["data"]]
        yours = spec["data"][names.index("yours")]
        star = spec["data"][names.index("optimal momentum")]
        assert star["marker"]["symbol"] == "star"
        # Drawn later means drawn on top; the ring is open and larger, so the star shows.
        assert names.index("yours") < names.index("optimal momentum")
        assert yours["marker"]["symbol"].endswith("-open")
        assert yours["marker"]["size"] > star["marker"]["size"]
        # One place, to the digits a page shows (a setting holds no more: links.rounded).
        assert yours["x"] + yours["y"] == pytest.approx(star["x"] + star["y"], rel=1e-4)


def test_the_pad_holds_each_cells_run_and_its_predicted_and_measured_rate():
    at = theory_at({"kappa": "10"})
    (race,) = component_args(at, "race_component")
    (feed,) = component_args(at, "race_feed")
    part = json.loads(feed["part"])
    alphas, betas = part["axes"]["alphas"], part["axes"]["betas"]
    assert part["kind"] == "pad" and part["sets"]["momentum"]["runs"] == len(alphas) * len(betas)
    j, i = 20, 10
    note = part["axes"]["notes"][j * len(alphas) + i]
    rate = theory.bowl_rate(alphas[i], betas[j], 0.1, 1.0)
    assert f"predicted rate {rate:.4f}" in note and "measured rate" in note
    assert json.loads(race["data"])["chosen"]["alpha"] == at.number_input(key="th_alpha").value


def test_a_click_on_the_map_sets_alpha_and_beta():
    assert theory_view.cell_setting([10, 20]) == {
        "alpha": theory_view.MAP_ALPHAS[20],
        "beta": theory_view.MAP_BETAS[10],
    }
    for bad in (None, [1], [100, 0], [0, -1], [0.5, 1], "1,2"):
        assert theory_view.cell_setting(bad) is None, bad
    at = theory_at({"kappa": "10"})
    at.session_state["theory_map"] = {"cell": [10, 20], "nonce": 1}
    at.run()
    # To the digits a page shows (see test_rounding.py).
    assert at.number_input(key="th_alpha").value == pytest.approx(
        theory_view.MAP_ALPHAS[20], rel=1e-3
    )
    assert at.slider(key="th_beta").value == pytest.approx(theory_view.MAP_BETAS[10], rel=1e-3)


def test_theory_link_bounds_are_the_widgets_bounds():
    at = theory_at({"kappa": "5000", "lr": "99", "momentum": "1.5"})
    messages = " ".join(w.value for w in at.warning)
    assert "kappa=5000 is outside" in messages and "using 1000." in messages
    lr, beta = at.number_input(key="th_alpha"), at.slider(key="th_beta")
    assert lr.value == 4.0 and beta.value == beta.proto.max  # α's range: the box's caption
    assert any(c.value == "0.0001 to 4" for c in at.sidebar.caption)
    at = theory_at({"lr": "0", "momentum": "-1"})
    lr, beta = at.number_input(key="th_alpha"), at.slider(key="th_beta")
    assert lr.value == 1e-4 and beta.value == beta.proto.min


def test_theory_links_take_plain_numbers_only():
    s, warnings = from_query(TheorySettings, {"lr": "1_0", "kappa": "1_000"})
    assert "Ignored lr='1_0': not a number" in " ".join(warnings)
    assert "Ignored kappa='1_000': not a number" in " ".join(warnings)
    assert s.kappa == 100 and s.alpha == from_query(TheorySettings, {})[0].alpha


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0])
def test_the_comparison_never_mixes_predicted_and_measured_in_one_sentence(kappa):
    gd_alpha, _ = theory.optimal_gd(1 / kappa, 1.0)
    hb_alpha, hb_beta, _ = theory.optimal_momentum(1 / kappa, 1.0)
    gd = theory_view.predict(kappa, gd_alpha, 0.0)
    hb = theory_view.predict(kappa, hb_alpha, hb_beta)
    predicted, measured = theory_view.comparison(kappa, gd, hb).split("**Measured:**")
    if kappa > 1:  # theory's count, not the run's (0.8182 per step is 69 steps, not 90)
        assert f"per step: {gd.predicted_steps:,.0f} steps" in predicted
    assert "fewer" not in predicted and "per step" not in measured
    assert not re.search(r"\b1 steps", predicted + measured) and "0.0000" not in predicted
    if kappa == 1.0:  # the rate is 0: one step, and both runs need the same
        assert "removes the error in one step" in predicted
        assert "as many" in measured and "1.0×" not in measured
