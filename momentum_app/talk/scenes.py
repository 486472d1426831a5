"""Guided scenes: one claim of the seed article each, with a caption computed from its runs.

The scenes are data, in ``scenes.toml`` (its header documents every field); this module
reads and checks them, runs a scene's runs through the same cached race runs as the
playground, and fills the caption and checks from the results. Nothing here imports
Streamlit; the page and its cache wrappers live elsewhere.
"""

from __future__ import annotations

import functools
import operator
import os
import re
import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from momentum_app.config.links import from_query, link_of, linked
from momentum_app.config.settings import LABELS, PAGE_MAX_STEPS, ModelSettings, RaceSettings
from momentum_app.landscapes import PARAM_RANGES, Params, explicit, landscape
from momentum_app.race import runs as race_runs
from momentum_app.race.figures import COLORS
from momentum_app.race.inspect_data import run_inspection, unavailable, with_inspection
from momentum_app.race.race_data import RaceRun, Track
from momentum_app.race.runs import TOLERANCE, solo
from momentum_app.studies import model_view
from momentum_app.studies.model_view import ModelRace, NetworkPath
from momentum_core import (
    FACTORIES,
    MOMENTUM_OPTIMIZERS,
    OPTIMIZER_NAMES,
    BatchResult,
    Family,
    Objective,
    SweepResult,
    chosen_cell,
    outcome,
    run_family,
)
from momentum_core.spaces import grid_runs, pad_momenta, pad_rates

