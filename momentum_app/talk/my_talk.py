"""A presenter's own talk: scenes made from the playground, kept in order, written as a
scenes file and read back from one.

A talk is a tuple of :class:`~momentum_app.talk.scenes.Scene`; every function here returns
a new one, so the page keeps it in its session as a plain value. A scenes file that
reaches the app (an upload) is untrusted: :func:`read_talk` bounds its size, its nesting,
its number of scenes, the length of every text and every caption field's format, and tries
each caption's format on values of the types the runs give, before anything is run or
shown. Every fault is a :class:`TalkError` of one line naming the scene and the field.
Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
import re
import string
import tomllib
from dataclasses import replace
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from momentum_app.config.links import from_query
from momentum_app.config.settings import (
    MinimaSettings,
    ModelSettings,
    RaceSettings,
    default_settings,
)
from momentum_app.landscapes import PARAM_RANGES
from momentum_app.talk import scenes as talk_scenes
from momentum_app.talk.scenes import MODEL_KEYS, ON_CHART, Scene
from momentum_core import MOMENTUM_OPTIMIZERS

#: Limits on a talk (and on a scenes file read from outside).
MAX_BYTES = 64_000
MAX_SCENES = 20
MAX_DEPTH = 8
MAX_TITLE = 120
MAX_CLAIM = 400
MAX_CAPTION = 1_500
MAX_FIELDS = 40
MAX_CHECKS = 12
MAX_LINK = 2_000
#: A caption field's format: fill and align, sign, "#", "0", a width and a precision of at
#: most two digits, a grouping, a type ("c" aside: it fails on a step of -1).
_SPEC = re.compile(r"(?:[^{}]?[<>^=])?[+\- ]?z?#?0?\d{0,2}[,_]?(?:\.\d{1,2})?[bdeEfFgGnosxX%]?")
#: The Python type of each caption field (scenes.toml's header lists them).
_RUN_TYPES = {"label": str, "momentum": float, "steps": int, "diverged": int, "gap": float,
              "outcome": str, "minimum": str, "global": int, "stuck": int}  # fmt: skip
_TOP_TYPES = {"title": str, "lr": float, "steps": int, "start_x": float, "start_y": float,
              "start_gap": float, "params": str}  # fmt: skip
_MODEL_RUN_TYPES = {"label": str, "momentum": float, "epochs": int, "first": int,
                    "diverged": int, "loss": float, "val": float, "outcome": str}  # fmt: skip
_MODEL_TOP_TYPES = {"title": str, "lr": float, "epochs": int, "batch": int, "seeds": int,
                    "activation": str, "target": float}  # fmt: skip
#: A β or pad question's answer as caption fields (scenes.toml: {question.beta}, ...).
_ASKED_TYPES = {"alpha": float, "beta": float, "steps": int}
_SAMPLE = {str: "text", int: -1, float: 0.5}


class TalkError(ValueError):
    """A talk or scenes file that cannot be used: one line, naming the scene and field."""


# --- reading a scenes file ------------------------------------------------------------


def _depth(value: object, level: int = 0) -> int:
    """How deep tables and arrays nest in a parsed TOML value (stops past the limit)."""
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _text(raw: dict, field: str, limit: int, where: str) -> None:
    value = raw.get(field)
    if isinstance(value, str) and len(value) > limit:
        raise TalkError(f"{where}: {field} has {len(value):,} characters; at most {limit:,}")


def check_caption(scene: Scene, where: str) -> None:
    """The caption's fields are few, their formats small, and the caption renders with
    values of the types its runs give (``{x.label:d}`` fails here, not on the screen)."""
    model = scene.model is not None
    run_types = _MODEL_RUN_TYPES if model else _RUN_TYPES
    top_types = _MODEL_TOP_TYPES if model else _TOP_TYPES
    fields = [p for p in string.Formatter().parse(scene.caption) if p[1] is not None]
    if len(fields) > MAX_FIELDS:
        raise TalkError(f"{where}: the caption has {len(fields)} fields; at most {MAX_FIELDS}")
    for _, field, spec, _ in fields:
        if spec and not _SPEC.fullmatch(spec):
            raise TalkError(f"{where}: the caption's {{{field}:{spec}}} has a format this app "
                            "does not take (widths and precisions up to 99)")  # fmt: skip
    run = SimpleNamespace(**{k: _SAMPLE[t] for k, t in run_types.items()})
    values = {k: _SAMPLE[t] for k, t in top_types.items()} | {r.key: run for r in scene.runs}
    values["question"] = SimpleNamespace(**{k: _SAMPLE[t] for k, t in _ASKED_TYPES.items()})
    for _, field, spec, conversion in fields:
        one = "{" + field + (f"!{conversion}" if conversion else "") + f":{spec}" + "}"
        try:
            one.format(**values)
        except (ValueError, TypeError) as err:
            raise TalkError(f"{where}: the caption's {one} cannot be written: {err}") from None


def _shape(raw: dict, where: str) -> None:
    """The fields whose wrong shape the scene reader would trip on, as one-line faults."""
    start = raw.get("start")
    if start is not None and not (
        isinstance(start, list)
        and len(start) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in start)
        and all(math.isfinite(v) for v in start)
    ):
        raise TalkError(f"{where}: start is [x, y], two finite numbers")
    checks = raw.get("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        raise TalkError(f"{where}: checks is a list of texts")
    if len(checks) > MAX_CHECKS or any(len(c) > 200 for c in checks):
        raise TalkError(f"{where}: checks holds at most {MAX_CHECKS} checks of 200 characters")
    lr = raw.get("lr")
    if isinstance(lr, float) and not math.isfinite(lr):
        raise TalkError(f"{where}: lr must be a finite number")
    question = raw.get("question")
    if question is not None:
        point = isinstance(question, dict) and question.get("kind") in ON_CHART
        choices = (
            question.get("choices", [] if point else None) if isinstance(question, dict) else None
        )
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise TalkError(f"{where}: question needs a text and a list of choices (tables)")
        _text(question, "text", MAX_CLAIM, f"{where}: question")
        for choice in choices:
            _text(choice, "label", MAX_TITLE, f"{where}: question's choice")
    caption = raw.get("caption")
    if isinstance(caption, str):
        try:
            list(string.Formatter().parse(caption))
        except ValueError as err:  # an unclosed "{", a lone "}"
            raise TalkError(
                f"{where}: the caption cannot be read: {err} (write {{{{ for {{)"
            ) from None
    for field, limit in (("name", 60), ("title", MAX_TITLE), ("claim", MAX_CLAIM),
                         ("caption", MAX_CAPTION)):  # fmt: skip
        _text(raw, field, limit, where)


def scene_of(raw: object, where: str) -> Scene:
    """One ``[[scene]]`` table from outside, checked by the app's scene reader and the
    limits above.

    Raises:
        TalkError: One line naming the scene and the field.
    """
    if not isinstance(raw, dict):
        raise TalkError(f"{where}: a scene is a table ([[scene]])")
    if isinstance(raw.get("name"), str) and len(raw["name"]) <= 60:
        where = f"scene {raw['name']!r}"
    _shape(raw, where)
    try:
        scene = talk_scenes._scene(raw, where)
    except TalkError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as err:
        raise TalkError(str(err).splitlines()[0] if isinstance(err, ValueError) else
                        f"{where}: a field has the wrong shape ({err})") from None  # fmt: skip
    check_caption(scene, where)
    return scene


def read_talk(data: bytes | str) -> tuple[Scene, ...]:
    """A talk from a scenes file's bytes, every limit checked before a scene is run.

    Raises:
        TalkError: One line naming the scene and field at fault (or the file's fault).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise TalkError(f"the file has {len(raw) / 1000:,.0f} kB; a scenes file is at most "
                        f"{MAX_BYTES // 1000} kB")  # fmt: skip
    try:
        parsed = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise TalkError("the file is not UTF-8 text") from None
    except RecursionError:
        raise TalkError(f"the file nests tables or arrays deeper than {MAX_DEPTH}") from None
    except tomllib.TOMLDecodeError as err:
        raise TalkError(f"not a scenes file: {str(err).splitlines()[0]}") from None
    if _depth(parsed) > MAX_DEPTH:
        raise TalkError(f"the file nests tables or arrays deeper than {MAX_DEPTH}")
    found = parsed.get("scene")
    if not isinstance(found, list) or not found:
        raise TalkError("the file has no [[scene]] tables")
    if len(found) > MAX_SCENES:
        raise TalkError(f"the file has {len(found)} scenes; a talk has at most {MAX_SCENES}")
    talk = tuple(scene_of(s, f"scene #{i + 1}") for i, s in enumerate(found))
    names = [s.name for s in talk]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise TalkError(f"scene {twice!r}: two scenes share this name")
    return talk


