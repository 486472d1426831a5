"""The presenter's own talk on the page: added from the playground, edited, reordered,
presented and shared (see ``momentum_app.talk.my_talk`` for the talk itself).

The talk lives in the session (``st.session_state``), as a tuple of scenes: it survives
every rerun and page change of the session and needs no store on the server; a scenes file
(downloaded here, uploaded back) is how it outlives the tab or reaches another machine.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from momentum_app.config.markdown import plain
from momentum_app.race.race_chart import race_chart
from momentum_app.talk import my_talk
from momentum_app.talk import room as rooms
from momentum_app.talk import scenes as talk_scenes
from momentum_app.talk.export import talk_html
from momentum_app.talk.my_talk import TalkError
from momentum_app.ui import cache, room_ui, state
from momentum_app.ui.widgets import (
    chart_font,
    clicker_ui,
    model_scene_bands_ui,
    room_link,
    scene_head_ui,
)

_TALK = "_my_talk"
_AT = "_my_talk_at"
_SAID = "_my_talk_said"
_UPLOADED = "_my_talk_upload_seen"
_EDITS = ("title_", "claim_", "caption_")
_KEPT = "_my_talk_kept"
_OPENED = "_my_talk_link_seen"


def talk() -> tuple[talk_scenes.Scene, ...]:
    """The session's talk (empty at first)."""
    return st.session_state.get(_TALK, ())


def _set(new: tuple, said: str = "") -> None:
    st.session_state[_TALK] = new
    st.session_state[_AT] = min(st.session_state.get(_AT, 0), max(len(new) - 1, 0))
    if said:
        st.session_state[_SAID] = ("ok", said)


def _fault(err: TalkError) -> None:
    st.session_state[_SAID] = ("error", str(err))


def said_ui() -> None:
    """The last change's one line: what was done, or why not."""
    kind, text = st.session_state.pop(_SAID, ("", ""))
    if kind == "ok":
        st.success(plain(text), icon=":material/check:")
    elif kind == "error":
        st.error(plain(text), icon=":material/error:")


# --- saving a page's view as a scene --------------------------------------------------
_ADD = ("add_title", "add_claim", "add_caption", "add_checks", "add_ask", "add_question",
        "add_choices", "add_run")  # fmt: skip
_ASK = ("Nothing", "Which of these? (choices)", "Where does a run stop? (a tap)")


def _insert_field() -> None:
    """The picked caption field goes at the caption's end (a text box has no cursor here)."""
    field = st.session_state.get("add_field")
    if field:
        typed = st.session_state.get("add_caption", "").rstrip()
        st.session_state["add_caption"] = f"{typed} {field}".lstrip()
    st.session_state["add_field"] = None


def _question(draft: talk_scenes.Scene, values: dict) -> dict | None:
    get = st.session_state.get
    ask = get("add_ask", _ASK[0])
    if ask == _ASK[0]:
        return None
    run = get("add_run", "") if ask == _ASK[2] else ""
    return my_talk.question_table(draft, values, get("add_question", ""),
                                  get("add_choices", []), run=run or "")  # fmt: skip


def _add_view(view: my_talk.View, draft: talk_scenes.Scene, values: dict) -> None:
    get = st.session_state.get
    presets = my_talk.check_presets(draft, values)
    checks = tuple(c for label in get("add_checks", []) for c in presets.get(label, ()))
    try:
        scene = my_talk.scene_from_view(view, talk(), get("add_title", ""), get("add_claim", ""),
                                        get("add_caption", ""), checks,
                                        _question(draft, values))  # fmt: skip
        _set(my_talk.added(talk(), scene), f"Added “{scene.title}”: scene {len(talk()) + 1}.")
    except TalkError as err:
        _fault(err)
        return
    for key in _ADD:  # the next view starts afresh
        st.session_state.pop(key, None)