SCENES_FILE = Path(__file__).with_name("scenes.toml")
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_CHECK = re.compile(r"^\s*([\w.]+)\s*(<=|>=|==|!=|<|>)\s*([\w.+-]+)\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
#: Colours for runs after the first of each optimizer (a ladder of momentum values).
_EXTRA_COLORS = ("#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#D55E00")


@dataclass(frozen=True)
class SceneRun:
    """One run of a scene: a caption key, an optimizer and its momentum, or a momentum
    raised during the run (``ramp``: from, to, over this many steps)."""

    key: str
    optimizer: str
    momentum: float = 0.0
    ramp: tuple[float, ...] = ()

    @property
    def label(self) -> str:
        if self.ramp:
            start, end, over = self.ramp
            return f"{LABELS[self.optimizer]} β {start:g} → {end:g} over {int(over):,} steps"
        if self.optimizer in MOMENTUM_OPTIMIZERS:
            return f"{LABELS[self.optimizer]} β = {self.momentum:g}"
        return LABELS[self.optimizer]


@dataclass(frozen=True)
class Choice:
    """One answer to a scene's question; it is right when all its checks hold on the runs."""

    label: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """What a scene asks the room before it plays (``[scene.question]``, see scenes.toml):
    a choice among labels, or a guess on the chart about the run ``run``: where it ends
    (``kind = "point"``, a tap on the landscape), its fastest β (``"beta"``, on the β
    slider) or its fastest (α, β) (``"pad"``, a cell of the (α, β) pad)."""

    text: str
    choices: tuple[Choice, ...]
    kind: str = "choice"
    run: str = ""


#: A question scene's heading while its question is open: its title is the runs' verdict
#: ("β = 1 never settles"), which would answer the question before the room does.
ASKING_TITLE = "First, a question"


def menu_title(scene: Scene) -> str:
    """A scene as menus list it: its title, or for a scene that asks, its question (a menu
    on the projector lists the scenes ahead; their titles would answer them)."""
    return f"Question: {scene.question.text}" if scene.question is not None else scene.title


#: The kinds of question: one of the labels, or a guess on the chart (:data:`ON_CHART`).
QUESTION_KINDS = ("choice", "point", "beta", "pad")
#: Questions answered on the chart, about one run: where it ends (a point tapped on the
#: landscape), its fastest β (on the β slider), its fastest (α, β) (a cell of the pad).
ON_CHART = ("point", "beta", "pad")


#: At most this many choices (the room store takes a choice's index below it).
MAX_CHOICES = 8


@dataclass(frozen=True)
class Scene:
    """A scene as read from ``scenes.toml`` (see its header for the fields)."""

    name: str
    title: str
    claim: str
    function: str
    lr: float
    steps: int
    start: tuple[float, float]
    runs: tuple[SceneRun, ...]
    caption: str
    checks: tuple[str, ...]
    params: Params = ()
    question: Question | None = None
    model: ModelSettings | None = None
    #: Each run at its own best α (and β): a fair race (see race.runs.at_best).
    tuned: bool = False
    #: The key of the run whose β the playground link opens on ("" : the first with one).
    explore: str = ""

    @property
    def objective(self) -> Objective:
        """The scene's landscape (a model scene's is the plane of its network's paths, from
        :func:`stage`)."""
        if self.model is not None:
            raise ValueError(f"scene {self.name!r} trains the article's network: see stage()")
        return landscape(self.function, self.params)

    @property
    def where(self) -> str:
        """Where the scene runs, for its heading: "Rosenbrock, α = 0.0015"."""
        if self.model is None and self.tuned:
            return f"{self.objective.title}, each at its best α"
        if self.model is None:
            return f"{self.objective.title}, α = {self.lr:g}"
        m = self.model
        return (f"the article's network ({m.activation}), α = {self.lr:g}, batches of "
                f"{m.batch}, {m.seeds} seeds")  # fmt: skip

    def race(self, optimizers: tuple[str, ...], momentum: float) -> RaceSettings:
        """A playground race at the scene's function, start, learning rate and steps."""
        return RaceSettings(
            fn=self.function,
            lr=self.lr,
            momentum=momentum,
            steps=self.steps,
            start=self.start,
            optimizers=optimizers,
            noise=0.0,
            seed=0,
            tuned=self.tuned,
            params=self.params,
        )

    def settings(self, run: SceneRun) -> RaceSettings:
        """The settings of one run, as the playground caches them (see race.solo; a tuned
        scene's run at its own best α and β, see race.at_best)."""
        if self.tuned:
            return race_runs.at_best(self.race((run.optimizer,), 0.0), run.optimizer)
        return replace(solo(self.race((run.optimizer,), run.momentum), run.optimizer),
                       ramp=run.ramp)  # fmt: skip

    def run_label(self, run: SceneRun) -> str:
        """A run's label: its own (``Momentum β = 0.9``), or a tuned scene's with the α and β
        it was tuned to (``Momentum (best α = 0.001956, β = 0.9)``)."""
        if not self.tuned:
            return run.label
        return race_runs.racer_label(run.optimizer, self.race((run.optimizer,), 0.0))

    def playground(self) -> RaceSettings:
        """The playground race closest to the scene, keeping its comparison as far as a
        race can: every optimizer, a momentum run at β = 0 as SGD (the same numbers), and
        one β, the ``explore`` run's (the one that makes the scene's point) or else the
        first (the chart's β slider reaches the rest, see :meth:`other_momenta`)."""
        if self.tuned:  # every racer at its own α and β, there too
            return self.race(tuple(dict.fromkeys(r.optimizer for r in self.runs)), 0.0)
        moving = _moving(self.runs)
        names = (r.optimizer if r in moving or r.optimizer not in MOMENTUM_OPTIMIZERS else "sgd"
                 for r in self.runs)  # fmt: skip
        optimizers = tuple(dict.fromkeys(names))
        chosen = [r for r in moving if r.key == self.explore] or moving
        return self.race(optimizers, chosen[0].momentum if chosen else 0.0)

    def other_momenta(self) -> tuple[float, ...]:
        """The scene's momenta that its playground race does not open on (β = 0 aside)."""
        chosen = self.playground().momentum
        found = [r.momentum for r in self.runs if r.optimizer in MOMENTUM_OPTIMIZERS]
        return tuple(dict.fromkeys(m for m in found if m not in (0.0, chosen)))


def _moving(runs) -> list[SceneRun]:
    """The runs with a momentum the playground can race (β > 0; a ramp's is not one)."""
    return [r for r in runs if r.optimizer in MOMENTUM_OPTIMIZERS and r.momentum and not r.ramp]


def _explore(raw: dict, runs: list[SceneRun], where: str) -> str:
    """The scene's ``explore`` field: a key of one of its runs with a fixed β > 0."""
    key = raw.get("explore", "")
    if key and (not isinstance(key, str) or key not in {r.key for r in _moving(runs)}):
        raise ValueError(f"{where}: explore names a run with a momentum β > 0 and no ramp, "
                         f"got {str(key)[:40]!r}")  # fmt: skip
    return key


def _scene(raw: dict, where: str) -> Scene:
    """One ``[[scene]]`` table, checked, with messages that name the scene and field."""

    def need(field: str, kind: type | tuple[type, ...]):
        if field not in raw:
            raise ValueError(f"{where}: missing field {field!r}")
        value = raw[field]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"{where}: {field} has the wrong type ({value!r})")
        return value

    name = need("name", str)
    where = f"scene {name!r}"
    if not _NAME.match(name):
        raise ValueError(f"{where}: a name is lower-case letters, digits, '.' and '-'")
    if "model" in raw:
        return _model_scene(raw, name, where, need)
    fn = need("function", str)
    if fn not in FACTORIES:
        raise ValueError(f"{where}: unknown function {fn!r}; choose one of {', '.join(FACTORIES)}")
    given = raw.get("params", {})
    allowed = PARAM_RANGES.get(fn, {})
    if not isinstance(given, dict) or not set(given) <= set(allowed):
        raise ValueError(f"{where}: params takes {', '.join(allowed) or 'nothing'} for {fn}")
    for key, value in given.items():
        low, high = allowed[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low <= value <= high
        ):
            raise ValueError(f"{where}: params.{key} must be a number in [{low:g}, {high:g}]")
    params = explicit(fn, {k: float(v) for k, v in given.items()})
    obj = landscape(fn, params)
    tuned = raw.get("tuned", False)
    if not isinstance(tuned, bool):
        raise ValueError(f"{where}: tuned is true or false, got {tuned!r}")
    lr = float(need("lr", (int, float)) if not tuned or "lr" in raw else obj.lr_default)
    steps = need("steps", int)
    if not lr > 0 or not 1 <= steps <= PAGE_MAX_STEPS:
        raise ValueError(f"{where}: need lr > 0 and 1 <= steps <= {PAGE_MAX_STEPS}")
    start = tuple(float(v) for v in raw.get("start", obj.x0))
    if len(start) != 2:
        raise ValueError(f"{where}: start is [x, y]")
    runs = []
    for item in need("runs", list):
        run = _run(item, where)
        if not run.key.isidentifier() or run.optimizer not in OPTIMIZER_NAMES:
            raise ValueError(f"{where}: each run needs a key (a word) and a known optimizer")
        if "ramp" in item:
            ramp = _ramp(item["ramp"], run.optimizer, steps)
            if ramp is None:
                raise ValueError(f"{where}: ramp is [from, to, steps] (momenta in [0, 1], at most "
                                 f"{steps} steps) for momentum or nesterov")  # fmt: skip
            run = replace(run, momentum=ramp[1], ramp=ramp)
        if not 0 <= run.momentum <= 1:
            raise ValueError(f"{where}: momentum must be in [0, 1], got {run.momentum}")
        if tuned and ("momentum" in item or "ramp" in item):
            raise ValueError(f"{where}: a tuned scene's runs take their own best β: give "
                             "no momentum or ramp")  # fmt: skip
        runs.append(run)
    if not runs or len({r.key for r in runs}) != len(runs):
        raise ValueError(f"{where}: needs at least one run, with distinct keys")
    scene = Scene(
        name=name,
        title=need("title", str),
        claim=need("claim", str),
        function=fn,
        lr=lr,
        steps=steps,
        start=(start[0], start[1]),
        runs=tuple(runs),
        caption=need("caption", str),
        checks=tuple(raw.get("checks", ())),
        params=params,
        question=_question(raw.get("question"), where),
        tuned=tuned,
        explore="" if tuned else _explore(raw, runs, where),
    )
    _check_fields(scene, where)
    return scene