# --- writing a scenes file ------------------------------------------------------------


def _toml(value: object) -> str:
    """A value as TOML: texts in double quotes with every control character escaped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ch < " " or ch == "\x7f":
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def scene_table(scene: Scene) -> dict:
    """A scene as its ``[[scene]]`` table (what :func:`scene_of` reads back to it)."""
    out: dict = {"name": scene.name, "title": scene.title, "claim": scene.claim}
    if scene.model is not None:
        out["model"] = {k: getattr(scene.model, k) for k in MODEL_KEYS}
    else:
        out["function"] = scene.function
        if PARAM_RANGES.get(scene.function):
            out["params"] = dict(scene.params)
        out["steps"] = scene.steps
        out["start"] = list(scene.start)
    out["lr"] = scene.lr
    if scene.tuned:  # each run at its own best α (and β): see scenes.toml
        out["tuned"] = True
    runs = []
    for run in scene.runs:
        item = {"key": run.key, "optimizer": run.optimizer}
        if not scene.tuned:  # a tuned scene's runs find their own β
            item["momentum"] = run.momentum
        if run.ramp:
            item["ramp"] = [run.ramp[0], run.ramp[1], int(run.ramp[2])]
        runs.append(item)
    out["runs"] = runs
    if scene.explore:  # the run whose β the playground link opens on
        out["explore"] = scene.explore
    out["caption"] = scene.caption
    out["checks"] = list(scene.checks)
    if scene.question is not None:
        q = scene.question
        out["question"] = {"text": q.text, "choices": [{"label": c.label, "checks": list(c.checks)}
                                                       for c in q.choices]}  # fmt: skip
        if q.kind in ON_CHART:  # a guess on the chart about run q.run, no choices
            out["question"].update(kind=q.kind, run=q.run)
    return out


def talk_toml(talk: tuple[Scene, ...]) -> str:
    """The talk as a scenes file, in the format of ``scenes.toml`` (its header explains
    the fields); :func:`read_talk` gives the same talk back."""
    lines = [
        "# A talk made in the momentum playground (My talk page). Fields: see",
        "# momentum_app/talk/scenes.toml. Open it on the My talk page, or write it as an",
        "# offline talk with: python -m momentum_app.talk this-file.toml -o talk.html",
        "",
    ]
    for scene in talk:
        lines.append("[[scene]]")
        table = scene_table(scene)
        question = table.pop("question", None)
        lines += [f"{key} = {_toml(value)}" for key, value in table.items()]
        if question is not None:
            lines += ["", "[scene.question]", f"text = {_toml(question['text'])}"]
            if question.get("kind") in ON_CHART:
                lines += [f"kind = {_toml(question['kind'])}", f"run = {_toml(question['run'])}"]
            for choice in question["choices"]:
                lines += ["[[scene.question.choices]]", f"label = {_toml(choice['label'])}",
                          f"checks = {_toml(choice['checks'])}"]  # fmt: skip
        lines.append("")
    return "\n".join(lines)


# --- building a talk ------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "scene"


def free_name(title: str, talk: tuple[Scene, ...]) -> str:
    """A scene name from ``title`` that no scene of ``talk`` has."""
    base, taken = _slug(title), {s.name for s in talk}
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def run_key(optimizer: str) -> str:
    """A run's caption key for an optimizer: ``keras-momentum`` is ``keras_momentum``."""
    return optimizer.replace("-", "_")