def _ask_ui(draft: talk_scenes.Scene, values: dict) -> None:
    """The scene's question to the room: none, choices among the picks, or a tap."""
    kinds = _ASK if draft.model is None else _ASK[:2]  # a network has no landscape to tap
    ask = st.radio("Ask the room first", kinds, key="add_ask", horizontal=True)
    if ask == _ASK[0]:
        return
    if ask == _ASK[2]:
        labels = {r.key: draft.run_label(r) for r in draft.runs}
        st.selectbox("Which run?", list(labels), format_func=labels.get, key="add_run")
        st.text_input("Question (empty: “Where does … stop?”)", key="add_question",
                      max_chars=my_talk.MAX_CLAIM)  # fmt: skip
        return
    st.text_input("Question", key="add_question", max_chars=my_talk.MAX_CLAIM,
                  placeholder="Which run gets there first?")  # fmt: skip
    st.multiselect("Choices (2 to 8; the right one is read from the runs)",
                   list(my_talk.check_presets(draft, values)), key="add_choices",
                   max_selections=talk_scenes.MAX_CHOICES)  # fmt: skip


def add_view_ui(view: my_talk.View) -> None:
    """Under a page's chart: its view as a new scene of the presenter's talk. Title and
    caption left empty are the view's own (shown greyed): typed ones would outlive a
    change of function, and a caption its runs' keys. A picker inserts a caption field and
    shows its value now; checks and a question are picked from what the runs did."""
    if state.presenting():
        return
    # An expander, not a popover: a popover this tall opened past a laptop's screen bottom,
    # out of reach, for a button below the fold.
    with st.expander("Save this view as a scene", icon=":material/playlist_add:"):
        try:
            draft = my_talk.scene_from_view(view, talk(), "", "", "")
        except TalkError as err:
            st.caption(plain(str(err)))
            return
        values = cache.scene_stage(draft).values
        st.text_input("Title", placeholder=draft.title, max_chars=my_talk.MAX_TITLE,
                      key="add_title")  # fmt: skip
        st.text_input("Claim: what this scene shows, in your words",
                      max_chars=my_talk.MAX_CLAIM, key="add_claim")  # fmt: skip
        st.text_area("Caption: {fields} are filled from the runs",
                     placeholder=draft.caption, max_chars=my_talk.MAX_CAPTION,
                     key="add_caption")  # fmt: skip
        shown = dict(my_talk.fields(draft, values))
        st.selectbox("Insert a field (its value now)", list(shown), index=None,
                     format_func=lambda f: f"{f} = {shown[f]}", key="add_field",
                     on_change=_insert_field, placeholder="Pick a field…")  # fmt: skip
        st.multiselect("Checks: what must stay true (those that hold now)",
                       list(my_talk.holding(draft, values)), key="add_checks")  # fmt: skip
        _ask_ui(draft, values)
        st.button("Add to my talk", key="add_to_talk", on_click=_add_view,
                  args=(view, draft, values), type="primary", icon=":material/add:")  # fmt: skip
        if getattr(view, "noise", 0):
            st.caption("A scene runs without gradient noise.")
    said_ui()
    if talk():
        st.page_link("pages/talk.py", label=f"My talk: {len(talk())} scenes",
                     icon=":material/co_present:")  # fmt: skip


# --- the talk page --------------------------------------------------------------------


def _add_link() -> None:
    try:
        settings = my_talk.race_from_link(st.session_state.get("talk_link", ""))
        scene = my_talk.scene_from_view(settings, talk(), "", "", "")
        _set(my_talk.added(talk(), scene), f"Added “{scene.title}” from the link.")
        st.session_state["talk_link"] = ""
    except TalkError as err:
        _fault(err)


