"""My talk: scenes added from the playground, edited, reordered, removed, presented, written
as a scenes file and read back; a bad file or link gets one line naming what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from momentum_app.config.markdown import plain
from momentum_app.talk import my_talk
from momentum_app.talk import scenes as talk_scenes
from momentum_app.talk.my_talk import TalkError, read_talk, talk_toml
from momentum_app.ui.talk_ui import _TALK
from tests.app.harness import fresh_room_store, open_app

TALK_PAGE = "pages/talk.py"
VIEWS = [
    {"fn": "rosenbrock", "lr": "0.0015", "momentum": "0.9", "steps": "600"},
    {"fn": "quadratic", "lr": "0.05", "momentum": "0.5", "steps": "200"},
]


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    """Presenting opens a room, and sharing keeps the talk: in a store of this test's own."""
    yield from fresh_room_store(tmp_path, monkeypatch)


def add_view(at: AppTest, query: dict[str, str], claim: str) -> AppTest:
    """Open the playground on ``query`` in this session and add its view to the talk."""
    at.switch_page("pages/playground.py")
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    at.text_input(key="add_claim").input(claim)
    at.button(key="add_to_talk").click().run()
    assert not at.exception, at.exception
    return at


def two_scene_talk() -> AppTest:
    at = open_app()
    for i, view in enumerate(VIEWS):
        add_view(at, view, f"claim {i}")
    at.switch_page(TALK_PAGE).run()
    assert not at.exception, at.exception
    return at


def talk_of(at: AppTest) -> tuple[talk_scenes.Scene, ...]:
    return at.session_state.get(_TALK, ())


def one_line_error(at: AppTest) -> str:
    assert not at.exception, at.exception
    (error,) = at.error
    assert "\n" not in error.value and "Traceback" not in error.value
    return error.value


def test_views_added_from_the_playground_become_scenes_whose_captions_come_from_the_runs():
    at = two_scene_talk()
    talk = talk_of(at)
    assert [s.function for s in talk] == ["rosenbrock", "quadratic"]
    assert [s.claim for s in talk] == ["claim 0", "claim 1"]
    # Each title is its own view's (a typed-once title used to stick to the next view).
    assert all(s.title == f"{s.objective.title}, α = {s.lr:g}" for s in talk)
    assert (talk[0].lr, talk[0].steps, talk[0].runs[1].momentum) == (0.0015, 600, 0.9)
    titles = [plain(f"{i + 1}. {s.title}") for i, s in enumerate(talk)]
    assert [e.label for e in at.expander] == titles
    # The caption on the page is the one the scene's own runs fill in, numbers and all.
    for scene in talk:
        expected = talk_scenes.caption(scene, talk_scenes.stage(scene).values)
        assert any(plain(expected) in m.value for m in at.markdown), expected
    assert "{" in talk[0].caption  # fields, not typed numbers


def test_reorder_and_remove():
    at = two_scene_talk()
    first, second = talk_of(at)
    at.button(key=f"down_{first.name}").click().run()
    assert talk_of(at) == (second, first)
    assert at.expander[0].label.endswith(plain(second.title))
    at.button(key=f"remove_{second.name}").click().run()
    assert talk_of(at) == (first,)
    assert at.button(key=f"up_{first.name}").disabled


def test_an_edited_caption_with_an_unknown_field_is_refused_in_one_line():
    at = two_scene_talk()
    scene = talk_of(at)[0]
    at.text_area(key=f"caption_{scene.name}").input("{momentum.speed} and more")
    at.button(key=f"save_{scene.name}").click().run()
    message = one_line_error(at)
    assert scene.name in message and "momentum.speed" in message
    assert talk_of(at)[0] == scene  # unchanged
    at.text_area(key=f"caption_{scene.name}").input("Momentum: {momentum.steps:,} steps.")
    at.button(key=f"save_{scene.name}").click().run()
    saved = talk_of(at)[0]
    steps = talk_scenes.stage(saved).values["momentum"].steps
    assert saved.caption == "Momentum: {momentum.steps:,} steps."
    assert any(f"{steps:,} steps" in m.value for m in at.markdown)


def test_the_downloaded_scenes_file_opened_again_gives_the_same_talk():
    at = two_scene_talk()
    talk = talk_of(at)
    labels = [b.label for b in at.get("download_button")]
    assert "Download as a scenes file" in labels and "Download as one offline HTML file" in labels
    text = talk_toml(talk)  # what the scenes file button carries
    fresh = open_app()
    fresh.switch_page(TALK_PAGE).run()
    fresh.file_uploader(key="talk_upload").upload("my-talk.toml", text.encode(), "text/plain")
    fresh.run()
    assert not fresh.exception and not fresh.error
    assert talk_of(fresh) == talk
    assert [e.label for e in fresh.expander] == [e.label for e in at.expander]


