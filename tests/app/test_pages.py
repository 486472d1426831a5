"""Every page through Streamlit's AppTest, starting from app.py as a visitor would."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from momentum_app.config import links
from momentum_app.config.settings import LABELS
from momentum_app.landscapes import DEFAULT_FORMULA
from momentum_app.race.runs import run_one, start_points
from momentum_app.studies import model_view
from momentum_app.talk import scenes
from momentum_app.ui import state
from momentum_app.ui.widgets import LINK_LABEL, lr_options
from momentum_core import get_objective
from tests.app.harness import component_args, open_app, page_at


def table(at: AppTest):
    return at.dataframe[0].value


def test_root_opens_the_playground():
    at = open_app()
    assert at.title[0].value.startswith("Playground")
    assert list(table(at).index) == ["SGD", "Momentum"]


PAGE_TITLES = {
    "pages/playground.py": "Playground",
    "pages/scenes.py": "Scenes",
    "pages/sweep.py": "Sweep",
    "pages/local-minima.py": "Local minima",
    "pages/theory.py": "Theory",
    "pages/guide.py": "Guide",
}


@pytest.mark.parametrize(("page", "title"), PAGE_TITLES.items(), ids=list(PAGE_TITLES.values()))
def test_every_page_renders(page, title):
    at = open_app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith(title)
    assert not any("nan" in m.value.lower().split() for m in at.markdown)


def test_changing_momentum_changes_the_results():
    at = open_app()
    before = table(at).loc["Momentum", "final f"]
    at.slider(key="momentum").set_value(0.5).run()
    assert not at.exception
    after = table(at).loc["Momentum", "final f"]
    assert after != before
    assert at.query_params["momentum"] == "0.5"


def test_changing_function_resets_start_and_lr():
    at = open_app()
    at.selectbox(key="fn").set_value("himmelblau").run()
    assert not at.exception
    from momentum_core import get_objective

    himmelblau = get_objective("himmelblau")
    assert at.session_state["lr"] == himmelblau.lr_default
    assert (at.session_state["start_x"], at.session_state["start_y"]) == himmelblau.x0


def test_link_sets_the_controls():
    at = open_app({"fn": "rastrigin", "lr": "0.002", "momentum": "0.9", "steps": "300"})
    assert at.selectbox(key="fn").value == "rastrigin"
    assert at.number_input(key="lr").value == 0.002
    assert at.slider(key="momentum").value == 0.9
    assert at.number_input(key="steps").value == 300
    assert not at.warning


def test_bad_link_warns_and_falls_back():
    at = open_app({"fn": "banana", "lr": "abc", "momentum": "7", "start": "x"})
    messages = " ".join(w.value for w in at.warning)
    for expected in ("Unknown function fn='banana'", "Ignored lr='abc'", "momentum=7", "start='x'"):
        assert expected in messages
    assert at.selectbox(key="fn").value == "rosenbrock"
    assert list(table(at).index) == ["SGD", "Momentum"]


def test_divergence_gives_the_articles_advice():
    at = open_app({"fn": "rosenbrock", "lr": "0.02", "momentum": "0.9"})
    errors = " ".join(e.value for e in at.error)
    assert "diverged at step" in errors
    assert "Try a smaller learning rate, or reduce momentum." in errors


def test_momentum_one_warns_it_never_settles():
    at = open_app({"momentum": "1"})
    assert any("never settles" in w.value for w in at.warning)


def test_three_d_view_renders():
    at = open_app()
    at.radio(key="view").set_value("3D surface").run()
    assert not at.exception


def test_sweep_page_marks_the_best_cell_and_links_it():
    at = open_app()
    at.switch_page("pages/sweep.py").run()
    assert not at.exception, at.exception
    (text,) = [m.value for m in at.markdown if m.value.startswith("**Best cell:**")]
    link = at.get("page_link")[0].proto
    assert "lr=" in link.query_string and "momentum=" in link.query_string
    assert "fn=rosenbrock" in link.query_string
    lr = float(dict(p.split("=") for p in link.query_string.split("&"))["lr"])
    assert f"α = {lr:.4g}" in text
    # A smaller grid changes the sweep.
    at.slider(key="sw_grid").set_value(10).run()
    assert not at.exception
    (after,) = [m.value for m in at.markdown if m.value.startswith("**Best cell:**")]
    assert after != text


def warnings_on(page: str, query: dict[str, str]) -> str:
    """Open ``page`` with a link's ``query``; the warnings it shows, joined."""
    at = page_at(page, query)
    return " ".join(w.value for w in at.warning)