def add_link_ui() -> None:
    """A playground link pasted: its race becomes a scene."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input("Or paste a playground link", key="talk_link", max_chars=my_talk.MAX_LINK,
                      placeholder="http://…/playground?fn=…")  # fmt: skip
        st.button("Add the link's view", key="add_link", on_click=_add_link,
                  icon=":material/add_link:")  # fmt: skip


def _forget_edits() -> None:
    """The old talk's typing goes (a scene of the new one may have an old one's name)."""
    for key in [k for k in st.session_state if str(k).startswith(_EDITS)]:
        del st.session_state[key]


def upload_ui() -> None:
    """A scenes file opened: it becomes the talk (once per file, so edits stay)."""
    up = st.file_uploader("Open a scenes file (.toml)", type=["toml"], key="talk_upload",
                          max_upload_size=1,
                          help=f"At most {my_talk.MAX_BYTES // 1000} kB and "
                          f"{my_talk.MAX_SCENES} scenes; it replaces the talk.")  # fmt: skip
    if up is None or st.session_state.get(_UPLOADED) == up.file_id:
        return
    st.session_state[_UPLOADED] = up.file_id
    try:
        data = up.read(my_talk.MAX_BYTES + 1)
        new = my_talk.read_talk(data)
        _forget_edits()
        _set(new, f"Opened {up.name}: {len(new)} scenes.")
        st.session_state[_AT] = 0
    except TalkError as err:
        _fault(TalkError(f"{up.name}: {err}"))


def _move(index: int, step: int) -> None:
    _set(my_talk.moved(talk(), index, step))


def _remove(index: int) -> None:
    title = talk()[index].title
    _set(my_talk.removed(talk(), index), f"Removed “{title}”.")


def _edit(index: int, name: str) -> None:
    get = st.session_state.get
    try:
        new = my_talk.edited(talk(), index, get(f"title_{name}", ""), get(f"claim_{name}", ""),
                             get(f"caption_{name}", ""))  # fmt: skip
        _set(new, f"Saved “{new[index].title}”.")
    except TalkError as err:
        _fault(err)


def _scene_ui(index: int, scene: talk_scenes.Scene, count: int) -> None:
    """One scene of the list: its texts to edit, its fields' values now, and its place."""
    with st.expander(plain(f"{index + 1}. {scene.title}"), expanded=index == count - 1):
        st.caption(plain(scene.where))
        st.text_input("Title", scene.title, max_chars=my_talk.MAX_TITLE,
                      key=f"title_{scene.name}")  # fmt: skip
        st.text_input("Claim", scene.claim, max_chars=my_talk.MAX_CLAIM,
                      key=f"claim_{scene.name}")  # fmt: skip
        st.text_area("Caption", scene.caption, max_chars=my_talk.MAX_CAPTION,
                     key=f"caption_{scene.name}")  # fmt: skip
        values = cache.scene_stage(scene).values
        st.markdown("**Now reads:** " + plain(talk_scenes.caption(scene, values)))
        with st.popover("Fields and their values now", icon=":material/data_object:"):
            st.dataframe({"field": [f for f, _ in my_talk.fields(scene, values)],
                          "value": [v for _, v in my_talk.fields(scene, values)]},
                         hide_index=True)  # fmt: skip
        with st.container(horizontal=True):
            st.button("Save", key=f"save_{scene.name}", on_click=_edit,
                      args=(index, scene.name), icon=":material/save:")  # fmt: skip
            st.button("Up", key=f"up_{scene.name}", on_click=_move, args=(index, -1),
                      disabled=index == 0, icon=":material/arrow_upward:")  # fmt: skip
            st.button("Down", key=f"down_{scene.name}", on_click=_move, args=(index, 1),
                      disabled=index == count - 1, icon=":material/arrow_downward:")  # fmt: skip
            st.button("Remove", key=f"remove_{scene.name}", on_click=_remove, args=(index,),
                      icon=":material/delete:")  # fmt: skip


def scenes_ui(scenes: tuple) -> None:
    """The talk's scenes in order, each to edit, move or remove."""
    said_ui()
    if not scenes:
        st.info("No scenes yet: add a view of a page (“Save this view as a scene” under it), "
                "paste a playground link, or open a scenes file.",
                icon=":material/info:")  # fmt: skip
        return
    for i, scene in enumerate(scenes):
        _scene_ui(i, scene, len(scenes))


@st.cache_resource(max_entries=2, show_spinner="Writing the talk...")
def _talk_file(scenes: tuple) -> str:
    return talk_html(scenes, title="My talk")


def _present() -> None:
    st.session_state.presenter = True
    st.session_state[_AT] = 0


def _share_link_ui(scenes: tuple) -> None:
    """The talk kept in the store (see room.TALK_SECONDS) and its link: ``/talk?talk=<id>``."""
    talk_id = _kept_id(scenes)
    if talk_id:
        days = rooms.TALK_SECONDS // 86_400
        st.text_input(f"Link to this talk (kept {days} days from now; an edit makes a new link)",
                      room_link({"talk": talk_id}, page="talk"), key="talk_share_link")  # fmt: skip