#: What a scene can be made from: a race (the playground's, a sweep cell's, the local minima
#: page's SGD against momentum) or the model page's network.
View = RaceSettings | ModelSettings


def _model(view: View) -> bool:
    return isinstance(view, ModelSettings)


def view_runs(view: View) -> list[dict]:
    """The scene runs of a view: one per racer at its β, or the model page's SGD against
    momentum at its β (the page's grid trains it)."""
    if _model(view):
        return [{"key": "sgd", "optimizer": "sgd", "momentum": 0.0},
                {"key": "momentum", "optimizer": "momentum",
                 "momentum": view.momentum}]  # fmt: skip
    return [{"key": run_key(o), "optimizer": o,
             "momentum": view.momentum if o in MOMENTUM_OPTIMIZERS else 0.0}
            for o in view.optimizers]  # fmt: skip


def default_title(view: View) -> str:
    """A scene's title when none is typed: "Rosenbrock, α = 0.0015"."""
    if _model(view):
        return f"The article's network ({view.activation}), α = {view.lr:g}"
    return f"{view.objective.title}, α = {view.lr:g}"


def default_caption(view: View) -> str:
    """A caption that says what each run of the view did, every number from the runs."""
    parts = "; ".join(f"{{{r['key']}.label}} {{{r['key']}.outcome}}" for r in view_runs(view))
    if _model(view):
        return "The same {seeds} initialisations, batches of {batch}, α = {lr:g}: " + parts + "."
    return "Same start, same learning rate α = {lr:g}. " + parts + "."


