"""The article's model: its 5-10-1 network trained by SGD and by momentum, over seeds."""

import streamlit as st

from momentum_app.config.settings import ModelSettings
from momentum_app.race.race_chart import race_chart, race_feed
from momentum_app.studies import model_view
from momentum_app.studies.model_figures import loss_bands_figure
from momentum_app.ui import cache, page, state, talk_ui
from momentum_app.ui.widgets import STILL, chart_font, model_controls_ui

page.start()
st.title("The article's model")
st.caption(
    "The article's TensorFlow.js network, dense(10, inputShape [5]) → dense(1), 71 weights, "
    "mean squared error, trained here on a seeded synthetic regression set (256 training and "
    "128 validation examples from a fixed teacher network; see momentum_core/model.py). Every "
    "seed starts from Keras' initial weights; every optimizer sees the same mini-batches."
)

settings = state.linked_settings(ModelSettings, model_controls_ui)
race = cache.model_race(settings)

st.plotly_chart(
    loss_bands_figure(race, chart_font(), state.presenting()), key="model_losses", config=STILL
)
st.caption(model_view.bands_caption(race))
for line in model_view.verdict(race):
    st.markdown(line)

st.subheader("The path of a network")
path, data = cache.model_path(settings, chart_font(), model_view.finish_line(race))
race_chart(
    data,
    key="model_race",
    ui_font=chart_font() + 1,
    clickable=False,
    presenting=state.presenting(),
)
race_feed("model_race", momentum=settings.momentum, lr=settings.lr)
st.caption(model_view.path_caption(path, settings.momentum))
talk_ui.add_view_ui(settings)  # SGD against momentum at this β, over the seeds

page.end()
