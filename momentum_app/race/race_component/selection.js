// Which run every racer shows: pure functions of the race's state, no DOM. Needs
// RaceDecode (decode.js).
//
// The state (race.js's race object) holds, for these: tracks (each with its sets of runs:
// beta, and as they arrive alpha, pad, start), axes (each arrived set's values: axes.alpha
// {alphas, beta}, axes.pad {alphas, betas}, axes.start {xs, ys, alpha, beta}), betas (the
// β slider's values, or null), steps, chosen {alpha, beta, start} (what the app holds) and
// sel {kind, index, beta}: which set ("beta", "alpha", "pad", "start") and which run of it.
"use strict";
const RaceSelection = (() => {
  if (typeof RaceDecode === "undefined") throw new Error("selection.js needs decode.js first");
  const D = RaceDecode;

  // The pad's columns (α) and rows (β), or null before it arrives.
  function padShape(axes) {
    const a = axes.pad;
    return a ? {nA: a.alphas.length, nB: a.betas.length} : null;
  }

  // The set and run racer t shows under the selection, or null (not on this view).
  function member(state, t) {
    const {kind, index} = state.sel;
    if (kind === "start" && t.sets.start) return [t.sets.start, index];
    if (kind === "alpha" && t.sets.alpha) return [t.sets.alpha, index];
    if (kind === "pad") {
      if (t.sets.pad) return [t.sets.pad, index];
      // Without momentum, a cell's run is on the α line (the pad's rates are some of the
      // line's, the same numbers): the line's member at the cell's α.
      if (!t.momentum && t.sets.alpha) {
        const a = state.axes.pad.alphas[index % padShape(state.axes).nA];
        return [t.sets.alpha, D.nearestIndex(state.axes.alpha.alphas, a)];
      }
      return null;  // a second momentum racer: the pad is the first one's
    }
    const b = t.sets.beta;
    return [b, b.runs > 1 ? state.sel.beta : 0];
  }

  // The (α, β) and start the selection stands for.
  function shownSettings(state) {
    const {kind, index} = state.sel, c = state.chosen;
    if (kind === "alpha") return {alpha: state.axes.alpha.alphas[index], beta: c.beta, start: c.start};
    if (kind === "pad") {
      const {nA} = padShape(state.axes), a = state.axes.pad;
      return {alpha: a.alphas[index % nA], beta: a.betas[Math.floor(index / nA)], start: c.start};
    }
    if (kind === "start") {
      const a = state.axes.start, n = a.xs.length;
      return {alpha: c.alpha, beta: c.beta, start: [a.xs[index % n], a.ys[Math.floor(index / n)]]};
    }
    return {alpha: c.alpha, beta: state.betas ? state.betas[state.sel.beta] : c.beta, start: c.start};
  }

  // The index of the chosen β on the slider (0.9 before the app says).
  function ownBeta(state) {
    return state.betas ? D.nearestIndex(state.betas, state.chosen.beta ?? 0.9) : 0;
  }

  // The selection of the chosen settings (the sidebar's).
  function chosenSel(state) {
    const beta = ownBeta(state);
    return {kind: "beta", index: beta, beta};
  }

  // Whether the selection moves racer t's β (a scene's other momentum racers keep their own).
  function moves(state, t) {
    const kind = state.sel.kind;
    if (kind !== "beta") return Boolean(t.sets[kind]);
    return t.sets.beta.runs > 1 || !state.betas;  // no family: its one β is the chosen one
  }

  // The step where every shown run has stopped (diverged, or the last): the rest is still.
  function endStep(state) {
    let end = 0;
    for (const t of state.tracks) {
      const got = member(state, t);
      if (!got) continue;
      const k = got[0].diverged[got[1]];
      end = Math.max(end, k >= 0 ? k : state.steps);
    }
    return end;
  }

  // Cells of a grid counted row by row: the pad's (i: α, j: β), the starts' (i: x, j: y).
  const padIndex = (axes, i, j) => j * axes.pad.alphas.length + i;
  const startIndex = (axes, i, j) => j * axes.start.xs.length + i;

  // The pad's cell nearest to (α, β): [i, j].
  function padCellOf(axes, alpha, beta) {
    return [D.nearestIndex(axes.pad.alphas, alpha), D.nearestIndex(axes.pad.betas, beta)];
  }

  // The precomputed start nearest to (x, y), as an index of the grid of starts.
  function nearestStart(axes, x, y) {
    const a = axes.start;
    return D.nearestIndex(a.ys, y) * a.xs.length + D.nearestIndex(a.xs, x);
  }

  // Whether the grid of starts belongs to the settings chosen now.
  function startReady(state) {
    const a = state.axes.start, c = state.chosen;
    return Boolean(a) && a.alpha === c.alpha && a.beta === c.beta;
  }

  // Whether `chosen` repeats what the state holds (the app told it again).
  function sameChosen(state, chosen) {
    return Object.keys(chosen).every((k) => state.chosen[k] === chosen[k]);
  }

  return {padShape, member, shownSettings, ownBeta, chosenSel, moves, endStep, padIndex,
          startIndex, padCellOf, nearestStart, startReady, sameChosen};
})();
if (typeof module !== "undefined") module.exports = RaceSelection;