def minima_race(s: MinimaSettings) -> RaceSettings:
    """The local minima page's view as a race: SGD against heavy ball at its α and β, from
    the function's own start, for its steps (gradient noise aside, as for every scene)."""
    race = default_settings(s.fn, s.params, s.formula, s.domain)
    return replace(race, lr=s.lr, momentum=s.momentum, steps=s.steps, noise=0.0,
                   optimizers=("sgd", "momentum"))  # fmt: skip


def view_table(view: View, name: str, title: str, claim: str, caption: str) -> dict:
    """The ``[[scene]]`` table of a view (see scenes.toml), without checks or question."""
    if not _model(view) and view.formula:
        raise TalkError("a typed function cannot become a scene yet: pick a named function")
    table = {"name": name, "title": title, "claim": claim, "lr": view.lr,
             "runs": view_runs(view), "caption": caption, "checks": []}  # fmt: skip
    if _model(view):
        return table | {"model": {k: getattr(view, k) for k in MODEL_KEYS}}
    table |= {"function": view.fn, "steps": view.steps, "start": list(view.start)}
    return table | ({"params": dict(view.params)} if PARAM_RANGES.get(view.fn) else {})


def scene_from_view(
    view: View,
    talk: tuple[Scene, ...],
    title: str,
    claim: str,
    caption: str,
    checks: tuple[str, ...] = (),
    question: dict | None = None,
) -> Scene:
    """A view as a new scene of ``talk`` (a name of its own; gradient noise is not part of
    a scene: it runs without); an empty title or caption is the view's own. ``checks`` and
    ``question`` are as in scenes.toml (see :func:`check_presets`, :func:`question_table`).

    Raises:
        TalkError: If the texts, checks or the caption's fields do not pass (one line).
    """
    title = title.strip() or default_title(view)
    caption = caption.strip() or default_caption(view)
    table = view_table(view, free_name(title, talk), title, claim.strip(), caption)
    table["checks"] = list(checks)
    if question is not None:
        table["question"] = question
    return scene_of(table, f"scene {table['name']!r}")


#: Runs' fields that say whether and when a run got there: a 2-D run's steps to f − f* <
#: 1e-6, a network's median epochs to the target (-1: never).
def _when(scene: Scene) -> str:
    return "epochs" if scene.model is not None else "steps"


def check_presets(scene: Scene, values: dict[str, object]) -> dict[str, tuple[str, ...]]:
    """Checks a presenter may pick, in words ("Momentum β = 0.9 first"), each as scenes.toml
    writes them: reaching the minimum (a network: the target), never reaching it, first of
    the runs, diverging; a 2-D run also ends in the global minimum or is stuck. "First" is
    written for the runs as they are (a run that never gets there: ``== -1``), so it holds
    exactly when that run is the first to get there."""
    when, model, out = _when(scene), scene.model is not None, {}
    for run in scene.runs:
        key, label = run.key, scene.run_label(run)
        goal = "the target" if model else "the minimum"
        out[f"{label} reaches {goal}"] = (f"{key}.{when} >= 0",)
        out[f"{label} never reaches {goal}"] = (f"{key}.{when} == -1",)
        if len(scene.runs) > 1:
            others = [
                f"{o.key}.{when} == -1" if getattr(values[o.key], when) == -1 else
                f"{o.key}.{when} > {key}.{when}" for o in scene.runs if o is not run
            ]  # fmt: skip
            out[f"{label} first"] = (f"{key}.{when} >= 0", *others)
        diverged = f"{key}.diverged > 0" if model else f"{key}.diverged != -1"
        out[f"{label} diverges"] = (diverged,)
        if not model:
            out[f"{label} ends in the global minimum"] = (f"{key}.global == 1",)
            out[f"{label} is stuck in a local minimum"] = (f"{key}.stuck == 1",)
    return out