def test_sweep_link_with_bad_values_warns():
    messages = warnings_on("pages/sweep.py", {"grid": "9999", "optimizer": "lion"})
    assert "grid=9999 is outside" in messages and "Ignored optimizer='lion'" in messages


def test_page_switch_keeps_the_shared_function():
    at = open_app()
    at.selectbox(key="fn").set_value("himmelblau").run()
    at.switch_page("pages/sweep.py").run()
    assert at.selectbox(key="fn").value == "himmelblau"
    at.switch_page("pages/playground.py").run()
    assert at.selectbox(key="fn").value == "himmelblau"
    assert not at.exception


def test_theory_buttons_set_the_optima_and_the_table_agrees():
    from momentum_core import theory

    at = open_app()
    at.switch_page("pages/theory.py").run()
    assert not at.exception, at.exception
    at.button[0].click().run()  # optimal gradient descent
    alpha, _ = theory.optimal_gd(0.01, 1.0)
    # The optimum to the digits the page shows (links.rounded): the link then says what ran.
    assert at.session_state["th_alpha"] == links.rounded(alpha) != alpha
    assert at.session_state["th_beta"] == 0.0
    table = at.dataframe[0].value
    mine = table[table["setting"] == "your setting"].iloc[0]
    assert mine["predicted rate"] == pytest.approx(99 / 101, rel=1e-4)
    assert mine["measured rate"] == pytest.approx(99 / 101, rel=0.01)
    assert at.query_params["kappa"] in (["100"], "100")
    at.select_slider(key="th_kappa").set_value(10).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "at κ = 10:" in text and "β = 1 never settles" in text


def test_theory_link_values_are_checked():
    messages = warnings_on("pages/theory.py", {"kappa": "37", "lr": "abc"})
    assert "kappa=37 is not on the page's scale; using 50" in messages
    assert "Ignored lr='abc'" in messages


def test_local_minima_page_shows_shares_and_sentences():
    at = open_app()
    at.switch_page("pages/local-minima.py").run()
    assert not at.exception, at.exception
    shares = [m.value for m in at.metric]  # the SGD map's; momentum's is in its scrub
    assert len(shares) == 1 and shares[0].endswith("%")
    (race,) = component_args(at, "race_component")
    assert all("%" in item["note"] for item in json.loads(race["data"])["scrub"]["items"])
    sentences = [m.value for m in at.markdown if m.value.startswith("- At α")]
    assert len(sentences) == 3
    at.slider(key="lm_grid").set_value(20).run()
    assert not at.exception
    assert at.query_params["grid"] in (["20"], "20")


def test_local_minima_link_values_are_checked():
    messages = warnings_on("pages/local-minima.py", {"fn": "banana", "grid": "5"})
    assert "Unknown function fn='banana'" in messages and "grid=5 is outside" in messages


PAGES = ["pages/playground.py", "pages/scenes.py", "pages/sweep.py",
         "pages/local-minima.py", "pages/theory.py", "pages/guide.py"]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
def test_presenter_flag_hides_the_controls(page):
    at = open_app({"present": "1"})
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert len(at.sidebar) == 0  # nothing in the sidebar: no controls, no page menu
    assert not at.slider and not at.number_input and not at.select_slider
    assert [b.label for b in at.button if b.key == "leave_presenter"] == ["Leave presenter mode"]
    assert at.query_params["present"] in ("1", ["1"])


