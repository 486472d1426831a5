"""A presenter's own talk in a room, and by link: the room carries the talk's scenes to its
followers (kept in the room store, read back by the followers' pages), and a kept talk opens
later from ``/talk?talk=<id>``; an unknown id is one line and an empty talk."""

from __future__ import annotations

import pytest

from momentum_app.config.markdown import plain
from momentum_app.talk import room
from momentum_app.talk import scenes as talk_scenes
from momentum_app.talk.my_talk import read_talk, talk_toml
from momentum_app.ui import room_ui
from momentum_app.ui.talk_ui import _TALK
from tests.app.harness import fresh_room_store, open_app, page_at
from tests.app.test_my_talk import TALK_PAGE, save_view

VIEW = {"fn": "quadratic", "lr": "0.05", "momentum": "0.9", "steps": "2000"}


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    yield from fresh_room_store(tmp_path, monkeypatch)


def presenter_with_a_talk():
    """A presenter's two-scene talk (the second asks the room), presented in a room."""
    at = open_app()
    save_view(at, "pages/playground.py", VIEW, add_claim="first claim <b>typed</b>")
    save_view(at, "pages/playground.py", VIEW, add_claim="asks",
              add_ask="Which of these? (choices)", add_question="Who gets there first?",
              add_choices=["SGD first", "Momentum β = 0.9 first"])  # fmt: skip
    at.switch_page(TALK_PAGE).run()
    at.button(key="present_talk").click().run()
    assert not at.exception, at.exception
    code = at.session_state["_room"]
    assert room.ROOM_ID.fullmatch(code) and at.query_params["room"] == code
    return at, code


def test_followers_get_the_presenters_own_talk_from_the_store(store):
    boss, code = presenter_with_a_talk()
    talk = boss.session_state[_TALK]
    now = store.now(code)
    assert now.scene == talk[0].name and read_talk(store.talk(now.talk)) == talk
    fan = page_at(TALK_PAGE, {"room": code, "follow": "1"})  # the room's link: nothing else
    assert fan.session_state.get(_TALK, ()) == ()  # the follower's own session has no talk
    assert fan.header[0].value == plain(talk[0].title)
    quote = next(m.value for m in fan.markdown if m.value.startswith(">"))
    assert quote == "> " + plain("first claim <b>typed</b>")
    caption = talk_scenes.caption(talk[0], talk_scenes.stage(talk[0]).values)
    assert any(m.value == plain(caption) for m in fan.markdown)
    assert not [b for b in fan.button if b.key in ("next_scene", "previous_scene")]

    boss.button(key="next_scene").click().run()  # the question's scene
    assert store.now(code).scene == talk[1].name and not store.now(code).revealed
    fan.run()  # what the follower's poll does when the version moved
    assert "Who gets there first?" in fan.subheader[0].value
    fan.button(key=room_ui.answer_key(talk[1], 1)).click().run()
    assert "Answer received" in fan.info[0].value
    assert store.tally(code, talk[1].name) == {1: 1}
    boss.button(key="reveal").click().run()
    assert store.now(code).revealed
    fan.run()
    assert any("right" in s.value for s in fan.success)  # the runs' answer: momentum first


def test_a_follower_of_the_built_in_talk_moves_to_my_talk_when_the_presenter_does(store):
    boss, code = presenter_with_a_talk()
    fan = page_at("pages/scenes.py", {"room": code, "follow": "1"})
    assert not fan.exception
    talk = boss.session_state[_TALK]
    assert fan.header[0].value == plain(talk[0].title)  # switched to My talk's page


def test_a_shared_link_opens_the_talk_in_another_session_and_an_unknown_one_is_a_line(store):
    at = open_app()
    save_view(at, "pages/playground.py", VIEW, add_claim="shared")
    at.switch_page(TALK_PAGE).run()
    at.button(key="share_talk").click().run()
    link = at.text_input(key="talk_share_link").value
    talk_id = link.rsplit("talk=", 1)[1]
    assert link.split("?")[0].endswith("/talk") and room.TALK_ID.fullmatch(talk_id)
    assert store.talk(talk_id) == talk_toml(at.session_state[_TALK])
    other = page_at(TALK_PAGE, {"talk": talk_id})
    assert other.session_state[_TALK] == at.session_state[_TALK]
    assert any(plain("Opened the shared talk: 1 scene.") in s.value for s in other.success)
    for bad in ("ABCDEFGHJKLM", "../../x"):
        lost = page_at(TALK_PAGE, {"talk": bad})
        assert not lost.exception
        (error,) = lost.error
        assert "No talk is kept" in error.value and "\n" not in error.value
        assert lost.session_state[_TALK] == ()