def holding(scene: Scene, values: dict[str, object]) -> dict[str, tuple[str, ...]]:
    """The presets of :func:`check_presets` that hold on the runs now."""
    return {label: checks for label, checks in check_presets(scene, values).items()
            if not talk_scenes.failed_checks(scene, values, checks)}  # fmt: skip


def question_table(
    scene: Scene, values: dict[str, object], text: str, choices: list[str], run: str = ""
) -> dict:
    """A ``[scene.question]`` table: ``choices`` (labels of :func:`check_presets`, each
    right when its checks hold on the runs), or, with ``run``, "where does it stop?"
    (a tap on the landscape, kind = "point").

    Raises:
        TalkError: If a choice is no preset, or the question has no text.
    """
    if run:
        label = next((scene.run_label(r) for r in scene.runs if r.key == run), run)
        return {"text": text.strip() or f"Where does {label} stop? Tap the landscape.",
                "kind": "point", "run": run}  # fmt: skip
    if not text.strip():
        raise TalkError(f"scene {scene.name!r}: question: type the question")
    presets = check_presets(scene, values)
    unknown = [c for c in choices if c not in presets]
    if unknown:
        raise TalkError(f"scene {scene.name!r}: question: {unknown[0]!r:.60} is no choice here")
    return {"text": text.strip(), "choices": [{"label": c, "checks": list(presets[c])}
                                              for c in choices]}  # fmt: skip


def race_from_link(link: str) -> RaceSettings:
    """The playground settings in a pasted playground link (or just its ``?query``).

    Raises:
        TalkError: If it is too long, not a playground link, or holds a bad setting.
    """
    link = link.strip()
    if len(link) > MAX_LINK:
        raise TalkError(f"the link has {len(link):,} characters; at most {MAX_LINK:,}")
    parts = urlsplit(link if "?" in link or "://" in link else "?" + link)
    page = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if page not in ("", "playground"):
        raise TalkError(f"this is a link to the {page} page; paste a playground link")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if "fn" not in query:
        raise TalkError("the link holds no playground settings (no fn=...)")
    settings, problems = from_query(RaceSettings, query)
    if problems:
        raise TalkError(f"the link's settings: {problems[0]}")
    return settings


def added(talk: tuple[Scene, ...], scene: Scene) -> tuple[Scene, ...]:
    """``talk`` with ``scene`` at its end (renamed if its name is taken)."""
    if len(talk) >= MAX_SCENES:
        raise TalkError(f"a talk has at most {MAX_SCENES} scenes: remove one first")
    if any(s.name == scene.name for s in talk):
        scene = replace(scene, name=free_name(scene.name, talk))
    return (*talk, scene)


def moved(talk: tuple[Scene, ...], index: int, step: int) -> tuple[Scene, ...]:
    """``talk`` with its scene ``index`` moved ``step`` places (kept within the talk)."""
    to = min(max(index + step, 0), len(talk) - 1)
    order = list(talk)
    order.insert(to, order.pop(index))
    return tuple(order)


def removed(talk: tuple[Scene, ...], index: int) -> tuple[Scene, ...]:
    return talk[:index] + talk[index + 1 :]


def edited(talk: tuple[Scene, ...], index: int, title: str, claim: str, caption: str) -> tuple:
    """``talk`` with scene ``index``'s texts changed, checked as a file's would be."""
    table = scene_table(talk[index]) | {
        "title": title.strip() or "Untitled scene",
        "claim": claim.strip(),
        "caption": caption.strip(),
    }
    scene = scene_of(table, f"scene {talk[index].name!r}")
    return (*talk[:index], scene, *talk[index + 1 :])


def fields(scene: Scene, values: dict[str, object]) -> list[tuple[str, str]]:
    """Every caption field of ``scene`` with its value now: ("{momentum.steps}", "917")."""
    model = scene.model is not None
    top = _MODEL_TOP_TYPES if model else _TOP_TYPES
    per_run = _MODEL_RUN_TYPES if model else _RUN_TYPES
    out = [(f"{{{k}}}", str(values[k])) for k in top if k in values]
    for run in scene.runs:
        facts = values[run.key]
        out += [(f"{{{run.key}.{k}}}", str(getattr(facts, k))) for k in per_run]
    return out