def test_leaving_presenter_mode_brings_the_controls_back():
    at = open_app({"present": "1"})
    at.button(key="leave_presenter").click().run()
    assert not at.exception
    assert at.slider(key="momentum").value == 0.9
    assert "present" not in at.query_params
    at.toggle(key="presenter").set_value(True).run()  # and the sidebar switch turns it on
    assert not at.slider and at.query_params["present"] in ("1", ["1"])


def scene_at(name: str, present: bool = False) -> AppTest:
    # As /scenes?scene=...: the root page would forward the query to the playground.
    at = open_app()
    at.switch_page("pages/scenes.py")
    at.query_params["scene"] = name
    if present:
        at.query_params["present"] = "1"
    at.run()
    assert not at.exception, at.exception
    return at


SCENE_NAMES = [s.name for s in scenes.scenes()]


@pytest.mark.parametrize("name", SCENE_NAMES)
def test_every_scene_opens_by_link_with_its_caption(name):
    at = scene_at(name)
    scene = scenes.scene_named(name)
    if scene.model is None:
        results = {run.key: run_one(scene.settings(run)) for run in scene.runs}
        values = scenes.facts(scene, results, scenes.asked_runs(scene))
    else:  # the model page's race over seeds; the page shows its loss bands too
        values = scenes.model_facts(scene, model_view.race_for(scene.model))
        assert len(at.get("plotly_chart")) == 1
        assert any(c.value.startswith("Lines: the median over 20 seeds") for c in at.caption)
    expected = scenes.caption(scene, values).replace("*", r"\*")
    assert expected in [m.value for m in at.markdown]
    assert at.header[0].value == scene.title
    assert any(scene.where in c.value for c in at.caption)
    assert not at.warning  # every check holds


def test_next_and_previous_step_through_the_scenes():
    at = scene_at(SCENE_NAMES[0], present=True)
    labels = [b.label for b in at.button]
    assert at.button[labels.index("Previous scene")].disabled  # the first scene
    at.button[labels.index("Next scene")].click().run()
    assert not at.exception
    assert at.header[0].value == scenes.scene_named(SCENE_NAMES[1]).title
    assert at.query_params["scene"] in (SCENE_NAMES[1], [SCENE_NAMES[1]])
    at.button[labels.index("Previous scene")].click().run()
    assert at.header[0].value == scenes.scene_named(SCENE_NAMES[0]).title


def test_unknown_scene_warns_and_shows_the_first():
    at = scene_at("no-such-scene")
    assert "no-such-scene" in at.warning[0].value
    assert at.header[0].value == scenes.scene_named(SCENE_NAMES[0]).title


def test_guide_shows_every_rule_and_the_race_as_code():
    at = open_app({"fn": "booth", "lr": "0.05", "momentum": "0.7"})
    at.switch_page("pages/guide.py").run()
    assert not at.exception, at.exception
    assert len(at.latex) == len(LABELS)
    code = [c.value for c in at.code]
    torch_snippet = next(c for c in code if "import torch" in c)
    assert "torch.optim.SGD([p], lr=0.05, momentum=0.7)" in torch_snippet  # momentum first
    assert "(x + 2 * y - 7) ** 2" in torch_snippet


def test_every_page_ends_with_a_link_holding_its_settings():
    at = open_app({"fn": "himmelblau", "momentum": "0.8"})
    (box,) = [t for t in at.text_input if t.label == LINK_LABEL]
    assert "fn=himmelblau" in box.value and "momentum=0.8" in box.value


def test_a_broken_scenes_file_is_named_on_the_page_not_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "talk.toml"
    bad.write_text('[[scene]]\nname = "mine"\ntitle = "Mine"\n')
    monkeypatch.setenv("MOMENTUM_SCENES", str(bad))
    scenes._loaded.cache_clear()
    try:
        at = open_app()
        at.switch_page("pages/scenes.py").run()
        assert not at.exception, at.exception
        assert "talk.toml" in at.error[0].value and "missing field 'function'" in at.error[0].value
        at.switch_page("pages/playground.py").run()  # the other pages do not mind
        assert not at.exception and at.dataframe
    finally:
        monkeypatch.delenv("MOMENTUM_SCENES")
        scenes._loaded.cache_clear()


