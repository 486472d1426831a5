"""The whole talk as one offline HTML file: every scene of a scenes file, in order.

The file is the race component's own page (plotly.js and its scripts, ``race_chart.SCRIPTS``,
inlined once) with a talk around it (``talk.html``, ``talk.js``): each scene's title, claim,
caption (its numbers filled in from the runs) and the result of its checks; Previous, Next
and a scene menu; a presentation clicker's keys (→ PageDown Space: next; ← PageUp:
previous) whatever has focus, except that a slider keeps its arrows; type sized from the
screen for a projector. On a phone (a viewport tag: laid out at its own width) the scene
buttons sit in a bar along the bottom edge and the stacked chart fits the screen above it.
Each scene's race travels as one block (JSON, gzipped, in base64), unpacked when the scene
is shown, and plays as soon as it is. A scene that the playground can race (not a
network's, not a tuned one) also carries the playground's race of it: every β of the
chart's slider and the α line, so that "Scrub α and β" explores it as the app does (its
start grid and (α, β) pad stay in the app: they would take the file past 10 MB). The file
plays from ``file://`` with no Python and no network.

Command line: ``python -m momentum_app.talk scenes.toml -o talk.html``.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable
from pathlib import Path

from momentum_app.race import runs as race_runs
from momentum_app.race.race_chart import standalone_page
from momentum_app.talk import scenes as talk_scenes
from momentum_app.talk.scenes import Scene

#: The controls' font size in the file: a projector's.
TALK_FONT = 18
_HERE = Path(__file__).parent


#: At most this many points a run on a scene's α line in the file: smooth to scrub, and
#: all twelve scenes' lines in under 1 MB (the app's own thinning would take 3 MB).
EXPLORE_POINTS = 150


def explore_data(scene: Scene, font_size: int = TALK_FONT) -> str | None:
    """The playground's race of ``scene`` for the file: the β family of each racer with
    its α line as a part (JSON: ``{"race", "parts", "momentum"}``); None for a scene the
    playground does not race as it is (a network's, or every racer at its own best α)."""
    if scene.model is not None or scene.tuned:
        return None
    s = scene.playground()
    view = race_runs.race_view(s, font_size).data
    line = race_runs.line_part(s, coarse=EXPLORE_POINTS)
    return f'{{"race":{view},"parts":[{line}],"momentum":{json.dumps(s.momentum)}}}'


def scene_slide(scene: Scene, font_size: int = TALK_FONT) -> dict:
    """One scene as the talk shows it: its texts, its checks, its question (see
    :func:`question_slide`), its race's data (with a pad question's pad as a part), and the
    playground's race of it to explore (see :func:`explore_data`)."""
    staged = talk_scenes.stage(scene)
    asked = staged.asked
    return {
        "name": scene.name,
        "title": scene.title,
        # while its question is open, a heading that does not answer it; in the menu, it
        "asking": talk_scenes.ASKING_TITLE if scene.question is not None else scene.title,
        "menu": talk_scenes.menu_title(scene),
        "where": scene.where,
        "claim": scene.claim,
        "caption": talk_scenes.caption(scene, staged.values),
        "checks": len(scene.checks),
        "failed": talk_scenes.failed_checks(scene, staged.values),
        "question": question_slide(scene, staged),
        "parts": [asked.part] if asked is not None and asked.part else [],
        "race": talk_scenes.stage_view(scene, staged, font_size),
        "explore": explore_data(scene, font_size),
    }


def question_slide(scene: Scene, staged: talk_scenes.Stage) -> dict | None:
    """A scene's question as the file asks it without a room: its kind and text, its
    choices (each marked right or not) or, on the chart, its answer (``[x, y]``, ``[β]``,
    ``[α, β]``), and the answer in words; None for a scene that asks none."""
    q = scene.question
    if q is None:
        return None
    values, right = staged.values, talk_scenes.right_answers(scene, staged.values)
    truth = talk_scenes.chart_truth(scene, values, staged.asked) if q.kind != "choice" else None
    return {
        "kind": q.kind,
        "text": q.text,
        "choices": [{"label": c.label, "right": i in right} for i, c in enumerate(q.choices)],
        "truth": list(truth) if truth is not None else None,
        "answer": talk_scenes.answer_words(scene, values, staged.asked),
    }


def _packed(text: str) -> str:
    """``text`` gzipped, in base64 (no "</" can end its script block): a scene's numbers
    are base64 floats in JSON, and the file is a fifth smaller packed (``talk.js`` unpacks
    a scene's block with the browser's DecompressionStream when the scene is shown)."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), 9, mtime=0)).decode("ascii")


def _script_safe(text: str) -> str:
    """JSON that cannot end its script block early ("<\\/" is JSON for "</")."""
    return text.replace("</", "<\\/")


def talk_html(scenes: Iterable[Scene], title: str = "Momentum, run live") -> str:
    """The talk as one self-contained HTML file (see the module docstring).

    Raises:
        ValueError: Without any scene.
    """
    slides = [scene_slide(s) for s in scenes]
    if not slides:
        raise ValueError("a talk needs at least one scene")
    blocks: dict[str, str] = {}  # a block's text -> its id (scenes alike share one)
    for i, s in enumerate(slides):
        for kind in ("race", "explore"):
            text = s.pop(kind)
            s[kind] = None if text is None else blocks.setdefault(text, f"{kind}-{i}")
    races = [
        f'<script type="application/gzip" id="{ident}">{_packed(text)}</script>'
        for text, ident in blocks.items()
    ]
    meta = (
        f'<script type="application/json" id="slides">{_script_safe(json.dumps(slides))}</script>'
    )
    script = (_HERE / "talk.js").read_text(encoding="utf-8")
    boot = "\n".join([*races, meta, f"<script>{script}</script>"])
    return standalone_page(title=title, top=(_HERE / "talk.html").read_text(encoding="utf-8"),
                           boot=boot)  # fmt: skip


def write_talk(source: Path, out: Path) -> int:
    """Write the talk of the scenes file ``source`` to ``out``; returns its size in bytes.

    Raises:
        ValueError: If the scenes file cannot be read (the message names scene and field).
    """
    text = talk_html(talk_scenes.load_scenes(source))
    out.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))