def test_the_builtin_scenes_survive_the_writer():
    builtin = talk_scenes.load_scenes()
    assert read_talk(talk_toml(builtin)) == builtin


VALID = talk_toml(talk_scenes.load_scenes()[:2])
BAD_FILES = {
    "deep nesting": ("x = " + "[" * 5000 + "]" * 5000, "nests"),
    "huge width": (VALID.replace("{heavy.outcome}", "{heavy.steps:>300000000}", 1), "'faster'"),
    "wrong type": (VALID.replace("{heavy.outcome}", "{heavy.label:d}", 1), "heavy.label:d"),
    "unclosed brace": (VALID.replace("{heavy.outcome}", "{heavy.outcome", 1), "'faster'"),
    "long caption": (VALID.replace('caption = "', 'caption = "' + "x" * 5000, 1), "caption"),
    "too many scenes": ("[[scene]]\n" * 300, "300 scenes"),
    "too big": ("# " + "x" * (my_talk.MAX_BYTES + 10), "kB"),
    "not toml": ("this is = not { toml", "not a scenes file"),
    "no scenes": ("title = 'x'", "no [[scene]]"),
    "unknown function": (VALID.replace('"rosenbrock"', '"nope"', 1), "unknown function"),
    "bad start": (VALID.replace("start = [", "start = [[1], ", 1), "start"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_scenes_file_gets_one_line_and_keeps_the_talk(case):
    text, expected = BAD_FILES[case]
    at = two_scene_talk()
    before = talk_of(at)
    at.file_uploader(key="talk_upload").upload("bad.toml", text.encode(), "text/plain")
    at.run()
    message = one_line_error(at)
    assert "bad.toml" in message and plain(expected) in message, message
    assert talk_of(at) == before


def test_a_pasted_playground_link_adds_its_view_and_another_page_link_is_refused():
    at = open_app()
    at.switch_page(TALK_PAGE).run()
    at.text_input(key="talk_link").input("http://x:8501/playground?fn=rastrigin&lr=0.002")
    at.button(key="add_link").click().run()
    assert [(s.function, s.lr) for s in talk_of(at)] == [("rastrigin", 0.002)]
    at.text_input(key="talk_link").input("http://x:8501/sweep?fn=rastrigin")
    at.button(key="add_link").click().run()
    assert "sweep page" in one_line_error(at)
    assert len(talk_of(at)) == 1


def test_presenting_steps_through_the_talk_and_shows_typed_text_as_text():
    at = open_app()
    add_view(at, VIEWS[0], "**bold** [a link](http://evil.example) <b>x</b>")
    add_view(at, VIEWS[1], "second")
    at.switch_page(TALK_PAGE).run()
    at.button(key="present_talk").click().run()
    assert not at.exception
    heads = lambda: [c.value for c in at.caption if c.value.startswith("Scene ")]  # noqa: E731
    assert heads()[0].startswith("Scene 1 of 2")
    quote = next(m.value for m in at.markdown if m.value.startswith(">"))
    assert quote == "> " + plain("**bold** [a link](http://evil.example) <b>x</b>")
    assert at.button(key="previous_scene").disabled
    at.button(key="next_scene").click().run()
    assert heads()[0].startswith("Scene 2 of 2") and at.button(key="next_scene").disabled


def test_a_talk_holds_a_bounded_number_of_scenes():
    scene = talk_scenes.load_scenes()[0]
    talk: tuple = ()
    for _ in range(my_talk.MAX_SCENES):
        talk = my_talk.added(talk, scene)
    assert len({s.name for s in talk}) == my_talk.MAX_SCENES
    with pytest.raises(TalkError, match="at most"):
        my_talk.added(talk, scene)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(VALID) - 1), st.text(max_size=12), st.integers(0, 40))
def test_the_reader_raises_nothing_but_its_one_line_error(at, insert, cut):
    """A valid file with a random edit: it reads, or faults in one line."""
    text = VALID[:at] + insert + VALID[at + cut :]
    try:
        read_talk(text)
    except TalkError as err:
        assert "\n" not in str(err)


# --- views of the sweep, local minima and model pages; fields, checks and a question --------