def test_the_log_slider_and_the_exact_box_show_the_same_rate():
    at = open_app({"fn": "rastrigin", "lr": "0.00123"})
    assert at.number_input(key="lr").value == 0.00123
    assert at.select_slider(key="lr_slider").value == 0.00123


def test_moving_the_lr_slider_keeps_its_stops_and_imposes_no_value():
    # A quick second arrow press is sent against the stops and value the browser shows. The
    # slider used to drop the exact rate's extra stop after the first press (shifting every
    # index above it) and to impose its value on every rerun (sending the thumb back).
    at = open_app({"fn": "himmelblau", "lr": "0.0017"})
    slider = at.select_slider(key="lr_slider")
    stops = list(slider.options)
    assert "0.0017" in stops
    slider.set_value(0.002).run()
    moved = at.select_slider(key="lr_slider")
    assert list(moved.options) == stops
    assert not moved.proto.set_value
    assert at.number_input(key="lr").value == 0.002
    at.number_input(key="lr").set_value(0.0042).run()  # typed: the slider shows it
    assert at.select_slider(key="lr_slider").value == 0.0042
    assert "0.0017" not in at.select_slider(key="lr_slider").options
    at.selectbox(key="fn").set_value("booth").run()  # an extra stop stays on its landscape
    booth = [f"{v:g}" for v in lr_options(*get_objective("booth").lr_range)]
    lr = f"{at.number_input(key='lr').value:g}"
    assert sorted(at.select_slider(key="lr_slider").options, key=float) == sorted(
        {*booth, lr}, key=float
    )


def test_removing_every_optimizer_says_the_race_falls_back():
    at = open_app()
    at.multiselect(key="optimizers").set_value([]).run()
    assert not at.exception
    assert at.multiselect(key="optimizers").value == ["sgd", "momentum"]
    assert any("needs an optimizer" in i.value for i in at.sidebar.info)
    assert list(table(at).index) == ["SGD", "Momentum"]


def test_a_stale_address_does_not_undo_a_newer_control_value():
    # A rerun may carry an address an interrupted run wrote before the newest one.
    at = open_app()
    at.slider(key="momentum").set_value(0.89).run()
    stale = dict(at.query_params)
    at.slider(key="momentum").set_value(0.88).run()
    for key, value in stale.items():
        at.query_params[key] = value
    at.run()
    assert at.slider(key="momentum").value == 0.88


def test_a_function_parameter_comes_from_the_link_and_goes_back_into_it():
    at = open_app({"fn": "rastrigin", "param": "A:1"})
    assert not at.warning
    assert at.number_input(key="param_A").value == 1.0
    assert at.query_params["param"] == "A:1.0"
    at.number_input(key="param_A").set_value(2.5).run()
    assert not at.exception
    assert at.query_params["param"] == "A:2.5"


def test_a_typed_formula_runs_and_says_its_minimum_is_an_estimate():
    at = open_app({"fn": "custom", "f": "(x - 1)^2 + 3*(y + 0.5)^2", "domain": "-3,3,-3,3"})
    assert not at.exception and not at.warning
    assert at.text_input(key="formula").value == "(x - 1)^2 + 3*(y + 0.5)^2"
    assert any("estimates" in c.value for c in at.caption)
    assert any("reached f − f\\* < 1e-06" in m.value for m in at.markdown)


def test_a_bad_formula_in_a_link_warns_and_falls_back():
    at = open_app({"fn": "custom", "f": "__import__('os')"})
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    # As typed: unescaped, Markdown had shown "__import__" as a bold "import".
    assert "unknown name '\\_\\_import\\_\\_'" in warning
    assert at.text_input(key="formula").value == DEFAULT_FORMULA


