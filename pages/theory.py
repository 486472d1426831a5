"""Theory: momentum on a quadratic bowl, predicted rates against measured ones."""

import numpy as np
import streamlit as st

from momentum_app import cache, state
from momentum_app.settings import (
    THEORY_CONDITIONS,
    TheorySettings,
    parse_theory_query,
    theory_query,
)
from momentum_app.theory_figures import rate_map_figure
from momentum_app.theory_view import RATIO
from momentum_core import theory

state.ensure_router()
st.title("Theory: momentum on a quadratic bowl")
st.caption(
    "f = ½(λ_max u² + λ_min v²) with λ_max = 1 and λ_min = 1/κ, tilted 30°. Heavy ball "
    "z ← βz + ∇f, x ← x − αz converges in each direction iff 0 ≤ β < 1 and αλ < 2 + 2β "
    "(Polyak 1964; Goh, Distill 2017)."
)

link_warnings = state.sync_from_url(parse_theory_query, state.put_theory, theory_query)
for message in link_warnings:
    st.warning(message, icon=":material/link:")
# Presenter mode draws no controls: the keys keep what the link or the buttons set.
if not state.presenting():
    st.sidebar.select_slider("Condition number κ", THEORY_CONDITIONS, key="th_kappa")
kappa = float(st.session_state.th_kappa)
lam_min, lam_max = 1.0 / kappa, 1.0
gd_alpha, gd_rate = theory.optimal_gd(lam_min, lam_max)
hb_alpha, hb_beta, hb_rate = theory.optimal_momentum(lam_min, lam_max)


def _set(alpha: float, beta: float) -> None:
    st.session_state.th_alpha, st.session_state.th_beta = float(alpha), float(beta)


left, right = st.columns(2)
left.button("Optimal gradient descent", on_click=_set, args=(gd_alpha, 0.0), width="stretch")
right.button("Optimal momentum", on_click=_set, args=(hb_alpha, hb_beta), width="stretch")
if not state.presenting():
    st.sidebar.number_input("Learning rate α", 1e-4, 4.0, key="th_alpha", format="%.5g")
    st.sidebar.slider("Momentum β", 0.0, 1.0, key="th_beta", step=0.001, format="%.3f")
alpha, beta = float(st.session_state.th_alpha), float(st.session_state.th_beta)
state.sync_to_url(theory_query(TheorySettings(int(kappa), alpha, beta)))


maps = cache.rate_maps(kappa)
optima = {
    "optimal GD": (gd_alpha, 0.0),
    "optimal momentum": (hb_alpha, hb_beta),
    "yours": (alpha, beta),
}
map_left, map_right = st.columns(2)
# One colour scale for both maps, from the best predicted rate (rates crowd near 1).
kwargs = {
    "lam_max": lam_max,
    "optima": optima,
    "zmin": float(np.floor(maps.predicted.min() * 20) / 20),
}
map_left.plotly_chart(
    rate_map_figure(maps.alphas, maps.betas, maps.predicted, "Predicted rate", **kwargs)
)
map_right.plotly_chart(
    rate_map_figure(maps.coarse_alphas, maps.coarse_betas, maps.measured, "Measured rate", **kwargs)
)

mine = cache.prediction(kappa, alpha, beta)
gd, hb = cache.prediction(kappa, gd_alpha, 0.0), cache.prediction(kappa, hb_alpha, hb_beta)
rows = [("optimal gradient descent", gd), ("optimal momentum", hb), ("your setting", mine)]
st.dataframe(
    {
        "setting": [name for name, _ in rows],
        "α": [p.alpha for _, p in rows],
        "β": [p.beta for _, p in rows],
        "predicted rate": [p.rate for _, p in rows],
        "measured rate": [p.measured_rate for _, p in rows],
        f"predicted steps to shrink the distance {1 / RATIO:.0e}×": [
            p.predicted_steps for _, p in rows
        ],
        "measured steps": [p.measured_steps if p.measured_steps >= 0 else None for _, p in rows],
    },
    hide_index=True,
)
st.markdown(
    f"At κ = {kappa:g}: optimal gradient descent (α\\* = {gd_alpha:.4g}) shrinks the error by "
    f"{gd_rate:.4f} per step and needs {gd.measured_steps:,} steps; optimal momentum "
    f"(α\\* = {hb_alpha:.4g}, β\\* = {hb_beta:.4f}) by {hb_rate:.4f} and needs "
    f"{hb.measured_steps:,}: {gd.measured_steps / max(hb.measured_steps, 1):.1f}× fewer."
)

st.subheader("The article's tips, checked")
for tip in cache.tips(kappa):
    st.markdown(tip)
