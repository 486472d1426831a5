"""Cached computations for the pages. Keys are plain values or frozen dataclasses."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import plotly.io as pio
import streamlit as st

from momentum_app.config.markdown import plain
from momentum_app.config.settings import (
    LABELS,
    MinimaSettings,
    ModelSettings,
    RaceSettings,
    SweepSettings,
)
from momentum_app.race import runs
from momentum_app.race.figures import COLORS, surface_figure
from momentum_app.race.inspect_data import inspect_part, run_inspection, unavailable
from momentum_app.race.race_chart import standalone_html
from momentum_app.studies import basin_figures, model_view, sweep_figures, theory_view
from momentum_app.studies.theory_view import Prediction, RateMaps
from momentum_app.talk import scenes
from momentum_app.talk.export import talk_html
from momentum_app.ui import compute
from momentum_core import BatchResult, Family, SweepResult, stack_rows
from momentum_core.basins import BasinMap, SuccessStudy


@st.cache_data(max_entries=64, show_spinner=False)
def _run_one(s: RaceSettings) -> BatchResult:
    return runs.run_one(s)


def race_results(s: RaceSettings) -> dict[str, BatchResult]:
    """The runs of a race at its momentum, whole (for exports and the 3D view)."""
    return runs.run_race(s, _run_one)


@st.cache_resource(max_entries=32, show_spinner=False)
def _race_view(key: RaceSettings, font_size: int) -> runs.RaceView:
    return compute.compute(runs.race_view, key, font_size)


def race_view(s: RaceSettings, font_size: int = 14) -> runs.RaceView:
    """A race's families and component data, shared by every momentum on the families'
    grid (a resource: one copy for every session, never a copy per hit)."""
    return _race_view(runs.family_key(s), font_size)


@st.cache_resource(max_entries=32, show_spinner=False)
def _line_part(key: RaceSettings) -> str:
    return compute.compute(runs.line_part, key)


@st.cache_resource(max_entries=16, show_spinner=False)
def _pad_part(key: RaceSettings) -> str | None:
    return _PARTS.take(("pad", key), runs.pad_part, key)


@st.cache_resource(max_entries=16, show_spinner=False)
def _start_part(key: RaceSettings) -> str:
    return _PARTS.take(("start", key), runs.start_part, key)


#: The pad and the grid of starts set off ahead (:func:`part_ahead`), by kind and key
#: (:func:`~momentum_app.race.runs.pad_key`, :func:`~momentum_app.race.runs.start_key`).
_PARTS = compute.SetOff()


def part_ahead(s: RaceSettings, kinds: frozenset[str] | set[str]) -> None:
    """Set off the heaviest of the parts ``kinds`` that the visitor's chart asked for (the
    grid of starts, ~80 ms, else the pad, ~25 ms) as another job of this visitor (see
    :class:`~momentum_app.ui.compute.SetOff`), unless it is under way or was computed: it
    runs on the other core while the page computes its race and draws, and its feed, last
    on the page, takes it (:func:`race_parts`). One part only: the race, which the visitor
    sees first, keeps the second core."""
    if "start" in kinds:
        key = runs.start_key(s)
        _PARTS.set_off(("start", key), runs.start_part, key)
    elif "pad" in kinds:
        key = runs.pad_key(s)
        _PARTS.set_off(("pad", key), runs.pad_part, key)


def race_parts(
    s: RaceSettings, kinds: frozenset[str] | set[str] = frozenset({"alpha", "pad", "start"})
) -> dict[str, str | None]:
    """The sets of runs of ``kinds`` that join a race after it is drawn (the learning-rate
    line ``alpha``, the (α, β) ``pad``, the grid of starts ``start``), each cached on the
    settings that decide it (see :func:`momentum_app.race.runs.line_key` and its siblings)
    for every visitor."""
    parts = {
        "alpha": lambda: _line_part(runs.line_key(s)),
        "pad": lambda: _pad_part(runs.pad_key(s)),
        "start": lambda: _start_part(runs.start_key(s)),
    }
    return {kind: part() for kind, part in parts.items() if kind in kinds}


@st.cache_resource(max_entries=64, show_spinner=False)
def _inspection(s: RaceSettings, key: str) -> dict:
    (name,) = s.optimizers
    return run_inspection(s.objective, name, s.lr, s.momentum, s.start, s.steps,
                          noise=s.noise, seed=s.seed, key=key)  # fmt: skip


def race_inspections(s: RaceSettings, requests: tuple[tuple, ...]) -> str | None:
    """The step inspector's numbers of the runs a race asked for (see
    :func:`momentum_app.race.race_chart.inspect_requests`), as an ``inspect`` part; each
    run cached on its own settings for every visitor. None when nothing was asked."""
    if not requests:
        return None
    found = []
    for key, name, lr, momentum, start in requests:
        one = replace(runs.solo(replace(s, lr=lr, momentum=momentum, start=start), name), ramp=())
        try:
            found.append(_inspection(one, key))
        except ValueError as err:  # a setting out of range: said, not raised
            found.append({"key": key, **unavailable(f"no numbers for this run ({err}).")})
    return inspect_part(found)


def race_html(s: RaceSettings, data: str) -> str:
    """The race ``data`` of ``s`` as one offline HTML file, its parts inlined (scrubs work)."""
    racers = "; ".join(runs.racer_label(n, s) for n in s.optimizers)
    return standalone_html(data, title=f"Race on {s.objective.title}", momentum=s.momentum,
                           heading=f"{runs.export_title(s)} · {racers}",
                           parts={} if s.tuned else race_parts(s))  # fmt: skip


@st.cache_resource(max_entries=8, show_spinner=False)
def race_surface(s: RaceSettings, font_size: int = 14):
    """The static 3D view of a runs."""
    obj = s.objective
    return surface_figure(obj, runs.race_runs(obj, race_results(s), s), font_size=font_size)


#: A scene is known by its ``repr`` (a frozen dataclass's: every field, floats exactly):
#: 10 µs, where Streamlit's hash of the dataclass took 2-8 ms, on every page run of every
#: follower in a room.
_SCENE_KEY = {scenes.Scene: repr}


@st.cache_resource(max_entries=32, show_spinner=False, hash_funcs=_SCENE_KEY)
def scene_stage(scene: scenes.Scene) -> scenes.Stage:
    """A scene, run: its 2-D runs through the playground's cache of single runs, a model
    scene's network through the model page's caches; kept whole (its captions' fields too),
    as the room's followers each draw it."""
    return scenes.stage(scene, _run_one, model_race, _network_path)


@st.cache_resource(max_entries=16, show_spinner=False, hash_funcs=_SCENE_KEY)
def scene_data(scene: scenes.Scene, font_size: int = 14, inspect: bool = True) -> str:
    """A scene's race component data (a resource, like :func:`race_view`); without the
    step inspector's numbers for a room's followers, who are many and on phones."""
    return scenes.stage_view(scene, scene_stage(scene), font_size, inspect)


@st.cache_resource(max_entries=16, show_spinner=False, hash_funcs=_SCENE_KEY)
def scene_asking(scene: scenes.Scene, font_size: int = 14) -> str:
    """A scene's chart while its question on the chart is open, as a follower's browser
    gets it: the landscape, the start, the racers and the values to pick from, none of the
    runs (their paths and ends would answer it: see ``scenes.stage_view``)."""
    return scenes.stage_view(scene, scene_stage(scene), font_size, inspect=False, runs=False)


@dataclass(frozen=True, eq=False)
class SceneShown:
    """What a room's page draws of a scene, the same for every page that draws it at one
    font and inspector setting: a room's followers (many, on one worker, all rerun at each
    Next) each take it from :func:`scene_shown` rather than from three cached functions and
    a caption formatted anew.

    Attributes:
        staged: The scene, run (:func:`scene_stage`).
        caption: Its caption, filled in, as markdown (``*`` escaped: f* is no emphasis), or
            as plain text for a presenter's own talk (``own``).
        failed: The checks its runs do not bear out, each as plain text.
        data: The race component's data (:func:`scene_data`).
        parts: The sets of runs that travel with the chart (a pad question's pad).
        asking: A question on the chart, before its reveal, as a follower's chart gets it:
            its data with no run (:func:`scene_asking`); None where no follower is asked
            (no such question, or the presenter's page, which keeps the race).
        asking_parts: Its parts then (a pad question's grid, with no run).
    """

    staged: scenes.Stage
    caption: str
    failed: tuple[str, ...]
    data: str
    parts: tuple[str, ...]
    asking: str | None = None
    asking_parts: tuple[str, ...] = ()


#: The scenes :func:`scene_shown` holds: a talk's scenes at a font or two, for the whole
#: process (its values are shared with scene_stage's and scene_data's caches, not copies).
_SHOWN: OrderedDict[tuple, SceneShown] = OrderedDict()
_SHOWN_SIZE = 48
_SHOWN_LOCK = threading.Lock()


def scene_shown(
    scene: scenes.Scene, font_size: int = 14, inspect: bool = True, own: bool = False
) -> SceneShown:
    """The scene as a room's page draws it (see :class:`SceneShown`), computed once per
    process for every session: a follower's rerun on the presenter's Next is then one
    dictionary look-up here. ``inspect``: with the step inspector's numbers (not for
    followers); ``own``: a presenter's own talk (its caption is typed text)."""
    key = (repr(scene), font_size, inspect, own)
    with _SHOWN_LOCK:
        found = _SHOWN.get(key)
        if found is not None:
            _SHOWN.move_to_end(key)
            return found
    staged = scene_stage(scene)
    text = scenes.caption(scene, staged.values)
    asked = staged.asked
    asks = not inspect and scene.question is not None and scene.question.kind in scenes.ON_CHART
    found = SceneShown(
        staged=staged,
        caption=plain(text) if own else text.replace("*", r"\*"),
        failed=tuple(map(plain, scenes.failed_checks(scene, staged.values))),
        data=scene_data(scene, font_size, inspect),
        parts=(asked.part,) if asked is not None and asked.part else (),
        asking=scene_asking(scene, font_size) if asks else None,
        asking_parts=scenes.asking_parts(scene, asked) if asks else (),
    )
    with _SHOWN_LOCK:
        found = _SHOWN.setdefault(key, found)  # two sessions at once: one object for both
        while len(_SHOWN) > _SHOWN_SIZE:
            _SHOWN.popitem(last=False)
    return found


#: Scenes whose chart data this process has set out to compute ahead (see :func:`warm_scene`).
_WARMING: set[tuple] = set()
_WARM_LOCK = threading.Lock()


def warm_scene(scene: scenes.Scene, font_size: int, inspect: bool) -> None:
    """Compute :func:`scene_shown` ahead, in a thread of its own, once per process: in a
    room the presenter's Next is then drawn from the cache on the presenter's worker and on
    every follower's (a scene's runs and data, and on the presenter's page the step
    inspector's numbers, ~1 ms a run compiled, cost a follower's first run of a scene tens
    of milliseconds while the room waits). The presenter's worker warms its followers'
    version too: they may share it."""
    key = (scene, font_size, inspect)
    with _WARM_LOCK:
        if key in _WARMING:
            return
        if len(_WARMING) >= 256:  # bounded: a few talks' scenes
            _WARMING.clear()
        _WARMING.add(key)
    threading.Thread(target=_warm, args=key, name="warm-scene", daemon=True).start()


#: Seconds a scene's warm-up waits: the room's pages, all redrawn at once, go first.
WARM_AFTER = 2.0


def _warm(scene: scenes.Scene, font_size: int, inspect: bool) -> None:
    time.sleep(WARM_AFTER)
    with contextlib.suppress(Exception):  # the page computes it, and says what failed, when shown
        scene_shown(scene, font_size, inspect)


@st.cache_resource(max_entries=2, show_spinner="Writing the talk...")
def talk_file() -> str:
    """Every scene of the scenes file as one offline HTML talk (see talk.export)."""
    return talk_html(scenes.scenes())


@st.cache_data(max_entries=64, show_spinner=False)
def sweep_rows(s: SweepSettings, rows: tuple[int, int]) -> SweepResult:
    """Rows ``rows[0]:rows[1]`` (momentum values) of the sweep ``s``, cached apiece so
    the page can show progress while a big grid computes."""
    return compute.compute(sweep_figures.sweep_rows, s, rows)


def sweep_result(s: SweepSettings) -> SweepResult:
    """The whole sweep, from its cached row slices."""
    return stack_rows([sweep_rows(s, rows) for rows in sweep_figures.row_slices(s.grid)])


@st.cache_resource(max_entries=8, show_spinner=False)
def sweep_view(s: SweepSettings, font_size: int, presenting: bool = False) -> str:
    """The race component's data for the sweep: the map (in presenter mode's look when
    ``presenting``), beside the race of its best robust cell (one resource for every
    visitor)."""
    result, obj = sweep_result(s), s.objective
    figure = sweep_figures.sweep_figure(
        result, s.metric, runs.TOLERANCE, obj, font_size, presenting
    )
    row, col = sweep_figures.best_robust_cell(result)
    cell = runs.solo(sweep_figures.cell_race(s, result, row, col), s.optimizer)
    track = runs.Track(s.optimizer, LABELS[s.optimizer], COLORS[s.optimizer],
                       Family(s.optimizer, None, _run_one(cell)))  # fmt: skip
    spec = runs.map_spec(figure, result.lr[0], result.momentum[:, 0])
    return runs.view(obj, s.start, [track], font_size, cell.lr, spec, cell.momentum)


@st.cache_resource(max_entries=8, show_spinner="Running every cell's path...")
def sweep_paths(s: SweepSettings) -> str:
    """The paths of the sweep's cells (up to 60 x 60 of them) as the map's ``pad`` part."""
    return compute.compute(sweep_figures.paths_part, s, sweep_result(s))


#: Basin maps computed in this process, by (settings at β 0, β), most recent last: a set
#: of maps asks the runner only for those not here (a new chosen β costs one map, not the
#: whole set again).
_MAPS: OrderedDict[tuple[MinimaSettings, float], BasinMap] = OrderedDict()
_MAPS_SIZE = 128
_MAPS_LOCK = threading.Lock()


@st.cache_resource(max_entries=8, show_spinner="Running every start of the grid...")
def _basin_set(s: MinimaSettings, momenta: tuple[float, ...]) -> tuple[BasinMap, ...]:
    """The basin maps at ``momenta`` on ``s``'s grid (``s`` at β 0): those this process
    has, and the others as one job of the visitor, one call of the runner for them all."""
    with _MAPS_LOCK:
        known = {b: _MAPS[(s, b)] for b in momenta if (s, b) in _MAPS}
        for b in known:
            _MAPS.move_to_end((s, b))
    missing = tuple(b for b in momenta if b not in known)
    if missing:
        known |= compute.compute(basin_figures.basin_maps_at, s, missing)
        with _MAPS_LOCK:
            for b in missing:
                _MAPS[(s, b)] = known[b]
            while len(_MAPS) > _MAPS_SIZE:
                _MAPS.popitem(last=False)
    return tuple(known[b] for b in momenta)


def minima_maps(s: MinimaSettings, every: bool = True) -> tuple[np.ndarray, list[BasinMap]]:
    """Basin maps of heavy ball at 0 (plain gradient descent) and the chosen momentum, or,
    with ``every``, at every momentum the right-hand map scrubs through (see
    :func:`~momentum_app.studies.basin_figures.scrub_momenta`). Each map is computed once
    per setting and β for every visitor, those a page needs at once in one job."""
    momenta = basin_figures.scrub_momenta(s.momentum) if every else np.unique([0.0, s.momentum])
    key = replace(s, momentum=0.0)  # a map is one β's: the chosen momentum is not its key
    with _MAPS_LOCK:
        new = any((key, float(b)) not in _MAPS for b in momenta)
    if new:  # a new setting: its success study on the other core while the maps compute
        _study_ahead(key)
    return momenta, list(_basin_set(key, tuple(float(b) for b in momenta)))


@st.cache_resource(max_entries=16, show_spinner=False)
def basin_scrub(
    s: MinimaSettings, font_size: int, every: bool = True, presenting: bool = False
) -> str:
    """The right-hand basin map with its β slider (across ``every`` β of the set, or 0 and
    the chosen one), as the race component's data (``presenting``: presenter mode's look)."""
    momenta, maps = minima_maps(s, every)
    label = basin_figures.grid_share_label(s)
    spec = basin_figures.basin_scrub(s.objective, maps, momenta, s.momentum, s.lr, label,
                                     font_size=font_size, presenting=presenting)  # fmt: skip
    return pio.to_json({"scrub": spec}, validate=False, pretty=False)  # numpy arrays inside


#: Success studies set off ahead (:func:`_study_ahead`), by settings at β 0.
_STUDIES = compute.SetOff()


def _study_ahead(s: MinimaSettings) -> None:
    """Set off the success study of ``s`` (at β 0) as another job of this visitor (see
    :class:`~momentum_app.ui.compute.SetOff`), unless it is under way or was computed: on a
    first visit the maps and the study, each about half a second, then share two cores."""
    _STUDIES.set_off(s, basin_figures.success_study, s)


@st.cache_data(max_entries=16, show_spinner="Running the random starts...")
def _success(s: MinimaSettings) -> SuccessStudy:
    return _STUDIES.take(s, basin_figures.success_study, s)


def success(s: MinimaSettings) -> SuccessStudy:
    """Success rates at half, once and twice the learning rate, momentum 0 to 0.99: the
    same whatever the right-hand map's β, so a new β on its slider reuses them."""
    return _success(replace(s, momentum=0.0))


@st.cache_data(max_entries=16, show_spinner="Simulating the grid of runs...")
def rate_maps(condition: float) -> RateMaps:
    return compute.compute(theory_view.rate_maps, condition)


@st.cache_resource(max_entries=16, show_spinner="Running the pad's runs...")
def theory_pad(condition: float) -> str:
    """The theory map's runs (a ``pad`` part), once per condition number for every visitor."""
    return compute.compute(theory_view.pad_part, condition)


@st.cache_resource(max_entries=64, show_spinner=False)
def theory_race(
    condition: float, alpha: float, beta: float, font_size: int, presenting: bool = False
) -> str:
    """The theory page's map and the race at (alpha, beta) beside it."""
    maps = rate_maps(condition)
    return theory_view.map_race(maps, condition, alpha, beta, font_size, presenting)


@st.cache_data(max_entries=64, show_spinner=False)
def prediction(condition: float, alpha: float, beta: float) -> Prediction:
    return theory_view.predict(condition, alpha, beta)


@st.cache_data(max_entries=16, show_spinner=False)
def tips(condition: float) -> list[str]:
    return theory_view.tips(condition)


@st.cache_resource(max_entries=8, show_spinner="Training the network at every β...")
def model_race(s: ModelSettings) -> model_view.ModelRace:
    """Every seed at every momentum of the model page's grid, once per setting for every
    visitor (a resource: ~1 MB of losses at the limits, never copied per hit)."""
    return compute.compute(model_view.race_for, s)


@st.cache_resource(max_entries=8, show_spinner="Recording one network's path at every β...")
def _network_path(s: ModelSettings, target: float | None = None) -> model_view.NetworkPath:
    return model_view.path_for(s, target)


@st.cache_resource(max_entries=8, show_spinner=False)
def model_path(
    s: ModelSettings, font_size: int, target: float | None = None
) -> tuple[model_view.NetworkPath, str]:
    """One seed's weights at every β, projected on the plane of its paths, and the race
    component's data for them (SGD, and momentum as a family the β slider scrubs);
    ``target`` the verdict's, the chart's finish line."""
    path = _network_path(s, target)
    racers = [
        runs.Track("sgd", LABELS["sgd"], COLORS["sgd"], Family("sgd", None, path.sgd)),
        runs.Track("momentum", LABELS["momentum"], COLORS["momentum"],
                   Family("momentum", path.momenta, path.family)),
    ]  # fmt: skip
    data = runs.view(path.objective, path.start, racers, font_size, s.lr,
                     tolerance=path.tolerance, axes=model_view.path_axes(path))  # fmt: skip
    return path, data