#: A model scene's ``model`` table: its keys, the model page's fields of the same names.
MODEL_KEYS = ("activation", "batch", "epochs", "seeds", "data_seed")


def _model_scene(raw: dict, name: str, where: str, need: Callable) -> Scene:
    """A scene that trains the article's network (``model = {...}``, see scenes.toml): its
    settings are the model page's, checked by the same rules as that page's links."""
    given = need("model", dict)
    if not set(given) <= set(MODEL_KEYS):
        raise ValueError(f"{where}: model takes {', '.join(MODEL_KEYS)}")
    lr = need("lr", (int, float))
    runs = []
    for item in need("runs", list):
        run = _run(item, where)
        if not run.key.isidentifier() or run.optimizer not in ("sgd", "momentum"):
            raise ValueError(f"{where}: each run needs a key (a word) and the optimizer "
                             "sgd or momentum (heavy ball; β = 0 is SGD)")  # fmt: skip
        if run.optimizer == "sgd" and run.momentum:
            raise ValueError(f"{where}: an sgd run has no momentum")
        runs.append(run)
    if not runs or len({r.key for r in runs}) != len(runs):
        raise ValueError(f"{where}: needs at least one run, with distinct keys")
    # The page trains a grid of momenta plus one chosen: the scene's first non-zero momentum.
    chosen = next((r.momentum for r in runs if r.momentum), 0.9)
    query = {link_of(ModelSettings, key).name: str(value) for key, value in given.items()}
    query |= {link_of(ModelSettings, "lr").name: str(lr),
              link_of(ModelSettings, "momentum").name: str(chosen)}  # fmt: skip
    model, problems = from_query(ModelSettings, query)
    if problems:
        raise ValueError(f"{where}: {problems[0]}")
    grid = model_view.model_momenta(model.momentum)
    for run in runs:
        if not np.isclose(grid, run.momentum, rtol=0, atol=1e-9).any():
            raise ValueError(f"{where}: momentum {run.momentum:g} is not trained; use one of "
                             f"{', '.join(f'{b:g}' for b in grid)}")  # fmt: skip
    scene = Scene(
        name=name, title=need("title", str), claim=need("claim", str), function="",
        lr=model.lr, steps=model.epochs, start=(0.0, 0.0), runs=tuple(runs),
        caption=need("caption", str), checks=tuple(raw.get("checks", ())),
        question=_question(raw.get("question"), where), model=model,
    )  # fmt: skip
    _check_fields(scene, where)
    return scene


def _run(item: object, where: str) -> SceneRun:
    """One table of a scene's ``runs``, its fields of the right types (not yet checked
    against the scene's kind)."""
    if not isinstance(item, dict):
        raise ValueError(f"{where}: each run is a table {{ key = ..., optimizer = ... }}")
    key, optimizer, momentum = (
        item.get("key", ""),
        item.get("optimizer", ""),
        item.get("momentum", 0.0),
    )
    if not isinstance(key, str) or not isinstance(optimizer, str):
        raise ValueError(f"{where}: a run's key and optimizer are words in quotes")
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
        raise ValueError(f"{where}: a run's momentum is a number, got {momentum!r}")
    return SceneRun(key, optimizer, float(momentum))


def _ramp(raw: object, optimizer: str, steps: int) -> tuple[float, float, int] | None:
    """A run's ``ramp = [from, to, steps]``, checked; None if it is not one."""
    numbers = isinstance(raw, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw
    )
    if not numbers or len(raw) != 3 or optimizer not in ("momentum", "nesterov"):
        return None
    start, end, over = raw
    if not (0 <= start <= 1 and 0 <= end <= 1 and over == int(over) and 1 <= over <= steps):
        return None
    return float(start), float(end), int(over)


