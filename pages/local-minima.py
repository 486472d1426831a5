"""Local minima: does momentum help a run escape them? Basin maps and success rates."""

import numpy as np
import streamlit as st

from momentum_app.config.settings import MinimaSettings
from momentum_app.race.race_chart import race_chart, wanted
from momentum_app.studies import basin_figures as basins
from momentum_app.talk.my_talk import minima_race
from momentum_app.ui import cache, page, state, talk_ui
from momentum_app.ui.widgets import STILL, chart_font, minima_cases_ui, minima_controls_ui
from momentum_core.basins import describe_effect

page.start()
st.title("Local minima: does momentum help a run escape them?")
st.caption(  # the two maps side by side, or stacked on a phone
    f"{page.by_width('Left', 'Top')}: where plain gradient descent ends from every start of "
    f"a grid; {page.by_width('right', 'under it')}: heavy ball with momentum at the same "
    "learning rate. Below: the share of random starts that reach the global minimum as "
    "momentum grows, with 95 % (Wilson) bands.",
    unsafe_allow_html=True,
)
st.caption(f"{basins.colours_note()} {page.by_touch('Hover over', 'Tap')} a cell for its minimum.",
           unsafe_allow_html=True)  # fmt: skip

settings = state.linked_settings(MinimaSettings, minima_controls_ui)
settings, lighter = basins.within_limits(settings)  # no setting holds a core for minutes
for note in lighter:
    st.warning(note, icon=":material/speed:")
minima_cases_ui(settings)
obj = settings.objective
if not len(obj.local_minima):
    st.info(f"{obj.title} has no local minima listed: every run that settles ends at a global one.")

# Left, plain gradient descent; right, heavy ball, whose β the slider under it scrubs in
# the browser through a set of maps computed once per setting.
every = bool(wanted("basins", ("betas",)))  # the whole set once the pointer reaches the map
momenta, maps = cache.minima_maps(settings, every)
chosen = maps[int(np.abs(momenta - settings.momentum).argmin())]
left, right = st.columns(2)
title = f"SGD (β = 0), α = {settings.lr:.3g}"
font, presenting = chart_font(), state.presenting()
left.plotly_chart(basins.basin_figure(obj, maps[0], title, font_size=font, presenting=presenting),
                  config=STILL)  # fmt: skip
left.metric(basins.grid_share_label(settings), f"{maps[0].share_global:.1%}")
with right:
    scrub = cache.basin_scrub(settings, font, every, presenting)
    race_chart(scrub, key="basins", clickable=False, lazy=("betas",), presenting=presenting)
shares = {0.0: maps[0].share_global, settings.momentum: chosen.share_global}

study = cache.success(settings)
st.caption(basins.populations_note(settings, shares, study))
st.plotly_chart(basins.success_figure(study, font_size=font, presenting=presenting), config=STILL)
st.subheader(f"What the {settings.starts:,} random starts show")
for sentence in describe_effect(study):
    st.markdown("- " + sentence)
st.caption(
    f"{settings.starts} random starts (seed {settings.seed}), the same for every (α, β); "
    f"{settings.steps} steps each; a run counts when it ends nearest a global minimum."
)
talk_ui.add_view_ui(minima_race(settings))  # SGD against heavy ball from the start

page.end()