def save_view(at: AppTest, page: str, query: dict[str, str], **picks) -> talk_scenes.Scene:
    """Open ``page`` on ``query`` in this session and save its view as a scene (with the
    widgets ``picks``: key -> value), then return the scene added."""
    at.switch_page(page)
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    before = len(talk_of(at))
    for key, value in picks.items():
        at.session_state[key] = value
    at.button(key="add_to_talk").click().run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert len(talk_of(at)) == before + 1
    return talk_of(at)[-1]


def test_the_sweep_minima_and_model_pages_save_their_view_as_a_scene():
    at = open_app()
    sweep = save_view(at, "pages/sweep.py", {"fn": "quadratic", "grid": "6", "steps": "300"})
    # the sweep's picked cell (its robust best by default) raced as SGD against momentum
    assert sweep.function == "quadratic" and [r.optimizer for r in sweep.runs] == [
        "sgd", "momentum"]  # fmt: skip
    assert sweep.steps == 300 and sweep.runs[1].momentum > 0
    minima = save_view(at, "pages/local-minima.py",
                       {"fn": "rastrigin", "lr": "0.002", "momentum": "0.8", "grid": "10",
                        "starts": "10", "steps": "300"})  # fmt: skip
    assert (minima.function, minima.lr, minima.runs[1].momentum) == ("rastrigin", 0.002, 0.8)
    model = save_view(at, "pages/model.py", {"epochs": "5", "seeds": "10",
                                             "momentum": "0.5"})  # fmt: skip
    assert model.model is not None and (model.model.epochs, model.model.seeds) == (5, 10)
    assert [(r.optimizer, r.momentum) for r in model.runs] == [("sgd", 0.0), ("momentum", 0.5)]
    # every caption reads its numbers from the scene's own runs
    for scene in talk_of(at):
        values = talk_scenes.stage(scene).values
        assert talk_scenes.caption(scene, values) != scene.caption


def test_the_field_picker_inserts_a_field_and_shows_its_value_now():
    at = open_app()
    at.switch_page("pages/playground.py")
    at.query_params.update(VIEWS[0])
    at.run()
    picker = at.selectbox(key="add_field")
    draft = my_talk.scene_from_view(my_talk.race_from_link("?" + "&".join(
        f"{k}={v}" for k, v in VIEWS[0].items())), (), "", "", "")  # fmt: skip
    steps = talk_scenes.stage(draft).values["momentum"].steps
    assert picker.format_func("{momentum.steps}") == f"{{momentum.steps}} = {steps}"
    at.text_area(key="add_caption").input("Momentum takes")
    at.selectbox(key="add_field").select("{momentum.steps}").run()
    assert at.text_area(key="add_caption").value == "Momentum takes {momentum.steps}"
    at.button(key="add_to_talk").click().run()
    scene = talk_of(at)[-1]
    assert talk_scenes.caption(scene, talk_scenes.stage(scene).values) == f"Momentum takes {steps}"


def test_checks_and_a_question_are_picked_from_what_the_runs_did():
    at = open_app()
    view = {"fn": "quadratic", "lr": "0.05", "momentum": "0.9", "steps": "2000"}
    scene = save_view(at, "pages/playground.py", view, add_ask="Which of these? (choices)",
                      add_checks=["Momentum β = 0.9 first", "SGD reaches the minimum"],
                      add_question="Who gets there first?",
                      add_choices=["SGD first", "Momentum β = 0.9 first"])  # fmt: skip
    values = talk_scenes.stage(scene).values
    sgd, heavy = values["sgd"].steps, values["momentum"].steps
    assert 0 < heavy < sgd  # what the core says; the picks are written for it
    assert scene.checks == ("momentum.steps >= 0", "sgd.steps > momentum.steps",
                            "sgd.steps >= 0")  # fmt: skip
    assert not talk_scenes.failed_checks(scene, values)
    assert [c.label for c in scene.question.choices] == ["SGD first", "Momentum β = 0.9 first"]
    assert talk_scenes.right_answers(scene, values) == (1,)
    tap = save_view(at, "pages/playground.py", view, add_ask="Where does a run stop? (a tap)",
                    add_run="sgd")  # fmt: skip
    assert (tap.question.kind, tap.question.run) == ("point", "sgd")
    assert read_talk(talk_toml(talk_of(at))) == talk_of(at)


def test_a_question_without_text_is_one_line():
    at = open_app()
    at.switch_page("pages/playground.py")
    at.query_params.update(VIEWS[1])
    at.run()
    at.session_state["add_ask"] = "Which of these? (choices)"
    at.button(key="add_to_talk").click().run()
    assert "type the question" in one_line_error(at)
    assert talk_of(at) == ()