def _question(raw: object, where: str) -> Question | None:
    """A scene's ``[scene.question]`` table, checked (its checks are checked with the
    scene's, in :func:`_check_fields`)."""
    if raw is None:
        return None
    where = f"{where}: question"
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise ValueError(f"{where} needs a text")
    kind = raw.get("kind", "choice")
    if kind not in QUESTION_KINDS:
        raise ValueError(f"{where}: kind is one of {', '.join(QUESTION_KINDS)}, got {kind!r:.40}")
    if kind in ON_CHART:
        return _chart_question(raw, kind, where)
    choices = raw.get("choices")
    if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES:
        raise ValueError(f"{where} needs 2 to {MAX_CHOICES} choices")
    out = []
    for item in choices:
        label, checks = item.get("label"), item.get("checks")
        if not isinstance(label, str) or not isinstance(checks, list) or not checks:
            raise ValueError(f"{where}: each choice needs a label and a list of checks")
        out.append(Choice(label, tuple(checks)))
    return Question(raw["text"], tuple(out))


def _chart_question(raw: dict, kind: str, where: str) -> Question:
    """A question answered on the chart (:data:`ON_CHART`): its text and the key of the run
    it asks about (checked against the scene's runs in :func:`_check_fields`); no choices."""
    if "choices" in raw:
        raise ValueError(f"{where}: a {kind} question has no choices (the room answers on "
                         "the chart)")  # fmt: skip
    run = raw.get("run")
    if not isinstance(run, str) or not run:
        raise ValueError(f'{where}: a {kind} question needs run = "<key>", the run it asks about')
    return Question(raw["text"], (), kind=kind, run=run)


_RUN_FIELDS = (
    "label",
    "lr",
    "momentum",
    "steps",
    "diverged",
    "gap",
    "outcome",
    "minimum",
    "global",
    "stuck",
    "end_x",
    "end_y",
)
_TOP_FIELDS = ("title", "lr", "steps", "start_x", "start_y", "start_gap", "params")
#: A model scene's fields (see scenes.toml): per run, then for the whole scene.
_MODEL_RUN_FIELDS = ("label", "momentum", "epochs", "first", "diverged", "loss", "val", "outcome")
_MODEL_TOP_FIELDS = ("title", "lr", "epochs", "batch", "seeds", "activation", "target")


def _check_fields(scene: Scene, where: str) -> None:
    """Every {field} of the caption and every operand of the checks must exist."""
    keys = {r.key for r in scene.runs}
    model = scene.model is not None
    run_fields = _MODEL_RUN_FIELDS if model else _RUN_FIELDS
    top_fields = _MODEL_TOP_FIELDS if model else _TOP_FIELDS
    for _, field, _, _ in string.Formatter().parse(scene.caption):
        if field is None:
            continue
        head, _, rest = field.partition(".")
        ok = (head in top_fields and not rest) or (head in keys and rest in run_fields)
        ok = ok or (head == "question" and rest in _asked_fields(scene))
        if not ok:
            raise ValueError(f"{where}: the caption's {{{field}}} is not a known field")
    _check_chart_question(scene, keys, where)
    asked = scene.question.choices if scene.question else ()
    for check in (*scene.checks, *(c for choice in asked for c in choice.checks)):
        match = _CHECK.match(check) if isinstance(check, str) else None
        if not match:
            raise ValueError(f"{where}: cannot read the check {check!r}")
        for side in (match[1], match[3]):
            head, _, rest = side.partition(".")
            known = (head in keys and rest in run_fields) or (
                head == "question" and rest in _asked_fields(scene)
            )
            if not (_is_number(side) or known):
                raise ValueError(f"{where}: the check {check!r} names an unknown {side!r}")


#: A β or pad question's answer, as caption fields: {question.alpha}, {question.beta},
#: {question.steps} (see :class:`Asked`).
_ASKED_FIELDS = ("alpha", "beta", "steps")


def _asked_fields(scene: Scene) -> tuple[str, ...]:
    q = scene.question
    return _ASKED_FIELDS if q is not None and q.kind in ("beta", "pad") else ()


