"""Theory: momentum on a quadratic bowl, predicted rates against measured ones."""

import streamlit as st

from momentum_app.config.settings import TheorySettings
from momentum_app.race.race_chart import race_chart, race_part
from momentum_app.studies import theory_view
from momentum_app.studies.theory_figures import rate_map_figure
from momentum_app.ui import cache, page, state
from momentum_app.ui.widgets import chart_font, theory_controls_ui
from momentum_core import theory

page.start()
st.title("Theory: momentum on a quadratic bowl")
st.caption(
    "f = ½(λ_max u² + λ_min v²) with λ_max = 1 and λ_min = 1/κ, tilted 30°: κ, the condition "
    "number, says how many times steeper the bowl is across its valley than along it. Heavy "
    "ball z ← βz + ∇f, x ← x − αz converges in each direction exactly when 0 ≤ β < 1 and "
    "αλ < 2 + 2β (Polyak 1964; Goh, Distill 2017)."
)

clicked = state.take_chart_value("theory_map")  # a click on the map sets α and β
if clicked and theory_view.cell_setting(clicked.get("cell")):
    state.update(TheorySettings, **theory_view.cell_setting(clicked["cell"]))
settings = state.linked_settings(TheorySettings, theory_controls_ui)
kappa, alpha, beta = float(settings.kappa), settings.alpha, settings.beta
gd_alpha, _ = theory.optimal_gd(1.0 / kappa, 1.0)
hb_alpha, hb_beta, _ = theory.optimal_momentum(1.0 / kappa, 1.0)


def _set(alpha: float, beta: float) -> None:
    state.update(TheorySettings, alpha=float(alpha), beta=float(beta))


left, right = st.columns(2)
left.button("Optimal gradient descent", on_click=_set, args=(gd_alpha, 0.0), width="stretch")
right.button("Optimal momentum", on_click=_set, args=(hb_alpha, hb_beta), width="stretch")

maps = cache.rate_maps(kappa)
# The predicted map is a pad: the pointer over it runs that (α, β) on the bowl beside it.
data = cache.theory_race(kappa, alpha, beta, chart_font(), state.presenting())
race_chart(
    data,
    key="theory_map",
    ui_font=chart_font() + 1,
    clickable=False,
    presenting=state.presenting(),
)
race_part("theory_map", data, "pad", cache.theory_pad(kappa))
# The measured map shares its colour scale and axes, so a cell means the same on either.
optima = {"optimal GD": (gd_alpha, 0.0), "optimal momentum": (hb_alpha, hb_beta)}
shared = theory_view.map_options(maps, optima, (alpha, beta), chart_font(), state.presenting())
st.columns(2)[0].plotly_chart(
    rate_map_figure(maps.coarse_alphas, maps.coarse_betas, maps.measured, "Measured rate", **shared)
)

gd, hb = cache.prediction(kappa, gd_alpha, 0.0), cache.prediction(kappa, hb_alpha, hb_beta)
rows = {"optimal gradient descent": gd, "optimal momentum": hb}
rows["your setting"] = cache.prediction(kappa, alpha, beta)
st.dataframe(theory_view.table(rows), hide_index=True)
st.markdown(theory_view.comparison(kappa, gd, hb))

st.subheader("The article's tips, checked")
for tip in cache.tips(kappa):
    st.markdown(tip)

page.end()
