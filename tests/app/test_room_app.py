"""A room in AppTest: the presenter publishes, a follower follows, answers and explores.

Both sessions run in this process on one SQLite store in a temporary folder, as two workers
of serve-room.sh would share one file.
"""

from __future__ import annotations

import json

import pytest

from momentum_app.talk import room
from tests.app.harness import fresh_room_store, page_at

SCENES = "pages/scenes.py"


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    yield from fresh_room_store(tmp_path, monkeypatch)


def title(at) -> str:
    return at.header[0].value


def presenter(scene: str):
    at = page_at(SCENES, {"scene": scene}, present=True)
    code = at.session_state["_room"]
    assert room.ROOM_ID.fullmatch(code)
    assert at.query_params["room"] == code
    return at, code


def test_a_follower_shows_the_presenters_scene_after_next(store):
    boss, code = presenter("faster")
    assert store.now(code).scene == "faster"
    fan = page_at(SCENES, {"room": code, "follow": "1"})
    assert title(fan) == "Momentum trains faster"
    assert not fan.selectbox  # no scene menu: the presenter chooses
    boss.button(key="next_scene").click().run()
    assert store.now(code).scene == "raise-when-slow"
    fan.run()  # what the follower's poll triggers when the version moved
    assert title(fan) == "Raise momentum when training is too slow"
    assert not fan.exception


def test_the_room_answers_and_the_presenter_marks_the_computed_answer(store):
    boss, code = presenter("reduce-when-diverging")
    assert not boss.get("iframe") or all("race" not in str(f.proto) for f in boss.get("iframe"))
    fan = page_at(SCENES, {"room": code, "follow": "1"})
    assert "diverge" in fan.subheader[0].value
    assert not fan.markdown or "diverges at step" not in "".join(m.value for m in fan.markdown)
    fan.button(key="answer_0_reduce_when_diverging").click().run()
    assert "Answer received" in fan.info[0].value
    assert not [b for b in fan.button if b.key and b.key.startswith("answer_")]  # one a device
    assert store.tally(code, "reduce-when-diverging") == {0: 1}
    boss.run()
    assert any(p.proto.text.endswith(": 1") for p in boss.get("progress"))
    boss.button(key="reveal").click().run()
    assert store.now(code).revealed
    texts = [p.proto.text for p in boss.get("progress")]
    assert texts[0].startswith("✓ Yes") and not texts[1].startswith("✓")
    fan.run()
    assert "diverges at step" in "".join(m.value for m in fan.markdown)
    assert fan.success[0].value == "You answered Yes, it diverges: right."


def test_a_follower_explores_then_follows_again(store):
    _, code = presenter("escape")
    fan = page_at(SCENES, {"room": code, "follow": "1"})
    fan.button(key="explore").click().run()
    assert fan.selectbox and "follow" not in fan.query_params  # dropped, not follow=0
    assert any("playground" in str(link.proto) for link in fan.get("page_link"))
    fan.selectbox[0].set_value("faster").run()
    assert title(fan) == "Momentum trains faster"  # on its own now
    fan.button(key="follow_again").click().run()
    assert title(fan) == "From a lucky start, momentum rolls past deep local minima"
    assert fan.query_params["follow"] == "1"


@pytest.mark.parametrize(
    ("query", "warning"),
    [({"room": "ab!", "follow": "1"}, "room='ab!'"), ({"room": "ABCD", "follow": "x"}, "follow")],
    ids=["room", "follow"],
)
def test_a_bad_room_link_warns_and_falls_back(query, warning):
    at = page_at(SCENES, query)
    assert not at.exception
    assert any(warning in w.value for w in at.warning)


def test_an_unreachable_store_warns_and_the_scene_still_shows(monkeypatch):
    monkeypatch.setenv("MOMENTUM_ROOM_STORE", "redis://127.0.0.1:1/0")  # nothing listens
    room.open_store.cache_clear()
    at = page_at(SCENES, {"scene": "faster"}, present=True)
    assert not at.exception
    assert title(at) == "Momentum trains faster"
    assert any("room cannot be reached" in w.value for w in at.warning)