def open_shared_ui() -> None:
    """``?talk=<id>``: the kept talk becomes this session's, once per id; an unknown or
    expired one is a line and an empty talk."""
    given = st.query_params.get("talk", "")
    if not given or st.session_state.get(_OPENED) == given:
        return
    st.session_state[_OPENED] = given
    text = room_ui.stored_talk(given)
    try:
        new = _read(text) if text is not None else ()
    except TalkError:
        new = ()
    if not new:
        _set(())
        _fault(TalkError(f"No talk is kept under talk={given[:20]!r}: the link is wrong, or the "
                         f"talk expired ({rooms.TALK_SECONDS // 86_400} days after it was last "
                         "shared or presented)."))  # fmt: skip
        return
    _forget_edits()
    _set(new, f"Opened the shared talk: {len(new)} scene{'' if len(new) == 1 else 's'}.")
    st.session_state[_AT] = 0


def share_ui(scenes: tuple) -> None:
    """Present the talk, share it by link, or take it away: a scenes file and the offline
    talk file."""
    if not scenes:
        return
    with st.container(horizontal=True):
        st.button("Present my talk", key="present_talk", on_click=_present, type="primary",
                  icon=":material/co_present:")  # fmt: skip
        share = st.button("Share by link", key="share_talk", icon=":material/share:")
        st.download_button("Download as a scenes file", my_talk.talk_toml(scenes),
                           file_name="my-talk.toml", mime="application/toml",
                           key="talk_toml", icon=":material/download:")  # fmt: skip
        st.download_button("Download as one offline HTML file", lambda: _talk_file(scenes),
                           file_name="my-talk.html", mime="text/html", key="talk_html",
                           icon=":material/slideshow:")  # fmt: skip
    if share or st.session_state.get(_KEPT, ("",))[0] == my_talk.talk_toml(scenes):
        _share_link_ui(scenes)


def _step(step: int) -> None:
    count = len(talk())
    st.session_state[_AT] = min(max(st.session_state.get(_AT, 0) + step, 0), count - 1)


#: A projected caption longer than this (about two lines at 1280 px) folds after two lines,
#: one longer than twice this after one.
FOLD_CHARS = 220
#: The fold (#26): a four-line caption left a 1280 x 720 projector's scene buttons 40 px
#: below the screen (two lines of it still 17 px). LINES show and "More" opens the rest,
#: as in the talk file; a checkbox and its label, no script (the label sits at the end of
#: the last line shown, left of the QR code's column: PRESENTER_CSS).
CAPTION_FOLD = """<style>
.st-key-scene_caption { position: relative; }
.st-key-scene_caption:not(:has(#caption_more:checked))
  > [data-testid="stElementContainer"]:first-child [data-testid="stMarkdownContainer"] p {
  display: -webkit-box; -webkit-line-clamp: LINES; -webkit-box-orient: vertical;
  overflow: hidden; padding-right: 5.5em; }
#caption_more { position: absolute; opacity: 0; width: 1px; height: 1px; }
.caption-more { position: absolute; right: 6.5rem; bottom: 0; background: #fff; cursor: pointer;
  padding-left: 0.6em; color: #0b4f9c; font-size: max(3vh, 1rem); font-weight: 600; }
#caption_more:focus-visible + .caption-more { outline: 2px solid #0b4f9c; }
.caption-more .less, #caption_more:checked + .caption-more .more { display: none; }
#caption_more:checked + .caption-more .less { display: inline; }
</style>
<input type="checkbox" id="caption_more" aria-label="Show the whole caption">
<label for="caption_more" class="caption-more"><span class="more">More ▾</span>\
<span class="less">Less ▴</span></label>"""