def test_a_bad_formula_typed_in_the_sidebar_keeps_the_last_good_one():
    at = open_app({"fn": "custom", "f": "x^2 + y^2"})
    at.text_input(key="formula").set_value("x^2 + ").run()
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and "showing x^2 + y^2 instead" in errors[0]  # said once
    assert list(table(at).index) == ["SGD", "Momentum"]


def test_the_sweep_takes_a_typed_formula():
    at = open_app({"fn": "custom", "f": "x^2 + 5*y^2", "domain": "-2,2,-2,2"})
    at.switch_page("pages/sweep.py").run()
    assert not at.exception
    assert at.query_params["fn"] == "custom" and at.query_params["f"] == "x^2 + 5*y^2"


@pytest.mark.parametrize("page", ["pages/playground.py", "pages/sweep.py"])
def test_a_formula_near_the_float_limit_gives_one_line_not_a_traceback(page):
    at = page_at(page, {"fn": "custom", "f": "cos(x)*cos(y)*1e300"})
    assert not at.exception
    assert any("too large on the domain" in w.value for w in at.warning)
    # Quoted letter for letter: Markdown had turned "*cos(y)*" into italics.
    assert any(state.plain("f='cos(x)*cos(y)*1e300'") in w.value for w in at.warning)


def test_a_message_shows_markdown_characters_as_typed():
    text = "f='x*y*2' [a](b) <i> $x$ a_b `c` ~d~ #e |f"
    shown = state.plain(text)
    assert "*" not in shown.replace("\\*", "") and "_" not in shown.replace("\\_", "")
    # Every escape is one backslash before the character itself: removing them gives back
    # the message.
    assert shown.replace("\\", "") == text


def test_theory_explains_kappa_and_says_no_iff():
    at = page_at("pages/theory.py")
    caption = " ".join(c.value for c in at.caption)
    assert "condition number" in caption and " iff " not in caption


def test_the_colour_bar_title_is_words_not_a_formula():
    from momentum_app.race.figures import landscape_label
    from momentum_core import get_objective

    assert landscape_label(get_objective("rosenbrock")) == "f − f* (log scale)"


def test_the_pad_and_the_starts_follow_once_the_chart_asks_then_with_every_race():
    # A visitor who never reaches into the chart costs the server the race and its α line
    # only; the first pointer in the chart asks for the pad and the grid of starts.
    at = open_app()

    def parts() -> dict[str, dict]:
        feeds = [f for f in component_args(at, "race_feed") if "part" in f]
        return {json.loads(f["part"])["kind"]: json.loads(f["part"]) for f in feeds}

    (race,) = component_args(at, "race_component")
    assert set(parts()) == {"alpha"} and race["lazy"] == ["pad", "start"]
    at.session_state["race"] = {"want": ["pad", "start"], "nonce": 7}
    at.run()
    assert not at.exception and set(parts()) == {"alpha", "pad", "start"}
    at.number_input(key="steps").set_value(300).run()  # a new race: every set at once
    assert set(parts()) == {"alpha", "pad", "start"}
    assert component_args(at, "race_component")[0]["lazy"] == []
    side = start_points(2)  # SGD and momentum
    assert parts()["start"]["sets"]["momentum"]["runs"] == side * side


def test_the_playground_says_why_sgd_wins_on_the_quadratic_and_not_on_rosenbrock():
    at = open_app({"fn": "quadratic"})
    assert any(c.value.startswith("Why plain gradient descent wins here") for c in at.caption)
    at = open_app()
    assert not any("Why plain gradient descent wins" in c.value for c in at.caption)


def test_a_phone_is_told_where_the_settings_are_only_where_the_sidebar_has_them():
    def noted(at) -> bool:
        return any("The settings are in the sidebar" in h.proto.body for h in at.get("html"))

    assert noted(open_app())
    assert not noted(page_at("pages/scenes.py")) and not noted(page_at("pages/guide.py"))