def test_a_presenter_stays_the_presenter_when_the_store_is_busy_a_moment(store, monkeypatch):
    # Under load SQLite may time out ("database is locked"): the key could not be checked,
    # which is not another browser's room; the next run publishes again.
    boss, code = presenter("faster")

    def locked(*args):
        raise room.sqlite3.OperationalError("database is locked")

    with monkeypatch.context() as patched:
        patched.setattr(type(store), "holds", locked)
        boss.run()
    assert any("room cannot be reached" in w.value for w in boss.warning)
    assert not any("presented from another browser" in w.value for w in boss.warning)
    assert boss.session_state["presenter"] and boss.query_params.get("follow") != "1"
    boss.button(key="next_scene").click().run()
    assert store.now(code).scene == "raise-when-slow"


def test_a_followers_poll_rests_only_once_a_run_drew_the_whole_scene(store, monkeypatch):
    # Under load a follower's page kept the new scene's heading over the old scene's body:
    # the version counted as shown when the run began, so no poll ever redrew it.
    boss, code = presenter("faster")
    fan = page_at(SCENES, {"room": code, "follow": "1"})
    assert fan.session_state["_room_version_shown"] == store.now(code).version
    boss.button(key="next_scene").click().run()
    from momentum_app.ui import cache

    real = cache.scene_shown
    monkeypatch.setattr(cache, "scene_shown", lambda *a, **k: 1 / 0)  # the run stops midway
    fan.run()
    assert title(fan) == "Raise momentum when training is too slow"
    assert fan.session_state["_room_version_shown"] != store.now(code).version  # poll again
    monkeypatch.setattr(cache, "scene_shown", real)
    fan.run()  # what the next poll triggers
    assert not fan.exception
    assert fan.session_state["_room_version_shown"] == store.now(code).version


def test_an_address_edited_to_present_follows_and_cannot_move_the_room(store):
    """#25's hijack: a follower edits its address from follow=1 to present=1. Its page
    says whose room it is, follows it, and moves nothing; the presenter still does."""
    boss, code = presenter("faster")
    intruder = page_at(SCENES, {"scene": "escape", "room": code, "follow": "0"}, present=True)
    assert any("presented from another browser" in w.value for w in intruder.warning)
    assert intruder.session_state["_room"] == code and not intruder.session_state["presenter"]
    assert title(intruder) == "Momentum trains faster"  # the room's scene, not its own
    assert not [b for b in intruder.button if b.key == "next_scene"]
    assert store.now(code).scene == "faster"
    assert "present" not in intruder.query_params and intruder.query_params["follow"] == "1"
    boss.button(key="next_scene").click().run()
    assert store.now(code).scene == "raise-when-slow"


def test_the_presenters_key_is_in_no_link(store):
    boss, code = presenter("faster")
    key = boss.session_state["_room_keys"][code]
    assert store.holds(code, key)
    link = next(t.value for t in boss.text_input if t.label == "Link to this view")
    qr = [str(h.proto) for h in boss.get("html") if "QR code" in str(h.proto)]
    assert code in link and qr and code in qr[0]  # the room is in the link and the QR ...
    shown = [link, *qr, str(dict(boss.query_params))]
    shown += [str(e.proto) for e in boss.get("markdown") + boss.get("code")]
    assert not any(key in text for text in shown)  # ... and its key in none of them
    cookie = [str(h.proto) for h in boss.get("html") if key in str(h.proto)]
    assert len(cookie) == 1 and "document.cookie" in cookie[0] and "SameSite=Strict" in cookie[0]


