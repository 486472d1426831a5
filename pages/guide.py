"""Guide: what momentum does, its conventions, and the current race as code."""

import streamlit as st

from momentum_app.config.settings import LABELS, ModelSettings, RaceSettings
from momentum_app.guide import code_panel, guide_text
from momentum_app.guide.update_rules import update_rule
from momentum_app.ui import page, state
from momentum_core import MOMENTUM_OPTIMIZERS

page.start(controls=False)
st.title("Guide: momentum in a few minutes")
# The guide shares the playground's settings and link: it draws no controls of its own,
# so a link's settings go into the same keys and the address follows them.
settings = state.linked_settings(RaceSettings)

st.markdown(guide_text.SOURCE)
st.markdown(guide_text.HEAVY_BALL)
st.subheader("Conventions: the same method, four ways to write it")
st.markdown(guide_text.CONVENTIONS)

st.subheader("The update rules this app runs")
st.caption(guide_text.NOTATION)
for name in LABELS:
    rule = update_rule(name)
    st.markdown(f"**{LABELS[name]}** (`{name}`): {rule.summary}")
    st.latex(rule.latex)

st.subheader("Your race as code")
st.caption(guide_text.race_caption(settings))
momentum_first = sorted(settings.optimizers, key=lambda n: n not in MOMENTUM_OPTIMIZERS)
name = st.selectbox("Optimizer", momentum_first, format_func=LABELS.get, key="guide_opt")
for tab, framework in zip(st.tabs(list(code_panel.FRAMEWORKS)), code_panel.FRAMEWORKS, strict=True):
    with tab:
        if note := code_panel.caveat(framework, name):
            st.caption(note)
        st.code(
            code_panel.snippet(framework, settings, name), language=code_panel.LANGUAGES[framework]
        )
st.info(guide_text.TFJS_NOTE, icon=":material/info:")

st.subheader("The article's model as code")
model = state.get(ModelSettings)  # the model page's settings, kept in this session
st.caption(guide_text.model_caption(model))
for tab, framework in zip(st.tabs(list(code_panel.FRAMEWORKS)), code_panel.FRAMEWORKS, strict=True):
    tab.code(code_panel.model_snippet(framework, model), language=code_panel.LANGUAGES[framework])

page.end()