def scene_ui(
    scene: talk_scenes.Scene, index: int, count: int, now, own: bool = False
) -> talk_scenes.Stage:
    """A scene as a room shows it, presenter and followers alike: its head (a follower's
    follow bar), its claim, its question (then nothing more until the answer is shown), its
    caption from the runs and its race. ``own``: a presenter's own talk, whose title, claim
    and caption are typed text (shown as text) and reach every follower's screen."""
    presenting, following, font = state.presenting(), state.following(), chart_font()
    scene_head_ui(replace(scene, title=plain(scene.title)) if own else scene, index, count,
                  asking=room_ui.asking(scene, now))  # fmt: skip
    if following:
        room_ui.follow_ui(now)
    with st.container(key="scene_claim"):  # keyed: a follower's phone shows it under the chart
        if own:
            st.markdown(f"> {plain(scene.claim)}" if scene.claim else "")
        else:
            st.markdown(f"> **The seed article's claim, in our words:** {scene.claim}")
    # Every follower's page draws the same: computed once a process (followers: light data).
    shown = cache.scene_shown(scene, font, inspect=not following, own=own)
    staged = shown.staged
    if not room_ui.question_ui(scene, staged.values, now):  # a question first: the caption tells
        return staged
    with st.container(key="scene_caption"):
        st.markdown(shown.caption)
        if presenting and len(shown.caption) > FOLD_CHARS:  # 1 line of 4 and more, else 2
            st.html(CAPTION_FOLD.replace("LINES", "1" if len(shown.caption) > 2 * FOLD_CHARS
                                         else "2"))  # fmt: skip
        for failed in shown.failed:
            st.warning(f"This run does not bear the caption out: {failed}.",
                       icon=":material/warning:")  # fmt: skip
    # The controls big when presenting, but not the chart's room; each scene from step 0.
    race_chart(shown.data, key=room_ui.CHART, clickable=False, fresh=True,
               ui_font=18 if presenting else font + 1, parts=shown.parts,
               autoplay="seen" if following else presenting, presenting=presenting)  # fmt: skip
    if scene.model is not None and not presenting:  # the chart is one seed: here are all
        model_scene_bands_ui(cache.model_race(scene.model), font)
    return staged


def _kept_id(scenes: tuple) -> str | None:
    """The store's id of this talk (kept once a talk: the id comes from its text)."""
    text = my_talk.talk_toml(scenes)
    kept = st.session_state.get(_KEPT)
    if kept and kept[0] == text:
        return kept[1]
    talk_id = room_ui.keep_talk(text)
    if talk_id:
        st.session_state[_KEPT] = (text, talk_id)
    return talk_id


def _room_scenes(now) -> tuple:
    """A follower's talk: the one the room presents, read from the store (() if gone)."""
    text = room_ui.stored_talk(now.talk) if now is not None else None
    if text is None:
        return ()
    try:
        return _read(text)
    except TalkError:  # kept by a presenter, so read once already: not expected
        return ()


@st.cache_data(max_entries=32, show_spinner=False)
def _read(text: str) -> tuple:
    return my_talk.read_talk(text)


def present_ui() -> None:
    """Presenter mode and a follower's page: the talk's scene on screen, its claim, caption
    and race. The presenter's talk is kept in the store and the room names it, so the
    room's link and QR code bring followers its scenes; the presenter has the clicker's
    Previous and Next."""
    now = room_ui.enter_room(own_talk=True)
    given = st.query_params.get("talk", "")
    state.sync_to_url({"talk": given} if given else {})  # present=1, the room: a reload keeps them
    if state.following():
        scenes = _room_scenes(now)
        names = [s.name for s in scenes]
        if now is None or now.scene not in names:
            room_ui.follow_ui(now)
            st.info("Waiting for the presenter's talk…", icon=":material/hourglass_empty:")
            return
        index = names.index(now.scene)
    else:
        scenes = talk()
        if not scenes:
            st.info("My talk has no scenes yet: leave presenter mode to add some.")
            return
        index = min(st.session_state.get(_AT, 0), len(scenes) - 1)
        talk_id = _kept_id(scenes) if state.room() else None
        if talk_id:
            room_ui.publish(scenes[index], talk_id)
    scene_ui(scenes[index], index, len(scenes), now, own=True)
    if state.following():
        return
    back, forward = st.columns(2)
    back.button("Previous scene", key="previous_scene", on_click=_step, args=(-1,),
                disabled=index == 0, width="stretch", icon=":material/arrow_back:")  # fmt: skip
    forward.button("Next scene", key="next_scene", on_click=_step, args=(1,),
                   disabled=index == len(scenes) - 1, width="stretch",
                   icon=":material/arrow_forward:")  # fmt: skip
    clicker_ui(scenes[index].name)