def test_a_room_that_is_gone_gives_its_presenter_a_new_one(store):
    at = page_at(SCENES, {"scene": "faster", "room": "ZZZZ", "follow": "0"}, present=True)
    code = at.session_state["_room"]
    assert code != "ZZZZ" and store.now(code).scene == "faster"
    assert any("Room ZZZZ is closed" in i.value for i in at.info)


def test_a_followers_rerun_draws_no_link_box_and_no_presenter_switch(store):
    """A follower's page reruns on every Next (#25: 100 followers on 2 workers): it draws
    what the scene needs, not the link box nor the switch to present, which an explorer
    and the presenter keep."""
    boss, code = presenter("faster")
    fan = page_at(SCENES, {"room": code, "follow": "1"})
    boss.button(key="next_scene").click().run()
    fan.run()
    assert title(fan) == "Raise momentum when training is too slow"
    assert not [t for t in fan.text_input if t.label == "Link to this view"]
    assert not [t for t in fan.toggle if t.key == "presenter"]
    assert not fan.divider
    assert [t for t in boss.text_input if t.label == "Link to this view"]
    fan.button(key="explore").click().run()  # on one's own: the page's own link again
    assert [t for t in fan.text_input if t.label == "Link to this view"]
    assert [t for t in fan.toggle if t.key == "presenter"]


def test_followers_take_one_shared_scene_from_the_cache(store, monkeypatch):
    """Every follower draws the same scene: computed once a process (cache.scene_shown),
    the same object for every session; a second follower's rerun computes nothing."""
    from momentum_app.talk import scenes
    from momentum_app.ui import cache

    boss, code = presenter("faster")
    first = page_at(SCENES, {"room": code, "follow": "1"})
    boss.button(key="next_scene").click().run()
    first.run()
    scene = scenes.scene_named("raise-when-slow")
    shown = cache.scene_shown(scene, 14, inspect=False)
    assert shown is cache.scene_shown(scene, 14, inspect=False)
    assert shown is not cache.scene_shown(scene, 20, inspect=True)  # the presenter's own
    assert len(shown.data) < len(cache.scene_shown(scene, 20, inspect=True).data)  # light
    second = page_at(SCENES, {"room": code, "follow": "1"})
    for name in ("scene_stage", "scene_data"):  # neither is asked again: one look-up
        monkeypatch.setattr(cache, name, lambda *a, **k: 1 / 0)
    first.run()
    second.run()
    for fan in (first, second):
        assert not fan.exception
        assert title(fan) == "Raise momentum when training is too slow"
        (chart,) = [c for c in fan.get("component_instance")
                    if c.proto.component_name.endswith("race_component")]  # fmt: skip
        assert f'"data": {json.dumps(shown.data)}' in chart.proto.json_args
    assert shown.caption in [m.value for m in first.markdown]


def test_the_presenter_warms_the_next_scene_as_followers_draw_it(store, monkeypatch):
    """Next is drawn from the cache on every worker: the presenter's page warms the next
    scene for its followers (light, at the page's font) and for itself (the inspector's
    numbers, the projector's font), and nothing that no page draws."""
    from momentum_app.talk import scenes
    from momentum_app.ui import cache

    monkeypatch.setattr(cache, "_WARMING", set())
    presenter("faster")
    upcoming = scenes.scene_named("raise-when-slow")
    assert {(upcoming, 14, False), (upcoming, 20, True)} == cache._WARMING


def test_two_choice_questions_have_answer_buttons_of_their_own(store):
    # A keyed button's id is its key alone: with one key for every question, a tap on the
    # previous question's button arriving after the page drew the next question would
    # answer the next one with the same index, unseen.
    keys = {}
    for name in ("reduce-when-diverging", "beta-one"):
        _, code = presenter(name)
        fan = page_at(SCENES, {"room": code, "follow": "1"})
        keys[name] = {b.key for b in fan.button if b.key and b.key.startswith("answer_")}
        assert len(keys[name]) >= 2, keys
    assert not keys["reduce-when-diverging"] & keys["beta-one"]