def _check_chart_question(scene: Scene, keys: set[str], where: str) -> None:
    """A question on the chart needs a landscape and one of the scene's runs; a β or pad
    question, a run whose β is one number (a momentum optimizer, no ramp) at the scene's
    one α (not a tuned scene)."""
    q = scene.question
    if q is None or q.kind not in ON_CHART:
        return
    where = f"{where}: question"
    if scene.model is not None:
        raise ValueError(f"{where}: a {q.kind} question needs a landscape (not a network)")
    if q.run not in keys:
        raise ValueError(f"{where}: run {q.run!r:.40} is none of the scene's runs "
                         f"({', '.join(sorted(keys))})")  # fmt: skip
    if q.kind == "point":
        return
    run = asked_run(scene)
    if run.optimizer not in MOMENTUM_OPTIMIZERS:
        having = ", ".join(MOMENTUM_OPTIMIZERS)
        raise ValueError(f"{where}: a {q.kind} question asks about a momentum run; "
                         f"{run.key!r} is {run.optimizer} ({having} have a β)")  # fmt: skip
    if run.ramp:
        raise ValueError(f"{where}: run {run.key!r} raises β during the run (ramp): a {q.kind} "
                         "question needs one β a run")  # fmt: skip
    if scene.tuned:
        raise ValueError(f"{where}: a {q.kind} question needs the scene's own α (not tuned = true)")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_scenes(path: Path = SCENES_FILE) -> tuple[Scene, ...]:
    """Read and check a scenes file.

    Raises:
        ValueError: On a malformed scene, naming it and the field at fault.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    scenes = tuple(_scene(raw, f"scene #{i + 1}") for i, raw in enumerate(data.get("scene", [])))
    names = [s.name for s in scenes]
    if len(set(names)) != len(names):
        raise ValueError(f"{path.name}: two scenes share a name")
    if not scenes:
        raise ValueError(f"{path.name}: no [[scene]] tables")
    return scenes


def scenes_file() -> Path:
    """The scenes file: ``$MOMENTUM_SCENES`` if set (a talk's own file), else ours."""
    return Path(os.environ.get("MOMENTUM_SCENES") or SCENES_FILE)


@functools.cache
def _loaded() -> tuple[tuple[Scene, ...], str]:
    try:
        return load_scenes(scenes_file()), ""
    except (OSError, ValueError) as err:  # a TOML syntax error is a ValueError too
        return (), f"{scenes_file()}: {err}"


def scenes() -> tuple[Scene, ...]:
    """The app's scenes, read once per process; empty if the file is broken."""
    return _loaded()[0]


def scenes_problem() -> str:
    """Why the scenes file could not be read, or ``""``."""
    return _loaded()[1]


def run_facts(
    obj: Objective, run: SceneRun, r: BatchResult, s: RaceSettings, label: str
) -> SimpleNamespace:
    """The caption fields of one run (see ``scenes.toml``), all from its :func:`outcome`
    (``s``: the settings it ran at; ``label``: its label)."""
    happened = outcome(obj, r)
    kind = "global" if happened.is_global else "local"
    return SimpleNamespace(
        label=label,
        lr=s.lr,
        momentum=run.momentum if run.ramp else s.momentum,
        steps=int(r.tol_step[0]),
        diverged=int(r.diverged_step[0]),
        gap=happened.gap,
        outcome=happened.phrase(TOLERANCE),
        minimum=f"the {kind} minimum {happened.where}",
        stuck=int(happened.kind == "stuck"),
        **dict(zip(("end_x", "end_y"), end_point(r), strict=True)),
        **{"global": int(happened.is_global and happened.kind != "diverged")},
    )


def end_point(r: BatchResult) -> tuple[float, float]:
    """Where a run ends: its last position (a diverged run's last finite one)."""
    path = np.asarray(r.positions[:, 0], dtype=float)
    finite = np.flatnonzero(np.isfinite(path).all(axis=1))
    x, y = path[finite[-1]] if finite.size else (float("nan"), float("nan"))
    return float(x), float(y)


def point_truth(scene: Scene, values: dict[str, object]) -> tuple[float, float] | None:
    """The answer to a point question: where its run ends (from the runs, as captions
    are); None for a scene that asks none."""
    q = scene.question
    if q is None or q.kind != "point":
        return None
    run = values[q.run]
    return run.end_x, run.end_y


def median_point(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The room's median guess, coordinate by coordinate (the median x and the median y,
    which need not be one device's guess); None without guesses."""
    if not points:
        return None
    xs, ys = zip(*points, strict=True)
    return float(np.median(xs)), float(np.median(ys))


@dataclass(frozen=True, eq=False)
class Asked:
    """What a β or pad question is answered from: the asked run's optimizer at every β of
    the core's family grid (``"beta"``), or over the (α, β) pad (``"pad"``), from the
    scene's start and steps, and the cell the sweep's rule chooses among them
    (:func:`momentum_core.sweeps.chosen_cell`: the fewest steps to the tolerance among
    the robust cells, else among all, else the lowest final gap; ties to the smaller β,
    then the smaller α).

    Attributes:
        kind: ``"beta"`` or ``"pad"``.
        alphas: The learning rates (a β question: the scene's one α).
        betas: The momenta (rows of the grid).
        truth: The answer: ``(β,)`` or ``(α, β)``.
        steps: Its steps to the tolerance, -1 if no run got there.
        robust: Whether its neighbours on the grid agree (see ``robust_best``).
        summary: Every run's summary (run ``j * len(alphas) + i`` at ``alphas[i]``,
            ``betas[j]``), for what a guess's run did.
        family: A β question's runs whole, as the asked run's racer (its β slider).
        part: A pad question's runs, as the race's ``pad`` part (its pad).
    """

    kind: str
    alphas: tuple[float, ...]
    betas: tuple[float, ...]
    truth: tuple[float, ...]
    steps: int
    robust: bool
    summary: BatchResult
    family: Family | None = None
    part: str | None = None

    def index(self, guess: tuple[float, ...]) -> int:
        """The run of a guess (``(β,)`` or ``(α, β)``) on the grid.

        Raises:
            ValueError: If the guess is none of the grid's values (one line).
        """
        alpha, beta = (self.alphas[0], guess[0]) if self.kind == "beta" else guess
        i, j = _on_axis(self.alphas, alpha, "α"), _on_axis(self.betas, beta, "β")
        return j * len(self.alphas) + i

    def said(self, objective: Objective, guess: tuple[float, ...]) -> str:
        """What the run of ``guess`` does, in the words of captions: "reaches f − f* < 1e-06
        in 412 steps", "diverges at step 13"..."""
        return outcome(objective, self.summary, self.index(guess)).phrase(TOLERANCE)


def _on_axis(values: tuple[float, ...], value: float, name: str) -> int:
    """The index of ``value`` among an axis' ``values`` (a relative 1e-9 apart at most)."""
    found = np.flatnonzero(np.isclose(values, value, rtol=1e-9, atol=1e-12))
    if not found.size:
        raise ValueError(f"{name} = {value:.4g} is none of the chart's values")
    return int(found[0])


def asked_runs(scene: Scene) -> Asked | None:
    """The runs a β or pad question of ``scene`` is answered from, and its answer (see
    :class:`Asked`); None for a scene that asks neither. Run by the core, as captions are."""
    q = scene.question
    if q is None or q.kind not in ("beta", "pad"):
        return None
    run = asked_run(scene)
    s, obj = scene.settings(run), scene.objective
    options = {"noise": s.noise, "seed": s.seed, "loss_tol": TOLERANCE,
               "grad_tol": race_runs.GRAD_TOLERANCE}  # fmt: skip
    if q.kind == "beta":
        family = run_family(obj, run.optimizer, s.lr, s.momentum, s.start, s.steps, **options)
        alphas, betas, result = np.array([s.lr]), family.momenta, family.result
    else:
        family = None
        alphas, betas = pad_rates(obj, s.lr), pad_momenta(s.momentum)
        result = race_runs.grid_result(obj, run.optimizer, alphas, betas, s.start, s.steps,
                                       **options)  # fmt: skip
    lr, mu = grid_runs(alphas, betas)
    shape = (len(betas), len(alphas))
    row, col, robust = chosen_cell(SweepResult(lr.reshape(shape), mu.reshape(shape), result))
    truth = (float(betas[row]),) if q.kind == "beta" else (float(alphas[col]), float(betas[row]))
    part = None
    if q.kind == "pad":
        part = race_runs.grid_part(obj, run.optimizer, alphas, betas, s.start, s.steps,
                                   result=result, track=_track(scene, run))  # fmt: skip
    summary = replace(result, positions=None, losses=None, grad_norms=None)
    return Asked(q.kind, tuple(map(float, alphas)), tuple(map(float, betas)), truth,
                 int(result.tol_step[row * len(alphas) + col]), robust, summary, family,
                 part)  # fmt: skip


def asked_run(scene: Scene) -> SceneRun:
    """The run ``scene``'s question asks about (its ``run`` key)."""
    return next(r for r in scene.runs if r.key == scene.question.run)


def _track(scene: Scene, run: SceneRun) -> int:
    """The racer of ``run`` on the chart, by its index: the scene's runs may share an
    optimizer, and a pad belongs to one racer."""
    return [r.key for r in scene.runs].index(run.key)


def asking_parts(scene: Scene, asked: Asked | None) -> tuple[str, ...]:
    """The parts of a question's chart before its reveal: a pad question's grid, its cells
    to pick from with no run's outcome (the colours would answer it); else none."""
    if asked is None or asked.kind != "pad":
        return ()
    run = asked_run(scene)
    s = scene.settings(run)
    return (race_runs.grid_part(scene.objective, run.optimizer, np.array(asked.alphas),
                                np.array(asked.betas), s.start, s.steps,
                                track=_track(scene, run), runs=False),)  # fmt: skip


def chart_truth(scene: Scene, values: dict[str, object], asked: Asked | None):
    """The answer to a question on the chart: where the run ends ``(x, y)``, its fastest
    ``(β,)`` or ``(α, β)``; None for a scene that asks none."""
    if asked is not None:
        return asked.truth
    return point_truth(scene, values)


#: Where each kind of question on the chart draws its marks, for the texts.
MARKED_ON = {"point": "on the chart", "beta": "on the β slider", "pad": "on the pad"}


def guess_words(kind: str, g: tuple[float, ...]) -> str:
    """A guess (or an answer) as the texts say it: ``(1.2, -3)``, ``β = 0.87``,
    ``α = 1.897, β = 0.35``."""
    if kind == "beta":
        return f"β = {g[0]:.4g}"
    if kind == "pad":
        return f"α = {g[0]:.4g}, β = {g[1]:.4g}"
    return f"({g[0]:.3g}, {g[1]:.3g})"


def answer_words(scene: Scene, values: dict[str, object], asked: Asked | None) -> str:
    """A question's answer in one sentence, from the runs: where its run stops, or its
    fastest β or cell with what its run does and the rule that picked it, or the choices
    the checks hold for."""
    q = scene.question
    if q.kind == "choice":
        right = ", ".join(q.choices[i].label for i in right_answers(scene, values))
        return f"The runs answer it: {right}."
    truth = chart_truth(scene, values, asked)
    if asked is None:
        return f"The run stops at {guess_words(q.kind, truth)} (the ◆ on the chart)."
    what = "β" if q.kind == "beta" else "cell"
    value = f"{truth[0]:.4g}" if q.kind == "beta" else guess_words(q.kind, truth)
    rule = ("its neighbours on the grid agree" if asked.robust
            else "no setting's neighbours agree here: the fastest outright")  # fmt: skip
    return (f"The fastest {what} is {value}: the run {asked.said(scene.objective, truth)} "
            f"(the ◆ {MARKED_ON[q.kind]}), picked as the Sweep page picks ({rule}).")  # fmt: skip


def facts(
    scene: Scene, results: dict[str, BatchResult], asked: Asked | None = None
) -> dict[str, object]:
    """Every caption field of ``scene``, from its runs' results (keyed by run key), and a
    β or pad question's answer from ``asked`` (:func:`asked_runs`) as ``question``."""
    obj = scene.objective
    start_gap = float(obj.value(list(scene.start)) - obj.f_star)
    out: dict[str, object] = {
        "title": obj.title,
        "lr": scene.lr,
        "steps": scene.steps,
        "start_x": scene.start[0],
        "start_y": scene.start[1],
        "start_gap": start_gap,
        "params": ", ".join(f"{name} = {value:g}" for name, value in scene.params),
    }
    out.update({run.key: run_facts(obj, run, results[run.key], scene.settings(run),
                                   scene.run_label(run)) for run in scene.runs})  # fmt: skip
    if asked is not None:  # its answer, as caption fields (see _ASKED_FIELDS)
        alpha = asked.alphas[0] if asked.kind == "beta" else asked.truth[0]
        out["question"] = SimpleNamespace(alpha=alpha, beta=asked.truth[-1], steps=asked.steps)
    return out


def _model_outcome(stats: model_view.SeedStats, seeds: int, epochs: int) -> str:
    """A run over seeds in words: "reaches the target in a median of 6 epochs"."""
    if stats.diverged * 2 > seeds:
        return f"diverges on {stats.diverged} of {seeds} seeds"
    if not np.isfinite(stats.median_epochs):
        return f"does not reach the target within {epochs:,} epochs on most seeds"
    m = int(stats.median_epochs)
    text = f"reaches the target in a median of {m:,} epoch{'' if m == 1 else 's'}"
    return text + (f" (diverges on {stats.diverged} of {seeds} seeds)" if stats.diverged else "")


def model_facts(scene: Scene, race: ModelRace) -> dict[str, object]:
    """Every caption field of a model scene (see ``scenes.toml``), from its race over seeds:
    its runs against each other on one target, as the model page's verdict does."""
    m = scene.model
    target, stats = model_view.compare(race, [race.index(run.momentum) for run in scene.runs])
    out: dict[str, object] = {
        "title": f"the article's network ({m.activation})",
        "lr": scene.lr,
        "epochs": m.epochs,
        "batch": m.batch,
        "seeds": race.seeds,
        "activation": m.activation,
        "target": float("inf") if target is None else target,
    }
    for run, st in zip(scene.runs, stats, strict=True):
        out[run.key] = SimpleNamespace(
            label=run.label,
            momentum=run.momentum,
            epochs=int(st.median_epochs) if np.isfinite(st.median_epochs) else -1,
            first=st.first,
            diverged=st.diverged,
            loss=st.final,
            val=st.val,
            outcome=_model_outcome(st, race.seeds, m.epochs),
        )
    return out


def caption(scene: Scene, values: dict[str, object]) -> str:
    """The scene's caption with every field filled in."""
    return scene.caption.format(**values)


def failed_checks(
    scene: Scene, values: dict[str, object], checks: tuple[str, ...] | None = None
) -> list[str]:
    """The checks (the scene's, unless given) that do not hold on these runs, each with the
    numbers it compared."""

    def value(side: str) -> float:
        if _is_number(side):
            return float(side)
        key, _, field = side.partition(".")
        return getattr(values[key], field)

    failed = []
    for check in scene.checks if checks is None else checks:
        left, op, right = _CHECK.match(check).groups()
        a, b = value(left), value(right)
        if not _OPS[op](a, b):
            failed.append(f"{check} (here {a:g} {op} {b:g} is false)")
    return failed


def right_answers(scene: Scene, values: dict[str, object]) -> tuple[int, ...]:
    """The indexes of the question's choices whose checks all hold on the runs: the answer
    is computed, never typed."""
    if scene.question is None:
        return ()
    choices = scene.question.choices
    return tuple(i for i, c in enumerate(choices) if not failed_checks(scene, values, c.checks))


def _colors(scene: Scene) -> list[str]:
    """One colour per scene run: its optimizer's, or another for a second run of it."""
    used: list[str] = []
    for run in scene.runs:
        color = COLORS[run.optimizer]
        if color in used:
            color = next(c for c in _EXTRA_COLORS if c not in used)
        used.append(color)
    return used


def scene_runs(
    scene: Scene, results: dict[str, BatchResult], obj: Objective | None = None
) -> list[RaceRun]:
    """The GIF's view of a scene: one coloured run per scene run (on ``obj``, the scene's
    own landscape if None; a model scene's is its :class:`Stage`'s)."""
    obj = scene.objective if obj is None else obj
    return [
        RaceRun(
            name=run.optimizer,
            label=scene.run_label(run),
            positions=results[run.key].positions[:, 0],
            gaps=results[run.key].losses[:, 0] - obj.f_star,
            diverged_step=int(results[run.key].diverged_step[0]),
            color=color,
        )
        for run, color in zip(scene.runs, _colors(scene), strict=True)
    ]


def tracks(
    scene: Scene, results: dict[str, BatchResult], family: Family | None = None
) -> list[Track]:
    """The race component's view of a scene: one coloured single run per scene run, the run
    a β question asks about as its whole ``family`` (the β slider switches its run; the
    member at its own β is its run, the same numbers)."""
    asked = scene.question.run if family is not None else None
    return [
        Track(
            run.optimizer,
            scene.run_label(run),
            color,
            family if run.key == asked else Family(run.optimizer, None, results[run.key]),
        )
        for run, color in zip(scene.runs, _colors(scene), strict=True)
    ]


@dataclass(frozen=True, eq=False)
class Stage:
    """A scene, run: what its page and its talk slide draw and say.

    Attributes:
        values: Its caption fields (:func:`facts` or :func:`model_facts`).
        results: Each run's path by key; a model scene's is seed 0's on the plane of its
            paths (see :class:`~momentum_app.studies.model_view.NetworkPath`).
        objective: The landscape drawn (a model scene's: that plane).
        start: Where every run starts on it.
        tolerance: The ``f - f*`` the chart's readout calls "there".
        axes: The chart's axis titles where they are not x, y and steps (a model
            scene's: the plane's directions, epochs).
    """

    values: dict[str, object]
    results: dict[str, BatchResult]
    objective: Objective
    start: tuple[float, float]
    tolerance: float
    axes: dict | None = None
    asked: Asked | None = None


def stage(
    scene: Scene,
    run_one: Callable[[RaceSettings], BatchResult] = race_runs.run_one,
    race_for: Callable[[ModelSettings], ModelRace] = model_view.race_for,
    path_for: Callable[[ModelSettings], NetworkPath] = model_view.path_for,
) -> Stage:
    """Run ``scene``: its 2-D runs through ``run_one``, or its network over seeds through
    ``race_for`` and seed 0's path through ``path_for`` (the pages pass cached ones)."""
    if scene.model is None:
        results = {run.key: run_one(scene.settings(run)) for run in scene.runs}
        asked = asked_runs(scene)
        values = facts(scene, results, asked)
        return Stage(values, results, scene.objective, scene.start, TOLERANCE, asked=asked)
    path = path_for(scene.model)
    family = Family("momentum", path.momenta, path.family)
    members = {run.key: family.member(run.momentum) for run in scene.runs}
    values = model_facts(scene, race_for(scene.model))
    return Stage(values, members, path.objective, path.start, path.tolerance,
                 model_view.path_axes(path))  # fmt: skip


def stage_view(
    scene: Scene, staged: Stage, font_size: int, inspect: bool = True, runs: bool = True
) -> str:
    """The race component's data for a run scene: one coloured racer per scene run, each
    with its step inspector's numbers (see :func:`scene_inspections`) unless ``inspect`` is
    false (a follower's phone: 60 kB for the race, up to 1.6 MB with them). Without
    ``runs``, a question's chart before its reveal: the landscape, the start, the racers
    and a β question's slider, and nothing a run did (its path, end or outcome would answer
    it; see :func:`asking_parts` for a pad's)."""
    asked = staged.asked
    racers = tracks(scene, staged.results, asked.family if asked else None)
    chosen = {}
    if asked is not None:  # its slider or pad marks the asked run's own α and β
        chosen = {"lr": scene.lr, "momentum": asked_run(scene).momentum}
    data = race_runs.view(staged.objective, staged.start, racers, font_size,
                          tolerance=staged.tolerance, axes=staged.axes, runs=runs,
                          **chosen)  # fmt: skip
    return with_inspection(data, scene_inspections(scene)) if inspect and runs else data


#: What a network scene's inspector says: its chart is a projection, not a landscape.
NETWORK_INSPECTOR = (
    "The step inspector is off here: these paths are the network's 71 weights projected on "
    "a plane, where a step's gradient and velocity have no arrows of their own."
)


def scene_inspections(scene: Scene) -> list[dict]:
    """Each run's update-by-update numbers (the step inspector's, exact floats), in the
    order of the scene's runs: a scene is a few runs, so they travel with it and a talk
    file inspects them with no server."""
    if scene.model is not None:
        return [unavailable(NETWORK_INSPECTOR) for _ in scene.runs]
    out = []
    for run in scene.runs:
        s = scene.settings(run)
        out.append(run_inspection(s.objective, run.optimizer, s.lr, s.momentum, s.start,
                                  s.steps, noise=s.noise, seed=s.seed, ramp=s.ramp))  # fmt: skip
    return out


def scene_named(name: str) -> Scene | None:
    """The scene called ``name`` (the first one if there is none; None without scenes)."""
    return next((s for s in scenes() if s.name == name), scenes()[0] if scenes() else None)


def _names(_ctx=None) -> tuple[str, ...]:
    return tuple(s.name for s in scenes())


@dataclass(frozen=True)
class SceneChoice:
    """The scenes page's one setting, ``?scene=<name>`` (an unknown name: the first)."""

    scene: str = linked(
        "scene", "choice", default=lambda c: next(iter(_names()), ""), options=_names,
        widget="select", label="Scene", format_func=lambda name: menu_title(scene_named(name)),
        numbered=True,  # ?scene=3: the third, as the page numbers them ("Scene 3 of 15")
    )  # fmt: skip
